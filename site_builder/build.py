"""``build_site``: readers → ``generate_context`` → generators → one ``SiteWriter`` → ``publish_atomically``."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder import paths
from site_builder.context import SiteContext, generate_context
from site_builder.delta import DeltaPlan, DeltaUnavailable, plan_delta
from site_builder.delta_state import (
    STATE_FORMAT,
    StateWriter,
    manifest_digest,
    read_meta,
    remove_leftover_state,
    remove_state,
    state_path,
)
from site_builder.delta_state import connect as connect_state
from site_builder.feeds import FeedsGenerator
from site_builder.memo import RecentMemo
from site_builder.meta import MetaGenerator
from site_builder.models import Article, short_hash, split_paragraphs
from site_builder.ngram_index import INDEX_DIR, NgramSearch, bodiless_doc, search_doc
from site_builder.pages import TEMPLATES_DIR, PageGenerator, make_env
from site_builder.publish import publish_atomically
from site_builder.row_cache import StoreArticles, cache_path
from site_builder.row_cache import code_digest as row_code_digest
from site_builder.search import SHARD_SIZE, find_pagefind
from site_builder.writer import MANIFEST_NAME, PublishedFileMissing, SiteWriter
from yigai.lock import output_lock

if TYPE_CHECKING:
    from site_builder.search_shards import ShardedSearch
    from yigai.config import Settings
    from yigai.store import Store

logger = logging.getLogger(__name__)

HEALTH_RUNS = 5  # how many recent runs the sources page summarises
BUILD_FORMAT = "yigai-site-2"  # bump to force every page to be rendered again


@dataclass(frozen=True)
class BuildReport:
    pages_written: int  # files written because they are new or their bytes changed
    files_unchanged: int  # files whose bytes were identical (kept, with their mtime)
    files_total: int
    feeds: int  # feed files (RSS and Atom each count)
    seconds: float
    output_dir: Path
    published: bool = True  # False when nothing changed and the live site was left untouched
    rendered: int = 0  # pages and feeds rendered (the rest were unchanged inputs and not rendered at all)
    search_segments: int = 0  # search index segments (Pagefind: shards) the site has …
    search_indexed: int = 0  # … and how many of them this build indexed (the others were kept)
    mode: str = "full"  # "delta": built from the rows changed since the published site (``delta``)
    rows_changed: int | None = None  # store rows changed since the published site (delta builds)


def _pagefind_binary(site: dict) -> Path | None:
    """The Pagefind binary when ``[site] search_engine = "pagefind"`` and one is installed, else None (the
    site's own n-gram index is built)."""
    if str(site.get("search_engine") or "ngram") != "pagefind":
        return None
    binary = find_pagefind()
    if binary is None:
        logger.warning(
            "build: search_engine = \"pagefind\" but no Pagefind binary (install `pagefind[extended]`); "
            "building the site's own n-gram search index instead"
        )
    return binary


def _recent_text_memo(store: Store) -> Callable[[Article], Article]:
    """``with_text``: the article with its paragraphs loaded from the store. The last few are remembered
    (``RecentMemo``): the search index takes the text of the page just rendered, and a night's new stories,
    each in a dozen feeds (everything, its regions, its topics), are read once rather than once per feed."""
    memo = RecentMemo(lambda art: replace(art, paragraphs=split_paragraphs(store.article_text(art.id) or "")))

    def with_text(art: Article) -> Article:
        return art if art.paragraphs else memo.get(art.id, art)

    return with_text


def load_context(
    store: Store, site: dict, settings: Settings | None = None, *, reader: StoreArticles | None = None
) -> SiteContext:
    """Read the store once: articles (with their syndicated copies, without their texts: pages load those
    when they are rendered), sources, recent runs and source health."""
    articles = (reader or StoreArticles(None)).read(store)
    return generate_context(articles, site, **store_extras(store, settings))


def store_extras(store: Store, settings: Settings | None) -> dict:
    """What the sources page shows besides the articles: sources, recent runs and their health flags."""
    runs = store.runs(limit=HEALTH_RUNS)
    return {
        "sources": store.sources(),
        "runs": runs,
        "run_sources": {int(r["id"]): store.run_sources(int(r["id"])) for r in runs},
        "health_flags": _health_flags(store, settings, runs) if settings is not None else {},
    }


def _health_flags(store: Store, settings: Settings, runs: list) -> dict[str, tuple[str, ...]]:
    """The same flags as `yigai status`, judged as of the latest run (not the wall clock: builds stay
    deterministic for a given store)."""
    from datetime import datetime

    from yigai.health import source_health

    as_of = datetime.fromisoformat(runs[0]["started_at"]) if runs else datetime(1970, 1, 1, tzinfo=UTC)
    return {h.source_id: tuple(h.flags_zh) for h in source_health(store, settings, now=as_of)}


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Read the context without the cyclic garbage collector, then freeze what was read for the build.

    Reading 100,000 articles makes millions of objects that live as long as the build; each full collection
    walks all of them, and allocation triggers collections: at 100,000 articles the collector cost more than
    the reading itself. Frozen objects are skipped by every later collection; ``collector_restored`` unfreezes
    them (back to the collector) when the build ends, so a long-running process (the scheduler) frees them as
    usual. The article pages' jobs (a key and a render callable for each of 100,000 pages) are made the same
    way: the collections their making would trigger each walked every job made so far (~0.6 s a build)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def collector_restored() -> Iterator[None]:
    """Whatever happens in the build, unfreeze what ``long_lived_objects`` froze when it ends."""
    try:
        yield
    finally:
        gc.unfreeze()


def build_key(site: dict) -> str:
    """What every page depends on besides its own data: the site settings, the templates and static files,
    and the site builder's code. A change to any of them re-renders every page (once)."""
    parts: list[str] = [BUILD_FORMAT, json.dumps(site, sort_keys=True, ensure_ascii=False, default=str)]
    code_dir = Path(__file__).resolve().parent
    for directory, pattern in ((TEMPLATES_DIR, "**/*"), (code_dir, "*.py")):
        for file in sorted(directory.glob(pattern)):
            if file.is_file():
                parts.append(f"{file.name}:{hashlib.blake2b(file.read_bytes(), digest_size=16).hexdigest()}")
    return short_hash(*parts)


def _spare_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.spare")


def _remove_leftover_staging(target: Path) -> None:
    # A build killed by SIGKILL cannot clean up after itself. Called under the output lock (``build_site``):
    # no other build of this target is alive, so every staging tree found is a dead build's.
    for leftover in target.parent.glob(f".{target.name}.staging-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            logger.info("build: removing leftover staging directory %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _staging_dir(target: Path) -> Path:
    """The staging tree: the previous generation of the site (kept after the last swap) when there is a
    usable one, so only what changed since then is written; else a fresh directory."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes 0700; a web server must be able to read the site
    spare = _spare_path(target)
    if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
        spare.unlink()
    elif spare.is_dir():
        if (spare / MANIFEST_NAME).is_file():
            os.rmdir(staging)
            os.rename(spare, staging)
        else:
            shutil.rmtree(spare, ignore_errors=True)
    return staging


def _keep_as_spare(tree: Path, target: Path) -> None:
    spare = _spare_path(target)
    if spare.exists():
        shutil.rmtree(spare, ignore_errors=True)
    os.rename(tree, spare)


def build_site(store: Store, settings: Settings, *, output_dir: Path | None = None) -> BuildReport:
    """Build the site from the store and publish it atomically to ``output_dir`` (default: settings).

    Incremental by construction: pages whose inputs did not change are neither rendered nor written (see
    ``writer``), and only the search shards holding a changed article page are indexed again.

    Holds the output lock (``yigai.lock.output_lock``; re-entrant, so a caller may hold it already): two builds
    of one target would take each other's staging tree and spare generation. ``LockBusy`` when one is live."""
    target = Path(output_dir) if output_dir is not None else settings.output_dir
    with output_lock(target, "site build").acquire():
        return _build_locked(store, settings, target.absolute())


def _build_locked(store: Store, settings: Settings, target: Path) -> BuildReport:
    started = time.monotonic()
    site = settings.section("site")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise NotADirectoryError(f"publish target {target} must be a directory (or not exist yet)")
    _remove_leftover_staging(target)
    remove_leftover_state(target)
    base_key = build_key(site)
    staging = _staging_dir(target)
    with collector_restored():
        if _delta_possible(target, site):
            try:
                return _build_delta(store, settings, target, staging, site, started, base_key)
            except DeltaUnavailable as exc:
                logger.info("build: a full build (%s)", exc)
            except Exception:
                # The delta build only saves time: whatever went wrong in it, the full build still publishes
                # the site (or fails for a reason of its own). Logged as an error, as it is a bug or damage.
                logger.exception("build: the delta build failed; building the site in full instead")
            if not staging.is_dir():  # the delta had begun writing: it removed the staging tree
                staging = _staging_dir(target)
        return _build(store, settings, target, staging, site, started, base_key)


def state_meta(site: dict, base_key: str) -> dict[str, str]:
    """What the delta state must have been built with to be used: its format, the build key (settings,
    templates, code) and the row cache's parsing rules."""
    return {"format": STATE_FORMAT, "base_key": base_key, "rows": row_code_digest()}


def _engine(site: dict) -> str:
    return str(site.get("search_engine") or "ngram")


def _delta_possible(target: Path, site: dict) -> bool:
    return target.is_dir() and state_path(target).is_file() and _engine(site) == "ngram"


def _build_delta(
    store: Store, settings: Settings, target: Path, staging: Path, site: dict, started: float, base_key: str
) -> BuildReport:
    """The build from the rows changed since the published site (``delta``); raises ``DeltaUnavailable``
    before anything is written when it cannot be one, or after removing the staging tree when something the
    delta relies on turned out missing (a published file)."""
    try:
        conn = connect_state(state_path(target))
        meta = read_meta(conn)
    except sqlite3.Error as exc:
        with contextlib.suppress(NameError, sqlite3.Error):
            conn.close()
        raise DeltaUnavailable(f"the delta state is unreadable: {exc}") from exc
    try:
        expected = {**state_meta(site, base_key), "manifest": manifest_digest(target) or "-"}
        stale = sorted(k for k, v in expected.items() if meta.get(k) != v)
        if stale:
            raise DeltaUnavailable(f"the delta state does not match ({', '.join(stale)})")
        try:
            conn.execute("BEGIN IMMEDIATE")
            plan = plan_delta(store, conn, site, **store_extras(store, settings))
        except sqlite3.Error as exc:
            raise DeltaUnavailable(f"the delta state is unreadable: {exc}") from exc
        report = _write_delta(store, plan, target, staging, site, started, base_key)
        try:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (manifest_digest(target) or "-",))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:  # the site is published: only the next build's delta is lost
            logger.warning("build: could not save the delta state (the next build is a full one): %s", exc)
            conn.close()
            remove_state(target)
        return report
    finally:
        with contextlib.suppress(sqlite3.Error):  # closed above when saving failed
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()


def _write_delta(
    store: Store, plan: DeltaPlan, target: Path, staging: Path, site: dict, started: float, base_key: str
) -> BuildReport:
    ngram: NgramSearch | None = None
    ctx, loader = plan.ctx, plan.loader
    try:
        writer = SiteWriter(staging, previous=target)
        with_text = _recent_text_memo(store)
        pages = PageGenerator(
            make_env(), page_size=int(site.get("page_size") or 30), base_key=base_key, with_text=with_text
        )
        feeds = FeedsGenerator(base_key, with_text)
        meta = MetaGenerator()
        jobs = pages.article_jobs_of(ctx, plan.articles)
        kept = writer.keep_staged([(rel, key) for rel, key, _render, _search_key in jobs])
        for rel, key, render, _search_key in jobs:
            if rel not in kept:
                writer.emit(rel, key, render)
        plan.record_search_keys((paths.article_id(rel), search_key) for rel, _k, _r, search_key in jobs)
        del jobs, kept
        search_pages, lastmod = plan.search_pages()
        ngram = NgramSearch(
            writer,
            search_pages,
            lambda aid: search_doc(ctx, with_text(loader.get(aid))),
            describe=lambda aid: bodiless_doc(ctx, loader.get(aid)),
            database=store.target,
            segment_size=int(site.get("search_shard_size") or SHARD_SIZE),
        )
        del search_pages
        ngram.all_pages()
        _generate(writer, (pages, feeds, meta), ctx, None, ngram)
        ngram.finish()
        writer.keep_published(exclude=plan.removed, owned=(INDEX_DIR + "/",))
        for rel, data in meta.sitemap_output(ctx, writer.paths, lastmod):
            writer.write(rel, data)
        changed = _finish_and_publish(writer, staging, target)
    except BaseException as exc:
        if ngram is not None:
            ngram.abort()
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, PublishedFileMissing):
            raise DeltaUnavailable(str(exc)) from exc
        raise
    feed_files = 2 * sum(1 for _spec in feeds.feed_specs(ctx))  # every feed the site has (RSS and Atom)
    return _report(
        writer, feed_files, started, target, changed, None, ngram, mode="delta", rows_changed=plan.rows_changed
    )


