"""Remove pinyin glosses that content farms insert after Han characters: ``醫(yī)療`` → ``醫療``.

Decision (documented for reviewers): a parenthesised run is a gloss when it directly follows a Han
character, sits in ASCII ``()`` or full-width ``（）`` parentheses, consists only of lower-case Latin letters
(tone-marked or plain, ü/v included), and either

* contains at least one tone mark (``(yī)``, ``(xiàn)``), or
* is a single toneless pinyin syllable from the standard syllable inventory (``(de)``, ``(shi)``, ``(yi)``).

Everything else stays: ``(市、区)``, ``(2022)``, ``(DRG)``, ``(ICU)`` (upper case), ``(张淑会)``,
``(原标题:…)``, and lower-case non-syllables such as ``(app)``. Glosses are removed before t2s so that the
Traditional text around them converts as whole words.
"""

from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_LETTERS = "a-zü" + _TONED

_INITIALS = [
    "",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "zh",
    "ch",
    "sh",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
]
_FINALS = [
    "a",
    "o",
    "e",
    "i",
    "u",
    "ü",
    "v",
    "ai",
    "ei",
    "ao",
    "ou",
    "an",
    "en",
    "ang",
    "eng",
    "ong",
    "er",
    "ia",
    "ie",
    "iao",
    "iu",
    "ian",
    "in",
    "iang",
    "ing",
    "iong",
    "ua",
    "uo",
    "uai",
    "ui",
    "uan",
    "un",
    "uang",
    "ueng",
    "ue",
    "üe",
    "ve",
    "üan",
    "ün",
]
# A permissive over-approximation of the inventory (initial + final); real words that slip through
# (e.g. "(ban)") still need to be lower case, directly after a Han character and alone in parentheses.
_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS) | {"n", "ng", "m", "hm", "hng"}

_GLOSS = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]([" + _LETTERS + r"]{1,7})[)）]")
_TONE_TABLE = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü")


def _is_gloss(inner: str) -> bool:
    if any(c in _TONED for c in inner):
        return True
    return inner.translate(_TONE_TABLE) in _SYLLABLES


def remove_glosses(text: str) -> str:
    """Drop pinyin glosses after Han characters; keep every other parenthesis."""
    if "(" not in text and "（" not in text:
        return text
    return _GLOSS.sub(lambda m: "" if _is_gloss(m.group(1)) else m.group(0), text)


def count_glosses(text: str) -> int:
    """How many pinyin glosses the text carries (a content farm's mark: a real source never glosses)."""
    if "(" not in text and "（" not in text:
        return 0
    return sum(1 for m in _GLOSS.finditer(text) if _is_gloss(m.group(1)))
