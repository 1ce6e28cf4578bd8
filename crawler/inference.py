"""Which links of a list page are articles, found by evidence rather than a hand-written pattern.

Pure functions: HTML (or a JSON list) and its URL in, data out. No site or template is named here; what a
CMS family looks like is data (``crawler/family_signatures.toml``).

How the article links are decided (docs/crawling.md, "How inference decides"):

1. Every link of the page is read with its *item* (the smallest element around it that holds no other link:
   a ``<li>``, a table row, a ``<dd>`` …), the *block* holding the item (the tag path of its parent, so the
   rows of one list share it) and a date found in the link text, the item or the URL.
2. Links to other hosts, attachments, the page itself and its pagination are set aside.
3. The rest are grouped by URL *shape* (path segments with digit runs and long ids made abstract, so
   ``/art/2024/3/18/art_7290_1.html`` and ``/art/2024/4/2/art_7290_9.html`` share one).
4. Each shape is scored: how many distinct links, how long their texts are (titles are long, navigation is
   short), what share carries a date, and how much of it sits in one repeated block. The best shape is the
   article list; another shape joins it when its links sit in the same block, or when they carry dates and
   title-length texts of their own (a page mixing news with a 信息公开 table).
5. The chosen links give anchored regexes (one per host and path depth) that generalise digit runs and ids,
   so next month's URLs still match.
"""

from __future__ import annotations

import json
import re
import statistics
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html

from crawler.links import _BINARY_EXT, _NEXT_TEXT, _PAGE_PARAMS, _absolute, js_pager_pages, page_number
from extract.decoding import decode_html

# ------------------------------------------------------------------------------------------------ evidence
_DATE_FULL = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Dates written in URLs: /2024/03/15/, /202403/t20240315_, /2024-03/15/, /20240315/
_DATE_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/]?([01]\d)[-/]?([0-3]\d)(?!\d)")
_DATE_URL_SLASHED = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
# A month-day on its own ("03-15", "[03/15]") is weaker evidence: it says "dated", not which year.
_DATE_SHORT = re.compile(r"(?<![\d.])([01]?\d)[-/.月]([0-3]?\d)日?(?![\d.])")
_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt", "p", "div", "td", "span", "h2", "h3", "h4", "article", "section"})
_HEX_ID = re.compile(r"^(?=.*[a-fA-F])[0-9a-fA-F]{16,}$")
_CASE_SWITCH = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[a-z])")
_LETTER_DIGIT_SWITCH = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_DIRECTORY_ARTICLE = re.compile(r"/\d{6,}/(?:index\.\w+)?$")
_INDEX_BASENAME = re.compile(r"^(index|default|list|more)(_\d+)?\.\w+$", re.IGNORECASE)
_PAGE_NUMBER_TEXT = re.compile(r"^\s*\[?\s*(\d{1,4})\s*\]?\s*$")
_LAST_TEXT = re.compile(r"^\s*(尾页|末页|最后一页|last)\s*$", re.IGNORECASE)
# Scripts that fetch a list as JSON: a URL literal ending in .json or with api/list/query in its path.
_JSON_API = re.compile(r"""["']((?:https?://[^"'\s]+|/[^"'\s]*|[\w./-]+)(?:\.json|/api/[^"'\s]*|[?&]format=json)[^"'\s]*)["']""")
_URL_KEYS = ("url", "link", "href", "path", "linkurl", "docurl", "articleurl", "detailurl")
_TITLE_KEYS = ("title", "name", "doctitle", "subject", "headline")
_DATE_KEYS = ("date", "pubdate", "publishdate", "publishtime", "time", "releasetime", "docreltime", "created")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
# Where feeds and sitemaps usually are when nothing names them (``yigai source add`` asks each once).
COMMON_DISCOVERY_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/rss.xml", "/feed", "/rss", "/atom.xml")

# Scoring. A title is rarely shorter than 6 characters; navigation rarely longer than 6.
TITLE_CHARS = 8
MIN_CLUSTER_SCORE = 0.7


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


@dataclass(frozen=True)
class Cluster:
    """Links of one URL shape and why they were (not) taken as articles."""

    shape: str
    links: tuple[ListLink, ...]
    median_text: float
    dated_share: float
    block_share: float
    score: float

    @property
    def urls(self) -> list[str]:
        return _unique(link.url for link in self.links)


