"""64-bit SimHash over 5-character shingles of whitespace-free text (stable across runs and machines)."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")
SHINGLE = 5


# For bit b, a translation table that maps a byte to b"\x01" when bit b is set: counting set bits per
# position becomes bytes.translate + bytes.count, both in C (a 64-step Python loop per shingle is ~10x slower).
_BIT_TABLES = [bytes(((v >> b) & 1) for v in range(256)) for b in range(8)]


SKETCH_SIZE = 16


def _digests(text: str) -> tuple[bytes, int]:
    compact = _SPACE.sub("", text or "")
    if not compact:
        return b"", 0
    if len(compact) <= SHINGLE:
        shingles = [compact]
    else:
        shingles = [compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)]
    blake = hashlib.blake2b
    return b"".join(blake(sh.encode("utf-8"), digest_size=8).digest() for sh in shingles), len(shingles)


def fingerprints(text: str, sketch_size: int = SKETCH_SIZE) -> tuple[int, tuple[int, ...]]:
    """(SimHash, bottom-k MinHash sketch) of the 5-character shingles, hashing each shingle once.

    The sketch (the k smallest distinct shingle hashes) estimates the Jaccard resemblance of two texts
    and survives what SimHash does not on short stories: a copy that adds a line such as (原标题:…).
    """
    digests, n = _digests(text)
    if not n:
        return 0, ()
    distinct = sorted({digests[i : i + 8] for i in range(0, len(digests), 8)})[:sketch_size]
    return _simhash_of(digests, n), tuple(int.from_bytes(d, "big") for d in distinct)


def simhash(text: str) -> int:
    """SimHash of ``text``; 0 for empty text. Text shorter than a shingle is one shingle."""
    digests, n = _digests(text)
    return _simhash_of(digests, n) if n else 0


def resemblance(a: tuple[int, ...], b: tuple[int, ...], sketch_size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard resemblance of two texts from their bottom-k sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:sketch_size]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def _simhash_of(digests: bytes, n: int) -> int:
    value = 0
    for k in range(8):  # byte k of a big-endian digest holds bits 8*(7-k) .. 8*(7-k)+7
        column = digests[k::8]
        for b in range(8):
            if 2 * column.translate(_BIT_TABLES[b]).count(1) > n:
                value |= 1 << (8 * (7 - k) + b)
    return value


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
