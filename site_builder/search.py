"""Full-text search with Pagefind (extended build): indexes over the article pages, in shards.

**Sharded index (``ShardIndexer``).** The article pages, oldest first, are cut into shards of ``SHARD_SIZE``
consecutive pages (``plan_shards``); each shard is one self-contained Pagefind bundle, ``pagefind/s0001/``,
``pagefind/s0002/``, …, written by its own Pagefind process in service mode (``pagefind_extended --service``)
that the build feeds from memory while it renders: ``ShardIndexer.add`` only queues the page, a writer thread
pipes it to Pagefind, and Pagefind segments and indexes it in its own process while Python renders the next
pages. ``pagefind/shards.json`` (``write_shard_list``) lists the bundles newest first; ``static/search.js``
imports the newest and merges the others into it (Pagefind's ``mergeIndex``). Because shards are ordinal
chunks from the oldest page, adding newer articles changes only the last shard (or appends one), and a
shard's ``key`` — a digest of its pages and of Pagefind's version — tells an incremental build which shards
it can keep as they are and which it must re-index.

Why these bounds: Pagefind's zh mode costs ~1.2 ms of CPU and ~0.2 MB of memory per page, all of it held until
the bundle is written. One process over 100,000 pages takes 13+ GB; a 2,000-page shard ~0.4 GB of page data
(measured peak RSS: see ``SHARD_SIZE``), and at most two shard processes are alive at once (one being fed, the
previous one writing its bundle), so the build's memory does not grow with the archive.

Determinism: for the same pages *added in the same order* a shard's bundle is byte-identical (Pagefind
numbers pages in the order it receives them; its file names are content hashes). Callers add a shard's pages in
``Shard.article_ids`` order. The templates mark no ``data-pagefind-filter`` (Pagefind 1.5 writes filter files
in hash-map order).

Searching shards is not quite searching one index: Pagefind ignores a query word that its index does not hold
at all (and falls back to a shorter indexed word that is a prefix of it), so a shard lacking one word answers
with the pages that have the others. ``static/search.js`` keeps only the pages that every word found anywhere
on the site matches (one single-word search per word, results intersected by page), which removes the ignored-
word floods; the prefix fallback can still add a few weaker matches from shards lacking the full word.

Only the ``data-pagefind-body`` element of a page is indexed (the article, not the navigation). The extended
build is required: it segments Chinese text into words (the standard build would index whole runs of Han
characters as one "word").

Used when ``[site] search_engine = "pagefind"``; the default is the site's own index (``ngram_index``). When no
Pagefind binary can be found the build does not fail: it logs a warning and builds the n-gram index instead;
``static/search.js`` handles both.
A binary that exists but fails, crashes, stalls or answers with an error raises ``SearchIndexError``, which
fails the build (the live site is untouched).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from site_builder.writer import Entry

logger = logging.getLogger(__name__)

PAGEFIND_DIR = "pagefind"  # where the bundle(s) live in the output
PAGEFIND_ENV = "YIGAI_PAGEFIND"  # a path to the binary, or "none" to force the JSON fallback
SHARDS_FILE = "shards.json"  # pagefind/shards.json: the shard bundles, newest first (static/search.js)
# 2,000 pages per shard: Pagefind's zh mode holds ~0.2 MB per page until the bundle is written (measured peak
# RSS of one shard process: ~450 MB for 2,000 real article pages), and two shard processes may be alive at once
# (one being fed while the previous one writes), so indexing stays under ~1 GB however large the archive; a
# shard takes ~4 s of Pagefind CPU. Smaller shards would mean more bundles for the browser to merge per query.
SHARD_SIZE = 2000
# A stalled Pagefind: no input accepted, no reply, or the bundle not written for this long.
SHARD_TIMEOUT_SECONDS = 300.0
_SHARD_FORMAT = "yigai-shard-1 force_language=zh"  # in every shard key: change it with the config
_SHARD_NAME = re.compile(r"s(\d{4,})")
# Pages queued for the writer thread (beyond the pipe's buffer) before add() waits for Pagefind.
_QUEUE_DEPTH = 32
# Pagefind's ready-made UIs; the site uses the JS API (static/search.js), so these are not published.
_UNUSED_PREFIXES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


class SearchIndexError(RuntimeError):
    """Pagefind was found but failed; the build must not publish a site without its index."""


def find_pagefind() -> Path | None:
    """The Pagefind *extended* binary: ``$YIGAI_PAGEFIND``, else the one the ``pagefind[extended]`` wheel
    ships, else ``pagefind_extended`` on PATH. None when there is none (or ``YIGAI_PAGEFIND=none``)."""
    configured = os.environ.get(PAGEFIND_ENV, "").strip()
    if configured:
        if configured.lower() == "none":
            return None
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise SearchIndexError(f"{PAGEFIND_ENV}={configured!r} is not an executable file")
        return path
    try:
        from pagefind_bin_extended import get_executable  # the wheel of `pagefind[extended]`

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("pagefind_extended")
    return Path(found) if found else None


def _clean_env() -> dict[str, str]:
    # The Pagefind CLI reads PAGEFIND_* variables and a pagefind.{yml,toml,json} from its working directory;
    # service mode (1.5) takes its configuration from NewIndex only, and the clean environment and scratch cwd
    # keep it that way should that change.
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}


def pagefind_version(binary: Path) -> str:
    """``pagefind 1.5.2``: which Pagefind made an index (part of every shard key)."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SearchIndexError(f"pagefind could not run ({binary}): {exc}") from exc
    return done.stdout.decode("utf-8", "replace").strip()


