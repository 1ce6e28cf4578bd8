"""Roles on several hosts (issue #20 part 4), as separate processes on one machine: two crawl workers share the
Redis frontier and write to one PostgreSQL store, two extract workers claim its pages, one builder publishes.
Every page is fetched once, every story is published once, and an extract worker killed while it holds claims
loses nothing: the other takes its pages over when the lease runs out."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from tests.support import redis_server
from yigai.sample_web.server import SampleWeb
from yigai.store import Store

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "yigai" / "sample_web" / "expected.json").read_text(encoding="utf-8"))
LEASE = 10  # seconds ([extract] claim_lease, its floor): how long a dead worker's pages wait

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGAI_")}
    return dict(env, PYTHONPATH=str(REPO))


def _yigai(*args: str) -> list[str]:
    return [sys.executable, "-m", "yigai.cli", *args]


def _wait(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err or ""


@pytest.fixture
def deployment(tmp_path: Path, postgres_server):
    require_or_skip(redis_server.available(), "redis-server", redis_server.INSTALL_HINT)
    require_or_skip(all(importlib.util.find_spec(m) for m in ("redis", "scrapy_redis")), "scrapy-redis",
                    "pip install -e '.[distributed]'")
    url = postgres_server.new_database("workers")
    with redis_server.redis_server() as frontier:
        cfg = tmp_path / "yigai.toml"
        cfg.write_text(
            f'database = "{tmp_path / "unused.sqlite3"}"\nstore_url = "{url}"\noutput_dir = "{tmp_path / "out"}"\n'
            '[site]\nbase_url = "https://yigai.test/"\n'
            f'[crawl]\ndownload_timeout = 10\nfrontier = "{frontier}"\nfrontier_job = "workers"\n'
            f"[extract]\nclaim_batch = 3\nclaim_lease = {LEASE}\n",
            encoding="utf-8",
        )
        yield cfg, url, tmp_path


def test_two_crawl_workers_two_extract_workers_one_builder(deployment):
    cfg, url, tmp = deployment
    config = ["--config", str(cfg)]
    with SampleWeb() as web:
        crawlers = [
            subprocess.Popen(_yigai("worker", "crawl", *config, "--registry", "sample", "--sample-web", web.base_url),
                             env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [_wait(p) for p in crawlers]
        requested = Counter(p for p in web.requested_paths if p != "/robots.txt")
    for code, err in results:
        assert code == 0, err[-3000:]
        assert "shared frontier" in err
    assert requested and max(requested.values()) == 1, [p for p, n in requested.items() if n > 1]
    with Store(url) as store:
        crawl_runs = [r for r in store.runs(10) if r["command"] == "worker crawl"]
        assert len(crawl_runs) == 2 and {r["status"] for r in crawl_runs} == {"ok"}
        # Which worker fetched what depends on who started first (tests/crawler/test_crawler_frontier.py shows
        # them splitting a slow site); what they stored together is every page, once.
        per_worker = [sum(s["pages_new"] for s in store.run_sources(r["id"])) for r in crawl_runs]
        assert sum(per_worker) == store.count_pages()
        stored = Counter(r["url"] for r in store.conn.execute("SELECT url FROM pages WHERE kind = 'article'"))
        assert stored and max(stored.values()) == 1
        to_extract = set(store.article_page_ids())
        assert len(to_extract) >= 10

    # Two extract workers; the first is killed as soon as it holds claims on pages it has not saved.
    extract = _yigai("worker", "extract", *config, "--poll", "0.3")
    first = subprocess.Popen(extract, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(extract, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    orphaned: list[int] = []
    with Store(url) as store:
        deadline = time.monotonic() + 120
        while not orphaned and time.monotonic() < deadline and first.poll() is None:
            mine = [pid for pid, owner, _ in store.claims() if owner.endswith(f":{first.pid}")]
            if mine:
                first.send_signal(signal.SIGKILL)
                first.wait()
                unextracted = set(store.article_page_ids())
                orphaned = [pid for pid, owner, _ in store.claims()
                            if owner.endswith(f":{first.pid}") and pid in unextracted]
            else:
                time.sleep(0.02)
    assert orphaned, "the first worker was not caught holding claims on unsaved pages"
    code, err = _wait(second)
    assert code == 0, err[-3000:]
    with Store(url) as store:
        assert store.article_page_ids() == []  # every page extracted, the dead worker's too
        assert store.claims() == []
        owners = {r["page_id"] for r in store.conn.execute("SELECT page_id FROM articles")}
        assert set(orphaned) <= owners and to_extract <= owners
        assert store.count_copies() > 0  # the last worker out grouped the syndicated copies

    built = subprocess.run(_yigai("build", *config), env=_env(), capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    with Store(url) as store:
        rows = store.conn.execute("SELECT url, relevant, is_original FROM articles").fetchall()
    published = [r["url"].split("/", 3)[3] for r in rows if r["relevant"] and r["is_original"]]
    originals = {p["path"].lstrip("/") for p in EXPECTED["articles"] if p["on_topic"] and p.get("original", True)}
    assert len(published) == len(set(published)) and set(published) == originals  # every story once
    pages = {p.stem for p in (tmp / "out" / "article").glob("*.html")}
    assert len(pages) == len(originals)
    status = subprocess.run(_yigai("status", *config), env=_env(), capture_output=True, text=True, timeout=300)
    assert status.returncode == 0, status.stderr[-3000:]
    assert "postgresql://yigai@" in status.stdout and "worker crawl" in status.stdout
