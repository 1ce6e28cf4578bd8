"""What the search looks up: the tokens of a text and the words of a query (``static/search.js`` does the same).

**Tokens** (``index_tokens``): the text is NFKC-normalised and lower-cased; each run of Han characters gives its
single characters and every pair of neighbours (the bigrams of Lucene's CJK analyser, without a dictionary: a
word is found wherever its characters stand, and no segmenter can cut a policy term such as 医共体 in the wrong
place); each run of ASCII letters and digits is one token.

**A query** (``query_words``) is words separated by spaces; a page must match every word. A word matches a
page that holds every token of one of its *forms*: the word as typed; its Simplified form when it has
Traditional characters (``t2s``: the texts are Simplified); and, when the word holds a term of a synonym group
(``templates/static/synonyms.json``: 卫健委 ↔ 卫生健康委员会, 医保局 ↔ 医疗保障局, …), the word with that term
replaced by each term of the group (the longest term found, first occurrence, once). A form's tokens: the
bigrams of each Han run of two or more characters, a lone Han character itself, ASCII runs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from operator import add
from pathlib import Path

from site_builder.t2s import to_simplified

SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "templates" / "static" / "synonyms.json"

# Han: CJK Unified Ideographs, Extension A, Compatibility Ideographs (all in the BMP, so a JavaScript string
# index is a character here too). ASCII letters and digits after NFKC + lower-casing (full-width Ｄ→d).
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_RUN = re.compile(r"[0-9a-z]+")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def index_tokens(text: str) -> Counter[str]:
    """Every token of ``text`` with its count: Han characters and neighbour pairs, ASCII alphanumeric runs."""
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


def form_tokens(text: str) -> list[str]:
    """The tokens a form of a query word looks up (every one must be in a page), distinct, in order."""
    found: list[str] = []
    for run in _TOKEN_RUN.findall(normalise(text)):
        parts: Iterable[str] = (run,) if run[0] < "\u3400" or len(run) == 1 else map(add, run, run[1:])
        for token in parts:
            if token not in found:
                found.append(token)
    return found


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    groups = json.loads(SYNONYMS_PATH.read_text("utf-8"))["groups"]
    return tuple(tuple(dict.fromkeys(normalise(term) for term in group)) for group in groups)


def _with_synonyms(word: str) -> list[str]:
    """``word`` and, when it holds a synonym group's term (the longest found; the first group on a tie),
    ``word`` with that term replaced by each of the group's terms."""
    best: tuple[str, ...] | None = None
    best_term = ""
    for group in synonym_groups():
        for term in group:
            if len(term) > len(best_term) and term in word:
                best, best_term = group, term
    if best is None:
        return [word]
    return list(dict.fromkeys([word, *(word.replace(best_term, term, 1) for term in best)]))


def query_words(query: str) -> list[list[list[str]]]:
    """Per word of ``query`` (split at spaces), the token lists of its forms (see the module's docstring);
    words without tokens are dropped."""
    words = []
    for word in normalise(query).split():
        simple = to_simplified(word)
        variants = dict.fromkeys(_with_synonyms(word) + (_with_synonyms(simple) if simple != word else []))
        forms: list[list[str]] = []
        for variant in variants:
            tokens = form_tokens(variant)
            if tokens and tokens not in forms:
                forms.append(tokens)
        if forms:
            words.append(forms)
    return words
