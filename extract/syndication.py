"""Group syndicated copies of one story and pick the original."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .chinese import normalize_text
from .fingerprint import hamming, resemblance


@dataclass(frozen=True)
class SyndicationCandidate:
    id: str
    site: str | None
    original_source: str | None
    published: datetime | None
    url: str


# Above this many articles sharing one sketch value, the value is boilerplate, not evidence of a copy.
_MAX_POSTING = 200
MIN_RESEMBLANCE = 0.6


def group_near_duplicates(
    items: Sequence[tuple[str, int] | tuple[str, int, tuple[int, ...]]],
    max_distance: int = 3,
    min_resemblance: float = MIN_RESEMBLANCE,
) -> list[list[str]]:
    """Connected components of near-duplicate ids.

    Two items are copies when their SimHashes differ by at most ``max_distance`` bits, or when their
    bottom-k sketches (optional third element) estimate a Jaccard resemblance of at least ``min_resemblance``.
    Candidates come from indexes (SimHash split into ``max_distance + 1`` bands: by the pigeonhole principle
    close hashes share a band exactly; and sketch values), so a store of 100,000 articles is not compared
    pairwise. Groups, sorted inside and by first id, are deterministic whatever the input order.
    """
    ids = [it[0] for it in items]
    hashes = [it[1] for it in items]
    sketches = [tuple(it[2]) if len(it) > 2 else () for it in items]  # type: ignore[misc]
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    bands = max_distance + 1
    width = 64 // bands
    postings: dict[tuple[str, int, int], list[int]] = {}
    for idx, h in enumerate(hashes):
        if h:
            for b in range(bands):
                postings.setdefault(("b", b, (h >> (b * width)) & ((1 << width) - 1)), []).append(idx)
        for v in sketches[idx]:
            postings.setdefault(("s", 0, v), []).append(idx)
    checked: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) < 2 or len(members) > _MAX_POSTING:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if (a, b) in checked:
                    continue
                checked.add((a, b))
                close = bool(hashes[a]) and hamming(hashes[a], hashes[b]) <= max_distance
                if close or resemblance(sketches[a], sketches[b]) >= min_resemblance:
                    ra, rb = find(a), find(b)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
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
