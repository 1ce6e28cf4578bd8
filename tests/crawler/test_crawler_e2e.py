"""End-to-end: `python -m crawler.process` against loopback sites, a temp settings file, registry and store.

One healthy source (list pagination in both styles, RSS, sitemap index, robots.txt, a GBK list page with a
wrong charset=utf-8 header) crawls in the same run as three broken ones (500s, a hanging page, an oversized
page). A second run over the unchanged healthy site must send only conditional requests.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from crawl_sites import Route, Site, html_page
from crawl_support import CrawlResult, run_crawler, write_settings

from yigai.urls import canonical_url

pytestmark = pytest.mark.slow

LM = "Fri, 01 Mar 2024 08:00:00 GMT"
DISCOVERY_PATHS = (
    "/news/index.html",
    "/col/list?cat=7",
    "/gbk/index.html",
    "/rss.xml",
    "/sitemap_index.xml",
)


def article(n: int, charset: str = "utf-8") -> Route:
    body = html_page(
        f"医共体建设第{n}篇报道", [], charset=charset, extra=f"<p>县域医共体建设推进会召开，第{n}篇。</p>"
    )
    return Route(body, content_type=f"text/html; charset={charset}")


def healthy_routes() -> dict[str, Route]:
    r: dict[str, Route] = {}
    r["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    # index_N.html pagination: index.html → index_1.html → index_2.html (and a page beyond max_list_pages)
    r["/news/index.html"] = Route(
        html_page(
            "新闻",
            [
                ("2024/03/t20240301_101.html", "第一篇"),
                ("/news/2024/03/t20240301_102.html", "第二篇"),
                ("/private/t20240301_999.html", "内部"),
                ("index_1.html", "2"),
                ("index_1.html", "下一页"),
                ("index_9.html", "尾页"),
                ("/news/files/t20240301_report.pdf", "附件"),
            ],
        ),
        etag='"n1"',
        last_modified=LM,
    )
    r["/news/index_1.html"] = Route(
        html_page(
            "新闻 2",
            [
                ("/news/2024/03/t20240301_103.html", "第三篇"),
                ("index_2.html", "下一页"),
            ],
        ),
        etag='"n2"',
    )
    r["/news/index_2.html"] = Route(
        html_page("新闻 3", [("/news/2024/03/t20240301_104.html", "第四篇")]), etag='"n3"'
    )
    r["/news/index_9.html"] = Route(html_page("新闻 10", [("/news/2024/03/t20240301_190.html", "远")]))
    # ?page=N pagination
    r["/col/list?cat=7"] = Route(
        html_page(
            "栏目",
            [
                ("/art/2024/3/1/art_7_201.html", "栏目一"),
                ("/col/list?cat=7&page=2", "下一页"),
            ],
        ),
        last_modified=LM,
    )
    r["/col/list?cat=7&page=2"] = Route(html_page("栏目 2", [("/art/2024/3/1/art_7_202.html", "栏目二")]))
    # GBK bytes behind a lying charset=utf-8 header
    r["/gbk/index.html"] = Route(
        html_page(
            "县域医共体动态",
            [
                ("/gbk/t20240302_301.html", "县域医共体建设取得新进展"),
            ],
            charset="gbk",
        ),
        content_type="text/html; charset=utf-8",
        etag='"g1"',
    )
    r["/gbk/t20240302_301.html"] = Route(article(301, "gbk").body, content_type="text/html; charset=utf-8")
    # RSS 2.0
    r["/rss.xml"] = Route(
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title><link>/feed/t20240303_401.html</link>"
        b"<pubDate>Sun, 03 Mar 2024 08:00:00 +0800</pubDate></item>"
        b"<item><title>b</title><link>/news/2024/03/t20240301_101.html</link></item>"
        b"</channel></rss>",
        content_type="application/rss+xml",
        etag='"r1"',
    )
    # sitemap index → urlset
    r["/sitemap_index.xml"] = Route(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>/sitemap-1.xml</loc><lastmod>2024-03-04</lastmod></sitemap></sitemapindex>",
        content_type="application/xml",
        etag='"s0"',
    )
    r["/sitemap-1.xml"] = Route(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>/site/t20240304_501.html</loc><lastmod>2024-03-04T10:00:00+08:00</lastmod></url>"
        b"<url><loc>/site/</loc></url></urlset>",
        content_type="application/xml",
        etag='"s1"',
    )
    for n in (101, 102, 103, 104, 190, 999):
        r[f"/news/2024/03/t20240301_{n}.html"] = article(n)
    r["/private/t20240301_999.html"] = article(999)
    for n in (201, 202):
        r[f"/art/2024/3/1/art_7_{n}.html"] = article(n)
    r["/feed/t20240303_401.html"] = article(401)
    r["/site/t20240304_501.html"] = article(501)
    return r


HEALTHY_ARTICLES = (
    "/news/2024/03/t20240301_101.html",
    "/news/2024/03/t20240301_102.html",
    "/news/2024/03/t20240301_103.html",
    "/news/2024/03/t20240301_104.html",
    "/art/2024/3/1/art_7_201.html",
    "/art/2024/3/1/art_7_202.html",
    "/gbk/t20240302_301.html",
    "/feed/t20240303_401.html",
    "/site/t20240304_501.html",
)


@dataclass
class World:
    tmp: Path
    healthy: Site
    failing: Site
    hanging: Site
    big: Site
    first: CrawlResult
    second: CrawlResult
    second_log_start: int

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.tmp / "db.sqlite3")
        conn.row_factory = sqlite3.Row
        return conn


def registry_toml(healthy: Site, failing: Site, hanging: Site, big: Site) -> str:
    h = healthy.base
    return f"""
