"""``RegistrySpider``: the one generic spider, configured by a registry ``Source``.

Discovery: ``list_urls`` (HTML list pages, with pagination), ``feeds`` (RSS/Atom), ``sitemaps`` (urlset and
sitemapindex). Every response becomes a ``PageItem`` (kinds list/feed/sitemap/article) for the store pipeline.
Incremental: an article already in the store is not requested again unless a feed/sitemap date is newer than
our last fetch; list/feed/sitemap requests are conditional (``ConditionalGetMiddleware``).

Site-specific code goes in a subclass (one module per family, see ``crawler.spiders.FAMILY_SPIDERS``) that
overrides the ``_parse_*`` / ``_article_links`` hooks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.utils.gz import gunzip
from w3lib.encoding import http_content_type_encoding

from crawler.errors import BENIGN_KINDS, classify_failure
from crawler.faults import PERMANENT_FAULTS, response_fault
from crawler.inference import infer_list
from crawler.items import PageItem
from crawler.links import (
    ArticleFilter,
    FeedEntry,
    Link,
    PageLinks,
    classify_list_links,
    feed_entries,
    html_links,
    js_pager_pages,
    sitemap_entries,
)
from crawler.list_reading import json_list_links, looks_like_json
from crawler.storage import shared_store
from yigai.config import Source
from yigai.store import NOT_A_PAGE
from yigai.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from yigai.store import Store

# Response headers archived with each page (validators for conditional GET, and what decoding needs).
KEPT_HEADERS = (
    "ETag",
    "Last-Modified",
    "Content-Type",
    "Content-Language",
    "Date",
    "Cache-Control",
    "Expires",
)


class RegistrySpider(Spider):
    """Crawls one registry source. The spider loader makes a subclass per source with ``name`` and ``source``."""

    name = "registry"
    source: ClassVar[Source]

    # What the spider takes from the crawler's settings is read on first use, not in ``from_crawler``: Scrapy
    # makes the spider before it applies the add-ons (``crawler.config.YigaiSettings``, which gives a crawl
    # started by ``scrapy crawl`` its settings file's values).
    @cached_property
    def store(self) -> Store:
        return shared_store(self.crawler.settings["YIGAI_DATABASE"])

    @cached_property
    def error_budget(self) -> int:
        return self.crawler.settings.getint("YIGAI_SOURCE_ERROR_BUDGET", 50)

    @cached_property
    def request_meta(self) -> dict[str, Any]:
        if not self.source.browser:
            return {}
        meta = dict(self.crawler.settings.getdict("YIGAI_BROWSER_REQUEST_META"))
        if not meta:
            # Loud: a site that needs a browser usually answers plain HTTP with a challenge (412) only.
            self.logger.error(
                "source %s wants a browser but none is configured (needs scrapy-playwright: pip install "
                "'yigai-watch[browser]', and Chromium: apt-get install chromium, or set [crawl] "
                "browser_executable); fetching plain HTTP",
                self.name,
            )
        return meta

    @cached_property
    def shared_frontier(self) -> bool:
        # With a shared frontier (crawler.frontier) every request goes through the shared duplicate filter,
        # discovery pages included, so two workers never fetch the same list page.
        return bool(self.crawler.settings.get("YIGAI_FRONTIER"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        src = self.source
        self.article_filter = ArticleFilter.build(src.article_allow, src.article_deny, src.start_urls)
        self._articles_seen: set[str] = set()
        self._list_pages: dict[str, set[str]] = {}
        self._errors = 0

    # ------------------------------------------------------------------------------------------ requests
    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.list_urls:
            self._list_pages[url] = {canonical_url(url)}
            yield self._request(url, "list", self.parse_list, yigai_list_root=url, yigai_list_page=1)
        for url in self.source.feeds:
            yield self._request(url, "feed", self.parse_feed)
        for url in self.source.sitemaps:
            yield self._request(url, "sitemap", self.parse_sitemap)
        # Links found by an earlier run that was killed (or failed) before fetching them.
        callbacks = {"article": self.parse_article, "sitemap": self.parse_sitemap, "list": self.parse_list}
        for url, kind in self.store.pending_urls(self.name):
            if kind == "article":
                self._articles_seen.add(url)
            meta = (
                {"yigai_list_root": url, "yigai_list_page": self.source.max_list_pages}
                if kind == "list"
                else {}
            )
            yield self._request(url, kind, callbacks.get(kind, self.parse_article), **meta)

    def _request(self, url: str, kind: str, callback: Any, **meta: Any) -> Request:
        meta = {"yigai_kind": kind, "yigai_source": self.name, **self.request_meta, **meta}
        # Discovery pages are re-read every run (conditionally); articles are deduplicated by canonical URL here.
        # A shared frontier filters everything: its filter lives for one crawl only.
        dont_filter = kind != "article" and not getattr(self, "shared_frontier", False)
        return Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=dont_filter)

    def _article_requests(self, entries: Iterable[FeedEntry]) -> list[Request]:
        """Requests for the articles to fetch; they are recorded as discovered first (see ``record_discovered``)."""
        wanted: list[str] = []
        for entry in entries:
            key = canonical_url(entry.url)
            if key in self._articles_seen:
                continue
            self._articles_seen.add(key)
            self.crawler.stats.inc_value("yigai/articles_linked")
            if not self._needs_fetch(entry.url, entry.lastmod):
                self.crawler.stats.inc_value("yigai/articles_known")
                continue
            wanted.append(entry.url)
        if wanted:
            self.store.record_discovered(wanted, self.name, "article")
        return [self._request(url, "article", self.parse_article) for url in wanted]

    def _needs_fetch(self, url: str, lastmod: datetime | None) -> bool:
        """New URL (but not one that answered with something that is not a page), or the feed/sitemap says it
        changed after our last fetch."""
        if not self.store.has_page(url):
            return not self.store.gave_up(url)
        if lastmod is None:
            return False
        state = self.store.url_state(url)
        if state is None or not state["last_fetched"]:
            return True
        return lastmod > datetime.fromisoformat(state["last_fetched"])

    # ------------------------------------------------------------------------------------------ callbacks
    def parse(self, response: Response, **kwargs: Any) -> Any:
        return self.parse_list(response)

    def parse_list(self, response: Response) -> Iterator[PageItem | Request]:
        if self._refused(response, "list"):
            return
        # The page is stored (with its validators) only after its links are recorded as discovered.
        root = response.meta.get("yigai_list_root", response.url)
        found = self._parse_list_links(response, root)
        if not found.articles:
            self._no_links(response, "list page")
        requests = self._article_requests(FeedEntry(u, None) for u in found.articles)
        more_lists = list(self._next_list_pages(response, root, found.list_pages))
        if more_lists:  # further list pages are part of the frontier too (see record_discovered)
            self.store.record_discovered([r.url for r in more_lists], self.name, "list")
        yield self._page_item(response, "list")
        yield from requests
        yield from more_lists

    def parse_feed(self, response: Response) -> Iterator[PageItem | Request]:
        if self._refused(response, "feed"):
            return
        entries = [
            e
            for e in feed_entries(response.body, response.url)
            if self.article_filter.accepts(e.url, require_hint=False)
        ]
        if not entries:
            self._no_links(response, "feed")
        requests = self._article_requests(entries)
        yield self._page_item(response, "feed")
        yield from requests

    def parse_sitemap(self, response: Response) -> Iterator[PageItem | Request]:
        if self._refused(response, "sitemap"):
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        kind, entries = sitemap_entries(body, response.url)
        if kind == "sitemapindex":
            self.store.record_discovered([e.url for e in entries], self.name, "sitemap")
            yield self._page_item(response, "sitemap")
            for entry in entries:
                yield self._request(entry.url, "sitemap", self.parse_sitemap)
            return
        if kind != "urlset":
            self.logger.error(
                "%s: %s is not a sitemap (no <urlset> or <sitemapindex>)", self.name, response.url
            )
            self._count_error("parse_error")
            yield self._page_item(response, "sitemap")
            return
        articles = [e for e in entries if self.article_filter.accepts(e.url)]
        if not articles:
            self._no_links(response, "sitemap")
        requests = self._article_requests(articles)
        yield self._page_item(response, "sitemap")
        yield from requests

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        if self._refused(response, "article"):
            return
        yield self._page_item(response, "article")

    # ------------------------------------------------------------------------------------------ hooks
    def _parse_list_links(self, response: Response, root: str) -> PageLinks:
        """Article links and further list pages of one list page (override for odd sites).

        The entry's ``article_allow`` decides; when it matches nothing on a page where inference
        (``crawler.inference``) finds an article list, the site was redesigned: the inferred links are crawled
        and the source is flagged (``pattern_inferred``, shown by ``yigai status`` and on the about page). An
        entry without ``article_allow`` has its links inferred on every list page."""
        charset = http_content_type_encoding(_header(response, "Content-Type"))
        if looks_like_json(response.body):
            links = [Link(x.url, x.text) for x in json_list_links(response.body, response.url)]
        else:
            links = html_links(response.body, response.url, charset)
        found = classify_list_links(links, response.url, root, self.article_filter)
        pager = [p for p in js_pager_pages(response.body, response.url) if p[0] not in dict(found.list_pages)]
        articles = found.articles
        list_pages = found.list_pages + tuple(pager)
        if not articles or not self.source.article_allow:
            inferred = infer_list(response.body, response.url, charset, root_url=root)
            pages = {url for url, _ in list_pages}
            urls = tuple(
                u for u in inferred.article_urls
                if u not in pages and not any(p.search(u) for p in self.article_filter.deny)
            )
            if urls:
                self._use_inferred(response, inferred.patterns, len(urls))
                articles = urls
                known = dict(list_pages)
                list_pages += tuple(p for p in inferred.list_pages if p[0] not in known)
        return PageLinks(articles, list_pages)

    def _use_inferred(self, response: Response, patterns: Iterable[str], count: int) -> None:
        self.crawler.stats.inc_value("yigai/articles_inferred", count)
        if not self.source.article_allow:
            return
        # Never silently: the run report, `yigai status` and the about page say the pattern is a guess now.
        self._count_error("pattern_inferred")
        self.logger.warning(
            "%s: redesigned — the configured article_allow matches nothing on %s; crawling %d links found by "
            "inference (%s); run `yigai source check %s` and correct the entry",
            self.name, response.url, count, ", ".join(patterns), self.name,
        )

    def _next_list_pages(
        self, response: Response, root: str, candidates: Iterable[tuple[str, int | None]]
    ) -> Iterator[Request]:
        requested = self._list_pages.setdefault(root, {canonical_url(root)})
        limit = self.source.max_list_pages
        # Numbered pages in order first, then "next page" links of unknown number.
        ordered = sorted(candidates, key=lambda c: (c[1] is None, c[1] or 0))
        for url, number in ordered:
            if len(requested) >= limit:
                return
            key = canonical_url(url)
            page = number or response.meta.get("yigai_list_page", 1) + 1
            # The page number travels in meta, so the limit also holds when several workers share the list.
            if key in requested or page > limit:
                continue
            requested.add(key)
            yield self._request(url, "list", self.parse_list, yigai_list_root=root, yigai_list_page=page)

    # ------------------------------------------------------------------------------------------ helpers
    def _page_item(self, response: Response, kind: str) -> PageItem:
        redirects = list(response.meta.get("redirect_urls") or [])
        headers = {name: value for name in KEPT_HEADERS if (value := _header(response, name)) is not None}
        return PageItem(
            requested_url=redirects[0] if redirects else response.url,
            final_url=response.url,
            source_id=self.name,
            kind=kind,
            status=response.status,
            body=response.body,
            headers=headers,
            encoding=getattr(response, "encoding", None),
            content_type=headers.get("Content-Type"),
            redirect_urls=redirects + [response.url] if redirects else [],
        )

    def _refused(self, response: Response, kind: str) -> bool:
        """Whether the answer is not a page (``crawler.faults``): then it is counted, logged and not stored, and
        the URL recorded as failed (for good when asking again cannot help)."""
        fault = response_fault(
            response.body, content_type=_header(response, "Content-Type"), kind=kind, flags=response.flags
        )
        if fault is None:
            return False
        self.logger.warning("%s: %s: %s (not stored)", self.name, fault, response.url)
        redirects = response.meta.get("redirect_urls") or [response.url]
        status = NOT_A_PAGE if fault in PERMANENT_FAULTS else response.status
        self.store.record_failure(redirects[0], self.name, kind, status)
        self._count_error(fault)
        return True

    def _no_links(self, response: Response, what: str) -> None:
        # Loud on purpose: a list that yields nothing usually means the site was redesigned.
        self.logger.error(
            "%s: %s %s yielded no article links (site redesigned? check list_urls/article_allow)",
            self.name,
            what,
            response.url,
        )
        self._count_error("list_no_links")

    def _count_error(self, kind: str) -> None:
        self.crawler.stats.inc_value(f"yigai/errors/{kind}")
        if kind not in BENIGN_KINDS:
            self._errors += 1
            if self.error_budget and self._errors >= self.error_budget:
                raise CloseSpider("error_budget")

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: classify the failure and count it for the source's health."""
        kind = classify_failure(failure)
        if kind is None:
            return  # 304 Not Modified
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if kind in BENIGN_KINDS:
            self.logger.info("%s: %s: %s", self.name, kind, url)
            if kind == "robots_forbidden" and request is not None:
                # Not pending any more: a forbidden link is not asked for again on later runs.
                self.store.record_failure(url, self.name, request.meta.get("yigai_kind", "article"), -1)
        else:
            self.logger.warning("%s: %s: %s (%s)", self.name, kind, url, failure.value)
            if request is not None and request.meta.get("yigai_kind") == "article":
                response = getattr(failure.value, "response", None)
                status = int(getattr(response, "status", 0) or 0)
                self.store.record_failure(url, self.name, "article", status)
        self._count_error(kind)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None
