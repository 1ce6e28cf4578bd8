"""`browser = true` sources: scrapy-playwright driving Debian's Chromium passes a JavaScript cookie challenge.

The loopback site answers like the national health commission does to a plain client: HTTP 412 and a page whose
script sets a cookie and reloads. Only with the cookie does it serve the list page and the articles. One crawl
runs the same site as two sources: `browser = true` gets every article; `browser = false` gets 412s, counted as
errors, and nothing stored.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
from crawl_support import run_crawler, write_settings
from scripted_site import Answer, ScriptedSite, cookie_value

from tests.conftest import require_or_skip
from yigai.urls import canonical_url

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
COOKIE = "yigai_challenge"
ARTICLES = [f"/xcs/s7847/2024/t20240{n}05_{n}.shtml" for n in range(1, 6)]
# The cookie value is computed by the script, so a client that does not run JavaScript cannot send it.
CHALLENGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>请稍候</title></head><body>
<script>
var v = (6 * 7 + 2000).toString(16);
document.cookie = "{COOKIE}=" + v + "; path=/";
location.reload();
</script></body></html>""".encode()
EXPECTED_COOKIE = format(6 * 7 + 2000, "x")
# One more article, past the crawl's size limit: the browser fetches it whole, the crawl must still drop it.
BIG = "/xcs/s7847/2024/t20240605_6.shtml"
MAX_BYTES = 20_000


def _page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


def respond(path: str, headers: dict[str, str]) -> Answer:
    if path == "/robots.txt":
        return Answer(body=b"User-agent: *\nDisallow:\n", headers={"Content-Type": "text/plain"})
    if cookie_value(headers, COOKIE) != EXPECTED_COOKIE:
        return Answer(status=412, body=CHALLENGE)
    if path == "/xcs/yqfkdt/gzbd_index.shtml":
        links = "".join(
            f'<li><a href="{a}">医联体建设工作动态第{i}期</a></li>' for i, a in enumerate([*ARTICLES, BIG], 1)
        )
        return Answer(body=_page("工作动态", f"<ul>{links}</ul>"))
    if path == BIG:
        return Answer(body=_page("医联体建设工作动态第6期", "<p>推进分级诊疗。</p>" * 3000))
    if path in ARTICLES:
        n = ARTICLES.index(path) + 1
        return Answer(body=_page(f"医联体建设工作动态第{n}期", f"<p>推进分级诊疗，第{n}期动态正文。</p>"))
    return Answer(status=404, body=b"not found")


REGISTRY = """
[[source]]
id = "{id}"
name = "{name}"
list_urls = ["{base}/xcs/yqfkdt/gzbd_index.shtml"]
article_allow = ['/xcs/s7847/']
browser = {browser}
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    require_or_skip(shutil.which(CHROMIUM) is not None, "chromium", "apt-get install chromium")
    require_or_skip(
        importlib.util.find_spec("scrapy_playwright") is not None,
        "scrapy-playwright",
        "pip install -e '.[browser]'",
    )
    tmp = tmp_path_factory.mktemp("browser")
    settings = write_settings(tmp, retry_times=1, download_timeout=15, max_response_bytes=MAX_BYTES,
                              browser_executable=str(CHROMIUM))
    with ScriptedSite(respond) as site:
        registry = tmp / "registry.toml"
        registry.write_text(
            REGISTRY.format(id="nhc_browser", name="卫健委（浏览器）", base=site.base, browser="true")
            + REGISTRY.format(id="nhc_plain", name="卫健委（直连）", base=site.base, browser="false"),
            encoding="utf-8",
        )
        args = ["--config", str(settings), "--registry", str(registry), "--run-id", "1"]
        result = run_crawler(args, tmp)
        yield tmp, site, result


def _db(tmp: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp / "db.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def _errors(tmp: Path, source: str) -> dict[str, int]:
    with _db(tmp) as conn:
        row = conn.execute(
            "SELECT errors_json FROM run_sources WHERE run_id = 1 AND source_id = ?", (source,)
        ).fetchone()
    assert row is not None, f"no stats for {source}"
    return json.loads(row["errors_json"])


@pytest.mark.parametrize("path", ARTICLES)
def test_browser_source_passes_the_challenge_and_stores_articles(crawled, path: str) -> None:
    tmp, site, result = crawled
    with _db(tmp) as conn:
        row = conn.execute(
            "SELECT p.* FROM urls u JOIN pages p ON p.id = u.latest_page_id WHERE u.url = ?",
            (canonical_url(site.base + path),),
        ).fetchone()
    assert row is not None, f"{path} not stored; hits: {site.paths()}\n{result.stderr[-3000:]}"
    assert row["source_id"] == "nhc_browser" and row["kind"] == "article" and row["status"] == 200
    n = ARTICLES.index(path) + 1
    assert f"第{n}期动态正文".encode() in zlib.decompress(row["body"])


def test_articles_were_only_served_with_the_script_set_cookie(crawled) -> None:
    _, site, _ = crawled
    for path in ARTICLES:
        served = [h for h in site.hits_for(path) if h.status == 200]
        assert served and all(cookie_value(h.headers, COOKIE) == EXPECTED_COOKIE for h in served)


def test_browser_source_drops_only_the_page_past_the_size_limit(crawled) -> None:
    tmp, site, result = crawled
    assert _errors(tmp, "nhc_browser") == {"too_large": 1}, result.stderr[-3000:]
    assert any(h.status == 200 for h in site.hits_for(BIG))  # fetched whole by the browser …
    with _db(tmp) as conn:  # … but not archived
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE url LIKE ?", (f"%{BIG}",)).fetchone()[0] == 0


def test_plain_source_gets_412_counted_as_errors(crawled) -> None:
    tmp, site, result = crawled
    assert result.returncode == 1  # the plain source had errors
    assert _errors(tmp, "nhc_plain") == {"http_4xx": 1}
    with _db(tmp) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE source_id = 'nhc_plain'").fetchone()[0] == 0
    # Plain requests never carried the cookie: COOKIES_ENABLED is False and no script ran for them.
    plain = [h for h in site.hits if h.path.startswith("/xcs/") and cookie_value(h.headers, COOKIE) is None]
    assert plain and all(h.status == 412 for h in plain)
