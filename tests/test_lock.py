from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from yigai.lock import LockBusy, RunLock, holding, output_lock, store_lock


@contextmanager
def held_elsewhere(path: Path, what: str = ""):
    """The lock at ``path`` held by another process (as another yigai command holds it); yields its Popen."""
    code = (
        "import sys, time; from pathlib import Path; from yigai.lock import RunLock; "
        f"RunLock(Path({str(path)!r}), {what!r}).acquire(); print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()


def test_second_holder_is_refused_naming_pid_and_command_then_takes_over_after_kill(tmp_path):
    path = tmp_path / "run.lock"
    with held_elsewhere(path, "yigai build") as holder:
        with pytest.raises(LockBusy, match=f"pid {holder.pid}, yigai build"):
            RunLock(path).acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        lock = RunLock(path).acquire(wait=True, timeout=30)  # the kernel released the dead holder's lock
        lock.release()


def test_wait_times_out(tmp_path):
    with held_elsewhere(tmp_path / "l"):
        started = time.monotonic()
        with pytest.raises(LockBusy):
            RunLock(tmp_path / "l").acquire(wait=True, timeout=0.5)
        assert time.monotonic() - started >= 0.5


def test_the_lock_is_reentrant_in_one_process_and_freed_by_the_last_release(tmp_path):
    path = tmp_path / "l"
    outer = RunLock(path).acquire()
    inner = RunLock(path).acquire()  # the build command, then the site builder it calls
    inner.release()
    probe = [sys.executable, "-c", f"from yigai.lock import RunLock; RunLock({str(path)!r}).acquire()"]
    assert subprocess.run(probe, capture_output=True, text=True).returncode != 0, "released by the inner holder"
    outer.release()
    assert subprocess.run(probe, capture_output=True, text=True).returncode == 0


def test_holding_takes_every_lock_or_none(tmp_path):
    first, second = store_lock(tmp_path / "db.sqlite3"), output_lock(tmp_path / "output")
    assert first.path == tmp_path / "db.sqlite3.lock" and second.path == tmp_path / ".output.lock"
    with held_elsewhere(second.path), pytest.raises(LockBusy), holding(first, second):
        pass
    assert not first.held  # released again when the second could not be had
    with holding(first, second):
        assert first.held and second.held
    assert not first.held and not second.held


# ------------------------------------------------------------------------- PostgreSQL store: an advisory lock
@contextmanager
def advisory_held_elsewhere(url: str, what: str = ""):
    code = (
        "import sys, time; from yigai.lock import store_lock; "
        f"store_lock({url!r}, {what!r}).acquire(); print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()


def test_a_postgresql_store_is_locked_in_the_database_naming_the_holder_and_freed_by_its_death(pg_url):
    """Commands on other hosts see the lock: it lives in the store's database, not in a file. The refusal names
    the holder's pid and command; a killed holder's connection ends and the lock is free again."""
    from yigai.lock import AdvisoryLock

    lock = store_lock(pg_url, "yigai extract")
    assert isinstance(lock, AdvisoryLock)
    with advisory_held_elsewhere(pg_url, "yigai run") as holder:
        with pytest.raises(LockBusy, match=f"held by pid {holder.pid}, yigai run"):
            lock.acquire()
        started = time.monotonic()
        with pytest.raises(LockBusy):
            lock.acquire(wait=True, timeout=0.5)
        assert time.monotonic() - started >= 0.5
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        lock.acquire(wait=True, timeout=60)  # the server ended the dead holder's session and its lock
    try:
        inner = store_lock(pg_url, "yigai build").acquire()  # re-entrant in one process
        inner.release()
        probe = [sys.executable, "-c", f"from yigai.lock import store_lock; store_lock({pg_url!r}).acquire()"]
        assert subprocess.run(probe, capture_output=True, text=True).returncode != 0, "released by the inner holder"
    finally:
        lock.release()
    assert subprocess.run(probe, capture_output=True, text=True).returncode == 0


def test_commands_on_a_postgresql_store_make_no_lock_file(pg_url, tmp_path):
    """The lock of a PostgreSQL store lives in the database: no '<url>.lock' file appears anywhere (a file
    lock derived from the URL once landed in the working directory as 'postgresql:/…&port=5432.lock')."""
    from yigai.store import Store

    Store(pg_url).close()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    for command in (["extract"], ["status"], ["extract", "--all", "--wait"]):
        proc = subprocess.run([sys.executable, "-m", "yigai.cli", *command, "--store", pg_url], cwd=workdir,
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(workdir.rglob("*")) == []
    assert not list(tmp_path.glob("postgresql*")) and not list(Path.cwd().glob("postgresql*"))
