"""A list page read as a reader reads it: every link with its row, the block of rows it belongs to, and the
date beside it (``crawler.inference`` decides from these which links are articles). Pure: bytes in, data out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from crawler.links import _absolute
from crawler.url_shapes import url_shape
from extract.decoding import decode_html

# ------------------------------------------------------------------------------------------------ evidence
_DATE_FULL = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Dates written in URLs: /2024/03/15/, /202403/t20240315_, /2024-03/15/, /20240315/
_DATE_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/]?([01]\d)[-/]?([0-3]\d)(?!\d)")
_DATE_URL_SLASHED = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
# A month-day on its own ("03-15", "[03/15]") is weaker evidence: it says "dated", not which year.
_DATE_SHORT = re.compile(r"(?<![\d.])([01]?\d)[-/.月]([0-3]?\d)日?(?![\d.])")
# Scripts that fetch a list as JSON: a URL literal ending in .json or with api/list/query in its path.
_URL_KEYS = ("url", "link", "href", "path", "linkurl", "docurl", "articleurl", "detailurl")
_TITLE_KEYS = ("title", "name", "doctitle", "subject", "headline")
_DATE_KEYS = ("date", "pubdate", "publishdate", "publishtime", "time", "releasetime", "docreltime", "created")

@dataclass(frozen=True)
class ListLink:
    """One link of a list page with the evidence around it."""

    url: str
    text: str
    block: str  # tag path of the element holding the link's item; the rows of one list share it
    date: date | None  # from the link text, its item, or the URL
    dated: bool  # a date (full, or month-day) is near the link
    position: int
    minor: bool = False  # a row's shorter link beside its title (a column tag, an account name)


# ------------------------------------------------------------------------------------------------ reading
def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join("".join(el.itertext()).split())


def _block_path(el: lxml.html.HtmlElement | None) -> str:
    parts: list[str] = []
    while el is not None and isinstance(el.tag, str):
        cls = (el.get("class") or "").split()
        ident = el.get("id") or ""
        # An id made of digits is a CMS unit number (Hanweb's <div id="244832">), still the same block.
        label = el.tag + (f".{cls[0]}" if cls else "") + (f"#{ident}" if ident and not ident.isdigit() else "")
        parts.append(label)
        el = el.getparent()
    return "/".join(reversed(parts))


def _hrefs(el: lxml.html.HtmlElement) -> set[str]:
    return {(a.get("href") or "").split("#", 1)[0].strip() for a in el.iter("a") if a.get("href")}


def _item_of(anchor: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The largest ancestor (up to four levels) whose links all go where this one goes: the list row (a
    thumbnail, a title and a "more" link to one article are one row)."""
    item = anchor
    el = anchor.getparent()
    for _ in range(4):
        if el is None or not isinstance(el.tag, str) or el.tag in ("body", "html", "ul", "ol", "table", "tbody"):
            break
        if len(_hrefs(el)) > 1:
            break
        item = el
        el = el.getparent()
    return item


def _is_row(el: lxml.html.HtmlElement, base: str) -> bool:
    if el.tag in ("ul", "ol", "table", "tbody", "dl", "body", "html"):
        return False
    targets = [t for t in (_absolute(base, h) for h in _hrefs(el) if h) if t]
    return 1 < len(targets) <= 4 and len({url_shape(t) for t in targets}) == len(targets)


