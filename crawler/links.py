"""Pure discovery helpers: links of an HTML page, which of them are articles or further list pages, and the
entries of RSS/Atom feeds and XML sitemaps. Bytes or text in, data out; no Scrapy objects here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from io import BytesIO
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import lxml.etree
import parsel

from extract.decoding import decode_html

# Attachments and media are not fetched in this version (articles link them; extract records them).
_BINARY_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|wps|et|ofd|ceb|zip|rar|7z|gz|tgz|tar|bz2|jpe?g|png|gif|bmp|webp|svg|ico|"
    r"tiff?|mp[34]|avi|wmv|flv|mov|mkv|swf|exe|apk|dmg|msi|iso|css|js|json|txt|csv)$",
    re.IGNORECASE,
)
# Without article_allow, an article URL usually carries an id or a date (t20240315_123.html, art_1_2.html).
_ARTICLE_HINT = re.compile(r"\d{4,}|/(?:art|article|content|detail|show|view|news)[/_.\-]", re.IGNORECASE)
_INDEX_BASENAME = re.compile(r"^(index|default|list)(_\d+)?\.(s?html?|jsp|php|aspx?)$", re.IGNORECASE)
_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|下一頁|next(\s*page)?|›|»|>|>>)\s*$", re.IGNORECASE)
_PAGE_PARAMS = ("page", "p", "pageno", "pageindex", "pn", "curpage", "currentpage", "pagenum", "page_no")
# TRS-style CMS (common on gov.cn) writes its pager with JavaScript: createPageHTML(total, current, "index", "html").
_JS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w\-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
# Its other form (the national health commission's, among others) names the element it fills first and counts
# pages from 1: createPageHTML('page_div', total, current, "new_list", "shtml", records); page N is
# new_list_N.shtml.
_JS_PAGER_INTO = re.compile(
    r"createPageHTML\(\s*['\"][\w\-]+['\"]\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,"
    r"\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Link:
    url: str  # absolute, without fragment
    text: str


@dataclass(frozen=True)
class FeedEntry:
    url: str
    lastmod: datetime | None


@dataclass(frozen=True)
class PageLinks:
    """What a list page offers: article links and further list pages (with their page numbers, 1-based)."""

    articles: tuple[str, ...]
    list_pages: tuple[tuple[str, int | None], ...]


# ------------------------------------------------------------------------------------------------ HTML links
def html_links(body: bytes, url: str, http_encoding: str | None = None) -> list[Link]:
    """All http(s) links of an HTML page, absolute, fragment-free, in document order, decoded by evidence."""
    text, _ = decode_html(body, http_encoding)
    sel = parsel.Selector(text=text or "<html></html>", type="html")
    base = url
    base_href = sel.xpath("//base/@href").get()
    if base_href:
        base = urljoin(url, base_href.strip())
    out: list[Link] = []
    anchors = list(sel.xpath("//a[@href]"))
    # Hanweb and similar CMSs ship list items as markup inside a script (<script type="text/xml"><datastore>
    # <record><![CDATA[<li><a href=…>]]>), filled in by JavaScript: the parser sees only text there.
    for script in sel.xpath("//script[contains(., '<a ') and contains(., 'href')]/text()").getall()[:20]:
        fragment = script.replace("<![CDATA[", "").replace("]]>", "")
        anchors.extend(parsel.Selector(text=f"<div>{fragment}</div>", type="html").xpath("//a[@href]"))
    for a in anchors:
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        absolute = _absolute(base, href)
        if absolute is None:
            continue
        label = " ".join("".join(a.xpath(".//text()").getall()).split())
        out.append(Link(absolute, label))
    return out


def _absolute(base: str, href: str) -> str | None:
    try:
        joined = urljoin(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # mailto:, javascript:, tel:, data: …
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def js_pager_pages(body: bytes, page_url: str) -> list[tuple[str, int]]:
    """Pages announced by a JavaScript pager, in the same directory: ``createPageHTML(total, current, "index",
    "html")`` (page 1 is ``index.html``, page N ``index_{N-1}.html``) or ``createPageHTML('page_div', total,
    current, "new_list", "shtml", records)`` (page 1 is ``new_list.shtml``, page N ``new_list_N.shtml``)."""
    text = body[-200_000:].decode("latin-1")
    directory = page_url.rsplit("/", 1)[0] + "/"
    for pattern, shift in ((_JS_PAGER_INTO, 0), (_JS_PAGER, 1)):  # page N's file number: N - shift
        m = pattern.search(text)
        if m:
            total, stem, ext = int(m.group(1)), m.group(3), m.group(4)
            return [(f"{directory}{stem}_{n - shift}.{ext}", n) for n in range(2, total + 1)]
    return []


# ------------------------------------------------------------------------------------------------ filters
@dataclass(frozen=True)
class ArticleFilter:
    """Decides which URLs are articles of a source.

    ``allow``/``deny`` are the registry's regexes, searched in the absolute URL. Defaults: only http(s), no
    binary/media extensions, and — unless an ``allow`` pattern matches — the URL must be on one of ``hosts``
    and look like an article (an id or date in the path), not an index page.
    """

    allow: tuple[re.Pattern[str], ...] = ()
    deny: tuple[re.Pattern[str], ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def build(cls, allow: Iterable[str], deny: Iterable[str], start_urls: Iterable[str]) -> ArticleFilter:
        hosts = frozenset((urlsplit(u).hostname or "").lower() for u in start_urls)
        return cls(tuple(re.compile(p) for p in allow), tuple(re.compile(p) for p in deny), hosts)

    def accepts(self, url: str, *, require_hint: bool = True) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        if _BINARY_EXT.search(parts.path):
            return False
        if any(p.search(url) for p in self.deny):
            return False
        if self.allow:
            return any(p.search(url) for p in self.allow)
        if (parts.hostname or "").lower() not in self.hosts:
            return False
        basename = parts.path.rsplit("/", 1)[-1]
        if parts.path.endswith("/") or _INDEX_BASENAME.match(basename):
            return False
        return not require_hint or bool(_ARTICLE_HINT.search(parts.path + "?" + parts.query))


# ------------------------------------------------------------------------------------------------ pagination
def page_number(url: str, root_url: str) -> int | None:
    """The page number (1-based) of ``url`` in the pagination of the list at ``root_url``, or None.

    Understands ``index.html → index_1.html (page 2) → index_2.html``, ``list.html → list_2.html (page 2)``,
    ``?page=N`` (page N; also p, pageNo…) and ``/news/ → /news/page/N/``.
    """
    u, r = urlsplit(url), urlsplit(root_url)
    if (u.hostname, u.port) != (r.hostname, r.port):
        return None
    # ?page=N: same path, the other query parameters unchanged
    if u.path == r.path:
        uq = dict(parse_qsl(u.query, keep_blank_values=True))
        rq = dict(parse_qsl(r.query, keep_blank_values=True))
        for key in list(uq):
            if key.lower() in _PAGE_PARAMS and uq[key].isdigit():
                rest_u = {k: v for k, v in uq.items() if k != key}
                rest_r = {k: v for k, v in rq.items() if k != key}
                if rest_u == rest_r:
                    return int(uq[key])
        return 1 if u.query == r.query else None
    # /page/N (WordPress and many blog-style CMSs): the list's path, then page/N
    m = re.match(rf"^{re.escape(r.path.rstrip('/'))}/page/(\d+)/?$", u.path)
    if m and u.query == r.query:
        return int(m.group(1))
    # index_N.html: same directory, same stem
    r_dir, r_base = r.path.rsplit("/", 1)
    u_dir, u_base = u.path.rsplit("/", 1)
    if r_dir != u_dir:
        return None
    stem, ext = ("index", None) if not r_base else _split_ext(r_base)
    m = re.match(rf"^{re.escape(stem)}_(\d+)\.(\w+)$", u_base)
    if m and (ext is None or m.group(2) == ext):
        # TRS-style government CMS: index.html is page 1, index_1.html page 2. Elsewhere list_2.html is page 2.
        return int(m.group(1)) + (1 if stem.lower() == "index" else 0)
    return None


def _split_ext(basename: str) -> tuple[str, str | None]:
    stem, dot, ext = basename.rpartition(".")
    return (stem, ext) if dot else (basename, None)


def classify_list_links(
    links: Sequence[Link], page_url: str, root_url: str, article_filter: ArticleFilter
) -> PageLinks:
    """Split a list page's links into articles and further pages of the same list (unique, in order)."""
    articles: list[str] = []
    pages: list[tuple[str, int | None]] = []
    seen: set[str] = {page_url}
    for link in links:
        if link.url in seen:
            continue
        n = page_number(link.url, root_url)
        if n is not None:
            seen.add(link.url)
            if n > 1:
                pages.append((link.url, n))
            continue
        if _NEXT_TEXT.match(link.text) and urlsplit(link.url).hostname == urlsplit(page_url).hostname:
            seen.add(link.url)
            pages.append((link.url, None))
            continue
        if article_filter.accepts(link.url):
            seen.add(link.url)
            articles.append(link.url)
    return PageLinks(tuple(articles), tuple(pages))


