"""The store pipeline: every fetched page is archived raw (``store.save_page``, one transaction each)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.items import PAGE_KINDS
from crawler.storage import shared_store
from yigai.store import DATABASE_ERRORS, FetchedPage, store_unwritable

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from yigai.store import Store

logger = logging.getLogger(__name__)

# Pseudo-header under which the redirect chain is archived with the page (the pages table has no column).
REDIRECTS_HEADER = "X-Yigai-Redirect-Chain"


class StorePipeline:
    """Writes ``PageItem``s to the store as ``FetchedPage``s; counts ``yigai/pages_new`` (bytes not seen
    before for that URL)."""

    def __init__(
        self, store: Store, stats: StatsCollector, run_id: int | None, crawler: Crawler | None = None
    ):
        self.store = store
        self.stats = stats
        self.run_id = run_id
        self.crawler = crawler
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        database = crawler.settings.get("YIGAI_DATABASE")
        if not database:
            raise NotConfigured("no YIGAI_DATABASE")
        run_id = crawler.settings.get("YIGAI_RUN_ID")
        run_id = int(run_id) if run_id not in (None, "") else None
        return cls(shared_store(database), crawler.stats, run_id, crawler)

    def open_spider(self) -> None:
        # Keep the store's sources table in step with the registry the crawl used.
        spider = self.crawler.spider if self.crawler is not None else None
        source = getattr(spider, "source", None)
        if source is not None:
            self.store.upsert_sources([source])

    def process_item(self, item: object) -> object:
        page = ItemAdapter(item)
        if page.get("kind") not in PAGE_KINDS:
            raise DropItem(f"unknown page kind {page.get('kind')!r}")
        headers = dict(page.get("headers") or {})
        if page.get("redirect_urls"):
            headers[REDIRECTS_HEADER] = json.dumps(page["redirect_urls"])
        try:
            page_id = self._save(page, headers)
        except DATABASE_ERRORS as exc:
            if not store_unwritable(exc):
                raise
            self._stop(exc)  # said once; the pages that follow are not stored either
            return item
        if page_id is not None:
            self.stats.inc_value("yigai/pages_new")
            self.stats.inc_value(f"yigai/pages_new/{page['kind']}")
        else:
            logger.debug("unchanged bytes: %s", page["requested_url"])
        return item

    def _stop(self, exc: Exception) -> None:
        """A store that cannot be written (disk full, read-only) stops the source at once, said in one line:
        every further page would fail the same way."""
        if self._stopping:
            return
        self._stopping = True
        logger.error("cannot write to the store %s (%s): stopping the crawl of this source", self.store.location, exc)
        self.stats.inc_value("yigai/errors/store_unwritable")
        if self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_unwritable"))

    def _save(self, page: ItemAdapter, headers: dict) -> int | None:
        return self.store.save_page(
            FetchedPage(
                requested_url=page["requested_url"],
                final_url=page["final_url"],
                source_id=page["source_id"],
                kind=page["kind"],
                status=page["status"],
                body=page["body"],
                headers=headers,
                encoding=page.get("encoding"),
                content_type=page.get("content_type"),
                run_id=self.run_id,
            )
        )