# --- shards -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    """One Pagefind bundle, ``pagefind/<name>/``: consecutive article pages, oldest first."""

    name: str  # "s0001" is the oldest; the ordinal is stable as long as older pages stay
    article_ids: tuple[str, ...]  # in the order their pages must be added to the index
    key: str  # sha256 hex of the pages (id, page key) and of the Pagefind version: equal key, equal bundle


def plan_shards(
    pages: Sequence[tuple[str, str]], size: int = SHARD_SIZE, version: str | None = None
) -> list[Shard]:
    """Cut ``pages`` — (article id, page key), OLDEST FIRST — into shards of ``size`` from the oldest.

    The page key is whatever changes when the indexed page changes (e.g. a digest of its HTML); ``version``
    (required; positional or keyword) is ``pagefind_version(binary)``. Appending newer pages changes only the
    last shard (or appends shards); changing one page changes only its shard's key. Inserting or removing an
    *older* page shifts every later shard (all of them are indexed again), so order by something that only
    grows (first-seen order) rather than by a publication date that a backfill can put in the past."""
    if version is None:
        raise TypeError("plan_shards() needs the Pagefind version (pagefind_version(binary))")
    if size < 1:
        raise ValueError(f"shard size must be at least 1, not {size}")
    seen: set[str] = set()
    for article_id, _ in pages:
        if article_id in seen:
            raise ValueError(f"article {article_id!r} is listed twice")
        seen.add(article_id)
    shards = []
    for number, start in enumerate(range(0, len(pages), size), start=1):
        chunk = pages[start : start + size]
        digest = hashlib.sha256()
        for part in (_SHARD_FORMAT, version):
            _digest_field(digest, part)
        for article_id, page_key in chunk:
            _digest_field(digest, article_id)
            _digest_field(digest, page_key)
        shards.append(Shard(f"s{number:04d}", tuple(a for a, _ in chunk), digest.hexdigest()))
    return shards


def kept_bundles(
    staged: dict[str, Entry], live: dict[str, Entry], directory: str, shards: Sequence[Shard]
) -> list[dict[str, Entry] | None]:
    """For each shard (or n-gram segment), its files under ``<directory>/<name>/`` in the staging tree's
    manifest (``staged``), else in the published one's (``live``), when every one was made from the shard's key:
    the build keeps them as they are. None: the shard is indexed again. Decided before anything is written."""
    groups: list[dict[str, dict[str, Entry]]] = []
    prefix = directory + "/"
    for manifest in (staged, live):
        by_name: dict[str, dict[str, Entry]] = {}
        for rel, entry in manifest.items():
            if rel.startswith(prefix):
                name, sep, _rest = rel[len(prefix) :].partition("/")
                if sep:
                    by_name.setdefault(name, {})[rel] = entry
        groups.append(by_name)
    kept: list[dict[str, Entry] | None] = []
    for shard in shards:
        found = None
        for by_name in groups:
            group = by_name.get(shard.name)
            if group and all(entry[0] == shard.key for entry in group.values()):
                found = group
                break
        kept.append(found)
    return kept


def stderr_tail(file: IO[bytes]) -> str:
    """``": <the last 2,000 bytes>"`` of a child's stderr file, or "" (for error messages)."""
    try:
        # pread: the child shares the file's offset, which must not move under it.
        fd = file.fileno()
        size = os.fstat(fd).st_size
        text = os.pread(fd, 2000, max(size - 2000, 0)).decode("utf-8", "replace").strip()
    except (OSError, ValueError):
        return ""
    return f": {text}" if text else ""


