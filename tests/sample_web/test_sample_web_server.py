"""The sample web server: sites, encodings, conditional GETs, 404s, path traversal, robots.txt."""

from __future__ import annotations

import http.client
import json
import urllib.robotparser
import xml.etree.ElementTree as ET
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest

from yigai.sample_web.server import DEFAULT_ROOT, SampleWeb, resolve_request_path

EXPECTED = json.loads((DEFAULT_ROOT.parent / "expected.json").read_text(encoding="utf-8"))
ARTICLES = {a["path"]: a for a in EXPECTED["articles"]}
WRONG_HEADER = next(a["path"] for a in EXPECTED["articles"] if a.get("http_charset") == "utf-8")
NO_CHARSET = next(
    a["path"] for a in EXPECTED["articles"] if a["site"] == "hbwjw" and not a["declared_charset"]
)
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def web():
    with SampleWeb() as server:
        yield server


def fetch(web: SampleWeb, path: str, method: str = "GET", headers: dict[str, str] | None = None):
    """Send the path exactly as given (no client-side normalisation), return (status, headers, body)."""
    conn = http.client.HTTPConnection(web.host, web.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_base_url_points_at_the_chosen_port(web):
    assert web.base_url == f"http://127.0.0.1:{web.port}"
    assert web.port > 0


@pytest.mark.parametrize(
    ("path", "content_type", "needle", "encoding"),
    [
        ("/hbwjw/index.html", "text/html", "工作动态", "gb18030"),
        ("/hbwjw/index_2.html", "text/html", "工作动态", "gb18030"),
        ("/nhc/xinwen/2024-04/12/content_6945123.htm", "text/html; charset=utf-8", "新闻发布会", "utf-8"),
        ("/farm/list.html", "text/html; charset=utf-8", "醫(yī)療", "utf-8"),
        ("/portal/health/", "text/html; charset=utf-8", "云帆", "utf-8"),
        ("/nhc/rss.xml", "application/xml; charset=utf-8", "<rss", "utf-8"),
        ("/nhc/sitemap.xml", "application/xml; charset=utf-8", "<sitemapindex", "utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8", "Disallow", "utf-8"),
    ],
)
def test_each_site_is_served_with_its_content_type(web, path, content_type, needle, encoding):
    status, headers, body = fetch(web, path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert needle in body.decode(encoding)
    assert int(headers["content-length"]) == len(body)


def test_hbwjw_pages_are_gbk_bytes_not_utf8(web):
    for path, article in ARTICLES.items():
        if article["site"] != "hbwjw":
            continue
        _, headers, body = fetch(web, path)
        text = body.decode("gb18030")
        assert article["title"] in text
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        if path != WRONG_HEADER:
            assert headers["content-type"] == "text/html"


def test_wrong_header_page_claims_utf8_but_is_gbk(web):
    _, headers, body = fetch(web, WRONG_HEADER)
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert 'charset="gb2312"' in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_one_gbk_page_declares_no_charset_at_all(web):
    _, headers, body = fetch(web, NO_CHARSET)
    assert "charset" not in headers["content-type"]
    assert b"charset" not in body.lower()
    assert ARTICLES[NO_CHARSET]["title"] in body.decode("gb18030")


def test_feed_and_sitemaps_have_absolute_links_to_this_server(web):
    _, _, rss = fetch(web, "/nhc/rss.xml")
    links = [item.findtext("link") for item in ET.fromstring(rss).iter("item")]
    assert links and all(link.startswith(web.base_url + "/nhc/") for link in links)
    _, _, index = fetch(web, "/nhc/sitemap.xml")
    children = [loc.text for loc in ET.fromstring(index).findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert children == [web.base_url + "/nhc/sitemap-articles.xml"]
    _, _, urlset = fetch(web, "/nhc/sitemap-articles.xml")
    locs = {loc.text for loc in ET.fromstring(urlset).findall("sm:url/sm:loc", SITEMAP_NS)}
    nhc_articles = {web.base_url + p for p, a in ARTICLES.items() if a["site"] == "nhc"}
    assert locs == nhc_articles
    assert set(links) < locs  # the feed has only the latest items


def test_query_pagination_maps_to_files(web):
    _, _, first = fetch(web, "/portal/health/")
    _, _, first_again = fetch(web, "/portal/health/?page=1")
    status, _, second = fetch(web, "/portal/health/?page=2")
    assert first == first_again
    assert status == 200 and second != first
    assert second == (DEFAULT_ROOT / "portal/health/index_page2.html").read_bytes()
    assert fetch(web, "/portal/health/?page=9")[0] == 404
    assert fetch(web, "/portal/health/?page=abc")[0] == 404


def test_directory_without_slash_redirects(web):
    status, headers, _ = fetch(web, "/portal/health")
    assert status == 301
    assert headers["location"] == "/portal/health/"


def test_conditional_get_answers_304(web):
    path = "/hbwjw/202403/t20240315_123456.html"
    status, headers, body = fetch(web, path)
    assert status == 200 and body
    etag, last_modified = headers["etag"], headers["last-modified"]
    status, headers_304, body_304 = fetch(web, path, headers={"If-None-Match": etag})
    assert (status, body_304) == (304, b"")
    assert headers_304["etag"] == etag
    assert fetch(web, path, headers={"If-None-Match": '"other", ' + etag})[0] == 304
    assert fetch(web, path, headers={"If-None-Match": '"stale"'})[0] == 200
    assert fetch(web, path, headers={"If-Modified-Since": last_modified})[0] == 304
    earlier = format_datetime(parsedate_to_datetime(last_modified).replace(year=2020), usegmt=True)
    assert fetch(web, path, headers={"If-Modified-Since": earlier})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    assert (
        fetch(web, path, headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    )
    logged = [e for e in web.request_log if e["path"] == path and e["status"] == 304]
    assert any(e["headers"].get("If-None-Match") == etag for e in logged)


def test_last_modified_is_fixed_per_file_not_mtime(web, tmp_path):
    # The article's Last-Modified is its publish time (2024-03-15 09:30 +08:00), whatever the file's mtime.
    _, headers, _ = fetch(web, "/hbwjw/202403/t20240315_123456.html")
    assert headers["last-modified"] == "Fri, 15 Mar 2024 01:30:00 GMT"
    _, other, _ = fetch(web, "/nhc/rss.xml")
    assert other["last-modified"] != headers["last-modified"]


def test_etag_changes_with_content(web):
    a = fetch(web, "/farm/list.html")[1]["etag"]
    b = fetch(web, "/farm/list_2.html")[1]["etag"]
    assert a != b
    assert fetch(web, "/farm/list.html")[1]["etag"] == a


def test_head_sends_headers_only(web):
    status, headers, body = fetch(web, "/nhc/sitemap.xml", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) > 0


def test_missing_files_are_404(web):
    for path in ("/nope.html", "/hbwjw/202403/t20240315_000000.html", "/portal/health/?page=0"):
        assert fetch(web, path)[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../server.py",
        "/../../../../etc/passwd",
        "/hbwjw/../../server.py",
        "/%2e%2e/server.py",
        "/hbwjw/%2e%2e/%2e%2e/expected.json",
        "/hbwjw/..%2f..%2fserver.py",
        "/..%5cserver.py",
        "/_headers.json",
        "/hbwjw/%00.html",
    ],
)
def test_no_path_traversal(web, path):
    status, _, body = fetch(web, path)
    assert status == 404
    assert b"SampleWeb" not in body and b"root:" not in body


def test_resolver_refuses_symlinks_out_of_root(tmp_path):
    root = tmp_path / "sites"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "ok.txt").write_text("ok")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert resolve_request_path(root, "/ok.txt").file == (root / "ok.txt").resolve()
    assert resolve_request_path(root, "/link.txt").file is None
    assert resolve_request_path(root, "/../secret.txt").file is None


def test_attachments_are_served_as_documents(web):
    for article in EXPECTED["articles"]:
        for path in article.get("attachments", []):
            status, headers, body = fetch(web, path)
            assert status == 200
            if path.endswith(".pdf"):
                assert headers["content-type"] == "application/pdf" and body.startswith(b"%PDF-")
            else:
                assert headers["content-type"].endswith("wordprocessingml.document")
                assert body.startswith(b"PK\x03\x04")


def test_robots_txt_disallows_only_the_farm_private_path(web):
    _, _, body = fetch(web, "/robots.txt")
    rules = [line for line in body.decode().splitlines() if line.lower().startswith("disallow")]
    assert rules == ["Disallow: /farm/private/"]
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(body.decode().splitlines())
    for path in EXPECTED["disallowed_paths"]:
        assert not parser.can_fetch("yigai-watch", web.base_url + path)
    for path in ARTICLES:
        assert parser.can_fetch("yigai-watch", web.base_url + path)


def test_requested_paths_are_recorded(web):
    fetch(web, "/farm/list_2.html?x=1")
    assert "/farm/list_2.html?x=1" in web.requested_paths
    assert web.request_log[-1]["method"] == "GET"


def test_two_servers_run_side_by_side_and_stop():
    with SampleWeb() as one, SampleWeb() as two:
        assert one.port != two.port
        assert fetch(one, "/robots.txt")[2] == fetch(two, "/robots.txt")[2]
    with pytest.raises(OSError):
        fetch(one, "/robots.txt")


def test_custom_root(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<p>hi</p>", encoding="utf-8")
    with SampleWeb(root=Path(tmp_path)) as server:
        status, headers, body = fetch(server, "/a/")
        assert (status, body) == (200, b"<p>hi</p>")
        assert "last-modified" in headers
