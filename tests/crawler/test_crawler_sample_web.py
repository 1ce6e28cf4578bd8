"""Integration: crawl the bundled sample web (yigai.sample_web.SampleWeb) with the packaged sample registry."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from crawl_support import run_crawler, write_settings

from yigai.urls import canonical_url

sample_web = pytest.importorskip("yigai.sample_web")
pytestmark = pytest.mark.slow

EXPECTED = json.loads((Path(sample_web.__file__).parent / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("sample")
    settings = write_settings(tmp)
    with sample_web.SampleWeb() as web:
        args = ["--config", str(settings), "--registry", "sample", "--sample-web", web.base_url]
        first = run_crawler(args + ["--run-id", "1"], tmp)
        mark = len(web.request_log)
        second = run_crawler(args + ["--run-id", "2"], tmp)
        yield tmp, web, first, second, mark


def _db(tmp: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp / "db.sqlite3")


def test_first_crawl_is_clean(crawled) -> None:
    first = crawled[2]
    assert first.returncode == 0, first.stderr[-3000:]


def test_every_sample_article_is_stored(crawled) -> None:
    tmp, web, *_ = crawled
    with _db(tmp) as conn:
        stored = {
            r[0] for r in conn.execute("SELECT url FROM urls WHERE kind = 'article' AND latest_page_id")
        }
    expected = {canonical_url(web.base_url + a["path"]) for a in EXPECTED["articles"]}
    assert expected <= stored, sorted(expected - stored)


def test_robots_disallowed_page_never_requested(crawled) -> None:
    _, web, *_ = crawled
    for path in EXPECTED["disallowed_paths"]:
        assert path not in web.requested_paths


def test_every_listing_page_was_read(crawled) -> None:
    _, web, _, _, mark = crawled
    seen = set(web.requested_paths[:mark])
    for site in EXPECTED["listing"].values():
        for path in site["list_pages"] + site["feeds"] + site["sitemaps"]:
            if path != "/nhc/index.html":  # not in the sample registry (nhc is crawled by feed + sitemap)
                assert path in seen, path


def test_second_crawl_only_revalidates(crawled) -> None:
    tmp, web, _, second, mark = crawled
    assert second.returncode == 0, second.stderr[-3000:]
    later = [r for r in web.request_log[mark:] if r["path"] != "/robots.txt"]
    assert later, "the second crawl sent nothing"
    article_paths = {a["path"] for a in EXPECTED["articles"]}
    assert not [r["path"] for r in later if r["path"] in article_paths]
    assert all(r["status"] == 304 for r in later), [(r["path"], r["status"]) for r in later]
    with _db(tmp) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = 2").fetchone()[0] == 0
