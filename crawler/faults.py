"""Answers that are not pages: an empty body, binary bytes, a cut-off transfer, or a type that is no page.

Such an answer is counted as an error kind of its source (``yigai status``, the run report) and never archived:
archiving it would make a broken copy the URL's latest page, which extraction would then read instead of the
good copy already stored (or, for a new URL, turn into an off-topic "article"). The URL is recorded as failed:
an empty or cut-off answer is asked for again on later runs (the next one may be whole), a binary one or one of
another type is not (a PDF does not turn into a page).
"""

from __future__ import annotations

from collections.abc import Iterable

EMPTY, BINARY, TRUNCATED, WRONG_TYPE = "empty_body", "binary", "truncated", "wrong_type"
FAULT_KINDS = (EMPTY, BINARY, TRUNCATED, WRONG_TYPE)
# Faults that will not go away by asking again.
PERMANENT_FAULTS = frozenset({BINARY, WRONG_TYPE})

# Signatures of files that are not text: PDF, PNG, JPEG, GIF, ZIP (docx, xlsx), OLE (doc, xls), RAR, 7z, gzip,
# bzip2, ELF, Windows executables, WebAssembly, RIFF (webp, avi), MP3 (ID3), MP4.
_MAGIC = (
    b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\xd0\xcf\x11\xe0",
    b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh", b"\x7fELF", b"MZ", b"\x00asm", b"RIFF", b"ID3",
)
_GZIP = b"\x1f\x8b"
# Control bytes that no text encoding of a Chinese web page uses (tab, newline, form feed, carriage return and
# ESC, for ISO-2022, excepted).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
_SNIFF_BYTES = 4096
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Declared types of a web page; for any other (application/json, text/css, image/png …) the body must look
# like HTML to be taken as one (servers do send pages as application/octet-stream).
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml"})
_JSON_TYPES = frozenset({"application/json", "text/json", "application/javascript"})
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<!--")


def response_fault(body: bytes, *, content_type: str | None, kind: str, flags: Iterable[str] = ()) -> str | None:
    """``body_fault``, or ``truncated`` for an answer Scrapy flags ``dataloss`` (fewer bytes than its
    ``Content-Length`` or chunks announced, taken only with ``DOWNLOAD_FAIL_ON_DATALOSS = False``; by default
    Scrapy fails such a download with ``ResponseDataLossError``, which ``crawler.errors`` counts as
    ``truncated`` too)."""
    if "dataloss" in flags:
        return TRUNCATED
    return body_fault(body, content_type=content_type, kind=kind)


def body_fault(body: bytes, *, content_type: str | None = None, kind: str = "article") -> str | None:
    """The fault kind of a whole answer's ``body`` for a page of ``kind`` (article, list, feed, sitemap), or None
    when it can be a page. Pure: the bytes and the declared ``Content-Type`` only."""
    if not body.strip():
        return EMPTY
    head = body[:_SNIFF_BYTES]
    if _binary(head, allow_gzip=kind == "sitemap"):
        return BINARY
    if kind in ("article", "list") and content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        # A list may be a JSON API's answer (a portal whose list page fills itself from one).
        json_list = kind == "list" and media in _JSON_TYPES
        if media and media not in _PAGE_TYPES and not json_list and not _looks_like_html(head):
            return WRONG_TYPE
    return None


def _binary(head: bytes, *, allow_gzip: bool) -> bool:
    if head.startswith(_UTF16_BOMS):
        return False  # UTF-16 text has a zero byte in every other place
    if head.startswith(_MAGIC) and not (allow_gzip and head.startswith(_GZIP)):
        return True
    controls = sum(1 for byte in head if byte in _CONTROL)
    return controls * 100 > len(head)  # more than 1%: text has none


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_HTML_STARTS)
