"""Failures of the machine under a build or a run — a read-only output directory, a full disk, no permission —
end with exit code 4 and one line saying what and where (no traceback), the published site as it was, and the
run row in a final state. Tried for real: a tmpfs of a few megabytes, remounted read-only, and permission bits
that bind a process without CAP_DAC_OVERRIDE (these tests run as root, which would otherwise ignore them)."""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.site_builder.site_fixtures import fill_store, make_record
from yigai.store import Store

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the block (root only: skipped, saying so, elsewhere)."""
    path.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): these tests need root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def _fill(path: Path) -> None:
    """Fill the file system under ``path`` to the last byte."""
    with open(path / "ballast", "wb", buffering=0) as fh:
        for size in (65536, 4096, 512, 1):
            try:
                while fh.write(b"\0" * size):
                    pass
            except OSError:
                continue


def _config(tmp: Path, database: Path, output: Path) -> Path:
    cfg = tmp / "yigai.toml"
    cfg.write_text(f'database = "{database}"\noutput_dir = "{output}"\n[site]\nbase_url = "https://yigai.test/"\n'
                   "[crawl]\nretry_times = 0\n", encoding="utf-8")
    return cfg


def _yigai(*args: str, drop_dac: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yigai.cli", *args], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), check=False,
                          preexec_fn=_drop_dac_override if drop_dac else None)


def _drop_dac_override() -> None:
    # In the child, before exec: without these two capabilities root is bound by permission bits like anyone.
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _one_line_failure(done: subprocess.CompletedProcess, reason: str) -> str:
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if "yigai: error:" in line]
    assert len(errors) == 1 and re.search(reason, errors[0]), done.stderr
    return errors[0]


def _add_story(database: Path) -> None:
    with Store(database) as store:
        store.save_article(make_record("https://x.example/2024/0401/new.html", title="新的医共体建设报道",
                                       text="河北省推进紧密型县域医共体建设。", published="2024-04-01T09:00:00+08:00"))


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_read_only_output_directory_fails_the_build_in_one_line(tmp_path):
    with tmpfs(tmp_path / "pub", "64m") as pub:
        db, out = tmp_path / "db.sqlite3", pub / "output"
        fill_store(db).close()
        cfg = _config(tmp_path, db, out)
        assert _yigai("build", "--config", str(cfg)).returncode == 0
        before = _tree(out)
        _add_story(db)
        _remount(pub, "ro")
        try:
            line = _one_line_failure(_yigai("build", "--config", str(cfg)), "Read-only file system")
            assert str(pub) in line
            assert _tree(out) == before
        finally:
            _remount(pub, "rw")


def test_a_full_disk_under_the_output_fails_the_build_in_one_line_and_leaves_no_staging(tmp_path):
    with tmpfs(tmp_path / "pub", "16m") as pub:
        db, out = tmp_path / "db.sqlite3", pub / "output"
        fill_store(db).close()
        cfg = _config(tmp_path, db, out)
        assert _yigai("build", "--config", str(cfg)).returncode == 0
        before = _tree(out)
        _add_story(db)
        _fill(pub)
        _one_line_failure(_yigai("build", "--config", str(cfg)), "No space left on device|disk is full")
        assert _tree(out) == before
        assert not list(pub.glob(".output.staging-*"))
        (pub / "ballast").unlink()
        assert _yigai("build", "--config", str(cfg)).returncode == 0  # with room again, the story is published
        assert _tree(out) != before


def test_no_permission_on_the_output_directory_fails_the_build_in_one_line(tmp_path):
    db, parent = tmp_path / "db.sqlite3", tmp_path / "www"
    fill_store(db).close()
    parent.mkdir()
    cfg = _config(tmp_path, db, parent / "output")
    parent.chmod(0o555)
    try:
        line = _one_line_failure(_yigai("build", "--config", str(cfg), drop_dac=True), "Permission denied")
        assert str(parent) in line
        assert not (parent / "output").exists()
    finally:
        parent.chmod(0o755)


def test_a_run_whose_build_fails_ends_its_row_failed_with_the_reason(tmp_path):
    # An empty registry entry set is not allowed, so the run crawls one source that answers nothing
    # (connection refused at once): the crawl is partial, the build is what fails.
    registry = tmp_path / "registry.toml"
    registry.write_text('[[source]]\nid = "gone"\nname = "已关闭的站"\nlist_urls = ["http://127.0.0.1:9/x.html"]\n',
                        encoding="utf-8")
    with tmpfs(tmp_path / "pub", "16m") as pub:
        db = tmp_path / "db.sqlite3"
        fill_store(db).close()
        cfg = _config(tmp_path, db, pub / "output")
        assert _yigai("build", "--config", str(cfg)).returncode == 0
        _add_story(db)
        _remount(pub, "ro")
        try:
            done = _yigai("run", "--config", str(cfg), "--registry", str(registry))
        finally:
            _remount(pub, "rw")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "build: FAILED (Read-only file system" in done.stdout
    failure = done.stderr.split("build failed: ", 1)[1]  # the crawl before it logged its refused connection
    assert failure.startswith("Read-only file system") and "Traceback" not in failure
    with Store(db) as store:
        run = store.runs(1)[0]
    assert run["status"] == "failed" and run["ended_at"]
    assert json.loads(run["stats_json"])["build"]["error"].startswith("Read-only file system")


@pytest.mark.slow
def test_a_full_disk_under_the_store_ends_the_run_row_failed_in_one_line(tmp_path):
    from yigai.sample_web.server import SampleWeb

    with tmpfs(tmp_path / "store", "8m") as disk, SampleWeb() as web:
        db = disk / "db.sqlite3"
        cfg = _config(tmp_path, db, tmp_path / "output")
        _fill(disk)
        # Room for the run row and the reserve kept beside the store, not for the pages the crawl brings.
        os.truncate(disk / "ballast", (disk / "ballast").stat().st_size - 1400 * 1024)
        done = _yigai("run", "--config", str(cfg), "--registry", "sample", "--sample-web", web.base_url)
        assert "cannot write to the store" in done.stderr  # the crawl stopped, saying why once per source
        # The crawler's own log (before "crawl finished") shows its callbacks' errors; the run's is one line.
        after_crawl = done.stderr.split("crawl finished", 1)[1]
        _one_line_failure(subprocess.CompletedProcess(done.args, done.returncode, done.stdout, after_crawl),
                          "disk is full")
        (disk / "ballast").unlink()
        with Store(db) as store:
            run = store.runs(1)[0]
    assert run["status"] == "failed" and run["ended_at"], dict(run)
    assert "disk is full" in json.loads(run["stats_json"])["error"]


def test_sources_a_crawl_could_not_reach_are_in_the_report_as_not_crawled(tmp_path):
    # The crawler cannot start (its shared frontier is down): before, such sources were missing from the report.
    registry = tmp_path / "registry.toml"
    registry.write_text('[[source]]\nid = "one"\nname = "一"\nlist_urls = ["http://127.0.0.1:9/a.html"]\n'
                        '[[source]]\nid = "two"\nname = "二"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\n',
                        encoding="utf-8")
    cfg = _config(tmp_path, tmp_path / "db.sqlite3", tmp_path / "output")
    cfg.write_text(cfg.read_text(encoding="utf-8") + 'frontier = "redis://127.0.0.1:9/0"\n', encoding="utf-8")
    done = _yigai("crawl", "--config", str(cfg), "--registry", str(registry))
    assert done.returncode == 4, done.stdout + done.stderr
    assert "crawl run #1: failed" in done.stdout
    assert [line.split()[0] for line in done.stdout.splitlines() if "not_crawled×1" in line] == ["one", "two"]
