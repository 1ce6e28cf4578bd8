"""Which links of a list page are articles, found by evidence rather than a hand-written pattern.

Pure functions: HTML (or a JSON list) and its URL in, data out. No site or template is named here; what a
CMS family looks like is data (``crawler/family_signatures.toml``).

How the article links are decided (docs/crawling.md, "How inference decides"):

1. Every link of the page is read (``crawler.list_reading``) with its *item* (the largest element around it
   whose links all go where it goes: a ``<li>``, a table row, a card with picture, title and "more"), the
   *block* holding the item (the tag path of its parent, so the rows of one list share it) and a date found
   in the link text, the item, a nearby cell or the URL.
2. Attachments, home pages, the page itself and its pagination are set aside; links to other *sites* (another
   registrable domain) wait for step 5.
3. The rest are grouped by URL *shape* (path segments with digit runs and long ids made abstract, so
   ``/art/2024/3/18/art_7290_1.html`` and ``/art/2024/4/2/art_7290_9.html`` share one).
4. Each shape is scored: how many distinct links, how long their texts are (titles are long, navigation is
   short), what share carries a date, and how much of it sits in one repeated block. The best shape is the
   article list; another shape joins it when its links sit in the same block, or when they carry dates and
   title-length texts of their own (a page mixing news with a 信息公开 table), or when they form a repeated
   block of titles of their own, or sit in a box the chosen links show to be a list of articles.
5. A link to another site joins when it is a titled row of one of those list blocks (a www.gov.cn document in
   a county's list); the same site in a footer or a side box does not.
6. The chosen links give anchored regexes (one per host and path depth) that generalise digit runs and ids,
   so next month's URLs still match.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.discovery import feed_links, json_api_urls, unique
from crawler.links import _BINARY_EXT, _NEXT_TEXT, _PAGE_PARAMS, js_pager_pages, page_number
from crawler.list_reading import (
    ListLink,
    find_date,
    json_list_links,
    list_links,
    looks_like_json,
    url_date,
)
from crawler.url_shapes import segment_shape, site_of, url_shape
from extract.decoding import decode_html

__all__ = [
    "Cluster", "ListInference", "ListLink", "find_date", "infer_article_links", "infer_list", "list_links",
    "list_pagination", "newest_first", "patterns_for", "url_date", "url_shape",
]

_DIRECTORY_ARTICLE = re.compile(r"/\d{6,}/(?:index\.\w+)?$")
# Column and index pages by name: index.html, list_2.shtml, NewsList.aspx, news_list.php, catList-s.php.
_INDEX_BASENAME = re.compile(r"^(index|default|more|\w*list(?:[_-]\w+)?)(_\d+)?\.\w+$", re.IGNORECASE)
# A day's archive: the path ends in a date and at most a page number (/history/2014-12-06,
# /todaynews/2014%2F12%2F10/1).
_DATE_ARCHIVE = re.compile(
    r"/(?:19|20)\d{2}(?:[-/_.]|%2F)\d{1,2}(?:[-/_.]|%2F)\d{1,2}/?(?:\d{1,3}/?)?$", re.IGNORECASE
)
_PAGE_NUMBER_TEXT = re.compile(r"^\s*\[?\s*(\d{1,4})\s*\]?\s*$")
_LAST_TEXT = re.compile(r"^\s*(尾页|末页|最后一页|last)\s*$", re.IGNORECASE)

# Scoring. A title is rarely shorter than 6 characters; navigation rarely longer than 6.
TITLE_CHARS = 8
MIN_CLUSTER_SCORE = 0.7
OWN_BLOCK_TITLES = 4  # title-length links of one shape in one block: a list of its own


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
        return unique(link.url for link in self.links)


@dataclass(frozen=True)
class ListInference:
    """What a list page offers, inferred: its article links (in page order; ``newest_first`` sorts them), the
    regexes that match them, its further list pages, the feeds and JSON APIs it names and the evidence for
    each decision."""

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


# ------------------------------------------------------------------------------------------------ shapes
def _is_date_archive(url: str) -> bool:
    """The page of one day's news: dated by its own address, yet a list."""
    return bool(_DATE_ARCHIVE.search(urlsplit(url).path))


def _is_listing_url(url: str) -> bool:
    """A column, index or day-archive page rather than an article (an article may be a directory named by a
    long id)."""
    path = urlsplit(url).path
    if _is_date_archive(url):
        return True
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
    first = unique[0].url
    if _is_listing_url(first) and (_is_date_archive(first) or not all(link.dated for link in unique)):
        score *= 0.2  # a column page (…/index.html, …/) is a list, unless every one is dated (not by its own address)
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


