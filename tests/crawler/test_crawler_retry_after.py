"""429 Too Many Requests with `Retry-After: 1`, twice, then 200: the article is stored, and each retry came at
least a second after the answer that asked for the wait (measured on the server's clock)."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import zlib

import pytest
from crawl_support import run_crawler, write_settings
from scripted_site import Answer, ScriptedSite

from yigai.urls import canonical_url

pytestmark = pytest.mark.slow

LIST = "/wsjkw/zwyw/index.html"
ARTICLE = "/wsjkw/zwyw/202403/t20240301_8801.html"
THROTTLED_ANSWERS = 2


class RateLimitedSite:
    """Answers the article 429 + ``Retry-After: 1`` the first ``THROTTLED_ANSWERS`` times, then 200."""

    def __init__(self) -> None:
        self.article_requests = 0
        self.lock = threading.Lock()

    def __call__(self, path: str, headers: dict[str, str]) -> Answer:
        if path == "/robots.txt":
            return Answer(body=b"User-agent: *\nDisallow:\n", headers={"Content-Type": "text/plain"})
        if path == LIST:
            body = f'<html><body><ul><li><a href="{ARTICLE}">城市医疗集团试点推进</a></li></ul></body></html>'
            return Answer(body=body.encode())
        if path == ARTICLE:
            with self.lock:
                self.article_requests += 1
                throttled = self.article_requests <= THROTTLED_ANSWERS
            if throttled:
                return Answer(
                    status=429,
                    body=b"Too Many Requests",
                    headers={"Content-Type": "text/plain", "Retry-After": "1"},
                )
            body = "<html><head><title>城市医疗集团</title></head><body><p>城市医疗集团试点工作稳步推进。</p></body></html>"
            return Answer(body=body.encode())
        return Answer(status=404, body=b"not found")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("retry_after")
    settings = write_settings(tmp, retry_times=3)
    with ScriptedSite(RateLimitedSite()) as site:
        registry = tmp / "registry.toml"
        registry.write_text(
            f'[[source]]\nid = "throttled"\nname = "限流站"\nlist_urls = ["{site.base}{LIST}"]\n'
            "article_allow = ['/zwyw/\\d{6}/t\\d{8}_\\d+\\.html$']\n",
            encoding="utf-8",
        )
        # The test's backoff base is 0.05 s (crawl_support), so any wait of a second comes from Retry-After.
        args = ["--config", str(settings), "--registry", str(registry), "--run-id", "1"]
        result = run_crawler(args, tmp)
        yield tmp, site, result


def test_crawl_succeeds(crawled) -> None:
    _, _, result = crawled
    assert result.returncode == 0, result.stderr[-3000:]


def test_article_is_stored_after_the_429s(crawled) -> None:
    tmp, site, _ = crawled
    with sqlite3.connect(tmp / "db.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT p.* FROM urls u JOIN pages p ON p.id = u.latest_page_id WHERE u.url = ?",
            (canonical_url(site.base + ARTICLE),),
        ).fetchone()
        stats = conn.execute("SELECT * FROM run_sources WHERE source_id = 'throttled'").fetchone()
    assert row is not None and row["status"] == 200
    assert "城市医疗集团试点工作稳步推进".encode() in zlib.decompress(row["body"])
    assert json.loads(stats["errors_json"]) == {}


def test_retry_after_is_honoured(crawled) -> None:
    _, site, _ = crawled
    hits = site.hits_for(ARTICLE)
    assert [h.status for h in hits] == [429] * THROTTLED_ANSWERS + [200]
    for earlier, later in itertools.pairwise(hits):
        assert later.at - earlier.at >= 1.0, [h.at for h in hits]