[[source]]
id = "healthy"
name = "健康委"
list_urls = ["{h}/news/index.html", "{h}/col/list?cat=7", "{h}/gbk/index.html"]
feeds = ["{h}/rss.xml"]
sitemaps = ["{h}/sitemap_index.xml"]
max_list_pages = 3

[[source]]
id = "failing"
name = "总是出错"
list_urls = ["{failing.base}/news/index.html"]

[[source]]
id = "hanging"
name = "超时"
list_urls = ["{hanging.base}/news/index.html"]

[[source]]
id = "big"
name = "太大"
list_urls = ["{big.base}/news/index.html"]
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("crawl")
    healthy = Site(healthy_routes()).start()
    failing = Site({"/news/index.html": Route(b"oops", status=500)}).start()
    hanging = Site({"/news/index.html": Route(html_page("慢", []), hang=4.0)}).start()
    big = Site({"/news/index.html": Route(b"<html>" + b"x" * 1_000_000 + b"</html>")}).start()
    try:
        settings = write_settings(tmp, retry_times=1, max_response_bytes=100_000, download_timeout=5)
        registry = tmp / "registry.toml"
        registry.write_text(registry_toml(healthy, failing, hanging, big), encoding="utf-8")
        args = ["--config", str(settings), "--registry", str(registry)]
        # A short timeout via the env override (the settings file only takes whole seconds).
        first = run_crawler(args + ["--run-id", "1"], tmp, scrapy={"DOWNLOAD_TIMEOUT": 1.0})
        start = len(healthy.log)
        second = run_crawler(args + ["--run-id", "2", "--source", "healthy"], tmp)
        yield World(tmp, healthy, failing, hanging, big, first, second, start)
    finally:
        for site in (healthy, failing, hanging, big):
            site.stop()


def _stored(world: World, path: str) -> sqlite3.Row | None:
    url = canonical_url(world.healthy.url(path))
    with world.db() as conn:
        return conn.execute(
            "SELECT p.* FROM urls u JOIN pages p ON p.id = u.latest_page_id WHERE u.url = ?", (url,)
        ).fetchone()


def _run_source(world: World, run_id: int, source: str) -> sqlite3.Row:
    with world.db() as conn:
        row = conn.execute(
            "SELECT * FROM run_sources WHERE run_id = ? AND source_id = ?", (run_id, source)
        ).fetchone()
    assert row is not None, f"no stats for {source} in run {run_id}"
    return row


# ---------------------------------------------------------------------------------------------- first run
def test_first_run_exit_code_reports_source_errors(world: World) -> None:
    assert world.first.returncode == 1, world.first.stderr[-3000:]


@pytest.mark.parametrize("path", HEALTHY_ARTICLES)
def test_healthy_source_gets_every_article(world: World, path: str) -> None:
    row = _stored(world, path)
    assert row is not None, f"{path} not stored; requests: {world.healthy.paths()}"
    assert row["kind"] == "article" and row["status"] == 200 and row["source_id"] == "healthy"


@pytest.mark.parametrize("path", ["/news/index_1.html", "/news/index_2.html", "/col/list?cat=7&page=2"])
def test_pagination_is_followed(world: World, path: str) -> None:
    row = _stored(world, path)
    assert row is not None and row["kind"] == "list"


