"""Source health: per-source counters for one run, written to the store when the source's spider closes."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.storage import shared_store
from yigai.store import DATABASE_ERRORS, SourceStats

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

    from yigai.store import Store

logger = logging.getLogger(__name__)

ERROR_PREFIX = "yigai/errors/"
# CloseSpider reasons that mean a per-source budget ran out.
_BUDGET_REASONS = ("closespider_timeout", "closespider_pagecount", "closespider_errorcount", "error_budget")


def source_stats_from(stats: Mapping[str, Any], seconds: float) -> SourceStats:
    """Build ``SourceStats`` from a crawler's stats (the ``yigai/*`` keys the components increment)."""
    out = SourceStats(
        requests=int(stats.get("yigai/requests", 0)),
        pages_new=int(stats.get("yigai/pages_new", 0)),
        not_modified=int(stats.get("yigai/not_modified", 0)),
        articles_linked=int(stats.get("yigai/articles_linked", 0)),
        seconds=seconds,
    )
    for key, value in sorted(stats.items()):
        if key.startswith(ERROR_PREFIX) and value:
            out.error(key[len(ERROR_PREFIX) :], int(value))
    return out


class SourceHealth:
    """Counts, per source: requests sent, new pages, 304s, errors by kind (``yigai/errors/<kind>``, incremented
    by the spider's errback; callback exceptions are counted here as ``parse_error``) and time spent. At spider
    close it logs one line and, when ``YIGAI_RUN_ID`` is set, writes ``store.save_source_stats``."""

    def __init__(self, crawler: Crawler, store: Store | None, run_id: int | None):
        self.crawler = crawler
        self.store = store
        self.run_id = run_id
        self.started = time.monotonic()
        self.result: SourceStats | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("YIGAI_SOURCE_HEALTH", True):
            raise NotConfigured("YIGAI_SOURCE_HEALTH is off")
        run_id = crawler.settings.get("YIGAI_RUN_ID")
        run_id = int(run_id) if run_id not in (None, "") else None
        database = crawler.settings.get("YIGAI_DATABASE")
        store = shared_store(database) if (database and run_id is not None) else None
        ext = cls(crawler, store, run_id)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        self.crawler.stats.inc_value("yigai/requests")

    def spider_error(self, failure: Failure, response: Any, spider: Spider) -> None:
        self.crawler.stats.inc_value(ERROR_PREFIX + "parse_error")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason in _BUDGET_REASONS:
            logger.warning("source %s stopped early: %s", spider.name, reason)
            self.crawler.stats.inc_value(ERROR_PREFIX + "budget_exhausted")
        stats = source_stats_from(self.crawler.stats.get_stats(), time.monotonic() - self.started)
        self.result = stats
        errors = ", ".join(f"{k}={v}" for k, v in sorted(stats.errors.items())) or "none"
        logger.info(
            "source %s: %d requests, %d new pages, %d not modified, %d article links, errors: %s, %.1fs (%s)",
            spider.name,
            stats.requests,
            stats.pages_new,
            stats.not_modified,
            stats.articles_linked,
            errors,
            stats.seconds,
            reason,
        )
        if self.store is not None and self.run_id is not None:
            try:
                self.store.save_source_stats(self.run_id, spider.name, stats)
            except DATABASE_ERRORS as exc:  # a full disk, say: the run reports the source as not crawled
                logger.error("source %s: its counters could not be stored: %s", spider.name, exc)
