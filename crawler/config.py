"""Scrapy settings derived from the yigai settings file and the environment.

``crawler.settings`` (what ``scrapy`` uses) and ``crawler.process`` (what the orchestrator uses) both call
``yigai_scrapy_settings`` so the two paths crawl with the same configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from crawler.browser import (
    browser_request_meta,
    browser_spider_settings,
    chromium_path,
    chromium_usable,
    playwright_available,
)
from yigai.config import ConfigError, load_settings

# Environment variables that select the configuration (documented in docs/crawling.md).
ENV_CONFIG = "YIGAI_CONFIG"  # settings file
ENV_REGISTRY = "YIGAI_REGISTRY"  # default | sample | path
ENV_SAMPLE_WEB = "YIGAI_SAMPLE_WEB"  # base URL substituted for {sample_web}
ENV_RUN_ID = "YIGAI_RUN_ID"  # int; when set, per-source stats are written to the store
ENV_DATABASE = "YIGAI_DATABASE"  # overrides the settings' database path (the orchestrator sets it)
ENV_REDIS_URL = "YIGAI_REDIS_URL"  # shared crawl frontier (overrides [crawl] frontier), see crawler.frontier
ENV_FRONTIER_JOB = "YIGAI_FRONTIER_JOB"  # name of the shared crawl (workers of one crawl use the same)

# Throttle knobs overridable from the environment (name → Scrapy setting). Values are strings; Scrapy's
# getbool/getfloat/getint convert them.
_ENV_KNOBS = {
    "YIGAI_AUTOTHROTTLE": "AUTOTHROTTLE_ENABLED",
    "YIGAI_AUTOTHROTTLE_START_DELAY": "AUTOTHROTTLE_START_DELAY",
    "YIGAI_AUTOTHROTTLE_MAX_DELAY": "AUTOTHROTTLE_MAX_DELAY",
    "YIGAI_DOWNLOAD_DELAY": "DOWNLOAD_DELAY",
    "YIGAI_CONCURRENT_REQUESTS": "CONCURRENT_REQUESTS",
    "YIGAI_RETRY_BACKOFF_BASE": "YIGAI_RETRY_BACKOFF_BASE",
    "YIGAI_RETRY_BACKOFF_MAX": "YIGAI_RETRY_BACKOFF_MAX",
}
# Any Scrapy setting can be forced with YIGAI_SCRAPY_<NAME>=value (e.g. YIGAI_SCRAPY_DOWNLOAD_TIMEOUT=0.5).
_ENV_SCRAPY_PREFIX = "YIGAI_SCRAPY_"


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
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Scrapy settings for one crawl: yigai settings (``[crawl]``), registry selection, env overrides.

    Raises ``yigai.config.ConfigError`` for a broken settings file.
    """
    env = os.environ if env is None else env
    ys = load_settings(config_path)
    crawl = ys.section("crawl")
    out: dict[str, Any] = {
        "YIGAI_CONFIG": config_path,
        "YIGAI_REGISTRY": registry or str(ys["registry"]),
        "YIGAI_SAMPLE_WEB": sample_web,
        "YIGAI_RUN_ID": run_id,
        "YIGAI_DATABASE": env.get(ENV_DATABASE) or str(ys.database),
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
    }
    chromium = chromium_path(crawl, env)
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
                "pip install scrapy-redis redis"
            ) from exc

        job = env.get(ENV_FRONTIER_JOB) or str(crawl.get("frontier_job") or "crawl")
        out.update(frontier_settings(str(redis_url), job))
    for var, name in _ENV_KNOBS.items():
        if env.get(var):
            out[name] = env[var]
    for var, value in env.items():
        if var.startswith(_ENV_SCRAPY_PREFIX) and value != "":
            out[var[len(_ENV_SCRAPY_PREFIX) :]] = value
    return out


def settings_from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``yigai_scrapy_settings`` with the selection read from YIGAI_* environment variables."""
    env = os.environ if env is None else env
    run_id = env.get(ENV_RUN_ID)
    return yigai_scrapy_settings(
        config_path=env.get(ENV_CONFIG) or None,
        registry=env.get(ENV_REGISTRY) or None,
        sample_web=env.get(ENV_SAMPLE_WEB) or None,
        run_id=int(run_id) if run_id else None,
        env=env,
    )