@dataclass(frozen=True)
class ListInference:
    """What a list page offers, inferred: its article links (newest first when dated), the regexes that
    match them, its further list pages, the feeds it names and the evidence for each decision."""

    url: str
    articles: tuple[ListLink, ...]
    patterns: tuple[str, ...]
    list_pages: tuple[tuple[str, int | None], ...]
    pager: str  # how pagination was found: "numbered links", "javascript pager", "next link", or ""
    feeds: tuple[str, ...]
    json_apis: tuple[str, ...]
    chosen: tuple[Cluster, ...] = ()
    rejected: tuple[Cluster, ...] = ()
    evidence: tuple[str, ...] = field(default=())

    @property
    def article_urls(self) -> list[str]:
        return [a.url for a in self.articles]


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
    root = _parse(text)
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
        frag_root = _parse(f"<div>{fragment}</div>")
        if frag_root is not None:
            _collect(frag_root, base, f"{_block_path(script)}[{i}]>", out)
    return out


def _parse(text: str) -> lxml.html.HtmlElement | None:
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
        label = _text(anchor) or (anchor.get("title") or "").strip() or (anchor.xpath("string(.//img/@alt)") or "").strip()
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


# ------------------------------------------------------------------------------------------------ shapes
def _is_opaque_id(stem: str) -> bool:
    """A hash or random id (32 hex digits, WeChat's ``Xh3kF9aQz…``), whose letters are no literal text: long,
    and letters and digits alternate often (``t20240315_1`` and ``art_12_34`` are literal words and numbers)."""
    if _HEX_ID.match(stem):
        return True
    if len(stem) >= 12 and len(_LETTER_DIGIT_SWITCH.findall(stem)) >= 4:
        return True
    # base64-style ids (WeChat's rwpjRgDGCTeyza-YDGKSZW): long, upper and lower case mixed without a pattern
    return len(stem) >= 16 and len(_CASE_SWITCH.findall(stem)) >= 4


def _segment_shape(segment: str) -> str:
    stem, dot, ext = segment.rpartition(".")
    if not dot:
        stem, ext = segment, ""
    if _is_opaque_id(stem):
        return "X" + (f".{ext}" if ext else "")
    return re.sub(r"\d+", "D", segment)


