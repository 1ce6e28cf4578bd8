"""Chinese text normalisation: glosses → Traditional-to-Simplified → width; plus character classes.

Everything downstream (cleaning, metadata, regions, topics, fingerprints) sees text that went through
:func:`normalize_text` exactly once.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from .glosses import remove_glosses

_converter = None
_converter_lock = threading.Lock()


def _t2s():
    # OpenCC loads its dictionaries on construction (~tens of ms): build once, lazily, thread-safe.
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


# Full-width ASCII letters/digits (U+FF10-19, FF21-3A, FF41-5A) and the ideographic space → half-width.
# Full-width punctuation (，：（）) is kept: it is normal in Chinese text.
_WIDTH = {
    cp: cp - 0xFEE0
    for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(r[0], r[1] + 1)
}
_WIDTH[0x3000] = 0x20
_WIDTH[0xA0] = 0x20
# Control characters, zero-width marks and U+FFFD (pages sometimes carry replacement characters from an
# earlier lossy conversion upstream; they carry no text) are dropped.
_INVISIBLE = re.compile(
    "[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff\u00ad]"
)


def normalize_width(text: str) -> str:
    text = _INVISIBLE.sub("", text.translate(_WIDTH))
    if not unicodedata.is_normalized("NFC", text):
        # NFC like trafilatura's output (also folds CJK compatibility ideographs into unified ones)
        text = unicodedata.normalize("NFC", text)
    if not text.isprintable():
        # same rule as trafilatura's sanitiser (unassigned/format characters go), so the page text and
        # the extracted text agree character for character
        text = "".join(c for c in text if c.isprintable() or c.isspace())
    return text


def normalize_text(text: str) -> str:
    """Gloss removal, then t2s, then width normalisation (that order: glosses are detected on the raw text)."""
    if not text:
        return ""
    return normalize_width(to_simplified(remove_glosses(text)))


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


_CJK_PUNCT = frozenset("，。、；：？！“”‘’（）《》【】…—·「」『』")


_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff" + "".join(sorted(_CJK_PUNCT)) + "]")


def count_cjk(text: str) -> int:
    """Han characters plus CJK punctuation: the 'word count' of Chinese text, which has no spaces."""
    return len(_CJK_RE.findall(text)) if text else 0


def normalize_lines(lines: list[str]) -> list[str]:
    """normalize_text over many lines in one OpenCC call (per-call overhead dominates for short lines)."""
    if not lines:
        return []
    joined = normalize_text("\n".join(line.replace("\n", " ") for line in lines))
    out = joined.split("\n")
    return out if len(out) == len(lines) else [normalize_text(line) for line in lines]
