"""A run — the one thing called so: the stages (``yigai.stages``) chained crawl → extract → build under the store
and output locks, recorded as a row of the store's ``runs`` and printed as a report (``yigai run``, ``yigai
crawl``, ``yigai demo``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yigai.config import (
    LOCAL_PREVIEW_URL,
    ConfigError,
    Settings,
    Source,
    placeholder_base_url_warning,
    watch_entries,
)
from yigai.lock import holding, output_lock, store_lock
from yigai.store import BENIGN_ERROR_KINDS, DATABASE_ERRORS, SourceStats, Store, store_unwritable
from yigai.store_backends import is_operational

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1  # the run finished, but some sources or pages failed (reported)
EXIT_USAGE = 2  # bad command line or configuration
EXIT_LOCKED = 3  # another command holds the lock (its pid is named)
EXIT_FAILED = 4  # the run or stage itself failed (one-line reason); the published site was left as it was

DEMO_PORT = 8765  # `yigai demo --port` chooses another

# The error kind of a selected source the crawl did not report on (the crawler could not start, or died).
NOT_CRAWLED = "not_crawled"


def _crawl_with_stats(store: Store, settings: Settings, registry: str, sources: list[Source],
                      args: argparse.Namespace, run_id: int) -> tuple[int, list[dict[str, Any]]]:
    from yigai.stages import run_crawl_stage

    store.upsert_sources(sources, registry=True)
    def pages_this_run() -> int:
        return store.count_pages(run_id=run_id)

    selected = getattr(args, "source", None) or [s.id for s in sources]
    rc = run_crawl_stage(
        settings, registry, sample_web=getattr(args, "sample_web", None), run_id=run_id,
        source_ids=selected, progress_count=pages_this_run if sys.stderr.isatty() else None,
    )
    reported = {r["source_id"] for r in store.run_sources(run_id)}
    for sid in selected:
        if sid not in reported:  # never silently missing from the report
            store.save_source_stats(run_id, sid, SourceStats(errors={NOT_CRAWLED: 1}))
    per_source = [dict(r) for r in store.run_sources(run_id)]
    return rc, per_source


def _source_lines(per_source: list[dict[str, Any]]) -> list[str]:
    lines = [f"  {'source':<16} {'requests':>8} {'new':>5} {'304':>5} {'seconds':>8}  errors"]
    for r in per_source:
        errors = json.loads(r["errors_json"])
        err = ", ".join(f"{k}×{v}" for k, v in sorted(errors.items())) or "-"
        lines.append(
            f"  {r['source_id']:<16} {r['requests']:>8} {r['pages_new']:>5} {r['not_modified']:>5} "
            f"{r['seconds']:>8.1f}  {err}"
        )
    return lines


def _has_real_errors(per_source: list[dict[str, Any]]) -> bool:
    return any(set(json.loads(r["errors_json"])) - BENIGN_ERROR_KINDS for r in per_source)


def _wait(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "wait", False))


def crawl_only(settings: Settings, registry: str, sources: list[Source], args: argparse.Namespace) -> int:
    with holding(store_lock(settings.store, "yigai crawl"), wait=_wait(args)), \
            Store(settings.store) as store:
        store.mark_interrupted_runs()
        run_id = store.start_run("crawl", os.getpid())
        keep_reserve(store)
        with run_row(store, run_id) as stats:
            rc, per_source = _crawl_with_stats(store, settings, registry, sources, args, run_id)
            status = "failed" if rc == 2 else "partial" if _has_real_errors(per_source) else "ok"
            stats.update(summary=f"{sum(r['pages_new'] for r in per_source)} new pages", crawl_exit=rc,
                         status=status)
    print(f"crawl run #{run_id}: {status}; {stats['summary']}")
    print("\n".join(_source_lines(per_source)))
    return EXIT_FAILED if rc == 2 else EXIT_PARTIAL if status == "partial" else EXIT_OK


@contextlib.contextmanager
def run_row(store: Store, run_id: int) -> Iterator[dict[str, Any]]:
    """The run row ends in a final state whatever happens in the block: the status the block puts in the
    stats (``ok``, ``partial``, ``failed``), ``failed`` with the reason when it raises, ``interrupted`` when it
    is stopped (Ctrl-C, SIGTERM). Only a process killed outright leaves it ``running``, and the next run marks
    it ``interrupted``."""
    stats: dict[str, Any] = {}
    try:
        yield stats
    except BaseException as exc:
        stopped = isinstance(exc, (KeyboardInterrupt, SystemExit))
        stats["error"] = failure_reason(exc)
        _finish(store, run_id, "interrupted" if stopped else "failed", stats)
        raise
    _finish(store, run_id, stats.pop("status"), stats)


# Kept beside the store and given up when its disk is full, so that a run can still record how it ended.
RESERVE_BYTES = 1 << 20


def reserve_path(store: Store) -> Path | None:
    """The reserve file beside an SQLite store (None on PostgreSQL: its server keeps its own disk)."""
    return None if store.path is None else store.path.with_name(store.path.name + ".reserve")


def keep_reserve(store: Store) -> None:
    """Make sure the reserve file is there (at the start of a run; quietly not when there is no room)."""
    path = reserve_path(store)
    if path is None:
        return
    if path.is_file() and path.stat().st_size >= RESERVE_BYTES:
        return
    try:
        with open(path, "wb") as fh:
            os.posix_fallocate(fh.fileno(), 0, RESERVE_BYTES)
    except OSError as exc:
        logger.warning("no room for the reserve file %s (%s)", path, exc.strerror)
        path.unlink(missing_ok=True)


def _finish(store: Store, run_id: int, status: str, stats: dict[str, Any]) -> None:
    try:
        store.finish_run(run_id, status, stats)
        return
    except DATABASE_ERRORS as exc:
        reserve = reserve_path(store)
        if not store_unwritable(exc) or reserve is None or not reserve.is_file():
            logger.error("could not record the end of run #%d (%s): %s", run_id, status, exc)
            return
        # The disk is full: give up the reserve to record how the run ended (the next run makes it again).
        logger.error("the disk under the store is full: freeing %s to record the end of the run", reserve)
        reserve.unlink()
    try:
        store.finish_run(run_id, status, stats)
    except DATABASE_ERRORS as exc:
        logger.error("could not record the end of run #%d (%s): %s", run_id, status, exc)


def failure_reason(exc: BaseException) -> str:
    """One line saying what went wrong: for an OS error, what it was and on which file."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    if isinstance(exc, sqlite3.OperationalError):
        return f"SQLite: {exc}"
    if is_operational(exc):
        return f"PostgreSQL: {str(exc).strip()}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def run_once(settings: Settings, registry: str, sources: list[Source], args: argparse.Namespace) -> int:
    """crawl → extract → build, under the store and output locks. The published site changes only if the
    build completes."""
    from yigai.stages import StageFailed, run_build_stage, run_extract_stage

    started = time.monotonic()
    locks = (store_lock(settings.store, "yigai run"), output_lock(settings.output_dir, "yigai run"))
    with holding(*locks, wait=_wait(args)), Store(settings.store) as store:
        interrupted = store.mark_interrupted_runs()
        if interrupted:
            logger.warning("%d earlier run(s) had been interrupted; picking up where they left", interrupted)
        run_id = store.start_run("run", os.getpid())
        keep_reserve(store)
        with run_row(store, run_id) as stats:
            rc, per_source = _crawl_with_stats(store, settings, registry, sources, args, run_id)
            stats["crawl_exit"] = rc
            ext = run_extract_stage(store, settings, progress=sys.stderr.isatty())
            stats["extract"] = ext.to_dict()
            build_failed = False
            try:
                build = run_build_stage(store, settings, allow_shrink=getattr(args, "allow_shrink", False))
                stats["build"] = {
                    "files": build.files_total, "written": build.pages_written,
                    "unchanged": build.files_unchanged, "seconds": round(build.seconds, 3),
                }
            except (StageFailed, OSError, *DATABASE_ERRORS) as exc:  # known: say what, no traceback
                logger.error("build failed: %s; the published site was left as it was", failure_reason(exc))
                stats["build"] = {"error": failure_reason(exc)}
                build_failed = True
            except Exception as exc:  # a bug: the traceback is what a report needs
                logger.exception("build failed; the published site was left as it was")
                stats["build"] = {"error": failure_reason(exc)}
                build_failed = True
            published = store.count_published()
            stats["published_total"] = published
            partial = rc != 0 or ext.failed > 0 or _has_real_errors(per_source)
            status = "failed" if (build_failed or rc == 2) else "partial" if partial else "ok"
            stats["seconds"] = round(time.monotonic() - started, 3)
            stats["summary"] = (
                f"{sum(r['pages_new'] for r in per_source)} new pages, {ext.new} new articles "
                f"({ext.relevant} relevant, {ext.off_topic} off-topic, {ext.duplicates} syndicated copies), "
                f"{published} published"
            )
            stats["status"] = status
    _print_report(run_id, status, stats, per_source, settings)
    if status == "failed":
        return EXIT_FAILED
    return EXIT_PARTIAL if status == "partial" else EXIT_OK


