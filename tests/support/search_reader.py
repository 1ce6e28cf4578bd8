"""The search as ``static/search.js`` runs it, over a built site's ``search/`` files (for tests and tools).

A query's words are cut as search.js cuts them (``query_words``: each word's forms — as typed, in Simplified
characters through ``templates/static/t2s.json``, as a synonym group's ``s:`` key); posting lists are decoded as
search.js decodes them (``decode``). A page is found when it matches every word of the query and every filter: a
region (``r:<code>``: the page is filed under it or a place below it), a topic (``t:<slug>``), a date range
(whole days, through ``index.json``'s pages per day). A query without words but with a filter finds every
page the filters allow. Sorted by ``relevance`` (score, then newer first) or ``date`` (newer first).
"""

from __future__ import annotations

import base64
import json
import math
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import add
from pathlib import Path

from site_builder.search_index import INDEX_DIR, bucket_of, own_file
from site_builder.search_postings import BITMAP, WEIGHTED
from site_builder.search_tokens import normalise, synonym_groups

T2S_PATH = Path(__file__).resolve().parents[2] / "templates" / "static" / "t2s.json"
# Han: CJK Unified Ideographs, Extension A, Compatibility Ideographs (all in the BMP, as ``search_tokens``
# reads them). ASCII letters and digits after NFKC + lower-casing (full-width Ｄ→d).
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    pairs = json.loads(T2S_PATH.read_text("utf-8"))["pairs"]
    return {ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}


def to_simplified(text: str) -> str:
    """``text`` with each Traditional character of the table (``scripts/build_t2s.py``) made Simplified."""
    return text.translate(_t2s_table())


def form_tokens(text: str) -> list[str]:
    """The tokens a form of a query word looks up (every one must be in a page), distinct, in order."""
    found: list[str] = []
    for run in _TOKEN_RUN.findall(normalise(text)):
        parts: Iterable[str] = (run,) if run[0] < "\u3400" or len(run) == 1 else map(add, run, run[1:])
        for token in parts:
            if token not in found:
                found.append(token)
    return found




def _forms_of(word: str) -> list[str | list[str]]:
    """A word's forms, as text (tokenised later) or as keys: the ``s:`` key of the group it is a term of; else
    the word and, when it holds a group's term (the longest found, first group on a tie), the tokens of what
    stands before and after the term with the group's key (县域医共体: 县域 and any term of 医共体's group)."""
    best: tuple[str, ...] | None = None
    best_term = ""
    for group in synonym_groups():
        for term in group:
            if len(term) > len(best_term) and term in word:
                best, best_term = group, term
    if best is None:
        return [word]
    if best_term == word:
        return [[f"s:{best[0]}"]]
    before, _term, after = word.partition(best_term)
    return [word, [*form_tokens(before), *form_tokens(after), f"s:{best[0]}"]]