def pump_to_stdin(
    requests: queue.Queue, stdin: IO[bytes], encode: Callable[[Any], bytes] = lambda item: item
) -> None:
    """Write ``encode(item)`` for each item of ``requests`` to a child's ``stdin`` until a ``None`` arrives,
    then close it (the child sees its end of input). Once the pipe breaks (the child is gone) the rest is
    drained and dropped, so whoever puts items never blocks on a dead child; its reader reports how it ended."""
    broken = False
    while True:
        item = requests.get()
        if item is None:
            break
        if broken:
            continue
        try:
            stdin.write(encode(item))
            stdin.flush()
        except (OSError, ValueError):
            broken = True
    close_quietly(stdin)


def close_quietly(*streams: IO[bytes] | None) -> None:
    """Close a child's pipes, ignoring that one is gone already."""
    for stream in streams:
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass


def _digest_field(digest: Any, text: str) -> None:
    data = text.encode("utf-8")
    digest.update(b"%d:" % len(data) + data)


def _ordinal(name: str) -> int:
    match = _SHARD_NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"not a shard name: {name!r}")
    return int(match.group(1))


def write_shard_list(shards: Sequence[Shard]) -> tuple[str, bytes]:
    """(``pagefind/shards.json``, bytes): the shard bundle directories, newest first (``["s0046/", …]``),
    relative to ``pagefind/``. ``static/search.js`` imports the first and merges the others."""
    names = sorted((s.name for s in shards), key=_ordinal, reverse=True)
    if len(set(names)) != len(names):
        raise ValueError("two shards have the same name")
    return f"{PAGEFIND_DIR}/{SHARDS_FILE}", (json.dumps([f"{n}/" for n in names]) + "\n").encode("ascii")