def _print_report(run_id: int, status: str, stats: dict[str, Any], per_source: list[dict[str, Any]],
                  settings: Settings) -> None:
    print(f"run #{run_id}: {status} in {stats['seconds']:.1f}s")
    print("crawl:")
    print("\n".join(_source_lines(per_source)))
    ext = stats["extract"]
    print(
        f"extract: {ext['pages']} pages, {ext['new']} new articles, {ext['changed']} changed, "
        f"{ext['relevant']} relevant, {ext['off_topic']} off-topic, {ext['duplicates']} syndicated copies, "
        f"{ext['failed']} failed"
        + "".join(f", {n} not a page ({kind})" for kind, n in sorted(ext.get("not_pages", {}).items()))
        + (f", {ext['truncated']} cut to the size limit" if ext.get("truncated") else "")
    )
    b = stats.get("build", {})
    if "error" in b:
        print(f"build: FAILED ({b['error']}); the published site was left as it was")
    else:
        print(f"build: {b['files']} files ({b['written']} written, {b['unchanged']} unchanged) in {b['seconds']}s "
              f"-> {settings.output_dir}")
    print(f"published articles: {stats['published_total']}")


# The demo's watchlists when the settings have none (``[[watch]]``: docs/site.md).
DEMO_WATCHES = [
    {"name": "河北 · 医共体", "slug": "hebei-yigongti", "keywords": ["医共体"], "regions": ["河北省"]},
    {"name": "医保支付改革", "slug": "payment", "keywords": ["医保支付", "打包付费", "总额预付", "按病组"]},
]