def query_words(query: str) -> list[list[list[str]]]:
    """Per word of ``query`` (split at spaces), the key lists of its forms ;
    words without keys are dropped."""
    words = []
    for word in normalise(query).split():
        simple = to_simplified(word)
        variants = _forms_of(word) + (_forms_of(simple) if simple != word else [])
        forms: list[list[str]] = []
        for variant in variants:
            keys = variant if isinstance(variant, list) else form_tokens(variant)
            if keys and keys not in forms:
                forms.append(keys)
        if forms:
            words.append(forms)
    return words


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def decode(data: bytes, size: int) -> tuple[array, bytes]:
    """(pages, weights) of an encoded list (weights empty when it has none)."""
    kind = data[0]
    count, at = _read_varint(data, 1)
    pages = array("I")
    if kind & BITMAP:
        end = at + (size + 7) // 8
        for j in range(at, end):
            byte = data[j]
            while byte:
                low = byte & -byte
                pages.append((j - at) * 8 + low.bit_length() - 1)
                byte ^= low
        at = end
    else:
        page = -1
        for _ in range(count):
            gap, at = _read_varint(data, at)
            page += gap + 1
            pages.append(page)
    if len(pages) != count:
        raise ValueError(f"posting list: {len(pages)} pages where {count} are due")
    if not kind & WEIGHTED:  # SHARED: one weight (a byte) for every page; else none, and the list ends here
        return pages, data[at : at + 1] * count
    weights = bytearray()
    for byte in data[at : at + (count + 1) // 2]:
        weights.append(byte & 0x0F)
        weights.append(byte >> 4)
    return pages, bytes(weights[:count])


@dataclass(frozen=True)
class Hit:
    url: str
    title: str
    date: str
    place: str
    score: float


@dataclass(frozen=True)
class Filters:
    region: str = ""
    topic: str = ""
    date_from: str = ""  # "2025-03-01", inclusive
    date_to: str = ""  # inclusive


class SiteIndex:
    """A built site's search files, read on demand and counted (``fetched``: the files a browser would fetch)."""

    def __init__(self, root: Path) -> None:
        self.folder = Path(root) / INDEX_DIR
        self.fetched: dict[str, int] = {}  # path under search/ → bytes
        self.index = self._json("index.json")

    def _bytes(self, rel: str) -> bytes:
        data = (self.folder / rel).read_bytes()
        self.fetched[rel] = len(data)
        return data

    def _json(self, rel: str) -> object:
        return json.loads(self._bytes(rel))

    def postings(self, key: str) -> dict[int, int]:
        """Global page number → weight (0 for a filter key) of every page holding ``key``."""
        found: dict[int, int] = {}
        for tier in self.index["tiers"]:
            name = tier["name"]
            bucket = self._json(f"{name}/b{bucket_of(key, tier['buckets'])}.json")
            value = bucket.get(key)
            if value is None:
                continue
            data = self._bytes(f"{name}/{own_file(key)}") if value == 0 else base64.b64decode(value)
            pages, weights = decode(data, tier["pages"])
            start = tier["start"]
            if weights:
                found.update(zip((start + p for p in pages), weights, strict=True))
            else:
                found.update(dict.fromkeys((start + p for p in pages), 0))
        return found

    def page_range(self, date_from: str, date_to: str) -> tuple[int, int]:
        """The global page numbers [first, end) of the pages dated in [date_from, date_to]."""
        low = date.fromisoformat(date_from).toordinal() - 719163 if date_from else -(10**9)
        high = date.fromisoformat(date_to).toordinal() - 719163 if date_to else 10**9
        first, end, day, page = None, 0, 0, 0
        for gap, count in self.index["days"]:
            day += gap
            if low <= day <= high:
                if first is None:
                    first = page
                end = page + count
            page += count
        return (first, end) if first is not None else (0, 0)

    def doc(self, number: int) -> list[str]:
        tier = next(t for t in self.index["tiers"] if t["start"] <= number < t["start"] + t["pages"])
        local = number - tier["start"]
        chunk = self._json(f"{tier['name']}/d{local // self.index['chunk']}.json")
        return chunk[local % self.index["chunk"]]


def search_files(
    root: Path, query: str, filters: Filters = Filters(), *, sort: str = "relevance", limit: int = 10
) -> tuple[int, list[Hit]]:
    """(pages found, the first ``limit`` of them in ``sort`` order)."""
    site = SiteIndex(root)
    return search_index(site, query, filters, sort=sort, limit=limit)


def search_index(
    site: SiteIndex, query: str, filters: Filters = Filters(), *, sort: str = "relevance", limit: int = 10
) -> tuple[int, list[Hit]]:
    words = query_words(query)
    has_filter = bool(filters.region or filters.topic or filters.date_from or filters.date_to)
    total_pages = site.index["pages"]
    if not total_pages or not (words or has_filter):
        return 0, []
    scores: dict[int, float] | None = None
    lists: dict[str, dict[int, int]] = {}
    for forms in words:
        # A page's score for a word: the word's idf (from the pages matching any of its forms, as one term:
        # 医共体 and 医疗共同体 are one word) times the best form's mean weight over its tokens.
        means: dict[int, float] = {}
        for tokens in forms:
            sums: dict[int, int] | None = None
            for token in tokens:
                if token not in lists:
                    lists[token] = site.postings(token)
                found = lists[token]
                sums = (
                    dict(found) if sums is None else {p: s + found[p] for p, s in sums.items() if p in found}
                )
            for page, total in (sums or {}).items():
                mean = total / len(tokens)
                if means.get(page, -1.0) < mean:
                    means[page] = mean
        df = len(means)
        idf = math.log(1 + (total_pages - df + 0.5) / (df + 0.5))
        scores = (
            {p: idf * m for p, m in means.items()}
            if scores is None
            else {p: s + idf * means[p] for p, s in scores.items() if p in means}
        )
    allowed: set[int] | None = None
    for key in ([f"r:{filters.region}"] if filters.region else []) + (
        [f"t:{filters.topic}"] if filters.topic else []
    ):
        pages = set(site.postings(key))
        allowed = pages if allowed is None else allowed & pages
    first, end = site.page_range(filters.date_from, filters.date_to)
    if scores is None:
        scores = dict.fromkeys(allowed if allowed is not None else range(first, end), 0.0)
    kept = [(p, s) for p, s in scores.items() if first <= p < end and (allowed is None or p in allowed)]
    if sort == "date":
        kept.sort(key=lambda ps: -ps[0])
    else:
        kept.sort(key=lambda ps: (-round(ps[1], 9), -ps[0]))
    hits = []
    for page, score in kept[:limit]:
        url, title, day, place, _lead = site.doc(page)
        hits.append(Hit(url, title, day, place, score))
    return len(kept), hits
