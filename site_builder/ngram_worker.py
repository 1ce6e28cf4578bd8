"""The process that indexes search segments beside a first build (``ngram_index.NgramSearch``).

``IndexWorker`` runs ``python -m site_builder.ngram_worker``, which reads segments from its stdin — the store's
path and, per page, (article id, ``SearchDoc`` without its body), pickled and framed by an 8-byte length —
reads the pages' texts from the store (read-only), and answers each segment, in order, with its files
(``ngram_index.segment_files``) on its stdout. Why a plain child process rather than a
``ProcessPoolExecutor``: the executor's workers and its resource tracker outlive a parent killed by SIGKILL
(the cron job's timeout, the out-of-memory killer); this child's stdin is held by the build alone, so it ends
at end of input — when the build closes it or dies, however it dies.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from site_builder.search import close_quietly, pump_to_stdin, stderr_tail

_HEADER = 8  # bytes of big-endian length before each frame
_MAX_FRAME = 1 << 31  # no segment comes near this: a larger length is garbage, not a frame


class SearchIndexWorkerError(RuntimeError):
    """The process indexing segments failed, died or stalled; the build must not publish without its index."""


def worker_command() -> list[str]:
    """The worker's command line (tests replace it to make a worker fail)."""
    return [sys.executable, "-m", "site_builder.ngram_worker"]


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = stream.read(_HEADER)
    if not header:
        return None
    if len(header) < _HEADER:
        raise EOFError("truncated frame header")
    size = int.from_bytes(header, "big")
    if size > _MAX_FRAME:
        raise ValueError(f"not a frame (length {size})")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("truncated frame")
    return data


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(_HEADER, "big") + data


class IndexWorker:
    """``submit`` segments, then take their files with ``result``, in the same order.

    Writing and reading run in threads, so ``submit`` never blocks the build on a full pipe and the child never
    blocks on an unread answer. ``result`` raises ``SearchIndexWorkerError`` when the child reports an error,
    dies, or gives nothing for ``timeout`` seconds. ``close`` ends it normally; ``kill`` at once."""

    def __init__(self, *, timeout: float, scratch: Path | None = None) -> None:
        self.timeout = timeout
        # Closed by kill()/close(), which every path out of this object reaches.
        self._stderr = tempfile.TemporaryFile(dir=scratch, prefix="yigai-index-worker-")  # noqa: SIM115
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self._proc = subprocess.Popen(
                worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
            )
        except OSError as exc:
            self._stderr.close()
            raise SearchIndexWorkerError(f"the search index worker could not start: {exc}") from exc
        self._requests: queue.Queue[bytes | None] = queue.Queue()
        self._answers: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="index-worker-in", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name="index-worker-out", daemon=True)
        self._writer.start()
        self._reader.start()

    def submit(self, segment: tuple[str, Sequence[tuple[str, Any]]]) -> None:
        """(the store's path, [(article id, SearchDoc without its body), …])."""
        self._requests.put(pickle.dumps(segment, protocol=pickle.HIGHEST_PROTOCOL))

    def ready(self) -> bool:
        """Whether ``result`` has an answer (or a failure) to give without waiting."""
        return not self._answers.empty()

    def result(self) -> dict[str, bytes]:
        """The files of the oldest segment submitted and not yet taken."""
        try:
            kind, value = self._answers.get(timeout=self.timeout)
        except queue.Empty:
            raise SearchIndexWorkerError(
                f"the search index worker gave no answer within {self.timeout:g} s"
            ) from None
        if kind == "ok":
            return value
        raise SearchIndexWorkerError(f"the search index worker failed: {value}{stderr_tail(self._stderr)}")

    def close(self) -> None:
        """End the worker after what it was given (its answers must have been taken)."""
        if self._closed:
            return
        self._requests.put(None)
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def kill(self) -> None:
        """Stop the worker now. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._requests.put(None)
        self._writer.join(timeout=5)
        self._reader.join(timeout=5)
        close_quietly(self._proc.stdin, self._proc.stdout)
        self._stderr.close()

    def _write_loop(self) -> None:
        assert self._proc.stdin is not None
        pump_to_stdin(self._requests, self._proc.stdin, _frame)

    def _read_loop(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            while True:
                data = _read_frame(stdout)
                if data is None:
                    break
                self._answers.put(pickle.loads(data))
        except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            self._answers.put(("error", f"unreadable answer ({exc!r})"))
            return
        code = self._proc.wait()
        self._answers.put(("error", f"it ended (exit {code})"))

def main() -> int:
    """The child: segments in on stdin, their files out on stdout, until end of input."""
    from site_builder.models import split_paragraphs
    from site_builder.ngram_index import segment_files, with_body
    from yigai.store import Store

    stores: dict[str, Store] = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        data = _read_frame(stdin)
        if data is None:
            return 0
        try:
            database, pages = pickle.loads(data)
            if database not in stores:
                stores[database] = Store(database, readonly=True)
            store = stores[database]
            docs = [with_body(doc, split_paragraphs(store.article_text(aid) or "")) for aid, doc in pages]
            answer: tuple[str, Any] = ("ok", segment_files(docs))
        except Exception:  # noqa: BLE001 - reported to the build, which fails with it
            answer = ("error", traceback.format_exc(limit=5))
        stdout.write(_frame(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)))
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
