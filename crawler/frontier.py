"""A shared crawl frontier in Redis (scrapy-redis), so several crawler processes or machines split one crawl.

Switched on by ``[crawl] frontier = "redis://host:6379/0"`` (or the env var ``YIGAI_REDIS_URL``): every
worker then uses ``SharedFrontierScheduler`` and ``CanonicalRedisDupeFilter`` instead of Scrapy's in-memory
ones. For each source the workers share one request queue and one set of request fingerprints, under
``yigai:<job>:<source_id>:…`` keys, so each URL is fetched by exactly one worker.

Life of a shared crawl (per source):

- Every worker yields the source's start URLs; the shared duplicate filter lets the first one through.
- A worker keeps a key ``…:worker:<id>`` saying ``busy`` or ``idle`` (refreshed every second, expiring after
  ``YIGAI_FRONTIER_WORKER_TTL`` seconds, so a killed worker stops counting). An idle worker whose queue view is
  empty does not close while another worker is busy: that worker may still add requests.
- When the queue is empty and nobody is busy, the workers close; the last one to leave deletes the queue and
  the fingerprints (dropping what is still queued, e.g. after a budget ran out), so the next crawl starts
  afresh. As a safety net for crawls whose workers
  all died, those keys expire ``YIGAI_FRONTIER_TTL`` seconds after the last activity.

The store-based incremental logic (articles fetched once, conditional GET for lists) is unchanged: each worker
writes to its own store (or a shared one), and the shared filter only removes duplicates within one crawl.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet.task import LoopingCall

from yigai.urls import canonical_url

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_JOB = "crawl"
BUSY, IDLE = "busy", "idle"


def frontier_settings(url: str, job: str = DEFAULT_JOB) -> dict[str, Any]:
    """Scrapy settings that make a crawl use the shared frontier at ``url`` under the name ``job``.

    ``job`` separates crawls sharing one Redis (e.g. two deployments); workers of one crawl use the same job.
    """
    prefix = f"yigai:{job}"
    return {
        "YIGAI_FRONTIER": url,
        "YIGAI_FRONTIER_PREFIX": prefix,
        "SCHEDULER": "crawler.frontier.SharedFrontierScheduler",
        "DUPEFILTER_CLASS": "crawler.frontier.CanonicalRedisDupeFilter",
        "REDIS_URL": url,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        # The workers, not scrapy-redis, decide when the shared keys go (the last one to leave deletes them).
        "SCHEDULER_PERSIST": True,
    }


def frontier_problem(url: str, timeout: float = 5.0) -> str | None:
    """Why the Redis at ``url`` cannot serve as the frontier, or None when it answers a PING."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"shared frontier {redacted(url)} is unreachable: {exc}"
    return None


def redacted(url: str) -> str:
    """``url`` without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{netloc}"))


class CanonicalRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, keyed by ``yigai.urls.canonical_url`` (the store's key) so URLs
    that differ only in tracking parameters, fragments or ``index.html`` count as one."""

    def request_fingerprint(self, request: Request) -> str:
        data = {
            "method": request.method,
            "url": canonical_url(request.url),
            "body": (request.body or b"").hex(),
        }
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def close(self, reason: str = "") -> None:
        # Other workers may still be using the shared set; SharedFrontierScheduler deletes it at the very end.
        return None


