"""The text of a saved page as a reader sees it: one numbered line per block, for labelling by hand.

A neutral dump, deliberately independent of every extractor (ours, trafilatura, readability…): a label
written from an extractor's output would measure nothing. It only decodes, drops what a browser does not
show, and breaks lines where a browser starts a new block.

- Decoding by evidence: strict UTF-8 first (many Chinese pages declare GBK over UTF-8 bytes), then the
  charset the page declares, then GB18030 (a superset of GB2312/GBK) with replacement characters.
- Not shown: <head> (its <title> is printed apart), script, style, noscript, template, comments, and
  elements hidden by the `hidden` attribute or an inline `display:none`. `visibility:hidden` is kept:
  pages reveal their article with a script that way (WeChat's js_content), and the reader sees it.
- Lines: a block element (p, div, li, td, h1…, br…) starts a new line; whitespace runs collapse to one
  space; empty lines are dropped.

    python tests/eval/real/tools/visible_text.py PAGE.html [--hidden] [--raw]

`--hidden` also prints hidden elements' lines, marked `[hidden]` (furniture that extractors may still
pick up); `--raw` prints the lines without numbers. A `.gz` page is decompressed first.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import re
import sys
from pathlib import Path

import lxml.html
from lxml import etree

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "gb18030"}
_NOT_SHOWN = {"head", "script", "style", "noscript", "template", "title"}
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Elements a browser lays out as blocks (or as cells and line breaks): each starts a new line.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "html", "iframe", "legend", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})


def read_page(path: Path) -> bytes:
    """A saved page's bytes (decompressed when stored as .gz)."""
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if str(path).endswith(".gz") else raw


def decode_page(raw: bytes) -> tuple[str, str]:
    """(text, encoding): strict UTF-8, else the declared charset, else GB18030 with replacement."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for match in _META_CHARSET.findall(raw[:4096]):
        label = match.decode("ascii", "ignore").lower()
        encoding = "gb18030" if label in _GB_FAMILY else label
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("gb18030", "replace"), "gb18030"


_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)


def _hidden(el: etree._Element) -> bool:
    return el.get("hidden") is not None or bool(_DISPLAY_NONE.search(el.get("style") or ""))


def _parse(raw: bytes) -> etree._Element:
    text, _ = decode_page(raw)
    # lxml refuses str input that carries an XML encoding declaration; the text is already decoded.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    # A browser ignores a stray </body> or </html> in the middle of a page (an included header that closes
    # the document) and shows what follows; libxml2 stops there. Drop them so the dump shows what a reader sees.
    text = _END_OF_DOCUMENT.sub("", text)
    return lxml.html.document_fromstring(text or "<html></html>")


def page_title(raw: bytes) -> str:
    """The <title> text (shown in the browser's tab, not on the page)."""
    titles = _parse(raw).xpath("//title")
    return _SPACE.sub(" ", titles[0].text_content()).strip() if titles else ""


def visible_lines(raw: bytes, *, include_hidden: bool = False) -> list[str]:
    """The page's text, one line per block, whitespace collapsed, as a reader sees it.

    With include_hidden, lines of hidden elements are included too, prefixed with "[hidden] ".
    """
    lines: list[str] = []
    current: list[str] = []
    marks: list[bool] = []  # is the current line inside a hidden element?

    def flush() -> None:
        line = _SPACE.sub(" ", "".join(current)).strip()
        if line:
            lines.append(("[hidden] " if marks and any(marks) else "") + line)
        current.clear()
        marks.clear()

    def add(text: str | None, hidden: bool) -> None:
        if text:
            current.append(text)
            marks.append(hidden)

    def walk(el: etree._Element, hidden: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment or processing instruction: not shown, but its tail is
            add(el.tail, hidden)
            return
        tag = tag.lower()
        inside_hidden = hidden or _hidden(el)
        skip = tag in _NOT_SHOWN or (inside_hidden and not include_hidden)
        block = tag in BLOCKS
        if not skip:
            if block:
                flush()
            add(el.text, inside_hidden)
            for child in el:
                walk(child, inside_hidden)
            if block:
                flush()
        add(el.tail, hidden)

    walk(_parse(raw), False)
    flush()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--hidden", action="store_true", help="also print hidden elements, marked")
    parser.add_argument("--raw", action="store_true", help="no line numbers")
    args = parser.parse_args(argv)
    raw = read_page(args.page)
    out = sys.stdout
    if not args.raw:
        out.write(f"[encoding] {decode_page(raw)[1]}\n[title] {page_title(raw)}\n")
    for n, line in enumerate(visible_lines(raw, include_hidden=args.hidden), 1):
        out.write(line + "\n" if args.raw else f"{n:5d}| {line}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