def test_pagination_stops_at_max_list_pages(world: World) -> None:
    assert "/news/index_9.html" not in world.healthy.paths()
    assert "/news/2024/03/t20240301_190.html" not in world.healthy.paths()


@pytest.mark.parametrize(
    "path,kind",
    [
        ("/rss.xml", "feed"),
        ("/sitemap_index.xml", "sitemap"),
        ("/sitemap-1.xml", "sitemap"),
        ("/gbk/index.html", "list"),
    ],
)
def test_discovery_pages_are_stored_with_their_kind(world: World, path: str, kind: str) -> None:
    row = _stored(world, path)
    assert row is not None and row["kind"] == kind


def test_robots_txt_disallowed_page_is_never_requested(world: World) -> None:
    assert "/robots.txt" in world.healthy.paths()
    assert not any(p.startswith("/private/") for p in world.healthy.paths())
    errors = json.loads(_run_source(world, 1, "healthy")["errors_json"])
    assert errors.get("robots_forbidden") == 1


def test_non_article_links_are_not_followed(world: World) -> None:
    paths = world.healthy.paths()
    for path in ("/", "/about.html", "/news/files/t20240301_report.pdf", "/site/"):
        assert path not in paths


def test_each_article_requested_once(world: World) -> None:
    first_run = world.healthy.paths()[: world.second_log_start]
    for path in HEALTHY_ARTICLES:
        assert first_run.count(path) == 1, path


def test_gbk_page_with_wrong_header_yields_links_and_raw_bytes_are_stored(world: World) -> None:
    served = world.healthy.routes["/gbk/t20240302_301.html"].body
    row = _stored(world, "/gbk/t20240302_301.html")
    assert row is not None
    assert zlib.decompress(row["body"]) == served
    assert "县域医共体".encode("gbk") in served  # the test really serves GBK bytes


def test_validators_and_content_type_are_recorded(world: World) -> None:
    row = _stored(world, "/news/index.html")
    headers = json.loads(row["headers_json"])
    assert headers["ETag"] == '"n1"' and headers["Last-Modified"] == LM
    assert row["content_type"].startswith("text/html") and row["encoding"]


def test_healthy_source_stats(world: World) -> None:
    row = _run_source(world, 1, "healthy")
    assert row["pages_new"] == len(HEALTHY_ARTICLES) + 9  # + 6 list pages, 1 feed, 2 sitemaps
    assert row["articles_linked"] >= len(HEALTHY_ARTICLES)
    assert row["requests"] >= row["pages_new"]
    assert set(json.loads(row["errors_json"])) == {"robots_forbidden"}


def test_failing_source_is_retried_then_counted(world: World) -> None:
    # retry_times = 1: the first request and one retry, then the source gives up on the URL.
    assert len(world.failing.requests_for("/news/index.html")) == 2
    errors = json.loads(_run_source(world, 1, "failing")["errors_json"])
    assert errors == {"http_5xx": 1}


def test_hanging_page_times_out_and_is_counted(world: World) -> None:
    errors = json.loads(_run_source(world, 1, "hanging")["errors_json"])
    assert errors == {"timeout": 1}


def test_oversized_page_is_dropped_and_counted(world: World) -> None:
    errors = json.loads(_run_source(world, 1, "big")["errors_json"])
    assert errors == {"too_large": 1}
    with world.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE source_id = 'big'").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------- second run
def test_second_run_sends_only_conditional_requests(world: World) -> None:
    assert world.second.returncode == 0, world.second.stderr[-3000:]
    second = world.healthy.log[world.second_log_start :]
    pages = [s for s in second if s.path != "/robots.txt"]
    assert sorted(s.path for s in pages) == sorted(DISCOVERY_PATHS)
    for seen in pages:
        assert "if-none-match" in seen.headers or "if-modified-since" in seen.headers, seen.path
        assert seen.status == 304, seen.path


def test_second_run_stores_nothing_new(world: World) -> None:
    row = _run_source(world, 2, "healthy")
    assert row["pages_new"] == 0
    assert row["not_modified"] == len(DISCOVERY_PATHS)
    with world.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = 2").fetchone()[0] == 0
        last = conn.execute(
            "SELECT last_status FROM urls WHERE url = ?", (canonical_url(world.healthy.url("/rss.xml")),)
        ).fetchone()[0]
    assert last == 304