class SharedFrontierScheduler(RedisScheduler):
    """scrapy-redis's scheduler, with workers that wait for each other and clean up after the last one.

    Settings: ``YIGAI_FRONTIER_PREFIX`` (key prefix), ``YIGAI_FRONTIER_WORKER_TTL`` (seconds a silent worker
    still counts, default 30), ``YIGAI_FRONTIER_TTL`` (seconds the shared keys outlive the last activity,
    default 6 h), ``YIGAI_FRONTIER_POLL`` (seconds between checks while waiting for others, default 0.5).
    """

    crawler: Crawler
    spider: Spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance = super().from_crawler(crawler)
        settings = crawler.settings
        instance.crawler = crawler
        instance.prefix = settings.get("YIGAI_FRONTIER_PREFIX") or f"yigai:{DEFAULT_JOB}"
        instance.worker_ttl = max(2, settings.getint("YIGAI_FRONTIER_WORKER_TTL", 30))
        instance.frontier_ttl = max(60, settings.getint("YIGAI_FRONTIER_TTL", 6 * 3600))
        instance.poll = settings.getfloat("YIGAI_FRONTIER_POLL", 0.5)
        instance.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        instance.state = IDLE
        instance.waiting = False
        instance._ticker = None
        return instance

    # ------------------------------------------------------------------------------------------ keys
    def _key(self, what: str) -> str:
        return f"{self.prefix}:{self.spider.name}:{what}"

    @property
    def _worker_key(self) -> str:
        return self._key(f"worker:{self.worker_id}")

    def _other_workers(self) -> dict[str, str]:
        """Other live workers of this source → their state."""
        keys = [k for k in self.server.scan_iter(match=self._key("worker:*")) if _text(k) != self._worker_key]
        values = self.server.mget(keys) if keys else []
        return {_text(k): _text(v) for k, v in zip(keys, values, strict=True) if v is not None}

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.server.set(self._worker_key, state, ex=self.worker_ttl)

    def _tick(self) -> None:
        """Every ``poll`` seconds: keep our worker key and the shared keys alive; wake the engine if waiting."""
        pipe = self.server.pipeline()
        pipe.set(self._worker_key, self.state, ex=self.worker_ttl)
        pipe.expire(self.queue.key, self.frontier_ttl)
        pipe.expire(self.df.key, self.frontier_ttl)
        pipe.execute()
        if self.waiting:
            # The engine only re-polls an idle scheduler every 5 s (its heartbeat); ask for a look now, since
            # another worker may have queued requests. Private attribute, hence the guard.
            slot = getattr(self.crawler.engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    # ------------------------------------------------------------------------------------------ scheduler API
    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.server.set(self._worker_key, self.state, ex=self.worker_ttl)
        others = self._other_workers()
        logger.info(
            "source %s: shared frontier %s as worker %s (%d request(s) queued, %d other worker(s))",
            spider.name,
            redacted(self.crawler.settings.get("YIGAI_FRONTIER") or "redis"),
            self.worker_id,
            len(self.queue),
            len(others),
        )
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(self.poll, now=False)

    # enqueue_request / next_request: scrapy-redis's, without its deprecated ``stats.inc_value(spider=…)``.
    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        self._set_state(BUSY)
        return True

    def next_request(self) -> Request | None:
        # Busy before the pop: between pop and parse we are the only one who knows more requests may come.
        if len(self.queue):
            self._set_state(BUSY)
        request = self.queue.pop(self.idle_before_close)
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            self.waiting = False
        return request

    def has_pending_requests(self) -> bool:
        """The engine asks this only when this worker has nothing in flight (see ``spider_is_idle``)."""
        if len(self.queue):
            return True
        self._set_state(IDLE)
        busy = [w for w, state in self._other_workers().items() if state == BUSY]
        if busy and not self.waiting:
            logger.debug("source %s: queue empty, waiting for %d busy worker(s)", self.spider.name, len(busy))
        self.waiting = bool(busy)
        return self.waiting

    def close(self, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.server.delete(self._worker_key)
        others = self._other_workers()
        queued = len(self.queue)
        if not others:
            # The last worker out: the crawl is over (requests still queued, e.g. after a budget ran out, are
            # dropped as a single-process crawl drops them), so the next crawl starts with an empty filter.
            self.server.delete(self.queue.key, self.df.key)
            logger.info(
                "source %s: shared frontier finished and cleared (%s, %d request(s) dropped)",
                self.spider.name,
                reason,
                queued,
            )
        else:
            logger.info(
                "source %s: leaving the shared frontier (%s); %d request(s) queued, %d other worker(s)",
                self.spider.name,
                reason,
                queued,
                len(others),
            )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
