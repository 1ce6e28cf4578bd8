"""The site's search index: what ``build_search_index`` writes under ``search/`` and ``static/search.js`` reads.

The format is specified in docs/site.md (*The index format*)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from site_builder import search_postings
from site_builder.models import NATIONAL_CODE
from site_builder.search_tokens import index_tokens, normalise, synonym_keys, synonyms_digest
from yigai import listing

__all__ = ["SearchDoc", "SearchEntry", "SearchReport", "build_search_index", "plan_tiers"]

logger = logging.getLogger(__name__)

INDEX_DIR = "search"
FORMAT = "yigai-search-3"  # in index.json and every tier's key: change it with the file format
LEAD_CHARS = 60
CHUNK = 32  # pages per d<c>.json (~5 KB): a result fetches the chunk that lists it
TITLE_BOOST = 4
K1 = 1.2
B = 0.75
PIVOT_LENGTH = 2000  # tokens (characters + pairs: a 1,000-character page): BM25's "average page length", fixed so that a tier is indexed in one pass
MAX_WEIGHT = 15
BUCKET_BYTES = 4096  # a bucket file stays near this size (a query fetches one per key and tier) …
OWN_FILE_BYTES = 1024  # … as a list longer than this has a file of its own
MIN_UNIT = 1024
TAIL_SHARE = 32
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


class SearchEntry(NamedTuple):
    """One article page, as the builder knows it without reading its text."""

    id: str
    key: str  # a digest of everything its SearchDoc holds
    day: str  # "2025-03-01" (China time), the SearchDoc's date


@dataclass(frozen=True)
class SearchDoc:
    """What the index takes from one article page."""

    id: str
    url: str  # site-root-relative, no leading slash: "article/<id>.html"
    title: str
    date: str  # "2025-03-01"
    place: str  # "河北省 · 邯郸市", "全国" or ""
    regions: tuple[str, ...]  # division codes, with their ancestors
    topics: tuple[str, ...]  # topic slugs
    text: str  # everything else that is searched: the body, attachment titles, region and topic names


@dataclass(frozen=True)
class SearchReport:
    tiers: int
    indexed: int  # tiers indexed by this build (the others kept their files)


def plan_tiers(pages: int) -> list[tuple[int, int]]:
    """(first page, pages) of each tier: the base (if any), then the tail (if any)."""
    unit = MIN_UNIT
    while unit * TAIL_SHARE < pages:
        unit *= 2
    base = pages // unit * unit
    return [(start, count) for start, count in ((0, base), (base, pages - base)) if count]


def bucket_of(key: str, buckets: int) -> int:
    """FNV-1a (32 bit) over the key's UTF-16 code units (all in the BMP), modulo ``buckets`` (a power of two)."""
    h = _FNV_OFFSET
    for char in key:
        h = ((h ^ ord(char)) * _FNV_PRIME) & 0xFFFFFFFF
    return h & (buckets - 1)


def own_file(key: str) -> str:
    return "p/" + "".join(f"{ord(c):04x}" for c in key) + ".bin"


