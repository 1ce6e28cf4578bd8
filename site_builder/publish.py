"""Atomic publication of a finished build.

Design: the target (``output/``) stays a real directory. The finished staging directory (a sibling of the
target, so on the same filesystem) is swapped with it in ONE system call, ``renameat2(RENAME_EXCHANGE)``
(Linux ≥ 3.15): a reader resolving ``output/…`` sees either the whole old site or the whole new one, never a
mix. The old tree then sits at the staging path and is deleted. When there is no target yet, a plain
``rename`` is atomic too. Where RENAME_EXCHANGE is unavailable (non-Linux, or a filesystem without it) we fall
back to two renames (old aside, new in), which leaves a window of a few microseconds without ``output/``; the
fallback is logged.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False when the platform or filesystem cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    rc = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"renameat2({a}, {b}, RENAME_EXCHANGE): {os.strerror(err)}")


def publish_atomically(staging: Path, target: Path, *, keep_old: bool = False) -> Path | None:
    """Replace ``target`` by ``staging`` atomically; ``staging`` is consumed (gone afterwards).

    Both must be on the same filesystem (put the staging directory next to the target). The previous tree
    is deleted, or with ``keep_old`` returned (its path) for the caller to reuse; None when there was none.
    """
    staging, target = Path(staging), Path(target)
    if not staging.is_dir():
        raise FileNotFoundError(f"staging directory {staging} does not exist")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise NotADirectoryError(f"publish target {target} must be a directory (or not exist yet)")
    if not target.exists():
        os.rename(staging, target)
        return None
    if _renameat2_exchange(staging, target):
        old = staging  # now holds the previous site
    else:
        logger.warning("publish: RENAME_EXCHANGE unavailable here; falling back to two renames (brief gap)")
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(old, target)
            raise
    if keep_old:
        return old
    shutil.rmtree(old)
    return None
