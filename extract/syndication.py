"""Group syndicated copies of one story and pick the original."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .chinese import normalize_text
from .fingerprint import hamming


@dataclass(frozen=True)
class SyndicationCandidate:
    id: str
    site: str | None
    original_source: str | None
    published: datetime | None
    url: str


def group_near_duplicates(items: Sequence[tuple[str, int]], max_distance: int = 3) -> list[list[str]]:
    """Connected components of ids whose fingerprints differ by at most ``max_distance`` bits.

    Groups (including singletons) are returned sorted inside and by their first id, so output is
    deterministic whatever the input order. Quadratic, which is fine for a nightly batch of thousands.
    """
    ids = [i for i, _ in items]
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if hamming(items[a][1], items[b][1]) <= max_distance:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[rb] = ra
    groups: dict[int, list[str]] = {}
    for idx, id_ in enumerate(ids):
        groups.setdefault(find(idx), []).append(id_)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def _norm(name: str | None) -> str:
    return normalize_text(name or "").replace(" ", "").strip()


def _site_matches(site: str | None, source: str | None) -> bool:
    s, src = _norm(site), _norm(source)
    return bool(s and src) and (s == src or s in src or src in s)


def choose_original(candidates: Sequence[SyndicationCandidate]) -> str:
    """Id of the original: the copy whose site is the stated 来源 (of any copy), else the earliest
    published (undated copies last), ties broken by id."""
    if not candidates:
        raise ValueError("choose_original needs at least one candidate")
    sources = {c.original_source for c in candidates if c.original_source}
    matching = [c for c in candidates if any(_site_matches(c.site, s) for s in sources)]
    pool = matching or list(candidates)

    def key(c: SyndicationCandidate) -> tuple[int, float, str]:
        return (c.published is None, c.published.timestamp() if c.published else 0.0, c.id)

    return min(pool, key=key).id