def demo_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """The demo's settings: its own store and output unless given, its watchlists unless the settings have some,
    and — while ``[site] base_url`` is the placeholder — the local preview's address, so that the demo's feed,
    sitemap and OPML links work there."""
    overrides: dict[str, Any] = {}
    if not getattr(args, "database", None) and not getattr(args, "store", None):
        overrides["database"] = str((Path.cwd() / "var" / "demo.sqlite3").resolve())
        overrides["store_url"] = ""
    if not getattr(args, "output", None) and settings.path is None:
        overrides["output_dir"] = str((Path.cwd() / "output").resolve())
    if not settings.watches:  # the demo site shows what watchlists give
        overrides["watch"] = watch_entries(DEMO_WATCHES, Path("<demo watchlists>"))
    if placeholder_base_url_warning(settings):
        # The demo is published for the local preview (`yigai serve`): its feed links must work there.
        overrides["site"] = {**settings.section("site"), "base_url": LOCAL_PREVIEW_URL}
    if overrides:
        merged = dict(settings.data)
        merged.update(overrides)
        settings = Settings(data=merged, path=settings.path, base_dir=settings.base_dir)
    return settings


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the bundled sample web on loopback and run the whole pipeline against it."""
    from yigai.config import load_registry
    from yigai.sample_web.server import SampleWeb

    settings = demo_settings(settings, args)
    # A fixed port keeps the sample web's URLs (and so article ids) the same from one demo to the next.
    port = int(getattr(args, "port", DEMO_PORT))
    # The locks first (run_once takes them again, at no cost): a refused demo starts no server.
    locks = (store_lock(settings.store, "yigai demo"), output_lock(settings.output_dir, "yigai demo"))
    with holding(*locks, wait=_wait(args)):
        web = SampleWeb(port=port)
        try:
            web.start()
        except OSError as exc:
            raise ConfigError(
                f"cannot serve the sample web on 127.0.0.1:{port} ({exc.strerror}); "
                "stop what uses it or give another with --port"
            ) from None
        try:
            print(f"sample web serving on {web.base_url}")
            args.sample_web = web.base_url
            sources = load_registry("sample", sample_web=web.base_url)
            rc = run_once(settings, "sample", sources, args)
        finally:
            web.stop()
    index = settings.output_dir / "index.html"
    print()
    print(f"The site is in {settings.output_dir}/ — open {index} in a browser,")
    print(f"or preview it with: .venv/bin/yigai serve   (then visit {LOCAL_PREVIEW_URL}; the feeds link there)")
    return rc
