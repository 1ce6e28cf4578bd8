"""The binary posting list of the search index (``static/search.js`` decodes the same bytes).

The format is specified in docs/site.md (*The index format*)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise, zip_longest

GAPS, BITMAP, WEIGHTED, SHARED = 0, 1, 2, 4


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _varints(values: Sequence[int]) -> bytes:
    if not values or max(values) < 0x80:
        return bytes(values)  # the common case, in C
    return b"".join(map(varint, values))


def encode(pages: Sequence[int], weights: bytes | bytearray, size: int, *, shared: bool = False) -> bytes:
    """The list of ``pages`` (ascending, each < ``size``) with ``weights`` (one per page, 1..15; empty: none);
    ``shared``: one weight, the median, stands for every page's (see docs/site.md, *Posting lists*)."""
    gaps = [pages[0], *(b - a - 1 for a, b in pairwise(pages))] if pages else []
    body = _varints(gaps)
    kind = GAPS
    if (size + 7) // 8 < len(body):
        bitmap = bytearray((size + 7) // 8)
        for page in pages:
            bitmap[page >> 3] |= 1 << (page & 7)
        body, kind = bytes(bitmap), BITMAP
    if weights and shared:
        kind |= SHARED
        body += bytes((sorted(weights)[len(weights) // 2],))
    elif weights:
        kind |= WEIGHTED
        body += bytes(a | b << 4 for a, b in zip_longest(weights[0::2], weights[1::2], fillvalue=0))
    return bytes((kind,)) + varint(len(pages)) + body