def _build(
    store: Store, settings: Settings, target: Path, staging: Path, site: dict, started: float, base_key: str
) -> BuildReport:
    search: ShardedSearch | None = None
    ngram: NgramSearch | None = None
    state: StateWriter | None = None
    try:
        reader = StoreArticles(cache_path(target))
        with long_lived_objects():
            ctx = load_context(store, site, settings, reader=reader)
            rows = reader.rows  # for the delta state, written below
            reader.save()
            writer = SiteWriter(staging, previous=target if target.is_dir() else None)  # reads two manifests
        pagefind = _pagefind_binary(site) if ctx.articles else None  # Pagefind refuses to index nothing
        with_text = _recent_text_memo(store)
        pages = PageGenerator(
            make_env(),
            page_size=int(site.get("page_size") or 30),
            pagefind=pagefind is not None,
            base_key=base_key,
            with_text=with_text,
        )
        feeds = FeedsGenerator(base_key, with_text)
        meta = MetaGenerator()
        with long_lived_objects():
            articles = pages.article_jobs(ctx)  # oldest first
        segment_size = int(site.get("search_shard_size") or SHARD_SIZE)  # ≥ 1: checked with the settings
        search_keys = [(rel, search_key) for rel, _key, _render, search_key in articles]
        if pagefind is not None:
            from site_builder.search_shards import ShardedSearch

            search = ShardedSearch(pagefind, writer, staging.parent, search_keys, shard_size=segment_size)
        else:
            by_id = {art.id: art for art in ctx.articles}
            ngram = NgramSearch(
                writer,
                search_keys,
                lambda aid: search_doc(ctx, with_text(by_id[aid])),
                describe=lambda aid: bodiless_doc(ctx, by_id[aid]),
                database=store.target,
                segment_size=segment_size,
            )
        if _engine(site) == "ngram":  # a delta build indexes with the n-gram index only
            state = StateWriter(target)
            keys = {paths.article_id(rel): key for rel, key in search_keys}
            state.write(rows, ctx, keys, state_meta(site, base_key))
            del keys
        del search_keys, rows
        kept = writer.keep_staged([(rel, key) for rel, key, _render, _search_key in articles])
        for rel, key, render, _search_key in articles:
            data = None if rel in kept else writer.emit(rel, key, render)
            if search is not None:
                search.page(rel, data)
            else:
                assert ngram is not None
                ngram.page(paths.article_id(rel))
        del articles, kept
        _generate(writer, (pages, feeds, meta), ctx, search, ngram)
        if search is not None:
            search.finish()
        if ngram is not None:
            ngram.finish()  # waits for the worker's last segments: the lists and feeds were rendered meanwhile
        for rel, data in meta.sitemap_output(ctx, writer.paths):
            writer.write(rel, data)
        changed = _finish_and_publish(writer, staging, target)
        if state is not None:
            state.publish(manifest_digest(target))
        else:
            remove_state(target)
    except BaseException:
        if search is not None:
            search.abort()
        if ngram is not None:
            ngram.abort()
        if state is not None:
            state.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _report(writer, feeds.count, started, target, changed, search, ngram)


