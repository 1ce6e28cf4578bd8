"""Scale-out: two crawler processes share one crawl frontier in a real redis-server (scrapy-redis).

The test starts its own redis-server on a free loopback port and a slow-ish loopback site with 60 articles, runs
TWO `python -m crawler.process` workers at once against it (one store, two run ids), and shows: no URL is fetched
twice (the site logs every request; robots.txt aside, which every worker reads for itself), every article is
stored exactly once, both workers did part of the work, and the last worker out cleared the shared keys.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from crawl_support import crawl_env, run_crawler, write_settings
from scripted_site import Answer, ScriptedSite

from tests.conftest import require_or_skip
from tests.support import redis_server
from yigai.urls import canonical_url

pytestmark = pytest.mark.slow

HAVE_PACKAGES = all(importlib.util.find_spec(m) is not None for m in ("redis", "scrapy_redis"))

COLUMNS = ("ylj", "ygt", "fjzl")  # three list pages, 20 articles each
ARTICLES = [f"/{c}/2024/t202403{i:02d}_{k}.html" for k, c in enumerate(COLUMNS) for i in range(1, 21)]
DELAY = 0.2  # seconds per answer: slow enough that one worker alone would take a while
WORKERS = 2


def respond(path: str, headers: dict[str, str]) -> Answer:
    if path == "/robots.txt":
        return Answer(body=b"User-agent: *\nDisallow:\n", headers={"Content-Type": "text/plain"})
    for column in COLUMNS:
        if path == f"/{column}/index.html":
            links = "".join(
                f'<li><a href="{a}">报道</a></li>' for a in ARTICLES if a.startswith(f"/{column}/")
            )
            return Answer(body=f"<html><body><ul>{links}</ul></body></html>".encode(), delay=DELAY)
    if path in ARTICLES:
        body = f"<html><head><title>{path}</title></head><body><p>优质医疗资源下沉。{path}</p></body></html>"
        return Answer(body=body.encode(), delay=DELAY)
    return Answer(status=404, body=b"not found")


@pytest.fixture(scope="module")
def redis_url():
    require_or_skip(redis_server.available(), "redis-server", redis_server.INSTALL_HINT)
    require_or_skip(HAVE_PACKAGES, "scrapy-redis", "pip install -e '.[distributed]'")
    with redis_server.redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def crawled(redis_url: str, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("frontier")
    settings = write_settings(tmp, retry_times=1, frontier_job="test")
    with ScriptedSite(respond) as site:
        registry = tmp / "registry.toml"
        lists = ", ".join(f'"{site.base}/{c}/index.html"' for c in COLUMNS)
        registry.write_text(
            f'[[source]]\nid = "shared"\nname = "共享站"\nlist_urls = [{lists}]\nmax_list_pages = 1\n',
            encoding="utf-8",
        )
        env = crawl_env(YIGAI_REDIS_URL=redis_url)
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crawler.process",
                    "--config",
                    str(settings),
                    "--registry",
                    str(registry),
                    "--run-id",
                    str(n),
                ],
                cwd=tmp,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(1, WORKERS + 1)
        ]
        outputs = []
        for proc in workers:
            try:
                _, err = proc.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            outputs.append((proc.returncode, err))
        yield tmp, site, outputs


def _db(tmp: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp / "db.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def test_both_workers_finish_cleanly(crawled) -> None:
    _, _, outputs = crawled
    for code, err in outputs:
        assert code == 0, err[-3000:]
        assert "shared frontier" in err  # they really used the redis scheduler


def test_no_url_is_fetched_twice(crawled) -> None:
    _, site, _ = crawled
    counts = Counter(p for p in site.paths() if p != "/robots.txt")
    assert {p for p, n in counts.items() if n > 1} == set()
    assert set(counts) == {f"/{c}/index.html" for c in COLUMNS} | set(ARTICLES)


def test_every_article_is_stored_exactly_once(crawled) -> None:
    tmp, site, _ = crawled
    with _db(tmp) as conn:
        stored = Counter(
            r["url"] for r in conn.execute("SELECT url FROM pages WHERE kind = 'article' AND status = 200")
        )
    assert stored == Counter(canonical_url(site.base + a) for a in ARTICLES)


def test_both_workers_did_part_of_the_work(crawled) -> None:
    tmp, _, _ = crawled
    with _db(tmp) as conn:
        rows = {r["run_id"]: r for r in conn.execute("SELECT * FROM run_sources WHERE source_id = 'shared'")}
    assert set(rows) == set(range(1, WORKERS + 1))
    assert all(rows[n]["pages_new"] > 0 for n in rows), {n: rows[n]["pages_new"] for n in rows}
    assert sum(rows[n]["pages_new"] for n in rows) == len(ARTICLES) + len(COLUMNS)


def test_last_worker_out_clears_the_shared_keys(crawled, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys("yigai:*") == []
    finally:
        client.close()


def test_unreachable_redis_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    require_or_skip(HAVE_PACKAGES, "scrapy-redis", "pip install -e '.[distributed]'")
    registry = tmp_path / "registry.toml"
    registry.write_text('[[source]]\nid = "x"\nname = "x"\nlist_urls = ["http://127.0.0.1:9/a.html"]\n')
    dead = f"redis://127.0.0.1:{redis_server.free_port()}/0"  # nothing listens there
    args = ["--config", str(write_settings(tmp_path)), "--registry", str(registry)]
    result = run_crawler(args, tmp_path, YIGAI_REDIS_URL=dead)
    assert result.returncode == 2
    assert f"shared frontier {dead} is unreachable" in result.stderr