def _peak_rss(pid: int) -> int | None:
    """The process's peak resident set size in bytes (Linux: VmHWM), or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class ShardIndexer:
    """One Pagefind service process that indexes one shard, fed page by page while the build renders; the
    bundle is written into ``out_dir`` (which must hold no files: directories are fine).

    ::

        with ShardIndexer(binary, scratch / shard.name, scratch=scratch) as indexer:
            for article_id in shard.article_ids:
                indexer.add(f"/article/{article_id}.html", html_bytes)
            indexer.finish()       # Pagefind builds the bundle while the build goes on
            ...                    # e.g. render and feed the next shard's pages to another ShardIndexer
            names = indexer.wait() # the bundle's files, relative to out_dir, sorted

    ``add`` queues the request and returns; a writer thread pipes it to Pagefind (so the pipe never blocks the
    build unless ``_QUEUE_DEPTH`` pages are waiting) and a reader thread drains Pagefind's replies (so Pagefind
    never blocks on a full stdout pipe). Every reply is checked: an error reply, a crash, garbage on stdout or
    ``timeout`` seconds without progress raises ``SearchIndexError`` — from the next ``add``, ``finish`` or
    ``wait`` — instead of hanging. Leaving the ``with`` block (or ``close()``) kills a still running Pagefind.

    ``url`` is the page's site-root-relative URL with a leading slash (``/article/<id>.html``): Pagefind
    returns it as the result's URL and ``static/search.js`` turns it into a link relative to the search page.
    """

    def __init__(self, binary: Path, out_dir: Path, *, scratch: Path, timeout: float = SHARD_TIMEOUT_SECONDS):
        self.out_dir = Path(out_dir).absolute()
        self.timeout = float(timeout)
        self.pages = 0  # pages added
        self.peak_rss: int | None = None  # Pagefind's peak RSS in bytes, known after wait() (Linux)
        self.seconds = 0.0  # from start to the bundle written, known after wait()
        if self.out_dir.is_dir() and any(not p.is_dir() for p in self.out_dir.rglob("*")):
            # Nothing clears the directory: old files would be published with the new.
            raise ValueError(f"the shard's output directory holds files: {self.out_dir}")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(scratch).absolute()
        scratch.mkdir(parents=True, exist_ok=True)
        self._started = time.monotonic()
        self._cond = threading.Condition()
        self._pending: dict[int, str] = {}  # message id -> what it was (a URL, "NewIndex", "GetFiles")
        self._awaited: set[int] = set()  # message ids whose reply a caller waits for
        self._replies: dict[int, dict[str, Any]] = {}
        self._indexed = 0
        self._failure: str | None = None
        self._closing = False  # stdin is closed on purpose: an exit is expected
        self._closed = False
        self._next_id = 0
        self._write_id: int | None = None
        self._deadline = 0.0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
        # Closed by close(), which every path out of this object reaches.
        self._stderr = tempfile.TemporaryFile(dir=scratch, prefix="pagefind-stderr-")  # noqa: SIM115
        # No preexec_fn: without one, subprocess spawns with vfork/posix_spawn instead of fork, which would copy
        # the page tables of a build process holding ~1 GB, 50-odd times a build (and, until exec, look like a
        # second copy of it to anything summing memory). Pagefind's service ends when its stdin closes, which
        # the kernel does when this process dies however it dies (close_fds keeps the pipe out of other
        # children), so a killed build leaves no Pagefind behind (tested).
        try:
            self._proc = subprocess.Popen(
                [str(binary), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                cwd=scratch,
                env=_clean_env(),
            )
        except OSError as exc:
            self._stderr.close()
            self._closed = True
            raise SearchIndexError(f"pagefind could not run ({binary}): {exc}") from exc
        self.pid = self._proc.pid
        self._reader = threading.Thread(target=self._read_loop, name=f"pagefind-{self.pid}-out", daemon=True)
        self._writer = threading.Thread(target=self._write_loop, name=f"pagefind-{self.pid}-in", daemon=True)
        self._reader.start()
        self._writer.start()
        try:
            reply = self._await(
                self._send(
                    {"type": "NewIndex", "config": {"force_language": "zh"}}, "NewIndex", awaited=True
                ),
                time.monotonic() + self.timeout,
            )
            self._index_id = reply["index_id"]
        except BaseException:
            self.close()
            raise

    # --- the caller's side ---

    def add(self, url: str, html: bytes | str) -> None:
        """Queue one page for indexing (returns at once unless Pagefind is ``_QUEUE_DEPTH`` pages behind)."""
        if self._write_id is not None:
            raise RuntimeError("add() after finish()")
        if not url.startswith("/"):
            raise ValueError(f"page URLs are site-root-relative with a leading slash, not {url!r}")
        text = html.decode("utf-8") if isinstance(html, bytes) else html
        self._send({"type": "AddFile", "index_id": self._index_id, "url": url, "file_contents": text}, url)
        self.pages += 1

    def finish(self) -> None:
        """Ask Pagefind for the bundle; returns at once (Pagefind builds it while the build goes on, ``wait``
        collects it).

        GetFiles, not WriteFiles: Pagefind 1.5 answers WriteFiles before its (tokio) file writes are done, and
        it exits at once when its input closes, so files were found truncated or empty when the machine was
        busy. GetFiles returns the same bytes in the reply, and this class writes them."""
        if self._write_id is not None:
            return
        self._write_id = self._send(
            {"type": "GetFiles", "index_id": self._index_id}, "GetFiles", awaited=True
        )
        self._deadline = time.monotonic() + self.timeout

    def ready(self) -> bool:
        """True once ``finish`` was called and the bundle has arrived (or Pagefind failed): ``wait`` will not
        block on Pagefind then."""
        with self._cond:
            return self._write_id is not None and (self._write_id in self._replies or bool(self._failure))

    def wait(self) -> list[str]:
        """Block until Pagefind has built the bundle and exited, write it into ``out_dir``, and return its files
        relative to ``out_dir``, sorted (Pagefind's ready-made UI files are neither written nor listed)."""
        bundle = self.bundle()
        for folder in sorted({(self.out_dir / rel).parent for rel in bundle}):
            folder.mkdir(parents=True, exist_ok=True)
        for rel, data in bundle.items():
            with open(self.out_dir / rel, "wb") as out:
                out.write(data)
        return sorted(bundle)

    def bundle(self) -> dict[str, bytes]:
        """Block until Pagefind has built the bundle and exited; return its files (path relative to ``out_dir``
        → bytes) without writing them (the site build hands them to its writer)."""
        try:
            self.finish()
            assert self._write_id is not None
            reply = self._await(self._write_id, self._deadline)
            self.peak_rss = _peak_rss(self.pid)
            with self._cond:
                self._closing = True
            self._put(None)  # the writer closes stdin; Pagefind exits on end of input
            try:
                code = self._proc.wait(timeout=max(self._deadline - time.monotonic(), 5.0))
            except subprocess.TimeoutExpired:
                self._fail("pagefind did not exit after building the index")
                self._raise()
            self._reader.join(timeout=5)
            with self._cond:
                if self._failure:
                    self._raise()
                if code != 0:
                    self._fail(f"pagefind exited with code {code} after building the index")
                    self._raise()
                if self._pending or self._indexed != self.pages:
                    self._fail(f"pagefind answered {self._indexed} of {self.pages} pages")
                    self._raise()
        except BaseException:
            self.close()
            raise
        self.close()
        files = self._decode_bundle(reply.get("files"))
        self.seconds = time.monotonic() - self._started
        return files

    def close(self) -> None:
        """Kill Pagefind if it still runs and stop the threads. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        with self._cond:
            self._closing = True
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        try:
            self._queue.put(None, timeout=5)  # the writer drains what is left once its pipe is broken
        except queue.Full:
            pass
        self._writer.join(timeout=5)
        self._reader.join(timeout=5)
        close_quietly(self._proc.stdout, self._proc.stdin)
        self._stderr.close()

    def __enter__(self) -> ShardIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ---

    def _decode_bundle(self, files: object) -> dict[str, bytes]:
        bundle: dict[str, bytes] = {}
        try:
            for file in files:  # type: ignore[attr-defined]
                rel = str(file["path"])
                parts = rel.split("/")
                if rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
                    raise SearchIndexError(f"pagefind returned a file outside its bundle: {rel!r}")
                if len(parts) == 1 and rel.startswith(_UNUSED_PREFIXES):
                    continue
                bundle[rel] = base64.b64decode(file["content"], validate=True)
        except (TypeError, KeyError, ValueError, binascii.Error) as exc:
            raise SearchIndexError(f"pagefind returned an unreadable bundle: {exc!r}") from exc
        if "pagefind.js" not in bundle or "pagefind-entry.json" not in bundle:
            raise SearchIndexError(f"pagefind returned no complete bundle: {sorted(bundle)[:10]}")
        return bundle

    def _send(self, payload: dict[str, Any], what: str, *, awaited: bool = False) -> int:
        with self._cond:
            if self._failure:
                self._raise()
            self._next_id += 1
            message_id = self._next_id
            self._pending[message_id] = what
            if awaited:
                self._awaited.add(message_id)
        request = json.dumps({"message_id": message_id, "payload": payload}, ensure_ascii=False)
        self._put(base64.b64encode(request.encode("utf-8")) + b",")
        return message_id

    def _put(self, item: bytes | None) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._queue.put(item, timeout=min(0.2, max(deadline - time.monotonic(), 0.001)))
                return
            except queue.Full:
                with self._cond:
                    if self._failure:
                        self._raise()
                if time.monotonic() >= deadline:
                    self._fail(f"pagefind accepted no input for {self.timeout:g} s")
                    self._raise()

    def _await(self, message_id: int, deadline: float) -> dict[str, Any]:
        with self._cond:
            while message_id not in self._replies:
                if self._failure:
                    self._raise()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = self._pending.get(message_id, "a request")
                    self._fail(f"pagefind did not answer {what} within {self.timeout:g} s")
                    self._raise()
                self._cond.wait(remaining)
            return self._replies.pop(message_id)

    def _fail(self, message: str) -> None:
        with self._cond:
            if self._failure is None:
                self._failure = message
            self._cond.notify_all()

    def _raise(self) -> None:
        raise SearchIndexError(f"{self._failure}{stderr_tail(self._stderr)}")


    def _write_loop(self) -> None:
        # Pagefind gone (the reader reports how it ended) or no longer reading (the timeouts catch it):
        # the rest is drained, so add() never waits on a dead pipe.
        assert self._proc.stdin is not None
        pump_to_stdin(self._queue, self._proc.stdin)

    def _read_loop(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        buffer = bytearray()
        try:
            while True:
                chunk = stdout.read1(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                if b"," not in chunk:
                    continue
                *messages, rest = bytes(buffer).split(b",")
                buffer = bytearray(rest)
                for message in messages:
                    if message:
                        self._receive(message)
        except (OSError, ValueError):
            pass  # stdout closed by close()
        with self._cond:
            expected = self._closing
        if not expected:
            try:
                code: int | None = self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            self._fail(f"pagefind stopped unexpectedly (exit {code})")

    def _receive(self, raw: bytes) -> None:
        try:
            message = json.loads(base64.b64decode(raw, validate=True))
        except (ValueError, binascii.Error):
            self._fail(f"pagefind sent an unreadable reply: {raw[:80]!r}")
            return
        if not isinstance(message, dict):
            return  # Pagefind 1.5 writes `null` replies while it panics; the exit is reported instead
        payload = message.get("payload") if isinstance(message.get("payload"), dict) else {}
        message_id = message.get("message_id")
        with self._cond:
            what = self._pending.pop(message_id, None) if isinstance(message_id, int) else None
            if payload.get("type") == "Error":
                self._fail(f"pagefind failed on {what or 'a request'}: {payload.get('message')}")
            elif message_id in self._awaited:
                self._awaited.discard(message_id)
                self._replies[message_id] = payload
            elif payload.get("type") == "IndexedFile":
                self._indexed += 1
            self._cond.notify_all()