def _row_of(item: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The nearest ancestor of an item (up to three levels, holding at most four link targets) whose text
    has a date: the row when the date sits beside the item (a card's meta line, a second table cell)."""
    el = item.getparent()
    for _ in range(3):
        if el is None or not isinstance(el.tag, str) or el.tag in ("body", "html", "ul", "ol", "table", "tbody"):
            return None
        if len(_hrefs(el)) > 4:
            return None
        if find_date(_text(el))[1]:
            return el
        el = el.getparent()
    return None


def find_date(*texts: str) -> tuple[date | None, bool]:
    """A full date in the first text that has one; else whether a month-day appears (dated, no year)."""
    short = False
    for text in texts:
        for m in _DATE_FULL.finditer(text):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), True
            except ValueError:
                continue
        if not short:
            for m in _DATE_SHORT.finditer(text):
                if 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31:
                    short = True
                    break
    return None, short


def url_date(url: str) -> date | None:
    path = urlsplit(url).path
    for pattern in (_DATE_URL_SLASHED, _DATE_URL):
        for m in pattern.finditer(path):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


def list_links(body: bytes, url: str, http_encoding: str | None = None) -> list[ListLink]:
    """Every http(s) link of an HTML list page (script datastores included) with its item evidence."""
    text, _ = decode_html(body, http_encoding)
    root = parse_html(text)
    if root is None:
        return []
    base = url
    base_href = root.xpath("//base/@href")
    if base_href:
        base = urljoin(url, str(base_href[0]).strip())
    out: list[ListLink] = []
    _collect(root, base, "", out)
    # List rows shipped as markup inside a script (Hanweb's <datastore>), filled in by JavaScript.
    for i, script in enumerate(root.xpath("//script")):
        content = script.text or ""
        if "<a " not in content or "href" not in content:
            continue
        fragment = content.replace("<![CDATA[", "").replace("]]>", "")
        frag_root = parse_html(f"<div>{fragment}</div>")
        if frag_root is not None:
            _collect(frag_root, base, f"{_block_path(script)}[{i}]>", out)
    return out


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """The document of ``text``, or None when there is nothing to parse."""
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


# An href that is a piece of a JavaScript or template string ('+navs[i].url+', ${item.url}, {{ url }}) is
# no address: markup inside scripts is read for its links, and such pieces come with it.
_TEMPLATE_HREF = re.compile(r"""['"]\s*\+|\+\s*['"]|\$\{|\{\{|<%""")


def _collect(root: lxml.html.HtmlElement, base: str, prefix: str, out: list[ListLink]) -> None:
    read: list[tuple[str, str, lxml.html.HtmlElement, lxml.html.HtmlElement | None]] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or _TEMPLATE_HREF.search(href):
            continue
        absolute = _absolute(base, href)
        if absolute is None:
            continue
        label = (
            _text(anchor)
            or (anchor.get("title") or "").strip()
            or (anchor.xpath("string(.//img/@alt)") or "").strip()
            or (anchor.xpath("string(.//img/@title)") or "").strip()  # a thumbnail titled by its picture's tooltip
        )
        item = _item_of(anchor)
        # A row with a few link targets of different shapes (a title and its column tag, a card's title and its
        # account's name); links of one shape side by side are a list, not a row.
        parent = item.getparent()
        row = parent if parent is not None and _is_row(parent, base) else None
        read.append((absolute, label, item, row))
    longest: dict[int, int] = {}
    for _, label, _, row in read:
        if row is not None:
            longest[id(row)] = max(longest.get(id(row), 0), len(label))
    for absolute, label, item, row in read:
        # ... is about its longest link, the title: the others are minor and dated only by their own text.
        minor = row is not None and len(label) < longest[id(row)]
        if minor:
            found, dated = find_date(label)
        else:
            found, dated = find_date(label, _text(item))
            if not dated and (beside := _row_of(item)) is not None:
                found, dated = find_date(_text(beside))
        if found is None:
            found = url_date(absolute)
        out.append(
            ListLink(
                url=absolute,
                text=label,
                block=prefix + _block_path(item.getparent()),
                date=found,
                dated=dated or found is not None,
                position=len(out),
                minor=minor,
            )
        )


def json_list_links(body: bytes, url: str) -> list[ListLink]:
    """Links of a list served as JSON (a portal whose list page fills itself from an API): every object with
    a URL-like field, its title and date. The block is the path of keys leading to the object's array."""
    try:
        data = json.loads(decode_html(body)[0])
    except (ValueError, TypeError):
        return []
    out: list[ListLink] = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            lowered = {str(k).lower(): v for k, v in node.items()}
            link = next((lowered[k] for k in _URL_KEYS if isinstance(lowered.get(k), str)), None)
            if link:
                absolute = _absolute(url, link.strip())
                title = next((lowered[k] for k in _TITLE_KEYS if isinstance(lowered.get(k), str)), "")
                when = next((str(lowered[k]) for k in _DATE_KEYS if lowered.get(k) not in (None, "")), "")
                if absolute:
                    found, dated = find_date(when, title)
                    found = found or url_date(absolute)
                    out.append(ListLink(absolute, " ".join(title.split()), path, found,
                                        dated or found is not None, len(out)))
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, f"{path}[]")

    walk(data, "json:")
    return out


def looks_like_json(body: bytes) -> bool:
    head = body.lstrip()[:1]
    return head in (b"{", b"[")
