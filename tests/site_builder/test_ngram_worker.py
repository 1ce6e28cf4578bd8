"""The process that indexes search segments beside a first build: it is used, it fails the build cleanly, and
it never outlives the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import make_settings
from site_checks import snapshot

import site_builder.ngram_index as ngram
import site_builder.ngram_worker as worker
from site_builder import build_site
from site_builder.ngram_index import INDEX_DIR, NgramSearch, search_files
from site_builder.ngram_worker import IndexWorker, SearchIndexWorkerError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def started(monkeypatch) -> list[IndexWorker]:
    """Every index worker started while the test runs."""
    workers: list[IndexWorker] = []
    real_init = IndexWorker.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        workers.append(self)

    monkeypatch.setattr(IndexWorker, "__init__", spy)
    return workers


def test_a_first_build_indexes_its_segments_in_the_worker_with_the_same_bytes(store, tmp_path, monkeypatch, started):
    """Three or more segments to index: the worker makes them (reading the texts from the store itself), and the
    files are byte for byte those the build makes in its own process."""
    by_worker = tmp_path / "w" / "output"
    build_site(store, make_settings(by_worker, search_shard_size=3))
    assert len(started) == 1  # one worker for the whole build
    monkeypatch.setattr(NgramSearch, "WORKER_FROM", 10**9)  # never: all segments in this process
    here = tmp_path / "h" / "output"
    build_site(store, make_settings(here, search_shard_size=3))
    assert len(started) == 1
    files = {k: v[0] for k, v in snapshot(by_worker).items() if k.startswith(f"{INDEX_DIR}/")}
    assert len([k for k in files if k.endswith("/b0.json")]) >= 3
    assert files == {k: v[0] for k, v in snapshot(here).items() if k.startswith(f"{INDEX_DIR}/")}
    assert search_files(by_worker, "医共体")[0] > 0


def test_a_sites_nightly_build_indexes_its_one_changed_segment_in_the_worker(store, tmp_path, monkeypatch, started):
    """One segment to index: a tiny site indexes it in its own process, a larger one (``WORKER_SITE_FROM``
    articles) in the worker, behind the lists and feeds; the files are the same either way."""
    monkeypatch.setattr(NgramSearch, "WORKER_FROM", 10**9)
    out = tmp_path / "w" / "output"
    build_site(store, make_settings(out, search_shard_size=3))
    assert started == []  # a tiny site: no worker
    aid = store.conn.execute("SELECT id FROM articles WHERE is_original = 1 AND relevant = 1 LIMIT 1").fetchone()[0]
    row = dict(store.article(aid))
    store.save_article({**row, "title": row["title"] + "（医共体更新）"})
    monkeypatch.setattr(NgramSearch, "WORKER_SITE_FROM", 1)
    report = build_site(store, make_settings(out, search_shard_size=3))
    assert len(started) == 1 and report.published
    monkeypatch.setattr(NgramSearch, "WORKER_SITE_FROM", 10**9)
    here = tmp_path / "h" / "output"
    build_site(store, make_settings(here, search_shard_size=3))
    assert len(started) == 1
    files = {k: v[0] for k, v in snapshot(out).items() if k.startswith(f"{INDEX_DIR}/")}
    assert files == {k: v[0] for k, v in snapshot(here).items() if k.startswith(f"{INDEX_DIR}/")}
    assert any(hit.title.endswith("（医共体更新）") for hit in search_files(out, "医共体更新")[1])


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import sys; sys.stdin.buffer.read(8); sys.exit(3)", r"ended \(exit 3\)"),
        ("import sys; sys.stdout.buffer.write(b'garbage!'); sys.stdout.flush(); sys.stdin.read()", "unreadable"),
    ],
)
def test_a_worker_that_dies_fails_the_build_and_keeps_the_live_site(store, tmp_path, monkeypatch, script, message):
    out = tmp_path / "site" / "output"
    settings = make_settings(out, search_shard_size=3)
    build_site(store, make_settings(out))  # a published site (one segment: no worker)
    before = snapshot(out)
    monkeypatch.setattr(worker, "worker_command", lambda: [sys.executable, "-c", script])
    with pytest.raises(SearchIndexWorkerError, match=message):
        build_site(store, settings)
    assert snapshot(out) == before
    assert not list(out.parent.glob(".output.staging-*"))


def test_a_stalled_worker_fails_the_build_within_its_timeout_and_is_killed(store, tmp_path, monkeypatch):
    out = tmp_path / "site" / "output"
    pids: list[int] = []
    real_init = IndexWorker.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        pids.append(self._proc.pid)

    monkeypatch.setattr(IndexWorker, "__init__", spy)
    monkeypatch.setattr(ngram, "WORKER_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(worker, "worker_command", lambda: [sys.executable, "-c", "import time; time.sleep(600)"])
    started = time.monotonic()
    with pytest.raises(SearchIndexWorkerError, match="no answer within 1 s"):
        build_site(store, make_settings(out, search_shard_size=3))
    assert time.monotonic() - started < 60
    assert pids and _wait_gone(pids[0])
    assert not out.exists()  # nothing was ever published


def test_an_error_inside_the_worker_is_reported_with_its_traceback(tmp_path):
    index = IndexWorker(timeout=60)
    try:
        index.submit((str(tmp_path / "no-such-store.sqlite3"), [("a1", None)]))
        with pytest.raises(SearchIndexWorkerError, match="failed: Traceback"):
            index.result()
    finally:
        index.kill()


def test_the_worker_ends_when_the_build_is_killed(tmp_path):
    """SIGKILL leaves no cleanup to the build: the worker's stdin closes with it, and it ends."""
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from site_builder.ngram_worker import IndexWorker
        w = IndexWorker(timeout=60)
        print(w._proc.pid, flush=True)
        time.sleep(600)
        """
    )
    build = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(build.stdout.readline())
        assert _alive(pid)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=10)
        assert _wait_gone(pid), "the index worker outlived the killed build"
    finally:
        if build.poll() is None:
            build.kill()
        build.stdout.close()
