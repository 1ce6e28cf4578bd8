"""Downloader middlewares: retries with backoff (Retry-After honoured), conditional GET from the store, and
redirect-loop detection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

from crawler.errors import NotModified
from crawler.storage import shared_store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from yigai.store import Store

logger = logging.getLogger(__name__)

# Kinds fetched again every run, with validators; articles are fetched once.
CONDITIONAL_KINDS = frozenset({"list", "feed", "sitemap"})


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        # Imported here: importing the reactor at module level would install Twisted's default one before
        # Scrapy installs the asyncio reactor.
        from twisted.internet import reactor

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry.

    Waits ``YIGAI_RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (capped by ``YIGAI_RETRY_BACKOFF_MAX``) before retry n,
    or what the response's ``Retry-After`` asks for (429/503). A ``Retry-After`` longer than
    ``YIGAI_RETRY_AFTER_MAX`` gives up on the URL for this run. The wait does not hold a download slot.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("YIGAI_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("YIGAI_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("YIGAI_RETRY_AFTER_MAX", 300.0)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1)))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0) + 1
        delay = self.backoff(attempt)
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            if asked > self.retry_after_max:
                logger.warning(
                    "%s asks to retry after %.0fs (> %.0fs): giving up for this run",
                    request.url,
                    asked,
                    self.retry_after_max,
                )
                return response
            delay = max(delay, asked)
        new_request = self._retry(request, response_status_message(response.status))
        if new_request is None:
            return response
        await _sleep(delay)
        return new_request

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        attempt = request.meta.get("retry_times", 0) + 1
        new_request = self._retry(request, exception)
        if new_request is not None:
            await _sleep(self.backoff(attempt))
        return new_request


def requested_url(request: Request) -> str:
    """The URL first asked for (before any redirect)."""
    redirects = request.meta.get("redirect_urls")
    return redirects[0] if redirects else request.url


class ConditionalGetMiddleware:
    """Adds If-None-Match / If-Modified-Since from the store to list, feed and sitemap requests.

    A 304 answer is recorded (``store.record_not_modified``, stat ``yigai/not_modified``) and the request ends
    with ``NotModified`` (an ``IgnoreRequest``), so nothing is parsed. Reads ``meta["yigai_kind"]`` and
    ``meta["yigai_source"]``.
    """

    def __init__(self, store: Store, stats: StatsCollector):
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("YIGAI_CONDITIONAL_GET", True):
            raise NotConfigured("YIGAI_CONDITIONAL_GET is off")
        database = crawler.settings.get("YIGAI_DATABASE")
        if not database:
            raise NotConfigured("no YIGAI_DATABASE")
        return cls(shared_store(database), crawler.stats)

    def process_request(self, request: Request) -> None:
        if request.meta.get("yigai_kind") not in CONDITIONAL_KINDS:
            return
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return  # a retry or redirect of a request we already conditioned
        state = self.store.url_state(requested_url(request))
        if state is None or not state["latest_page_id"]:
            return
        if state["etag"]:
            request.headers[b"If-None-Match"] = state["etag"]
        if state["last_modified"]:
            request.headers[b"If-Modified-Since"] = state["last_modified"]
        return

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or request.meta.get("yigai_kind") not in CONDITIONAL_KINDS:
            return response
        source_id = request.meta.get("yigai_source") or "unknown"
        self.store.record_not_modified(requested_url(request), source_id, request.meta["yigai_kind"])
        self.stats.inc_value("yigai/not_modified")
        logger.debug("not modified: %s", request.url)
        raise NotModified(f"304 Not Modified: {request.url}")


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectLoopMiddleware:
    """Fails a redirect back to a URL already visited in the same redirect chain (``IgnoreRequest``, counted
    ``other``).

    Without it a loop ends either silently (the duplicate filter drops the repeated URL) or, when the request
    bypasses the filter (a retry, a discovery page), after ``REDIRECT_MAX_TIMES`` hops; either way the outcome
    depended on chance. URLs are compared exactly (fragment aside): ``/news/index.html`` → ``/news/`` is a real
    redirect even though the two share a canonical URL.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in _REDIRECT_STATUSES or not location:
            return response
        target = urldefrag(urljoin(request.url, location.decode("latin-1")))[0]
        chain = {urldefrag(u)[0] for u in (*request.meta.get("redirect_urls", ()), request.url)}
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {request.url} -> {target}")
        return response
