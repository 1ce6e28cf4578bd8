"""``SiteWriter``: the one place that writes output files.

It writes into a staging directory. A file whose bytes equal the published copy is hard-linked from it instead
of being written, so it keeps its inode and mtime (rsync/CDN pushes only what changed).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)


class WriterError(RuntimeError):
    """A generator asked for something the writer refuses: a duplicate path or one outside the root."""


def check_relative_path(rel: str) -> PurePosixPath:
    """Validate an output path: relative, POSIX, no ``..``/``.``/empty parts, no control characters."""
    if not isinstance(rel, str) or not rel or "\\" in rel or any(ord(c) < 0x20 for c in rel):
        raise WriterError(f"refusing output path {rel!r}")
    p = PurePosixPath(rel)
    if p.is_absolute() or rel.endswith("/") or any(part in ("", ".", "..") for part in rel.split("/")):
        raise WriterError(f"refusing output path {rel!r}: must stay inside the output root")
    return p


class SiteWriter:
    def __init__(self, root: Path, previous: Path | None = None) -> None:
        self.root = Path(root)
        self.previous = Path(previous) if previous is not None and Path(previous).is_dir() else None
        self._root_resolved = self.root.resolve()
        self.paths: set[str] = set()
        self.written: list[str] = []
        self.unchanged: list[str] = []

    def write(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``rel`` (relative to the root). Each path may be written once per build."""
        posix = check_relative_path(rel)
        if rel in self.paths:
            raise WriterError(f"output path written twice: {rel}")
        if not isinstance(data, bytes):
            raise WriterError(f"{rel}: data must be bytes, got {type(data).__name__}")
        dest = self.root.joinpath(*posix.parts)
        # Belt and braces: even a valid-looking path must resolve inside the root (no symlink games).
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.parent.resolve().is_relative_to(self._root_resolved):
            raise WriterError(f"refusing output path {rel!r}: escapes the output root")
        self.paths.add(rel)
        if self._link_unchanged(posix, dest, data):
            self.unchanged.append(rel)
            return
        with open(dest, "xb") as fh:
            fh.write(data)
        self.written.append(rel)

    def _link_unchanged(self, posix: PurePosixPath, dest: Path, data: bytes) -> bool:
        if self.previous is None:
            return False
        old = self.previous.joinpath(*posix.parts)
        try:
            if old.is_symlink() or not old.is_file() or old.stat().st_size != len(data):
                return False
            if old.read_bytes() != data:
                return False
        except OSError:
            return False
        try:
            os.link(old, dest)
        except OSError:
            shutil.copy2(old, dest)  # keeps the mtime where hard links are not possible
        return True

    def carry_over(self, name: str) -> None:
        """Keep a top-level entry of the previous output that the build does not make (e.g. ``.well-known``)."""
        if self.previous is None or name in self.paths:
            return
        src = self.previous / name
        dest = self.root / name
        if src.is_symlink() or dest.exists():
            return
        if src.is_dir():
            shutil.copytree(src, dest, copy_function=_link_or_copy, symlinks=False)
        elif src.is_file():
            _link_or_copy(str(src), str(dest))

    @property
    def files_total(self) -> int:
        return len(self.paths)


def _link_or_copy(src: str, dest: str) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
