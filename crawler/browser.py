"""``browser = true`` sources: fetched by scrapy-playwright driving the system's Chromium.

Only the crawlers of browser sources get the Playwright download handler (as their ``custom_settings``, see
``crawler.spiderloader``), and only their requests carry ``meta["playwright"] = True``; every other source
keeps Scrapy's plain HTTP handler and never starts a browser.

Why a browser at all: some government sites answer a plain client with a JavaScript cookie challenge (the
national health commission answers HTTP 412 with a page whose script sets a cookie and reloads). A browser runs
the script; its context keeps the cookie (``COOKIES_ENABLED = False`` only concerns Scrapy's own cookie jar), and
``BrowserChallengeMiddleware`` fetches the page again once the cookie is set.

``DOWNLOAD_MAXSIZE`` holds for browser pages too (``BrowserSizeLimitMiddleware``): Scrapy's own handler cancels
a download that passes it, Playwright's hands over the whole page.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/install-system-deps.sh)
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# Quiet, headless, no background traffic to Google: the browser should only fetch what we ask for.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Sub-resources the archive does not need; skipping them makes a page load several times faster.
SKIPPED_RESOURCE_TYPES = frozenset({"image", "media", "font"})
# Statuses a JavaScript challenge answers with before its cookie is set (412: the NHC's challenge; 521: the
# common "jsl" anti-bot challenge).
CHALLENGE_STATUSES = (412, 521)


def playwright_available() -> bool:
    """True when scrapy-playwright (and Playwright) can be imported."""
    return importlib.util.find_spec("scrapy_playwright") is not None


def chromium_usable(executable: str) -> bool:
    """True when ``executable`` names a runnable file (a path, or a name found on PATH)."""
    return shutil.which(executable) is not None


def chromium_path(crawl: Mapping[str, Any]) -> str:
    """The Chromium executable: ``[crawl] browser_executable``, else Debian's."""
    return str(crawl.get("browser_executable") or DEFAULT_CHROMIUM)


def browser_spider_settings(executable: str, navigation_timeout: float) -> dict[str, Any]:
    """The ``custom_settings`` of a browser source's crawler (``YIGAI_BROWSER_SETTINGS``).

    ``navigation_timeout`` is in seconds (the crawl's download timeout); Playwright wants milliseconds.
    """
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable,
            "headless": True,
            "args": list(CHROMIUM_ARGS),
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(float(navigation_timeout) * 1000),
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.skip_heavy_resource",
        # One browser per source is plenty for a polite crawl (CONCURRENT_REQUESTS_PER_DOMAIN is 2).
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }


def browser_request_meta() -> dict[str, Any]:
    """Meta added to every request of a browser source (``YIGAI_BROWSER_REQUEST_META``)."""
    return {"playwright": True}


def skip_heavy_resource(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: drop images, media and fonts (a Playwright ``Request`` comes in)."""
    return request.resource_type in SKIPPED_RESOURCE_TYPES


class BrowserChallengeMiddleware:
    """Fetches a browser page again when it answered a JavaScript challenge status (412, 521).

    The challenge page's script has already run in the browser and set its cookie in the browser context, so
    the second navigation gets the real page. At most ``YIGAI_BROWSER_CHALLENGE_TRIES`` extra fetches per URL;
    after that the challenge response goes on and is counted as an HTTP error. Plain (non-browser) responses
    are left alone: without a browser the challenge cannot be passed.
    """

    def __init__(self, tries: int, statuses: tuple[int, ...], stats: StatsCollector):
        self.tries = tries
        self.statuses = frozenset(statuses)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        tries = crawler.settings.getint("YIGAI_BROWSER_CHALLENGE_TRIES", 2)
        if tries <= 0:
            raise NotConfigured("YIGAI_BROWSER_CHALLENGE_TRIES is 0")
        statuses = tuple(
            int(s) for s in crawler.settings.getlist("YIGAI_BROWSER_CHALLENGE_STATUSES", CHALLENGE_STATUSES)
        )
        return cls(tries, statuses, crawler.stats)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.statuses or "playwright" not in response.flags:
            return response
        done = int(request.meta.get("yigai_challenge_tries", 0))
        if done >= self.tries:
            logger.warning("%s: still %d after %d browser retries", request.url, response.status, done)
            return response
        self.stats.inc_value("yigai/browser_challenges")
        logger.info(
            "%s answered %d (a JavaScript challenge?): fetching it again", request.url, response.status
        )
        # dont_filter: the URL is already in the duplicate filter (also the shared one of a redis frontier).
        return request.replace(dont_filter=True, meta={**request.meta, "yigai_challenge_tries": done + 1})


class BrowserSizeLimitMiddleware:
    """Drops a browser page larger than ``DOWNLOAD_MAXSIZE`` (or the request's ``download_maxsize``).

    Scrapy's HTTP handler cancels such a download as it arrives; the Playwright handler hands over whatever the
    page holds. The limit is applied here, after the fact: the page is not archived or extracted, the request
    fails with ``IgnoreRequest`` (counted as ``too_large``, as Scrapy's own refusals are) and
    ``yigai/browser_too_large`` counts it. Plain responses are left to Scrapy.
    """

    def __init__(self, maxsize: int, stats: StatsCollector):
        self.maxsize = maxsize
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"), crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if "playwright" not in response.flags:
            return response
        limit = int(request.meta.get("download_maxsize", self.maxsize) or 0)
        if limit and len(response.body) > limit:
            self.stats.inc_value("yigai/browser_too_large")
            logger.warning("%s: the browser's page is %d bytes, over the limit of %d", request.url, len(response.body), limit)
            raise IgnoreRequest(
                f"{request.url}: the browser's page ({len(response.body)} bytes) exceeds DOWNLOAD_MAXSIZE ({limit})"
            )
        return response
