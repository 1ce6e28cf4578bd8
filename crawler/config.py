"""Scrapy settings derived from the yigai settings file (``[crawl]``, and the ``[scrapy]`` table passed through).

``crawler.process`` (what a crawl stage starts) and the ``YigaiSettings`` add-on (what ``scrapy crawl`` uses) both
call ``yigai_scrapy_settings``, so the two paths crawl with the same configuration; nothing is read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crawler.browser import (
    browser_request_meta,
    browser_spider_settings,
    chromium_path,
    chromium_usable,
    playwright_available,
)
from yigai.config import ConfigError, load_settings

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# The one environment variable the crawler reads: a Redis URL may hold a password, which belongs in the
# environment (a systemd credential, a secret store), not in a settings file that is copied around.
ENV_REDIS_URL = "YIGAI_REDIS_URL"


def _user_agent(crawl: Mapping[str, Any]) -> str:
    ua = str(crawl.get("user_agent") or "YigaiWatch")
    contact = crawl.get("contact_url")
    # An honest bot names a page where site owners can reach us.
    if contact and contact not in ua:
        ua = f"{ua} (+{contact})"
    return ua


def yigai_scrapy_settings(
    *,
    config_path: str | None,
    registry: str | None,
    sample_web: str | None,
    run_id: int | None,
    database: str | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Scrapy settings for one crawl, from the yigai settings file: the selection (registry, sample web, run id,
    database), the values derived from ``[crawl]``, and last the ``[scrapy]`` table, passed through as it is.

    Nothing comes from the environment but ``YIGAI_REDIS_URL``. Raises ``yigai.config.ConfigError`` for a
    broken settings file.
    """
    env = os.environ if env is None else env
    ys = load_settings(config_path)
    crawl = ys.section("crawl")
    out: dict[str, Any] = {
        "YIGAI_CONFIG": config_path,
        "YIGAI_REGISTRY": registry or str(ys["registry"]),
        "YIGAI_SAMPLE_WEB": sample_web,
        "YIGAI_RUN_ID": run_id,
        "YIGAI_DATABASE": database or ys.store,
        "USER_AGENT": _user_agent(crawl),
        "ROBOTSTXT_OBEY": bool(crawl.get("obey_robots", True)),
        "DOWNLOAD_TIMEOUT": crawl["download_timeout"],
        "DOWNLOAD_MAXSIZE": crawl["max_response_bytes"],
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": crawl["retry_times"],
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl["concurrent_requests_per_domain"],
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl["autothrottle_target_concurrency"]),
        # Per-source budgets: every source is its own crawler, so these apply per source.
        "CLOSESPIDER_TIMEOUT": crawl["source_time_budget"],
        "CLOSESPIDER_PAGECOUNT": crawl["source_page_budget"],
        "YIGAI_PARALLEL_SOURCES": crawl["parallel_sources"],
    }
    chromium = chromium_path(crawl)
    # Without both, browser sources are fetched over plain HTTP and each says so (RegistrySpider.from_crawler).
    if playwright_available() and chromium_usable(chromium):
        out["YIGAI_BROWSER_SETTINGS"] = browser_spider_settings(chromium, crawl["download_timeout"])
        out["YIGAI_BROWSER_REQUEST_META"] = browser_request_meta()
    redis_url = env.get(ENV_REDIS_URL) or crawl.get("frontier") or None
    if redis_url:
        # Imported only here: scrapy-redis is needed only by shared crawls.
        try:
            from crawler.frontier import frontier_settings
        except ImportError as exc:
            raise ConfigError(
                f"[crawl] frontier / {ENV_REDIS_URL} is set but scrapy-redis is missing ({exc}): "
                "pip install 'yigai-watch[distributed]'"
            ) from exc

        out.update(frontier_settings(str(redis_url), str(crawl.get("frontier_job") or "crawl")))
    out.update(ys.section("scrapy"))  # the user's Scrapy settings, over everything derived above
    return out


class YigaiSettings:
    """Scrapy add-on (``ADDONS`` in ``crawler.settings``) that gives a crawl started by Scrapy's own command
    line (``scrapy crawl SOURCE -s YIGAI_CONFIG=yigai.toml``) the settings ``crawler.process`` gives its crawls:
    ``yigai_scrapy_settings`` at the project's priority, so ``-s NAME=VALUE`` still wins. When the crawl was
    started by ``crawler.process`` they are set already, at a higher priority, and this changes nothing."""

    def update_settings(self, settings: BaseSettings) -> None:
        run_id = settings.get("YIGAI_RUN_ID")
        derived = yigai_scrapy_settings(
            config_path=settings.get("YIGAI_CONFIG") or None,
            registry=settings.get("YIGAI_REGISTRY") or None,
            sample_web=settings.get("YIGAI_SAMPLE_WEB") or None,
            run_id=int(run_id) if run_id not in (None, "") else None,
            database=settings.get("YIGAI_DATABASE") or None,
        )
        for name, value in derived.items():
            settings.set(name, value, priority="project")
