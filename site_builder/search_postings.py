"""The binary posting list of the search index (``static/search.js`` decodes the same bytes).

The format is specified in docs/site.md (*The index format*)."""

from __future__ import annotations

from array import array
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
    weights = bytes(w for byte in data[at : at + (count + 1) // 2] for w in (byte & 0x0F, byte >> 4))
    return pages, weights[:count]
