"""One run at a time: an advisory ``fcntl`` lock on a file beside the database.

The kernel drops an ``fcntl`` lock when its holder dies (even by SIGKILL), so a killed run never leaves a stale
lock behind: the next run simply takes it over.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class LockBusy(RuntimeError):
    """Another run holds the lock."""


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, wait: bool = False, timeout: float | None = None) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() >= deadline):
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockBusy(
                        f"another yigai run holds {self.path}{f' (pid {holder})' if holder else ''}; "
                        "it will be taken over if that process dies (use --wait to wait for it)"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        return ""
