"""Decode page bytes by evidence for link parsing.

Scrapy trusts the ``Content-Type`` charset; Chinese sites often send ``charset=utf-8`` over GBK bytes. The
extract stage owns the real decoder (``extract.decoding.decode_html``); this module uses it when present and
otherwise falls back to the same order: strict UTF-8, the declared charsets (GBK/GB2312 widened to GB18030),
charset-normalizer, GB18030 with replacement.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable

logger = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs"}


def _fallback_decode(body: bytes, http_encoding: str | None = None) -> tuple[str, str]:
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = [http_encoding] + [m.decode("ascii", "ignore") for m in _META_CHARSET.findall(body[:4096])]
    for raw in declared:
        if not raw:
            continue
        label = raw.strip().lower()
        enc = _WIDER.get(label, label)
        if enc in ("utf-8", "utf8"):
            continue
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
        if best is not None and best.encoding:
            return str(best), best.encoding
    except ImportError:  # pragma: no cover - charset-normalizer is a dependency
        pass
    return body.decode("gb18030", "replace"), "gb18030"


def _pick_decoder() -> Callable[[bytes, str | None], tuple[str, str]]:
    try:
        from extract.decoding import decode_html
    except ImportError:
        logger.debug("extract.decoding.decode_html not available; using the crawler's fallback decoder")
        return _fallback_decode
    return decode_html


_DECODE = _pick_decoder()


def decode_body(body: bytes, http_encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used) for raw page bytes; never raises on bad bytes."""
    try:
        return _DECODE(body, http_encoding)
    except Exception:  # a decoder bug must not stop link discovery
        logger.exception("decoder failed; falling back")
        return _fallback_decode(body, http_encoding)


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None