# ------------------------------------------------------------------------------------------------ feeds
def _xml_root(body: bytes) -> lxml.etree._Element | None:
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return lxml.etree.parse(BytesIO(body.lstrip()), parser).getroot()
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None


def _local(el: lxml.etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: lxml.etree._Element, *names: str) -> str | None:
    for child in el:
        if _local(child) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_date(value: str | None) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS) → aware datetime; Asia/Shanghai when no zone is given."""
    if not value:
        return None
    value = value.strip()
    dt: datetime | None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=CHINA_TZ)


def feed_entries(body: bytes, url: str) -> list[FeedEntry]:
    """Item links of an RSS 2.0 / RSS 1.0 / Atom feed, with their dates (updated, else published)."""
    root = _xml_root(body)
    if root is None:
        return []
    out: list[FeedEntry] = []
    for el in root.iter():
        name = _local(el)
        if name == "item":  # RSS
            link = _child_text(el, "link")
            if not link:
                for child in el:
                    if _local(child) == "guid" and child.get("isPermaLink", "true") != "false" and child.text:
                        link = child.text.strip()
            date = _child_text(el, "pubdate", "date", "updated")
        elif name == "entry":  # Atom
            link = None
            for child in el:
                if (
                    _local(child) == "link"
                    and child.get("rel", "alternate") == "alternate"
                    and child.get("href")
                ):
                    link = child.get("href")
                    break
            date = _child_text(el, "updated", "published")
        else:
            continue
        absolute = _absolute(url, link.strip()) if link else None
        if absolute:
            out.append(FeedEntry(absolute, parse_date(date)))
    return out


# ------------------------------------------------------------------------------------------------ sitemaps
def sitemap_entries(body: bytes, url: str) -> tuple[str, list[FeedEntry]]:
    """(``"urlset"`` or ``"sitemapindex"`` or ``""``, its ``<loc>`` entries with ``<lastmod>``)."""
    root = _xml_root(body)
    if root is None:
        return "", []
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        return "", []
    out: list[FeedEntry] = []
    for el in root:
        if _local(el) not in ("url", "sitemap"):
            continue
        loc = _child_text(el, "loc")
        absolute = _absolute(url, loc) if loc else None
        if absolute:
            out.append(FeedEntry(absolute, parse_date(_child_text(el, "lastmod"))))
    return kind, out