def url_shape(url: str) -> str:
    """Host and path with digit runs → D and long ids → X; query keys kept, values abstracted."""
    parts = urlsplit(url)
    path = "/".join(_segment_shape(s) for s in parts.path.split("/"))
    query = "&".join(
        f"{k}={'D' if v.isdigit() else 'V'}" for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    return f"{parts.netloc.lower()}{path}" + (f"?{query}" if query else "")


def _is_listing_url(url: str) -> bool:
    """A column or index page rather than an article (an article may be a directory named by a long id)."""
    path = urlsplit(url).path
    if _DIRECTORY_ARTICLE.search(path):
        return False
    basename = path.rsplit("/", 1)[-1]
    return path.endswith("/") or bool(_INDEX_BASENAME.match(basename))


# ------------------------------------------------------------------------------------------------ pagination
def list_pagination(
    links: Sequence[ListLink], body: bytes, page_url: str, root_url: str | None = None
) -> tuple[list[tuple[str, int | None]], str]:
    """Further pages of this list: numbered links the crawler knows (``index_N``, ``?page=N``, ``/page/N``),
    links whose text is a page number or "next"/"last", and the JavaScript pagers of ``crawler.links``."""
    root = root_url or page_url
    host = urlsplit(page_url).netloc
    pages: dict[str, int | None] = {}
    how = ""
    for link in links:
        if link.url == page_url or urlsplit(link.url).netloc != host:
            continue
        n = page_number(link.url, root)
        if n is not None:
            if n > 1:
                pages.setdefault(link.url, n)
                how = how or "numbered links"
            continue
        m = _PAGE_NUMBER_TEXT.match(link.text)
        if m and not _BINARY_EXT.search(urlsplit(link.url).path) and 1 < int(m.group(1)) < 10_000:
            pages.setdefault(link.url, int(m.group(1)))
            how = how or "numbered links"
        elif _NEXT_TEXT.match(link.text) or _LAST_TEXT.match(link.text):
            pages.setdefault(link.url, None)
            how = how or "next link"
    for url, n in js_pager_pages(body, page_url):
        if url not in pages:
            pages[url] = n
            how = how or "javascript pager"
    return sorted(pages.items(), key=lambda p: (p[1] is None, p[1] or 0, p[0])), how


_JSON_PAGES_KEYS = ("pages", "totalpage", "totalpages", "pagecount")
_JSON_TOTAL_KEYS = ("total", "totalcount", "totalrecord", "count", "recordcount")
_JSON_SIZE_KEYS = ("pagesize", "size", "perpage", "limit")


def _json_has_more(body: bytes, url: str) -> bool:
    """Whether a JSON list says there is a page after this one (its page count, or total and page size);
    when it says nothing, assume so: the next request answers it."""
    try:
        data = json.loads(decode_html(body)[0])
    except (ValueError, TypeError):
        return False
    numbers: dict[str, int] = {}

    def walk(node: object, depth: int) -> None:
        if depth > 3 or not isinstance(node, dict):
            return
        for key, value in node.items():
            if isinstance(value, int | str) and str(value).isdigit():
                numbers.setdefault(str(key).lower(), int(value))
            walk(value, depth + 1)

    walk(data, 0)
    current = next((int(v) for k, v in parse_qsl(urlsplit(url).query) if k.lower() in _PAGE_PARAMS and v.isdigit()), 1)
    pages = next((numbers[k] for k in _JSON_PAGES_KEYS if k in numbers), None)
    if pages is None:
        total = next((numbers[k] for k in _JSON_TOTAL_KEYS if k in numbers), None)
        size = next((numbers[k] for k in _JSON_SIZE_KEYS if numbers.get(k)), None)
        if total is None or not size:
            return True
        pages = -(-total // size)
    return current < pages


def _json_next_page(url: str) -> list[tuple[str, int | None]]:
    """The next page of a JSON list API whose URL counts pages (``?page=2`` → ``?page=3``)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            query[i] = (key, str(int(value) + 1))
            return [(urlunsplit(parts._replace(query=urlencode(query))), int(value) + 1)]
    return []


def _pagination_urls(pages: Iterable[tuple[str, int | None]], page_url: str) -> set[str]:
    return {url for url, _ in pages} | {page_url}


# ------------------------------------------------------------------------------------------------ clusters
def _cluster(shape: str, links: list[ListLink]) -> Cluster:
    by_url: dict[str, ListLink] = {}
    for link in links:
        kept = by_url.get(link.url)
        # The same article is often linked twice (picture and title): keep the evidence of the longer text.
        if kept is None or len(link.text) > len(kept.text):
            by_url[link.url] = link
    unique = list(by_url.values())
    median_text = statistics.median(len(link.text) for link in unique)
    dated_share = sum(1 for link in unique if link.dated) / len(unique)
    blocks = Counter(link.block for link in links)
    block_share = blocks.most_common(1)[0][1] / len(links)
    n = len(unique)
    score = n * min(median_text, 20) / 20 * (0.25 + dated_share) * (0.5 + 0.5 * block_share)
    if _is_listing_url(unique[0].url) and not all(link.dated for link in unique):
        score *= 0.2  # a column page (…/index.html, …/) is a list, not an article, unless every one is dated
    return Cluster(shape, tuple(sorted(unique, key=lambda x: x.position)), median_text, dated_share,
                   block_share, score)


def _block_score(links: Sequence[ListLink]) -> float:
    """How much a block looks like an article list: distinct links to non-column pages, with title-length
    texts and dates."""
    by_url = {link.url: link for link in links if not _is_listing_url(link.url)}
    if not by_url:
        return 0.0
    unique = list(by_url.values())
    median_text = statistics.median(len(link.text) for link in unique)
    dated_share = sum(1 for link in unique if link.dated) / len(unique)
    return len(unique) * min(median_text, 20) / 20 * (0.25 + dated_share)


def infer_article_links(
    links: Sequence[ListLink], page_url: str, exclude: Iterable[str] = ()
) -> tuple[list[Cluster], list[Cluster]]:
    """(chosen clusters, rejected clusters) of the page's same-host links, by the evidence above."""
    host = urlsplit(page_url).netloc.lower()
    excluded = set(exclude) | {page_url}
    by_shape: dict[str, list[ListLink]] = defaultdict(list)
    by_block: dict[str, list[ListLink]] = defaultdict(list)
    for link in links:
        parts = urlsplit(link.url)
        if parts.netloc.lower() != host or link.url in excluded or _BINARY_EXT.search(parts.path):
            continue
        if parts.path in ("", "/") and not parts.query:
            continue  # the home page
        by_shape[url_shape(link.url)].append(link)
        by_block[link.block].append(link)
    clusters = sorted((_cluster(s, ls) for s, ls in by_shape.items()), key=lambda c: (-c.score, c.shape))
    if not clusters:
        return [], []
    # The list is the block with the most dated, title-length links to pages that are not columns; the
    # best single shape competes with it (a list whose rows sit in differently classed wrappers).
    block_scores = {b: _block_score(ls) for b, ls in by_block.items()}
    list_block = max(sorted(block_scores), key=lambda b: block_scores[b])
    best = clusters[0]
    if max(block_scores[list_block], best.score) < MIN_CLUSTER_SCORE:
        return [], clusters
    main_blocks = {list_block}
    if best.score > block_scores[list_block]:
        main_blocks = {b for b, n in Counter(link.block for link in best.links).items() if n >= 2} or {
            best.links[0].block
        }
    chosen: list[Cluster] = []
    rejected: list[Cluster] = []
    for c in clusters:
        in_block = sum(1 for link in c.links if link.block in main_blocks) / len(c.links)
        titled = c.median_text >= 5
        # Outside the list block a shape joins on its own evidence: dated titles, more than one of them or a
        # headline-length one (names of accounts and columns are shorter).
        dated_titles = (
            c.dated_share >= 0.5
            and c.median_text >= TITLE_CHARS
            and (len(c.links) >= 2 or c.median_text >= 12)
            and c.score >= MIN_CLUSTER_SCORE / 2
        )
        minor = sum(1 for link in c.links if link.minor) / len(c.links)
        if titled and minor < 0.5 and (in_block >= 0.5 or dated_titles) and not (
            _is_listing_url(c.links[0].url) and c.dated_share < 1
        ):
            chosen.append(c)
        else:
            rejected.append(c)
    return chosen, rejected


# ------------------------------------------------------------------------------------------------ patterns
_TOKEN = re.compile(r"\d+|[A-Za-z]+|[^\dA-Za-z]+")


def _generalise_segment(values: Sequence[str]) -> str:
    if len(set(values)) == 1 and not any(ch.isdigit() for ch in values[0]):
        return re.escape(values[0])
    shapes = {_segment_shape(v) for v in values}
    if len(shapes) == 1 and next(iter(shapes)).startswith("X"):
        ext = next(iter(shapes))[1:]
        return r"[\w-]+" + re.escape(ext)
    tokenised = [_TOKEN.findall(v) for v in values]
    kinds = {tuple("d" if t[0].isdigit() else "a" if t[0].isalpha() else t for t in tokens) for tokens in tokenised}
    if len(kinds) != 1:
        return r"[^/]+"
    out: list[str] = []
    for column in zip(*tokenised, strict=True):
        first = column[0]
        if first.isdigit():
            out.append(r"\d+")  # digits always vary: next year's, next month's and the next id
        elif first.isalpha():
            out.append(re.escape(first) if len(set(column)) == 1 else "[A-Za-z]+")
        else:
            out.append(re.escape(first))
    return "".join(out)


def patterns_for(urls: Sequence[str]) -> list[str]:
    """Anchored regexes (one per host and path depth) that match these article URLs and their successors."""
    groups: dict[tuple[str, int, tuple[str, ...]], list[str]] = defaultdict(list)
    for url in urls:
        parts = urlsplit(url)
        keys = tuple(sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True)))
        groups[(parts.netloc.lower(), parts.path.count("/"), keys)].append(url)
    out: list[str] = []
    for (host, _, keys), members in sorted(groups.items()):
        paths = [urlsplit(u).path.split("/") for u in members]
        path = "/".join(_generalise_segment(column) for column in zip(*paths, strict=True))
        query = ""
        if keys:
            values = [dict(parse_qsl(urlsplit(u).query, keep_blank_values=True)) for u in members]
            query = r"\?" + "&".join(
                f"{re.escape(k)}=" + (r"\d+" if all(v[k].isdigit() for v in values) else r"[^&]*")
                for k in keys
            )
        pattern = f"^https?://{re.escape(host)}{path}{query}$"
        if pattern not in out:
            out.append(pattern)
    return out


