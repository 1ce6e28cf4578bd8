"""Unit tests of the browser and shared-frontier parts: settings derivation, the challenge middleware, the
canonical fingerprint of the shared duplicate filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.browser import (
    CHROMIUM_ARGS,
    PLAYWRIGHT_HANDLER,
    BrowserChallengeMiddleware,
    BrowserSizeLimitMiddleware,
    browser_spider_settings,
    chromium_path,
)
from crawler.config import yigai_scrapy_settings
from crawler.spiderloader import spider_class_for
from yigai.config import Source


def _settings(tmp_path: Path, env: dict[str, str], settings: str = "") -> dict:
    config = tmp_path / "yigai.toml"
    config.write_text(f'database = "{tmp_path / "db.sqlite3"}"\n{settings}', encoding="utf-8")
    return yigai_scrapy_settings(
        config_path=str(config), registry="sample", sample_web=None, run_id=None, env=env
    )


# ------------------------------------------------------------------------------------------------ browser
def test_browser_settings_launch_the_given_chromium_headless() -> None:
    settings = browser_spider_settings("/opt/chromium", 20)
    assert settings["DOWNLOAD_HANDLERS"] == {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
    launch = settings["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["executable_path"] == "/opt/chromium" and launch["headless"] is True
    assert set(CHROMIUM_ARGS) <= set(launch["args"]) and "--no-sandbox" in launch["args"]
    assert settings["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 20_000


def test_chromium_path_settings_beat_default() -> None:
    assert chromium_path({}) == "/usr/bin/chromium"
    assert chromium_path({"browser_executable": "/a/chrome"}) == "/a/chrome"


def test_derived_settings_give_browser_sources_playwright(tmp_path: Path) -> None:
    pytest.importorskip("scrapy_playwright")
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n", encoding="utf-8")
    chromium.chmod(0o755)
    derived = _settings(tmp_path, {}, f'[crawl]\nbrowser_executable = "{chromium}"\n')
    assert derived["YIGAI_BROWSER_REQUEST_META"] == {"playwright": True}
    launch = derived["YIGAI_BROWSER_SETTINGS"]["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["executable_path"] == str(chromium)


def test_missing_chromium_leaves_browser_sources_on_plain_http(tmp_path: Path) -> None:
    derived = _settings(tmp_path, {}, f'[crawl]\nbrowser_executable = "{tmp_path / "no-such-chromium"}"\n')
    assert not derived.get("YIGAI_BROWSER_SETTINGS") and not derived.get("YIGAI_BROWSER_REQUEST_META")


def test_only_browser_sources_get_the_playwright_handler() -> None:
    browser = browser_spider_settings("/usr/bin/chromium", 20)
    with_browser = spider_class_for(
        Source(id="b", name="b", list_urls=("http://g.test/",), browser=True), browser
    )
    plain = spider_class_for(Source(id="p", name="p", list_urls=("http://g.test/",)), browser)
    assert with_browser.custom_settings["DOWNLOAD_HANDLERS"]["http"] == PLAYWRIGHT_HANDLER
    assert not (plain.custom_settings or {}).get("DOWNLOAD_HANDLERS")


def _challenge_mw(tries: int = 2) -> BrowserChallengeMiddleware:
    return BrowserChallengeMiddleware(tries, (412, 521), MemoryStatsCollector(get_crawler()))


def _response(request: Request, status: int, flags: list[str]) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, body=b"<script></script>", request=request, flags=flags)


def test_challenge_answer_in_the_browser_is_fetched_again_then_given_up() -> None:
    mw = _challenge_mw(tries=2)
    request = Request("http://g.test/list.html", meta={"playwright": True})
    again = mw.process_response(request, _response(request, 412, ["playwright"]))
    assert isinstance(again, Request) and again.dont_filter and again.meta["yigai_challenge_tries"] == 1
    again2 = mw.process_response(again, _response(again, 412, ["playwright"]))
    assert isinstance(again2, Request) and again2.meta["yigai_challenge_tries"] == 2
    final = _response(again2, 412, ["playwright"])
    assert mw.process_response(again2, final) is final
    assert mw.stats.get_value("yigai/browser_challenges") == 2


@pytest.mark.parametrize("status,flags", [(412, []), (200, ["playwright"]), (404, ["playwright"])])
def test_other_answers_pass_through(status: int, flags: list[str]) -> None:
    request = Request("http://g.test/list.html")
    response = _response(request, status, flags)
    assert _challenge_mw().process_response(request, response) is response


def test_a_browser_page_past_the_size_limit_is_dropped_and_counted_as_too_large() -> None:
    from scrapy.exceptions import IgnoreRequest

    from crawler.errors import classify_failure

    mw = BrowserSizeLimitMiddleware(1000, MemoryStatsCollector(get_crawler()))
    request = Request("http://g.test/big.html", meta={"playwright": True})
    big = HtmlResponse(request.url, body=b"x" * 1001, request=request, flags=["playwright"])
    with pytest.raises(IgnoreRequest) as refused:
        mw.process_response(request, big)
    assert classify_failure(refused.value) == "too_large"
    assert mw.stats.get_value("yigai/browser_too_large") == 1
    fits = HtmlResponse(request.url, body=b"x" * 1000, request=request, flags=["playwright"])
    assert mw.process_response(request, fits) is fits
    plain = HtmlResponse(request.url, body=b"x" * 5000, request=request)  # Scrapy's handler enforces its own
    assert mw.process_response(request, plain) is plain
    roomy = request.replace(meta={"playwright": True, "download_maxsize": 2000})
    assert mw.process_response(roomy, big) is big
    assert BrowserSizeLimitMiddleware(0, mw.stats).process_response(request, big) is big  # 0: no limit


# ------------------------------------------------------------------------------------------------ frontier
def test_no_frontier_keeps_scrapys_scheduler(tmp_path: Path) -> None:
    derived = _settings(tmp_path, {})
    assert "SCHEDULER" not in derived and not derived.get("YIGAI_FRONTIER")


def test_redis_url_switches_scheduler_and_dupefilter(tmp_path: Path) -> None:
    pytest.importorskip("scrapy_redis")
    derived = _settings(tmp_path, {"YIGAI_REDIS_URL": "redis://10.0.0.5:6379/2"}, '[crawl]\nfrontier_job = "night"\n')
    assert derived["SCHEDULER"] == "crawler.frontier.SharedFrontierScheduler"
    assert derived["DUPEFILTER_CLASS"] == "crawler.frontier.CanonicalRedisDupeFilter"
    assert derived["REDIS_URL"] == derived["YIGAI_FRONTIER"] == "redis://10.0.0.5:6379/2"
    assert derived["SCHEDULER_QUEUE_KEY"] == "yigai:night:%(spider)s:requests"
    assert derived["SCHEDULER_PERSIST"] is True


def test_shared_filter_treats_canonically_equal_urls_as_one() -> None:
    frontier = pytest.importorskip("crawler.frontier")
    df = frontier.CanonicalRedisDupeFilter(server=None, key="k")
    same = [
        "http://G.test:80/news/index.html",
        "http://g.test/news/?utm_source=x#top",
    ]
    assert len({df.request_fingerprint(Request(u)) for u in same}) == 1
    assert df.request_fingerprint(Request("http://g.test/news/a.html")) != df.request_fingerprint(
        Request("http://g.test/news/b.html")
    )


def test_redacted_hides_the_password() -> None:
    frontier = pytest.importorskip("crawler.frontier")
    assert frontier.redacted("redis://:s3cret@10.0.0.5:6379/0") == "redis://:***@10.0.0.5:6379/0"
    assert frontier.redacted("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# ------------------------------------------------------------------------------------------------ redirects
def _redirect(request: Request, location: str, status: int = 302) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, headers={"Location": location}, body=b"", request=request)


@pytest.mark.parametrize(
    "url,chain,location",
    [
        ("http://g.test/a.html?again", [], "/a.html?again"),  # to itself
        ("http://g.test/b.html", ["http://g.test/a.html"], "http://g.test/a.html#top"),  # back to the start
    ],
)
def test_redirect_loop_is_an_error(url: str, chain: list[str], location: str) -> None:
    from scrapy.exceptions import IgnoreRequest

    from crawler.errors import classify_failure
    from crawler.middlewares import RedirectLoopMiddleware

    request = Request(url, meta={"redirect_urls": chain} if chain else {})
    with pytest.raises(IgnoreRequest) as caught:
        RedirectLoopMiddleware().process_response(request, _redirect(request, location))
    assert classify_failure(caught.value) == "other"


@pytest.mark.parametrize(
    "location,status",
    [("/news/", 301), ("https://g.test/news/index.html", 302), ("/news/index.html", 200)],
)
def test_real_redirects_pass(location: str, status: int) -> None:
    from crawler.middlewares import RedirectLoopMiddleware

    request = Request("http://g.test/news/index.html")
    response = _redirect(request, location, status)
    assert RedirectLoopMiddleware().process_response(request, response) is response


def test_the_scrapy_table_passes_through_over_what_crawl_gives(tmp_path: Path) -> None:
    derived = _settings(
        tmp_path, {}, "[crawl]\ndownload_timeout = 20\n[scrapy]\nDOWNLOAD_TIMEOUT = 5\nDOWNLOAD_DELAY = 0.25\n"
    )
    assert derived["DOWNLOAD_TIMEOUT"] == 5 and derived["DOWNLOAD_DELAY"] == 0.25


def test_only_the_redis_url_comes_from_the_environment(tmp_path: Path) -> None:
    # The knobs that were read from YIGAI_* environment variables are [scrapy] settings now.
    env = {"YIGAI_DOWNLOAD_DELAY": "9", "YIGAI_SCRAPY_DOWNLOAD_TIMEOUT": "1", "YIGAI_DATABASE": "/elsewhere",
           "YIGAI_CHROMIUM": "/b/c", "YIGAI_AUTOTHROTTLE": "0"}
    derived = _settings(tmp_path, env)
    assert derived["DOWNLOAD_TIMEOUT"] == 20 and "DOWNLOAD_DELAY" not in derived
    assert derived["YIGAI_DATABASE"] == str(tmp_path / "db.sqlite3")


def test_scrapy_settings_are_not_filled_at_import_time(monkeypatch) -> None:
    import importlib

    import crawler.settings

    monkeypatch.setenv("YIGAI_DOWNLOAD_DELAY", "9")
    module = importlib.reload(crawler.settings)
    assert module.DOWNLOAD_DELAY == 0.5 and not hasattr(module, "YIGAI_DATABASE")
