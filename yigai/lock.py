"""One writer at a time: advisory ``fcntl`` locks on files beside the store and beside the output directory
(on a PostgreSQL store, the store lock is PostgreSQL's advisory lock in the store itself: ``AdvisoryLock``).

Every command that writes the store (``crawl``, ``extract``, ``import``, ``run``, ``demo``) holds the store lock
(``<database>.lock``); every command that publishes the site (``build``, ``run``, ``demo``) also holds the
output lock (``.<output>.lock`` beside the output directory), and ``build`` holds the store lock too, so it
never reads a store that an extraction is half-way through. Locks are always taken in that order (store, then
output), so two commands waiting for each other (``--wait``) cannot deadlock.

The kernel drops an ``fcntl`` lock when its holder dies (even by SIGKILL), so a killed command never leaves a
stale lock behind: the next one simply takes it over. The lock file holds the holder's pid and command, for
the message of the one refused.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

_POLL_SECONDS = 0.2


class LockBusy(RuntimeError):
    """Another process holds the lock."""


class RunLock:
    """An exclusive lock on ``path``, re-entrant within one process.

    A process that already holds the lock (the ``build`` command, then the site builder it calls) takes it again
    at no cost: ``flock`` locks belong to an open file, so a second ``open`` of the same file in the same
    process would otherwise wait for itself.
    """

    _held: ClassVar[dict[str, list[int]]] = {}  # absolute path -> [fd, depth], for this process

    def __init__(self, path: Path, what: str = "") -> None:
        self.path = Path(os.path.abspath(path))
        self.what = what  # what the holder does, written into the lock file ("yigai build")
        self._depth_taken = False

    @property
    def held(self) -> bool:
        return self._depth_taken

    def acquire(self, *, wait: bool = False, timeout: float | None = None) -> RunLock:
        key = str(self.path)
        if self._depth_taken:
            raise RuntimeError(f"{key} is already acquired through this object")
        entry = self._held.get(key)
        if entry is not None:
            entry[1] += 1
            self._depth_taken = True
            return self
        fd = self._open()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() >= deadline):
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockBusy(_busy_message(self.path, holder)) from None
                time.sleep(_POLL_SECONDS)
        with contextlib.suppress(OSError):  # opened read-only: the lock holds, its holder is not named
            holder = f"{os.getpid()} {self.what}".strip().encode()
            os.pwrite(fd, holder, 0)
            os.ftruncate(fd, len(holder))
        self._held[key] = [fd, 1]
        self._depth_taken = True
        return self

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            # A lock file on a read-only file system (or one we may not write) still locks when opened for
            # reading, so a run can crawl and extract and then say why its build failed.
            if exc.errno not in (errno.EROFS, errno.EACCES) or not self.path.is_file():
                raise
            return os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)

    def release(self) -> None:
        if not self._depth_taken:
            return
        self._depth_taken = False
        key = str(self.path)
        entry = self._held[key]
        entry[1] -= 1
        if entry[1] == 0:
            del self._held[key]
            with contextlib.suppress(OSError):  # free again: no holder to name
                os.ftruncate(entry[0], 0)
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])

    def __enter__(self) -> RunLock:
        return self if self._depth_taken else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class AdvisoryLock:
    """The run lock of a PostgreSQL store: a session advisory lock in the store's own database, so commands on
    different hosts exclude each other as commands on one host do with the file lock. Re-entrant within one
    process; the holder is named by its pid and command (its connection's application_name); the server
    releases it when the holder's connection ends, even after SIGKILL."""

    _held: ClassVar[dict[str, list[Any]]] = {}  # url -> [session, depth], for this process

    def __init__(self, url: str, what: str = "") -> None:
        self.url = url
        self.what = what
        self._depth_taken = False

    @property
    def path(self) -> str:  # named in messages, as RunLock's file is
        from yigai.store_backends import redact

        return redact(self.url)

    @property
    def held(self) -> bool:
        return self._depth_taken

    def acquire(self, *, wait: bool = False, timeout: float | None = None) -> AdvisoryLock:
        from yigai.store_backends import AdvisoryLockSession

        if self._depth_taken:
            raise RuntimeError(f"{self.path} is already acquired through this object")
        entry = self._held.get(self.url)
        if entry is not None:
            entry[1] += 1
            self._depth_taken = True
            return self
        session = AdvisoryLockSession(self.url, f"{os.getpid()} {self.what}".strip())
        deadline = None if timeout is None else time.monotonic() + timeout
        while not session.try_lock():
            if not wait or (deadline is not None and time.monotonic() >= deadline):
                holder = session.holder()
                session.close()
                raise LockBusy(_busy_message(self.path, holder))
            time.sleep(_POLL_SECONDS)
        self._held[self.url] = [session, 1]
        self._depth_taken = True
        return self

    def release(self) -> None:
        if not self._depth_taken:
            return
        self._depth_taken = False
        entry = self._held[self.url]
        entry[1] -= 1
        if entry[1] == 0:
            del self._held[self.url]
            entry[0].close()

    def __enter__(self) -> AdvisoryLock:
        return self if self._depth_taken else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def store_lock(database: Path | str, what: str = "") -> RunLock | AdvisoryLock:
    """The lock of everything that writes the store ``database``: a file lock beside an SQLite file, an
    advisory lock in a PostgreSQL store (``postgresql://`` URL)."""
    from yigai.store_backends import is_postgres_url

    if is_postgres_url(database):
        return AdvisoryLock(str(database), what)
    database = Path(database)
    return RunLock(database.with_name(database.name + ".lock"), what)


def output_lock(output_dir: Path, what: str = "") -> RunLock:
    """The lock of everything that publishes into ``output_dir`` (its staging trees and spare included)."""
    target = Path(os.path.abspath(output_dir))
    return RunLock(target.with_name(f".{target.name}.lock"), what)


@contextlib.contextmanager
def holding(*locks: RunLock | AdvisoryLock, wait: bool = False) -> Iterator[None]:
    """Hold every lock (in the order given) for the block; raise ``LockBusy`` when one is held elsewhere."""
    with contextlib.ExitStack() as stack:
        for lock in locks:
            lock.acquire(wait=wait)
            stack.callback(lock.release)
        yield


def _busy_message(path: Path | str, holder: str) -> str:
    pid, _, what = holder.partition(" ")
    who = f"pid {pid}" + (f", {what}" if what else "") if pid else "another process"
    return (
        f"locked: {path} is held by {who}; "
        "it is taken over if that process dies (use --wait to wait for it)"
    )


def _read_holder(fd: int) -> str:
    # The holder writes its pid just after it gets the lock: a refusal in between would find the file empty.
    for _attempt in range(40):
        try:
            text = os.pread(fd, 200, 0).decode(errors="replace").strip()
        except OSError:
            return ""
        if text:
            return text
        time.sleep(0.025)
    return ""