# ------------------------------------------------------------------------------------------------ feeds
def feed_links(body: bytes, url: str, http_encoding: str | None = None) -> list[str]:
    """Feeds a page names: ``<link rel="alternate" type="application/rss+xml" href>`` and the like."""
    root = _parse(decode_html(body, http_encoding)[0])
    if root is None:
        return []
    found: list[str] = []
    for link in root.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES:
            absolute = _absolute(url, link.get("href").strip())
            if absolute:
                found.append(absolute)
    return _unique(found)


def json_api_urls(body: bytes, url: str, http_encoding: str | None = None) -> list[str]:
    """URLs of JSON list APIs named in the page's scripts (a list page that fills itself from one)."""
    text = decode_html(body, http_encoding)[0]
    found: list[str] = []
    for script in re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S | re.I):
        for m in _JSON_API.finditer(script):
            absolute = _absolute(url, m.group(1))
            if absolute:
                found.append(absolute)
    return _unique(found)


def robots_sitemaps(robots_txt: str, url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, absolute."""
    found = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            absolute = _absolute(url, value.strip())
            if absolute:
                found.append(absolute)
    return _unique(found)


# ------------------------------------------------------------------------------------------------ family
@lru_cache(maxsize=1)
def _family_signatures() -> dict[str, dict[str, re.Pattern[str]]]:
    text = resources.files("crawler").joinpath("family_signatures.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["family"]
    return {name: {k: re.compile(v) for k, v in sig.items()} for name, sig in table.items()}


def guess_family(article_urls: Sequence[str], html: str = "") -> tuple[str, str]:
    """(family, why): the CMS family whose article URL shape most of ``article_urls`` have, else the one
    whose page signature the HTML carries, else ``generic``."""
    signatures = _family_signatures()
    if article_urls:
        for name, sig in signatures.items():
            pattern, host = sig.get("article"), sig.get("host")
            if pattern is None:
                continue
            hits = sum(
                1
                for u in article_urls
                if pattern.search(u) and (host is None or host.search((urlsplit(u).hostname or "").lower()))
            )
            if hits * 2 >= len(article_urls):
                where = f" on {host.pattern}" if host is not None else ""
                return name, f"{hits} of {len(article_urls)} article URLs have its shape ({pattern.pattern}){where}"
    for name, sig in signatures.items():
        pattern = sig.get("page")
        if pattern is not None and pattern.search(html):
            return name, f"the page carries its signature ({pattern.pattern})"
    return "generic", "no known template's URL shape or page signature"


# ------------------------------------------------------------------------------------------------ all
def infer_list(
    body: bytes, url: str, http_encoding: str | None = None, root_url: str | None = None
) -> ListInference:
    """Article links, their patterns, pagination and named feeds of one list page (HTML or a JSON list)."""
    if looks_like_json(body):
        links = json_list_links(body, url)
        pages, how = (_json_next_page(url), "page parameter") if links and _json_has_more(body, url) else ([], "")
        feeds: list[str] = []
        apis: list[str] = []
    else:
        links = list_links(body, url, http_encoding)
        pages, how = list_pagination(links, body, url, root_url)
        feeds = feed_links(body, url, http_encoding)
        apis = json_api_urls(body, url, http_encoding)
    chosen, rejected = infer_article_links(links, url, _pagination_urls(pages, url))
    articles: dict[str, ListLink] = {}
    for cluster in chosen:
        for link in cluster.links:
            articles.setdefault(link.url, link)
    ordered = sorted(articles.values(), key=lambda a: a.position)
    evidence = [
        f"{c.shape}: {len(c.links)} links, median text {c.median_text:.0f} chars, "
        f"{c.dated_share:.0%} dated, {c.block_share:.0%} in one block" for c in chosen
    ]
    return ListInference(
        url=url,
        articles=tuple(ordered),
        patterns=tuple(patterns_for([a.url for a in ordered])),
        list_pages=tuple(pages),
        pager=how,
        feeds=tuple(feeds),
        json_apis=tuple(apis),
        chosen=tuple(chosen),
        rejected=tuple(rejected),
        evidence=tuple(evidence),
    )


def newest_first(links: Iterable[ListLink]) -> list[ListLink]:
    """Dated links newest first, then the undated in page order (list pages usually put the newest on top)."""
    items = list(links)
    return sorted(items, key=lambda x: (x.date is None, -(x.date.toordinal() if x.date else 0), x.position))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
