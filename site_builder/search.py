"""Full-text search: a Pagefind (extended build) index over the article pages of the staged site.

Pagefind runs at build time, after every page is in the staging directory and before the atomic publish, so the
index always matches the pages it is published with. Its output goes to a scratch directory and then through
the ``SiteWriter`` like every other file (``pagefind/…``): unchanged index files keep their inode and mtime.

Only article pages are indexed (``--glob article/*.html``), and within them only the element marked
``data-pagefind-body`` (the article itself, not the navigation). The extended build is required: it segments
Chinese text into words (the standard build would index whole runs of Han characters as one "word").

Determinism: Pagefind's file names are content hashes, and for the same input pages its output is
byte-identical (checked by ``tests/site_builder/test_site_search.py``) — except for filter files
(``data-pagefind-filter``), whose order changes from run to run (a hash map inside Pagefind 1.5), so the
templates mark no filters. As a second safeguard, and to save the indexing time, the bundle carries
``pagefind/yigai-input.sha256``, a digest of the indexed pages and of Pagefind's version: when the published bundle has
the same digest, its files are reused as they are and Pagefind does not run.

When no Pagefind binary can be found the build does not fail: it logs a warning and falls back to the small
JSON substring index (``search-index.json``, see ``pages.search_index``); ``static/search.js`` handles both.
A binary that exists but fails raises ``SearchIndexError``, which fails the build (the live site is untouched).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

PAGEFIND_DIR = "pagefind"  # where the bundle lives in the output
PAGEFIND_ENV = "YIGAI_PAGEFIND"  # a path to the binary, or "none" to force the JSON fallback
INDEXED_GLOB = "article/*.html"
INPUT_DIGEST = "yigai-input.sha256"  # in the bundle: what it was built from
TIMEOUT_SECONDS = 600
_PR_SET_PDEATHSIG = 1
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


def _die_with_parent() -> None:
    """In the child before exec: on Linux, be killed when the build process dies (a SIGKILLed nightly run
    must not leave Pagefind running). Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def pagefind_bundle(site_dir: Path, binary: Path) -> Iterator[tuple[str, bytes]]:
    """Index the article pages under ``site_dir``; yield (``pagefind/<file>``, bytes), sorted by path."""
    site_dir = Path(site_dir).absolute()
    # Scratch space next to the staging directory (``.output.staging-XXXX-pagefind-YYYY``): if the build is
    # killed, the next build's clean-up of leftover staging directories removes it too.
    with tempfile.TemporaryDirectory(prefix=f"{site_dir.name}-pagefind-", dir=site_dir.parent) as scratch:
        bundle = Path(scratch) / "bundle"
        # A clean environment and working directory: Pagefind reads PAGEFIND_* variables and a
        # pagefind.{yml,toml,json} from its working directory, neither of which may change our index.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        command = [
            str(binary),
            "--site",
            str(site_dir),
            "--output-path",
            str(bundle),
            "--glob",
            INDEXED_GLOB,
            "--force-language",
            "zh",  # every page is zh-CN; one language means one index
            "--quiet",
        ]
        try:
            done = subprocess.run(
                command,
                cwd=scratch,
                env=env,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                preexec_fn=_die_with_parent,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchIndexError(f"pagefind could not run ({binary}): {exc}") from exc
        output = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
        if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
            raise SearchIndexError(f"pagefind failed (exit {done.returncode}): {output[-2000:]}")
        if output:
            logger.debug("pagefind: %s", output)
        for file in sorted(bundle.rglob("*")):
            if file.is_file() and not file.name.startswith(_UNUSED_PREFIXES):
                yield f"{PAGEFIND_DIR}/{file.relative_to(bundle).as_posix()}", file.read_bytes()


def pagefind_version(binary: Path) -> str:
    """``pagefind 1.5.2``: which Pagefind made an index (part of the input digest)."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SearchIndexError(f"pagefind could not run ({binary}): {exc}") from exc
    return done.stdout.decode("utf-8", "replace").strip()


def input_digest(site_dir: Path, version: str) -> str:
    """SHA-256 over the Pagefind version and the pages it would index (path and bytes, sorted)."""
    digest = hashlib.sha256()
    digest.update(version.encode("utf-8") + b"\n")
    for page in sorted(Path(site_dir).glob(INDEXED_GLOB)):
        name = page.relative_to(site_dir).as_posix().encode()
        data = page.read_bytes()
        digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
        digest.update(data)
    return digest.hexdigest()


def _previous_bundle(published: Path, digest: str) -> list[tuple[str, bytes]] | None:
    """The published bundle's files when it was built from exactly these inputs, else None."""
    bundle = Path(published) / PAGEFIND_DIR
    try:
        if (bundle / INPUT_DIGEST).read_text("ascii").strip() != digest:
            return None
        files = sorted(p for p in bundle.rglob("*") if p.is_file() and p.name != INPUT_DIGEST)
        if any(p.is_symlink() for p in files) or not (bundle / "pagefind.js").is_file():
            return None
        return [(f"{PAGEFIND_DIR}/{p.relative_to(bundle).as_posix()}", p.read_bytes()) for p in files]
    except (OSError, UnicodeDecodeError):
        return None


def search_bundle(site_dir: Path, published: Path, binary: Path) -> Iterator[tuple[str, bytes]]:
    """The ``pagefind/`` files for the staged site ``site_dir``: reused from the ``published`` site when its
    index was built from the same pages by the same Pagefind version, else freshly built."""
    digest = input_digest(site_dir, pagefind_version(binary))
    files = _previous_bundle(published, digest)
    if files is None:
        files = list(pagefind_bundle(site_dir, binary))
        logger.info("search: Pagefind indexed the article pages (%d index files)", len(files))
    else:
        logger.info("search: article pages unchanged; the published Pagefind index is kept")
    yield from files
    yield f"{PAGEFIND_DIR}/{INPUT_DIGEST}", (digest + "\n").encode("ascii")
