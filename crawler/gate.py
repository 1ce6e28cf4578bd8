"""Per-host politeness across every source of one crawl (``GatedHTTPDownloadHandler``).

Each source is its own Scrapy crawler, and Scrapy keeps its download slots (``CONCURRENT_REQUESTS_PER_DOMAIN``,
``DOWNLOAD_DELAY``) per crawler: ten sources on one host (a provincial platform's county sites, a commission's
several columns) would each take their share, and the host would see ten times the limit. This download
handler (http and https) holds one gate per host name for the whole process: at most
``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight to a host, and request starts to a host at least
``DOWNLOAD_DELAY`` apart, whichever source sends them. A crawl spread over several processes or machines (the
shared frontier) has one gate per process; browser sources (scrapy-playwright's handler) are not gated.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


@dataclass
class HostGate:
    """One host's gate: ``limit`` requests in flight, starts ``delay`` seconds apart."""

    limit: int
    delay: float
    active: int = 0
    next_start: float = 0.0
    waiting: deque[defer.Deferred[None]] = field(default_factory=deque)
    peak: int = 0  # the most requests in flight at once (for logs and tests)
    _timer: Any = None

    def acquire(self, clock: Any) -> defer.Deferred[None]:
        d: defer.Deferred[None] = defer.Deferred()
        self.waiting.append(d)
        self._grant(clock)
        return d

    def release(self, clock: Any) -> None:
        self.active = max(0, self.active - 1)
        self._grant(clock)

    def _grant(self, clock: Any) -> None:
        while self.waiting and self.active < self.limit:
            now = time.monotonic()
            if now < self.next_start:
                # Too soon after the last start: look again when the delay is over (one timer at a time).
                if self._timer is None or not self._timer.active():
                    self._timer = clock.callLater(self.next_start - now, self._grant, clock)
                return
            d = self.waiting.popleft()
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.next_start = now + self.delay
            d.callback(None)


# One table per process: every crawler of the crawl shares it (crawler.process runs them in one reactor).
GATES: dict[str, HostGate] = {}


class GatedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler behind the process-wide per-host gate (see the module docstring).

    A download handler, not a middleware: it runs after Scrapy's own per-crawler slot, right before the
    connection is used, so the gate's spacing is the spacing the host sees."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self._limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        self._delay = max(0.0, settings.getfloat("DOWNLOAD_DELAY", 0.0))
        from twisted.internet import reactor

        self._clock = reactor

    def _gate(self, host: str) -> HostGate:
        gate = GATES.get(host)
        if gate is None:
            gate = GATES[host] = HostGate(self._limit, self._delay)
        else:
            # Sources may be configured differently: the strictest wins for the host.
            gate.limit = min(gate.limit, self._limit)
            gate.delay = max(gate.delay, self._delay)
        return gate

    async def download_request(self, request: Request) -> Response:
        host = (urlparse_cached(request).hostname or "").lower()
        gate = self._gate(host)
        await maybe_deferred_to_future(gate.acquire(self._clock))
        try:
            return await super().download_request(request)
        finally:
            gate.release(self._clock)
