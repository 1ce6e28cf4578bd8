from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from yigai.lock import LockBusy, RunLock


def test_second_holder_is_refused_then_takes_over_after_kill(tmp_path):
    path = tmp_path / "run.lock"
    code = (
        "import sys, time; from pathlib import Path; from yigai.lock import RunLock; "
        f"RunLock(Path({str(path)!r})).acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy, match=f"pid {holder.pid}"):
            RunLock(path).acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        lock = RunLock(path).acquire(wait=True, timeout=5)  # the kernel released the dead holder's lock
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()


def test_wait_times_out(tmp_path):
    a = RunLock(tmp_path / "l").acquire()
    try:
        started = time.monotonic()
        with pytest.raises(LockBusy):
            RunLock(tmp_path / "l").acquire(wait=True, timeout=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        a.release()
