"""``build_site``: readers → ``generate_context`` → generators → one ``SiteWriter`` → ``publish_atomically``."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.context import SiteContext, generate_context
from site_builder.feeds import FeedsGenerator
from site_builder.meta import MetaGenerator
from site_builder.models import read_articles
from site_builder.pages import PageGenerator, make_env
from site_builder.publish import publish_atomically
from site_builder.search import find_pagefind, search_bundle
from site_builder.writer import SiteWriter

if TYPE_CHECKING:
    from yigai.config import Settings
    from yigai.store import Store

logger = logging.getLogger(__name__)

HEALTH_RUNS = 5  # how many recent runs the sources page summarises


@dataclass(frozen=True)
class BuildReport:
    pages_written: int  # files written because they are new or their bytes changed
    files_unchanged: int  # files whose bytes were identical (kept, with their mtime)
    files_total: int
    feeds: int  # feed files (RSS and Atom each count)
    seconds: float
    output_dir: Path
    published: bool = True  # False when nothing changed and the live site was left untouched


def load_context(store: Store, site: dict, settings: Settings | None = None) -> SiteContext:
    """Read the store once: articles (with their syndicated copies), sources, recent runs and source health."""
    articles = read_articles(store.articles())
    runs = store.runs(limit=HEALTH_RUNS)
    run_sources = {int(r["id"]): store.run_sources(int(r["id"])) for r in runs}
    flags = _health_flags(store, settings, runs) if settings is not None else {}
    return generate_context(
        articles, site, sources=store.sources(), runs=runs, run_sources=run_sources, health_flags=flags
    )


def _health_flags(store: Store, settings: Settings, runs: list) -> dict[str, tuple[str, ...]]:
    """The same flags as `yigai status`, judged as of the latest run (not the wall clock: builds stay
    deterministic for a given store)."""
    from datetime import datetime

    from yigai.health import source_health

    as_of = datetime.fromisoformat(runs[0]["started_at"]) if runs else datetime(1970, 1, 1, tzinfo=UTC)
    return {h.source_id: tuple(h.flags) for h in source_health(store, settings, now=as_of)}


def _all_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _remove_leftover_staging(target: Path) -> None:
    # A build killed by SIGKILL cannot clean up after itself; builds never run concurrently (run lock).
    for leftover in target.parent.glob(f".{target.name}.staging-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            logger.info("build: removing leftover staging directory %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def build_site(store: Store, settings: Settings, *, output_dir: Path | None = None) -> BuildReport:
    """Build the whole site from the store and publish it atomically to ``output_dir`` (default: settings)."""
    started = time.monotonic()
    target = Path(output_dir) if output_dir is not None else settings.output_dir
    target = target.absolute()
    site = settings.section("site")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftover_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; a web server must be able to read the site
        ctx = load_context(store, site, settings)
        writer = SiteWriter(staging, previous=target if target.is_dir() else None)
        pagefind = find_pagefind()
        if pagefind is None:
            logger.warning(
                "build: no Pagefind binary (install `pagefind[extended]`); "
                "falling back to the JSON substring search (search-index.json)"
            )
        elif not ctx.articles:
            pagefind = None  # Pagefind refuses to index nothing; an empty JSON index answers "no results"
        pages = PageGenerator(
            make_env(), page_size=int(site.get("page_size") or 30), pagefind=pagefind is not None
        )
        feeds = FeedsGenerator()
        meta = MetaGenerator()
        for generator in (pages, feeds, meta):
            for rel, data in generator.generate_output(ctx):
                writer.write(rel, data)
        if pagefind is not None:
            # Indexes the staged pages, so the index is published in the same atomic swap as they are.
            for rel, data in search_bundle(staging, target, pagefind):
                writer.write(rel, data)
        for rel, data in meta.sitemap_output(ctx, sorted(writer.paths)):
            writer.write(rel, data)
        if target.is_dir():
            for entry in sorted(os.listdir(target)):
                if entry.startswith("."):  # operator files such as .well-known/ or .gitkeep survive builds
                    writer.carry_over(entry)
        previous_files = _all_files(target)
        changed = bool(writer.written) or previous_files != _all_files(staging)
        if changed:
            publish_atomically(staging, target)
        else:
            shutil.rmtree(staging)
            logger.info("build: nothing changed; the published site is left as it is")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report = BuildReport(
        pages_written=len(writer.written),
        files_unchanged=len(writer.unchanged),
        files_total=writer.files_total,
        feeds=feeds.count,
        seconds=round(time.monotonic() - started, 3),
        output_dir=target,
        published=changed,
    )
    logger.info(
        "build: %d files (%d written, %d unchanged, %d feeds) in %.2fs → %s",
        report.files_total,
        report.pages_written,
        report.files_unchanged,
        report.feeds,
        report.seconds,
        target,
    )
    return report
