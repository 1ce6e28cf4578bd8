"""Nightly operation: one run at a time, and SIGKILL at many moments never loses data or publishes a broken site."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from yigai.sample_web.server import SampleWeb
from yigai.store import Store

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "yigai" / "sample_web" / "expected.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request, tmp_path: Path) -> str:
    """The store of the runs: an SQLite file, or a PostgreSQL database (its run lock an advisory lock)."""
    if request.param == "sqlite":
        return str(tmp_path / "db.sqlite3")
    return request.getfixturevalue("pg_url")


def _config(tmp: Path, store: str) -> Path:
    cfg = tmp / "yigai.toml"
    store_line = f'store_url = "{store}"\n' if store.startswith("postgresql://") else ""
    cfg.write_text(f'database = "{tmp / "db.sqlite3"}"\n{store_line}output_dir = "{tmp / "output"}"\n'
                   '[site]\nbase_url = "https://yigai.test/"\n', encoding="utf-8")
    return cfg


def _run_args(cfg: Path, base: str) -> list[str]:
    return [sys.executable, "-m", "yigai.cli", "run", "--config", str(cfg), "--registry", "sample",
            "--sample-web", base]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _site_is_complete(out: Path) -> None:
    """output/ is a whole site: its index exists, every local link resolves, every feed parses."""
    assert (out / "index.html").is_file(), "no index.html"
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for href in __import__("re").findall(r'href="([^"#?]+)', html):
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target = (page.parent / href).resolve()
            if href.endswith("/"):
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(out)} links to missing {href}"
    for feed in (out / "feeds").rglob("*.xml"):
        assert not feedparser.parse(feed.read_bytes()).bozo, feed


def test_second_run_exits_at_once_and_lock_taken_over_after_kill(tmp_path, store_target):
    cfg = _config(tmp_path, store_target)
    # Hold the run lock from another process, exactly as a running `yigai run` does.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from yigai.lock import store_lock; "
         "from yigai.config import load_settings; "
         "store_lock(load_settings(sys.argv[1]).store, 'yigai run').acquire(); "
         "print('held', flush=True); time.sleep(120)", str(cfg)],
        stdout=subprocess.PIPE, text=True, env=_env(),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with SampleWeb() as web:
            second = subprocess.run(_run_args(cfg, web.base_url), capture_output=True, text=True, env=_env(),
                                    timeout=60)
            assert second.returncode == 3, second.stderr
            assert holder.poll() is None  # refused while the holder (sleeping 120 s) still held: it did not wait
            assert f"held by pid {holder.pid}, yigai run" in second.stderr
            assert not [p for p in web.requested_paths if p != "/robots.txt"], "the refused run crawled"
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            third = subprocess.run(_run_args(cfg, web.base_url), capture_output=True, text=True, env=_env(),
                                   timeout=300)
            assert third.returncode == 0, third.stdout + third.stderr
    finally:
        if holder.poll() is None:
            holder.kill()


def test_sigkill_at_many_moments_keeps_store_and_site_whole(tmp_path, store_target):
    cfg = _config(tmp_path, store_target)
    out = tmp_path / "output"
    # A first run takes ~10 s here and a later (incremental) one ~3 s: these moments fall in start-up, the
    # crawl child, extract and build of successive runs, each resuming what the killed one left.
    delays = [0.3, 0.7, 1.1, 1.5, 1.9, 2.3, 2.6, 2.9, 3.2, 4.5, 6.0, 0.5, 1.3, 2.1, 2.7]
    kills = 0
    with SampleWeb() as web:
        for delay in delays:
            proc = subprocess.Popen(_run_args(cfg, web.base_url), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=_env())
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            time.sleep(0.2)  # let the kernel reap the crawler child (it dies with its parent)
            with Store(store_target) as store:
                assert store.integrity_ok()
            if out.exists() and any(out.iterdir()):
                _site_is_complete(out)
        assert kills >= 10, f"only {kills} runs were killed mid-way; the delays need adjusting"
        final = subprocess.run(_run_args(cfg, web.base_url), capture_output=True, text=True, env=_env(),
                               timeout=300)
    assert final.returncode == 0, final.stdout + final.stderr
    _site_is_complete(out)
    with Store(store_target) as store:
        assert store.integrity_ok()
        rows = store.conn.execute("SELECT url, relevant, is_original FROM articles").fetchall()
        runs = [r["status"] for r in store.runs(50)]
    assert "interrupted" in runs
    published = [r["url"].split("/", 3)[3] for r in rows if r["relevant"] and r["is_original"]]
    on_topic_stories = {p["story"] for p in EXPECTED["articles"] if p["on_topic"]}
    originals = {p["path"].lstrip("/") for p in EXPECTED["articles"] if p["on_topic"] and p.get("original", True)}
    assert len(published) == len(set(published)) == len(on_topic_stories)  # every story exactly once
    assert set(published) == originals