def dumps(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Titles are shown as text, but the files stay inert even if ever inlined into a page.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")


def _weight(tf: int, length: int) -> int:
    norm = K1 * (1 - B + B * length / PIVOT_LENGTH)
    return max(1, min(MAX_WEIGHT, round(MAX_WEIGHT * tf / (tf + norm))))


def _lead(text: str) -> str:
    """The start of the first paragraph, shown under a result's title (a query's own excerpt would need the
    article's text: tens of KB a result on a phone)."""
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= LEAD_CHARS else first[: LEAD_CHARS - 1] + "…"


def tier_files(docs: Iterable[SearchDoc], size: int) -> dict[str, bytes]:
    """The files of one tier of ``size`` pages (name relative to its directory → bytes), pages in order."""
    lists: dict[str, tuple[array, bytearray]] = {}  # key -> (pages, weights)
    chunk: list[list[str]] = []
    files: dict[str, bytes] = {}
    number = -1
    for number, doc in enumerate(docs):
        body = normalise(f"{doc.place}\n{doc.text}")
        counts = index_tokens(body, normalised=True)
        counts.update(synonym_keys(body, normalised=True))
        title = normalise(doc.title)
        for token, n in (index_tokens(title, normalised=True) + synonym_keys(title, normalised=True)).items():
            counts[token] += n * TITLE_BOOST
        length = sum(counts.values())
        weight_of = {tf: _weight(tf, length) for tf in set(counts.values())}
        get = lists.get
        for token, tf in counts.items():
            found = get(token)
            if found is None:
                found = lists[token] = (array("I"), bytearray())
            found[0].append(number)
            found[1].append(weight_of[tf])
        for key in dict.fromkeys([*(f"r:{c}" for c in doc.regions), *(f"t:{s}" for s in doc.topics)]):
            lists.setdefault(key, (array("I"), bytearray()))[0].append(number)
        chunk.append([doc.url, doc.title, doc.date, doc.place, _lead(doc.text)])
        if len(chunk) == CHUNK:
            files[f"d{number // CHUNK}.json"] = dumps(chunk)
            chunk = []
    if chunk:
        files[f"d{number // CHUNK}.json"] = dumps(chunk)
    if number + 1 != size:
        raise ValueError(f"search: a tier of {size} pages was given {number + 1}")
    small: dict[str, str | int] = {}
    small_bytes = 0
    for key in sorted(lists):
        # A list on more than half the pages (whose weights alone would need a file) has one weight for all.
        shared = len(lists[key][0]) > max(2 * OWN_FILE_BYTES, size // 2)
        data = search_postings.encode(*lists[key], size, shared=shared)
        if len(data) > OWN_FILE_BYTES:
            files[own_file(key)] = data
            small[key] = 0
        else:
            small[key] = base64.b64encode(data).decode("ascii")
            small_bytes += len(small[key]) + 3 * len(key) + 6
        del lists[key]
    buckets = 1
    while buckets * BUCKET_BYTES < small_bytes:
        buckets *= 2
    split: list[dict[str, str | int]] = [{} for _ in range(buckets)]
    for key, value in small.items():
        split[bucket_of(key, buckets)][key] = value
    files.update((f"b{k}.json", dumps(part)) for k, part in enumerate(split))
    files["tier.json"] = dumps({"buckets": buckets, "files": len(files) + 1, "pages": size})
    return files


def _days(entries: Sequence[SearchEntry]) -> list[list[int]]:
    """The pages per day, as [days after the previous listed day (the first: after 1970-01-01), pages]."""
    out: list[list[int]] = []
    previous = 0
    for entry in entries:
        day = date.fromisoformat(entry.day).toordinal() - 719163  # 1970-01-01
        if out and day == previous:
            out[-1][1] += 1
        else:
            if day < previous:
                raise ValueError(f"search: pages out of date order at {entry.id} ({entry.day})")
            out.append([day - previous, 1])
            previous = day
    return out


def _tier_key(entries: Sequence[SearchEntry], start: int) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{FORMAT}\n{synonyms_digest()}\n{start}\n{len(entries)}\n".encode())
    for entry in entries:
        h.update(f"{entry.id}\t{entry.key}\n".encode())
    return h.hexdigest()


def _keep(writer: object, prefix: str, key: str) -> dict | None:
    """Keep a tier that an earlier build made from ``key`` (in the staging or the published tree) when every
    file its ``tier.json`` counts is there; its ``tier.json``, else None."""
    for tree, manifest in ((writer.root, writer.staged), (writer.previous, writer.live)):  # type: ignore[attr-defined]
        if tree is None:
            continue
        rels = sorted(rel for rel, entry in manifest.items() if rel.startswith(prefix) and entry[0] == key)
        try:
            tier = json.loads((tree / prefix / "tier.json").read_bytes())
        except (OSError, ValueError):
            continue
        if tier.get("files") != len(rels) or not all(os.path.isfile(tree / rel) for rel in rels):
            continue
        for rel in rels:
            writer.emit(rel, key, (tree / rel).read_bytes)  # type: ignore[attr-defined]
        return tier
    return None


def _facets() -> dict[str, bytes]:
    """``facets.json`` (provinces and topics) and ``regions/<province>.json`` (its cities and counties), from
    the division table and the taxonomy (read without importing the extractor: its import is a second)."""
    divisions = sorted(listing.division_table().values(), key=lambda d: d.code)
    provinces = [[NATIONAL_CODE, "全国", ""]] + [[d.code, d.name, ""] for d in divisions if d.level == "province"]
    topics = [[slug, label] for slug, label in listing.topic_labels().items()]
    files = {"facets.json": dumps({"format": FORMAT, "regions": provinces, "topics": topics})}
    below: dict[str, list[list[str]]] = {}
    for d in divisions:
        if d.level != "province":  # GB/T 2260: a code's first two digits are its province's
            below.setdefault(d.code[:2] + "0000", []).append([d.code, d.name, d.parent])
    files.update((f"regions/{code}.json", dumps(rows)) for code, rows in below.items())
    return files


def build_search_index(
    writer: object, entries: Sequence[SearchEntry], load: Callable[[Sequence[str]], Iterable[SearchDoc]]
) -> SearchReport:
    """Write ``search/``: ``entries`` are every article page, oldest first; ``load(ids)`` gives the pages'
    SearchDocs in that order, and is called only for the tiers that changed."""
    tiers = []
    indexed = 0
    for start, count in plan_tiers(len(entries)):
        part = entries[start : start + count]
        key = _tier_key(part, start)
        name = f"t{key}"
        prefix = f"{INDEX_DIR}/{name}/"
        tier = _keep(writer, prefix, key)
        if tier is None:
            writer.discard(prefix)  # type: ignore[attr-defined]  # a staged copy the manifest trusts, perhaps damaged
            files = tier_files(load([e.id for e in part]), count)
            for rel, data in sorted(files.items()):
                writer.emit(prefix + rel, key, data)  # type: ignore[attr-defined]
            tier = json.loads(files["tier.json"])
            indexed += 1
        tiers.append({"buckets": tier["buckets"], "name": name, "pages": count, "start": start})
    index = {"chunk": CHUNK, "days": _days(entries), "format": FORMAT, "pages": len(entries), "tiers": tiers}
    writer.write(f"{INDEX_DIR}/index.json", dumps(index))  # type: ignore[attr-defined]
    for rel, data in sorted(_facets().items()):
        writer.write(f"{INDEX_DIR}/{rel}", data)  # type: ignore[attr-defined]
    logger.info("search: %d pages in %d tiers, %d indexed", len(entries), len(tiers), indexed)
    return SearchReport(len(tiers), indexed)