def _repeated_titles(cluster: Cluster) -> int:
    """Distinct title-length texts of the cluster's links in its most used block (titles differ; a repeated
    "看更多相关新闻>>" beside each box does not)."""
    titled = [link for link in cluster.links if len(link.text) >= TITLE_CHARS]
    if not titled:
        return 0
    block, _ = Counter(link.block for link in titled).most_common(1)[0]
    return len({link.text for link in titled if link.block == block})


def infer_article_links(
    links: Sequence[ListLink], page_url: str, exclude: Iterable[str] = ()
) -> tuple[list[Cluster], list[Cluster]]:
    """(chosen clusters, rejected clusters) of the page's links, by the evidence above: links of the page's site
    (its registrable domain: ``xxgk.hz.gov.cn`` beside ``www.hz.gov.cn``) are weighed as a whole; a link to
    another site joins only as a row of the list the site's own links show (a county's list linking a
    www.gov.cn document or a WeChat post)."""
    host = urlsplit(page_url).netloc.lower()
    site = site_of(host)
    excluded = set(exclude) | {page_url}
    by_shape: dict[str, list[ListLink]] = defaultdict(list)
    by_block: dict[str, list[ListLink]] = defaultdict(list)
    elsewhere: list[ListLink] = []
    for link in links:
        parts = urlsplit(link.url)
        if link.url in excluded or _BINARY_EXT.search(parts.path):
            continue
        if parts.path in ("", "/") and not parts.query:
            continue  # a home page
        if parts.netloc.lower() != host and site_of(parts.netloc) != site:
            elsewhere.append(link)
            continue
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
        own_block = _repeated_titles(c) >= OWN_BLOCK_TITLES
        titled = c.median_text >= 5 or own_block
        # Outside the list block a shape joins on its own evidence: dated titles, more than one of them or a
        # headline-length one (names of accounts and columns are shorter).
        dated_titles = (
            c.dated_share >= 0.5
            and c.median_text >= TITLE_CHARS
            and (len(c.links) >= 2 or c.median_text >= 12)
            and c.score >= MIN_CLUSTER_SCORE / 2
        )
        minor = sum(1 for link in c.links if link.minor) / len(c.links)
        # ... or, undated, as a repeated block of its own: several distinct title-length links of one shape in
        # one block (a ranked box, a second column of stories). Menus are short; columns are listing URLs.
        if titled and minor < 0.5 and (in_block >= 0.5 or dated_titles or own_block) and not (
            _is_listing_url(c.links[0].url) and (c.dated_share < 1 or _is_date_archive(c.links[0].url))
        ):
            chosen.append(c)
        else:
            rejected.append(c)
    # A box of stories mixes shapes (/news/society/paper/1 beside /news/politics/breakingnews/2): once the chosen
    # links show a block to be a list of articles, a titled shape whose links sit in it joins them.
    article_blocks = _article_blocks(chosen)
    for c in list(rejected):
        in_articles = sum(1 for link in c.links if link.block in article_blocks) / len(c.links)
        minor = sum(1 for link in c.links if link.minor) / len(c.links)
        listing = _is_listing_url(c.links[0].url)
        if in_articles >= 0.5 and c.median_text >= TITLE_CHARS and minor < 0.5 and not listing:
            rejected.remove(c)
            chosen.append(c)
    # Rows of the list on other sites: in a block the site's own articles make a list, with a title of their own.
    list_blocks = (main_blocks & {link.block for c in chosen for link in c.links}) | _article_blocks(chosen)
    rows_elsewhere: dict[str, list[ListLink]] = defaultdict(list)
    for link in elsewhere:
        titled_row = link.block in list_blocks and len(link.text) >= TITLE_CHARS and not link.minor
        if titled_row and not _is_listing_url(link.url):
            rows_elsewhere[url_shape(link.url)].append(link)
    chosen += [_cluster(shape, rows) for shape, rows in sorted(rows_elsewhere.items())]
    return chosen, rejected


def _article_blocks(chosen: Sequence[Cluster]) -> set[str]:
    """Blocks holding at least OWN_BLOCK_TITLES distinct title-length texts of chosen links."""
    texts: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        for link in c.links:
            if len(link.text) >= TITLE_CHARS:
                texts[link.block].add(link.text)
    return {block for block, found in texts.items() if len(found) >= OWN_BLOCK_TITLES}


# ------------------------------------------------------------------------------------------------ patterns
_TOKEN = re.compile(r"\d+|[A-Za-z]+|[^\dA-Za-z]+")


def _generalise_segment(values: Sequence[str]) -> str:
    if len(set(values)) == 1 and not any(ch.isdigit() for ch in values[0]):
        return re.escape(values[0])
    shapes = {segment_shape(v) for v in values}
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
