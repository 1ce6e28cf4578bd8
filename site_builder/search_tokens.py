"""The tokens the search index files a text under (``static/search.js`` cuts a query's words the same way;
``tests/support/search_reader.py`` is its Python mirror).

The format is specified in docs/site.md (*The index format*)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from operator import add
from pathlib import Path

SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "templates" / "static" / "synonyms.json"

# Han: CJK Unified Ideographs, Extension A, Compatibility Ideographs (all in the BMP, so a JavaScript string
# index is a character here too). ASCII letters and digits after NFKC + lower-casing (full-width Ｄ→d).
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_RUN = re.compile(r"[0-9a-z]+")


# Full-width ASCII (，：！（ … ａ Ａ １) and the ideographic space, mapped to what NFKC makes of them: after this
# cheap step most Chinese texts pass NFKC's quick check, and normalising every text was a third of indexing.
# Exact: each maps to its own NFKC form, which is ASCII and composes with nothing.
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text: str) -> str:
    text = text.translate(_FULL_WIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def index_tokens(text: str, *, normalised: bool = False) -> Counter[str]:
    """Every token of ``text`` with its count: Han characters and neighbour pairs, ASCII alphanumeric runs."""
    if not normalised:
        text = normalise(text)
    counts: Counter[str] = Counter(_ASCII_RUN.findall(text))
    # Counted over the whole text at once (C loops), then the pairs that straddle a gap are dropped: a page
    # has hundreds of runs between its punctuation, and counting run by run cost 1.5x as much.
    han = _NOT_HAN.sub(" ", text)
    counts.update(han)
    counts.update(map(add, han, han[1:]))
    for token in [t for t in counts if " " in t]:
        del counts[token]
    return counts


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    groups = json.loads(SYNONYMS_PATH.read_text("utf-8"))["groups"]
    return tuple(tuple(dict.fromkeys(normalise(term) for term in group)) for group in groups)


def synonyms_digest() -> str:
    """Part of every index tier's key: the pages' ``s:`` keys follow the table."""
    return hashlib.blake2b(SYNONYMS_PATH.read_bytes(), digest_size=8).hexdigest()


@lru_cache(maxsize=1)
def _synonym_scanner() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One pattern for every term (longest first) and, per term, the keys of the groups it stands for: its
    own group's and those of every group with a term inside it (国家卫健委 is also a 卫健委)."""
    groups = synonym_groups()
    terms = sorted({t for g in groups for t in g}, key=lambda t: (-len(t), t))
    keys = {t: tuple(dict.fromkeys(f"s:{g[0]}" for g in groups if any(u in t for u in g))) for t in terms}
    return re.compile("|".join(map(re.escape, terms))), keys


def synonym_keys(text: str, *, normalised: bool = False) -> Counter[str]:
    """``s:<first term>`` of every synonym group a term of which ``text`` holds, with how often: a page that
    names 卫生健康委员会 is found by 卫健委 (and the reverse) through one key."""
    pattern, keys = _synonym_scanner()
    counts: Counter[str] = Counter()
    for term in pattern.findall(text if normalised else normalise(text)):
        counts.update(keys[term])
    return counts
