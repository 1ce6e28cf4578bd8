"""Unit tests of the crawler's pure parts: links, pagination, feeds, sitemaps, dates, retries, errors, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.errors import NotModified, classify_failure
from crawler.extensions import source_stats_from
from crawler.links import (
    ArticleFilter,
    classify_list_links,
    feed_entries,
    html_links,
    js_pager_pages,
    page_number,
    parse_date,
    sitemap_entries,
)
from crawler.middlewares import BackoffRetryMiddleware, retry_after_seconds
from crawler.spiderloader import spider_class_for
from yigai.config import Source
from yigai.store import FetchedPage, Store

ROOT = "http://gov.test/news/index.html"


@pytest.mark.parametrize(
    "url,root,expected",
    [
        ("http://gov.test/news/index_1.html", ROOT, 2),
        ("http://gov.test/news/index_4.html", ROOT, 5),
        ("http://gov.test/news/index_1.html", "http://gov.test/news/", 2),
        ("http://gov.test/farm/list_2.html", "http://gov.test/farm/list.html", 2),
        ("http://gov.test/col/list?cat=7&page=3", "http://gov.test/col/list?cat=7", 3),
        ("http://gov.test/portal/health/?page=2", "http://gov.test/portal/health/", 2),
        ("http://gov.test/col/list?cat=8&page=3", "http://gov.test/col/list?cat=7", None),
        ("http://gov.test/other/index_1.html", ROOT, None),
        ("http://elsewhere.test/news/index_1.html", ROOT, None),
        ("http://gov.test/news/2024/t20240301_1.html", ROOT, None),
    ],
)
def test_page_number(url: str, root: str, expected: int | None) -> None:
    assert page_number(url, root) == expected


def test_article_filter_defaults() -> None:
    f = ArticleFilter.build([], [], [ROOT])
    assert f.accepts("http://gov.test/news/2024/03/t20240301_1.html")
    assert not f.accepts("http://other.test/news/2024/03/t20240301_1.html")  # other host
    assert not f.accepts("http://gov.test/news/2024/03/t20240301_1.pdf")  # attachment
    assert not f.accepts("http://gov.test/about.html")  # no id or date
    assert not f.accepts("http://gov.test/col/col1234/index.html")  # an index page


def test_article_filter_allow_and_deny() -> None:
    f = ArticleFilter.build([r"/a/\d+\.html$"], [r"/a/666\.html$"], [ROOT])
    assert f.accepts("http://cdn.other.test/a/12.html")  # allow lets another host in
    assert not f.accepts("http://gov.test/a/666.html")
    assert not f.accepts("http://gov.test/news/2024/03/t20240301_1.html")  # allow given: must match it


def test_gbk_list_page_with_utf8_header_yields_its_links() -> None:
    body = (
        '<html><head><meta charset="gbk"></head><body><a href="/n/t20240301_1.html">县域医共体</a>'
        '<a href="mailto:a@b">信箱</a><a href="javascript:void(0)">打印</a></body></html>'
    ).encode("gbk")
    links = html_links(body, ROOT, "utf-8")
    assert [(link.url, link.text) for link in links] == [("http://gov.test/n/t20240301_1.html", "县域医共体")]


def test_base_href_and_fragments() -> None:
    body = b'<base href="http://gov.test/x/"><a href="t20240301_1.html#top">a</a><a href="#">b</a>'
    assert [link.url for link in html_links(body, ROOT)] == ["http://gov.test/x/t20240301_1.html"]


def test_classify_list_links_splits_articles_and_pages() -> None:
    body = (
        b'<a href="2024/t20240301_1.html">a</a><a href="index_1.html">2</a><a href="/more.html">\xe4\xb8\x8b'
        b'\xe4\xb8\x80\xe9\xa1\xb5</a><a href="2024/t20240301_1.html">dup</a><a href="index.html">1</a>'
    )
    found = classify_list_links(html_links(body, ROOT), ROOT, ROOT, ArticleFilter.build([], [], [ROOT]))
    assert found.articles == ("http://gov.test/news/2024/t20240301_1.html",)
    assert found.list_pages == (("http://gov.test/news/index_1.html", 2), ("http://gov.test/more.html", None))


def test_js_pager() -> None:
    body = b'<script>createPageHTML(4, 0, "index", "shtml");</script>'
    assert js_pager_pages(body, ROOT) == [
        ("http://gov.test/news/index_1.shtml", 2),
        ("http://gov.test/news/index_2.shtml", 3),
        ("http://gov.test/news/index_3.shtml", 4),
    ]


def test_js_pager_that_names_its_element_counts_pages_from_one() -> None:
    # The national health commission's form: page 1 is new_list.shtml, page N new_list_N.shtml.
    body = b"<script type=\"text/javascript\">createPageHTML('page_div', 3, 1, 'new_list', 'shtml', 58);</script>"
    assert js_pager_pages(body, "http://gov.test/yzygj/new_list.shtml") == [
        ("http://gov.test/yzygj/new_list_2.shtml", 2),
        ("http://gov.test/yzygj/new_list_3.shtml", 3),
    ]
    one_page = b"<script>createPageHTML('page_div', 1, 1, 'new_list', 'shtml', 2);</script>"
    assert js_pager_pages(one_page, "http://gov.test/yzygj/new_list.shtml") == []


def test_atom_feed_entries() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/a/1.html"/>'
        b"<updated>2024-03-01T10:00:00Z</updated></entry><entry><link href='http://x.test/2.html'/></entry>"
        b"</feed>"
    )
    entries = feed_entries(body, "http://gov.test/atom.xml")
    assert [e.url for e in entries] == ["http://gov.test/a/1.html", "http://x.test/2.html"]
    assert entries[0].lastmod == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert entries[1].lastmod is None


def test_rss_guid_permalink_and_broken_feed() -> None:
    body = b"<rss><channel><item><guid>http://gov.test/g/1.html</guid></item></channel></rss>"
    assert [e.url for e in feed_entries(body, "http://gov.test/rss")] == ["http://gov.test/g/1.html"]
    assert feed_entries(b"<html>not a feed", "http://gov.test/rss") == []


def test_sitemap_kinds() -> None:
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://g.test/s1.xml</loc></sitemap></sitemapindex>'
    assert sitemap_entries(index, "http://g.test/sm.xml")[0] == "sitemapindex"
    urlset = b"<urlset><url><loc>http://g.test/a.html</loc><lastmod>2024-03-04</lastmod></url></urlset>"
    kind, entries = sitemap_entries(urlset, "http://g.test/sm.xml")
    assert kind == "urlset"
    assert entries[0].lastmod == datetime(2024, 3, 4, tzinfo=timezone(timedelta(hours=8)))
    assert sitemap_entries(b"<html/>", "http://g.test/sm.xml") == ("", [])


@pytest.mark.parametrize(
    "value,expected",
    [
        ("Sun, 03 Mar 2024 08:00:00 +0800", datetime(2024, 3, 3, tzinfo=UTC)),
        ("2024-03-03T08:00:00+08:00", datetime(2024, 3, 3, tzinfo=UTC)),
        ("garbage", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_retry_after() -> None:
    now = datetime(2024, 3, 1, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Fri, 01 Mar 2024 08:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_doubles_and_is_capped() -> None:
    mw = BackoffRetryMiddleware(Settings({"YIGAI_RETRY_BACKOFF_BASE": 1.0, "YIGAI_RETRY_BACKOFF_MAX": 5.0}))
    assert [mw.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


def _http_error(status: int) -> HttpError:
    return HttpError(HtmlResponse("http://g.test/", status=status, body=b""))


@pytest.mark.parametrize(
    "exc,kind",
    [
        (_http_error(503), "http_5xx"),
        (_http_error(404), "http_4xx"),
        (_http_error(429), "http_4xx"),
        (DownloadTimeoutError("took longer"), "timeout"),
        (DownloadCancelledError("Received 2 bytes which is larger than download max size (1)"), "too_large"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_forbidden"),
        (IgnoreRequest("exceeded DOWNLOAD_MAXSIZE (1 B) during decompression."), "too_large"),
        (ValueError("?"), "other"),
    ],
)
def test_classify_failure(exc: Exception, kind: str) -> None:
    assert classify_failure(Failure(exc)) == kind


def test_not_modified_is_not_an_error() -> None:
    assert classify_failure(Failure(NotModified("304"))) is None


def test_source_stats_from_crawler_stats() -> None:
    stats = source_stats_from(
        {
            "yigai/requests": 7,
            "yigai/pages_new": 3,
            "yigai/not_modified": 2,
            "yigai/errors/timeout": 1,
            "yigai/errors/http_5xx": 2,
            "downloader/x": 9,
        },
        1.5,
    )
    assert (stats.requests, stats.pages_new, stats.not_modified, stats.seconds) == (7, 3, 2, 1.5)
    assert stats.errors == {"http_5xx": 2, "timeout": 1}


def test_known_article_is_refetched_only_when_lastmod_is_newer(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    url = "http://g.test/a/t20240301_1.html"
    store.save_page(FetchedPage(url, url, "s", "article", 200, b"x", fetched_at="2024-03-05T00:00:00+00:00"))
    cls = spider_class_for(Source(id="s_src", name="s", list_urls=("http://g.test/",)))
    spider = cls()
    spider.store = store
    assert spider._needs_fetch("http://g.test/a/new.html", None)
    assert not spider._needs_fetch(url, None)
    assert not spider._needs_fetch(url, datetime(2024, 3, 4, tzinfo=UTC))
    assert spider._needs_fetch(url, datetime(2024, 3, 6, tzinfo=UTC))
    store.close()


def test_links_inside_hanweb_xml_script_records_are_found() -> None:
    body = (
        '<html><body><a href="/col/col7290/index.html">栏目</a><script type="text/xml"><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2024/3/18/art_7290_4123456.html" title="x">医共体</a></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2024/3/17/art_7290_4123455.html">分级诊疗</a></li>]]></record>'
        "</recordset></datastore></script><script>var a = 1;</script></body></html>"
    ).encode()
    links = html_links(body, "http://wjw.test/col/col7290/index.html")
    assert [(link.url, link.text) for link in links] == [
        ("http://wjw.test/col/col7290/index.html", "栏目"),
        ("http://wjw.test/art/2024/3/18/art_7290_4123456.html", "医共体"),
        ("http://wjw.test/art/2024/3/17/art_7290_4123455.html", "分级诊疗"),
    ]