def _generate(
    writer: SiteWriter,
    generators: tuple,
    ctx: SiteContext,
    search: ShardedSearch | None,
    ngram: NgramSearch | None,
) -> None:
    """Every page but the article pages, every feed and the site-wide files, into the writer."""
    for generator in generators:
        # In batches: the writer keeps what the staging tree already holds for a whole batch at once.
        outputs = generator.generate_output(ctx)
        while batch := list(itertools.islice(outputs, 256)):
            kept = writer.keep_staged([(output[0], output[1]) for output in batch if len(output) == 3])
            for output in batch:
                if output[0] in kept:
                    continue
                if len(output) == 2:
                    writer.write(*output)
                else:
                    writer.emit(*output)
            if search is not None:
                search.poll()  # start queued search shards while the lists are rendered
            if ngram is not None:
                ngram.poll()  # record the segments the index worker has finished


def _finish_and_publish(writer: SiteWriter, staging: Path, target: Path) -> bool:
    """Carry the operator's dot-entries over, write the manifest, and publish the staging tree if it differs
    from the published one (returns whether it did)."""
    names = set(os.listdir(staging))
    if target.is_dir():
        names |= set(os.listdir(target))
    for entry in sorted(names):
        if entry.startswith("."):  # operator files such as .well-known/ or .gitkeep survive builds
            writer.carry_over(entry)
    writer.finish()
    changed = writer.changed_from_published()
    if changed:
        old = publish_atomically(staging, target, keep_old=True)
        if old is not None:
            _keep_as_spare(old, target)
    else:
        _keep_as_spare(staging, target)  # now identical to the published site
        logger.info("build: nothing changed; the published site is left as it is")
    return changed


def _report(
    writer: SiteWriter,
    feeds: int,
    started: float,
    target: Path,
    changed: bool,
    search: ShardedSearch | None,
    ngram: NgramSearch | None,
    **extra: Any,
) -> BuildReport:
    report = BuildReport(
        pages_written=len(writer.written),
        files_unchanged=len(writer.unchanged),
        files_total=writer.files_total,
        feeds=feeds,
        seconds=round(time.monotonic() - started, 3),
        output_dir=target,
        published=changed,
        rendered=writer.rendered,
        search_segments=len(search.shards) if search is not None else len(ngram.segments) if ngram else 0,
        search_indexed=search.indexed if search is not None else ngram.indexed if ngram else 0,
        **extra,
    )
    logger.info(
        "build (%s): %d files (%d written, %d unchanged, %d rendered, %d feeds) in %.2fs → %s",
        report.mode,
        report.files_total,
        report.pages_written,
        report.files_unchanged,
        report.rendered,
        report.feeds,
        report.seconds,
        target,
    )
    return report
