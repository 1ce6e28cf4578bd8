"""Scrapy settings for the Yigai crawler (``scrapy.cfg`` points here): the static part only.

The values that come from the yigai settings file (user agent, timeouts, size limit, retries, per-domain
concurrency, per-source budgets, database, and the ``[scrapy]`` table, which can set any of the names below) are
given by ``crawler.process`` to the crawls it starts, and by the ``YigaiSettings`` add-on to crawls started with
``scrapy crawl`` — when a crawler is made, never at import time.
"""

from __future__ import annotations

BOT_NAME = "yigai"
SPIDER_LOADER_CLASS = "crawler.spiderloader.RegistrySpiderLoader"

# Politeness
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 also opens a remote-control HTTP port per crawler by default: a nightly crawler needs none.
REMOTE_CONTROL_ENABLED = False
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}

# Limits
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
CLOSESPIDER_TIMEOUT = 900
CLOSESPIDER_PAGECOUNT = 2000
# A source whose callbacks keep raising is stopped early.
CLOSESPIDER_ERRORCOUNT = 50
# Sources crawled at once by one crawl process ([crawl] parallel_sources); the next starts as one ends. Each
# source is a Scrapy crawler: thousands at once would hold thousands of engines in memory.
YIGAI_PARALLEL_SOURCES = 64
# Download failures (after retries) that stop a source early.
YIGAI_SOURCE_ERROR_BUDGET = 50

# Retries: 5xx, timeouts and 429 (Retry-After honoured) with exponential backoff.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
YIGAI_RETRY_BACKOFF_BASE = 2.0  # seconds before the 1st retry; doubles each retry
YIGAI_RETRY_BACKOFF_MAX = 60.0
YIGAI_RETRY_AFTER_MAX = 300.0  # a longer Retry-After means: give up on this URL for this run

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalGetMiddleware": 560,
    # Browser sources only: a JavaScript-challenge status (412, 521) is fetched again once its cookie is set.
    "crawler.browser.BrowserChallengeMiddleware": 580,
    # Browser sources only: a page past DOWNLOAD_MAXSIZE is dropped (Playwright's handler does not cancel it).
    "crawler.browser.BrowserSizeLimitMiddleware": 590,
    # Sees 3xx answers before RedirectMiddleware (600): a loop fails at once instead of by chance.
    "crawler.middlewares.RedirectLoopMiddleware": 610,
}
# Per-host concurrency and delay across all sources of the crawl, not per source (crawler.gate).
DOWNLOAD_HANDLERS = {"http": "crawler.gate.GatedHTTPDownloadHandler", "https": "crawler.gate.GatedHTTPDownloadHandler"}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
EXTENSIONS = {"crawler.extensions.SourceHealth": 500}

# `browser = true` sources (crawler.browser). YIGAI_BROWSER_SETTINGS is applied as the custom_settings of
# browser sources (scrapy-playwright's DOWNLOAD_HANDLERS, Chromium launch options) and
# YIGAI_BROWSER_REQUEST_META is added to their requests ({"playwright": True}); crawler.config fills both when
# scrapy-playwright is installed. Empty: browser sources are fetched over plain HTTP, with a warning.
YIGAI_BROWSER_SETTINGS: dict = {}
YIGAI_BROWSER_REQUEST_META: dict = {}
YIGAI_BROWSER_CHALLENGE_TRIES = 2
YIGAI_BROWSER_CHALLENGE_STATUSES = [412, 521]

# Shared frontier (crawler.frontier): crawler.config sets SCHEDULER, DUPEFILTER_CLASS and REDIS_URL when
# [crawl] frontier (or the environment's YIGAI_REDIS_URL) names a Redis server.
YIGAI_FRONTIER = None
YIGAI_FRONTIER_WORKER_TTL = 30  # seconds a silent worker still counts as present
YIGAI_FRONTIER_TTL = 6 * 3600  # seconds the shared keys outlive the last activity (workers that all died)
YIGAI_FRONTIER_POLL = 0.5  # seconds between looks at the shared queue while other workers are busy

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# The yigai settings file, for crawls started by Scrapy's own command line (see crawler.config).
ADDONS = {"crawler.config.YigaiSettings": 0}
