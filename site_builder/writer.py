"""``SiteWriter``: the one place that writes output files, into a staging tree published in one atomic swap.

A nightly build costs what changed, not what exists, because three things are kept between builds: a
**manifest** in every tree (``.yigai-build.tsv``: each file's *key*, a digest of everything it shows, and the
digest of its bytes); the **previous generation** of the site, reused as the next staging tree
(``.<output>.spare``), so only files that differ from it are touched; and the **published tree**, whose
unchanged files are hard-linked (same inode and mtime: rsync/CDN pushes only what changed). A file is never
modified in place (the trees share inodes): it is unlinked and created anew. ``output/`` belongs to the
builder: only top-level dot-entries (``.well-known/``) are carried over as they are.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import shutil
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

MANIFEST_NAME = ".yigai-build.tsv"
MANIFEST_HEADER = "# yigai site manifest v1: path, key, content digest\n"

Entry = tuple[str, str]  # (key, content digest); key is "" for files made without a key


class WriterError(RuntimeError):
    """A generator asked for something the writer refuses: a duplicate path or one outside the root."""


# The paths the generators make (ids, codes, Pagefind's hashed names): checked by one regex; anything else
# goes through the slow, explicit checks below.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
_PLAIN_PATHS = re.compile(r"(?:" + _PLAIN_PATH.pattern + r"\n)*")  # many, each ending with a newline


def check_relative_path(rel: str) -> PurePosixPath:
    """Validate an output path: relative, POSIX, no ``..``/``.``/empty parts, no control characters."""
    if isinstance(rel, str) and _PLAIN_PATH.fullmatch(rel):
        return PurePosixPath(rel)
    if not isinstance(rel, str) or not rel or "\\" in rel or any(ord(c) < 0x20 for c in rel):
        raise WriterError(f"refusing output path {rel!r}")
    p = PurePosixPath(rel)
    if p.is_absolute() or rel.endswith("/") or any(part in ("", ".", "..") for part in rel.split("/")):
        raise WriterError(f"refusing output path {rel!r}: must stay inside the output root")
    if rel == MANIFEST_NAME:
        raise WriterError(f"refusing output path {rel!r}: reserved for the build manifest")
    return p


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_manifest(tree: Path | None) -> dict[str, Entry]:
    """The manifest of a built tree ({} when there is none or it is unreadable: then nothing is trusted)."""
    if tree is None:
        return {}
    try:
        text = (Path(tree) / MANIFEST_NAME).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith(MANIFEST_HEADER):
        return {}
    try:
        # A damaged line (not three fields) fails the unpacking: ValueError.
        lines = text[len(MANIFEST_HEADER) :].splitlines()
        return {path: (key, digest) for path, key, digest in (line.split("\t") for line in lines)}
    except ValueError:
        logger.warning("build manifest of %s is damaged; ignoring it", tree)
        return {}


class SiteWriter:
    """Writes one build into ``root`` (the staging tree, possibly an older generation of the site).

    ``previous`` is the published tree. Call ``finish()`` once everything is emitted: it removes what the
    build no longer makes and writes the manifest."""

    def __init__(self, root: Path, previous: Path | None = None) -> None:
        self.root = Path(root)
        self.previous = Path(previous) if previous is not None and Path(previous).is_dir() else None
        self._root_str = os.fspath(self.root.resolve())
        self.staged = read_manifest(self.root)  # what the staging tree holds now
        self.live = read_manifest(self.previous)
        self.entries: dict[str, Entry] = {}
        self.written: list[str] = []  # differs from the published copy (or is new)
        self.unchanged: list[str] = []  # same bytes as the published copy
        self.rendered = 0  # how many pages and feeds had to be rendered (bytes handed over do not count)
        self._dirs: set[str] = set()  # made (or found) and checked to resolve inside the root
        self._plain_dirs: set[str] = set()  # found to be directories, not links (``keep_staged``)
        self._removed: list[str] = []

    # ------------------------------------------------------------------------------------------ emitting
    def write(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``rel`` (relative to the root). Each path may be written once per build."""
        self.emit(rel, "", data)

    def emit(self, rel: str, key: str, render: Callable[[], bytes] | bytes) -> None:
        """Make ``rel`` from ``render`` (bytes, or a callable giving them) unless a tree already holds the
        file made from ``key``."""
        self._claim(rel)
        staged = self.staged.get(rel)
        live = self.live.get(rel)
        if key:
            if staged is not None and staged[0] == key:
                return self._record(rel, staged, live)
            if live is not None and live[0] == key and self._link_from_live(rel):
                return self._record(rel, live, live)
        if callable(render):
            data = render()
            self.rendered += 1
        else:
            data = render
        if not isinstance(data, bytes):
            raise WriterError(f"{rel}: data must be bytes, got {type(data).__name__}")
        entry = (key, content_digest(data))
        if live is None or live[1] != entry[1] or not self._link_from_live(rel):
            if live is not None and live[1] == entry[1]:
                live = None  # the published copy is missing (removed by hand): publishing puts it back
            if staged is None or staged[1] != entry[1]:  # else the staging tree holds these bytes already
                self._create(rel, data)
        self._record(rel, entry, live)

    def keep_staged(self, keyed: Iterable[tuple[str, str]]) -> set[str]:
        """``emit`` at once for every (path, key) whose file the staging tree holds, made from that key, and
        return those paths: the caller emits the others. On a nightly build that is nearly every page (the
        staging tree is the previous generation), and one call per page cost ~0.5 s at 100,000 articles.
        A path that is unusual, repeated or already emitted is not kept here: ``emit`` checks it (and raises)."""
        staged = self.staged
        matches = [
            (rel, entry) for rel, key in keyed if key and (entry := staged.get(rel)) is not None and entry[0] == key
        ]
        if not matches:
            return set()
        kept = dict(matches)
        # One scan for the whole batch (a path with a newline is never in a manifest, so never kept).
        if not _PLAIN_PATHS.fullmatch("\n".join(kept) + "\n"):
            kept = {rel: entry for rel, entry in kept.items() if _PLAIN_PATH.fullmatch(rel)}
        entries = self.entries
        repeated = {rel for rel in kept if rel in entries} if entries else set()
        if len(kept) < len(matches):  # a path given twice: the second ``emit`` must raise
            repeated |= {rel for rel, n in Counter(rel for rel, _ in matches).items() if n > 1}
        for rel in repeated:
            kept.pop(rel, None)
        # Nothing is written for a kept file, so its directory is not made; but, as for every path, no
        # directory on the way to it may be a symbolic link (one lstat per directory of the batch).
        unsafe = {parent for parent in {rel.rpartition("/")[0] for rel in kept} if not self._plain_dir(parent)}
        if unsafe:
            kept = {rel: entry for rel, entry in kept.items() if rel.rpartition("/")[0] not in unsafe}
        entries.update(kept)
        live, missing = self.live, ("", "")
        same = [live.get(rel, missing)[1] == entry[1] for rel, entry in kept.items()]
        self.unchanged.extend(itertools.compress(kept, same))
        self.written.extend(rel for rel, unchanged in zip(kept, same, strict=True) if not unchanged)
        return set(kept)

    def discard(self, prefix: str) -> None:
        """Delete the staged files under ``prefix`` now (before that shard is indexed again)."""
        for rel in [p for p in self.staged if p.startswith(prefix)]:
            self._unlink(rel)
            del self.staged[rel]
            self._removed.append(rel)

    # ------------------------------------------------------------------------------------------ finishing
    def carry_over(self, name: str) -> None:
        """Keep a top-level entry of the previous output that the build does not make (e.g. ``.well-known``).
        The staging tree's own copy (from an older generation) is replaced by the published one."""
        if name == MANIFEST_NAME or name in self.entries:
            return
        dest = self.root / name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        if self.previous is None:
            return
        src = self.previous / name
        if src.is_symlink():
            return
        if src.is_dir():
            shutil.copytree(src, dest, copy_function=_link_or_copy, symlinks=False)
        elif src.is_file():
            _link_or_copy(str(src), str(dest))

    def finish(self) -> None:
        """Remove what this build no longer makes (and any stray entry) and write the manifest."""
        for rel in set(self.staged) - set(self.entries):
            self._unlink(rel)
            self._removed.append(rel)
        self._remove_empty_dirs()
        lines = [f"{rel}\t{key}\t{digest}\n" for rel, (key, digest) in sorted(self.entries.items())]
        manifest = self.root / MANIFEST_NAME
        if manifest.exists():
            manifest.unlink()
        with open(manifest, "x", encoding="utf-8") as fh:
            fh.write(MANIFEST_HEADER)
            fh.writelines(lines)

    def changed_from_published(self) -> bool:
        """Whether the staging tree differs from the published one (files, bytes)."""
        if self.written:
            return True
        if {k: v[1] for k, v in self.live.items()} != {k: v[1] for k, v in self.entries.items()}:
            return True
        # Something put into output/ by hand (not a dot-entry) is removed by publishing; only the top level
        # is checked, as walking the whole tree would cost what incremental builds save.
        made = {rel.partition("/")[0] for rel in self.entries}
        assert self.previous is not None
        return any(not n.startswith(".") and n not in made for n in os.listdir(self.previous))

    # ------------------------------------------------------------------------------------------ internals
    def _claim(self, rel: str) -> None:
        if not (isinstance(rel, str) and _PLAIN_PATH.fullmatch(rel)):
            check_relative_path(rel)  # raises, or accepts an unusual but safe path
        if rel in self.entries:
            raise WriterError(f"output path written twice: {rel}")
        self.entries[rel] = ("", "")  # placeholder until recorded
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._dirs and not self._safe_dir(parent):
            del self.entries[rel]
            raise WriterError(f"refusing output path {rel!r}: escapes the output root")

    def _plain_dir(self, parent: str) -> bool:
        """Whether ``parent`` and every directory above it (below the root) are real directories, not links."""
        while parent and parent not in self._dirs and parent not in self._plain_dirs:
            try:
                if not stat.S_ISDIR(os.lstat(os.path.join(self._root_str, parent)).st_mode):
                    return False
            except OSError:
                return False
            self._plain_dirs.add(parent)
            parent = parent.rpartition("/")[0]
        return True

    def _safe_dir(self, parent: str) -> bool:
        """Make the directory ``parent`` (relative to the root); False when it resolves outside the root."""
        directory = os.path.join(self._root_str, parent)
        os.makedirs(directory, exist_ok=True)
        # Belt and braces: even a valid-looking path must resolve inside the root (no symlink games).
        if not os.path.realpath(directory).startswith(self._root_str + os.sep):
            return False
        self._dirs.add(parent)
        return True

    def _record(self, rel: str, entry: Entry, live: Entry | None) -> None:
        self.entries[rel] = entry
        if live is not None and live[1] == entry[1]:
            self.unchanged.append(rel)
        else:
            self.written.append(rel)

    def _unlink(self, rel: str) -> None:
        try:
            os.unlink(os.path.join(self._root_str, rel))
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            shutil.rmtree(os.path.join(self._root_str, rel), ignore_errors=True)

    def _create(self, rel: str, data: bytes) -> None:
        dest = os.path.join(self._root_str, rel)
        if rel in self.staged or os.path.lexists(dest):
            self._unlink(rel)  # never write in place: the trees share inodes
        _create_file(dest, data)

    def _link_from_live(self, rel: str) -> bool:
        assert self.previous is not None
        src = os.path.join(os.fspath(self.previous), rel)
        dest = os.path.join(self._root_str, rel)
        self._unlink(rel)
        try:
            os.link(src, dest)
        except FileNotFoundError:
            return False
        except OSError:
            try:
                shutil.copy2(src, dest)  # keeps the mtime where hard links are not possible
            except OSError:
                return False
        return True

    def _remove_empty_dirs(self) -> None:
        # Only where files were removed: walking the whole tree would cost what incremental builds avoid.
        candidates = {rel.rpartition("/")[0] for rel in self._removed}
        for parent in sorted(candidates, key=lambda d: -d.count("/")):
            while parent:
                try:
                    os.rmdir(os.path.join(self._root_str, parent))
                except OSError:
                    break  # not empty (or gone)
                self._dirs.discard(parent)
                parent = parent.rpartition("/")[0]


def _create_file(dest: str, data: bytes) -> None:
    # One thread, on purpose: creating files from a pool of threads (the GIL is released while the file
    # system works) was tried and made full builds slower — each thread waking for the GIL stalls the
    # rendering thread (the GIL's convoy effect): a benchmark run built 10,000 articles in 12.7 s against 7.8 s.
    with open(dest, "xb") as fh:
        fh.write(data)


def _link_or_copy(src: str, dest: str) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
