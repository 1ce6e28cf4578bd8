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
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder import models, paths
from site_builder.context import SiteContext, generate_context
from site_builder.feeds import FeedsGenerator
from site_builder.memo import RecentMemo
from site_builder.models import Article, read_listed, short_hash, split_paragraphs
from site_builder.opml import opml_files
from site_builder.pages import TEMPLATES_DIR, PageGenerator, make_env
from site_builder.publish import publish_atomically
from site_builder.reader_lists import read_watches, reader_outputs
from site_builder.robots import robots
from site_builder.search_index import SearchDoc, SearchEntry, SearchReport, build_search_index
from site_builder.sitemap import sitemap_files
from site_builder.writer import MANIFEST_NAME, SiteWriter
from yigai.lock import output_lock

if TYPE_CHECKING:
    from yigai.config import Settings
    from yigai.store import Store

logger = logging.getLogger(__name__)

HEALTH_RUNS = 5  # how many recent runs the sources page summarises
BUILD_FORMAT = "yigai-site-3"  # bump to force every page to be rendered again


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
    search_segments: int = 0  # search index tiers the site has …
    search_indexed: int = 0  # … and how many of them this build indexed (the others were kept)


def _recent_text_memo(store: Store) -> Callable[[Article], Article]:
    """``with_text``: the article with its paragraphs. The last few are remembered: the search index takes the
    text of the page just rendered, and a new story in a dozen feeds is read once, not once per feed."""
    memo = RecentMemo(lambda art: replace(art, paragraphs=split_paragraphs(store.article_text(art.id) or "")))

    def with_text(art: Article) -> Article:
        return art if art.paragraphs else memo.get(art.id, art)

    return with_text


def load_context(store: Store, site: dict, settings: Settings | None = None) -> SiteContext:
    """The store's lists (``models.read_listed``: stories without their texts), sources, runs, health, watchlists."""
    ctx = generate_context(read_listed(store), site, **store_extras(store, settings))
    ctx.watches = read_watches(store, settings.watches if settings else [], ctx)
    return ctx


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
    """`yigai status`'s flags as of the latest run (not the wall clock: the same store, the same site)."""
    from datetime import datetime

    from yigai.health import source_health

    as_of = datetime.fromisoformat(runs[0]["started_at"]) if runs else datetime(1970, 1, 1, tzinfo=UTC)
    return {h.source_id: tuple(h.flags_zh) for h in source_health(store, settings, now=as_of)}


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Make objects that live as long as the build (the context, the article pages' jobs) without the cyclic
    garbage collector, then freeze them: at 100,000 articles its collections, each walking millions of such
    objects, cost more than the reading itself. ``collector_restored`` unfreezes them when the build ends."""
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


def code_key() -> str:
    """What every output depends on besides its data and the site settings: the division names and topic
    labels joined at build time, the templates and static files, the builder's code (the search index's key)."""
    parts: list[str] = [
        BUILD_FORMAT,
        repr(sorted(models.division_table().items())),
        repr(sorted(models.topic_labels().items())),
    ]
    code_dir = Path(__file__).resolve().parent
    for directory, pattern in ((TEMPLATES_DIR, "**/*"), (code_dir, "*.py")):
        for file in sorted(directory.glob(pattern)):
            if file.is_file():
                parts.append(f"{file.name}:{hashlib.blake2b(file.read_bytes(), digest_size=16).hexdigest()}")
    return short_hash(*parts)


def build_key(site: dict, code: str | None = None) -> str:
    """Every page's key besides its own data: ``code_key`` and the site settings."""
    return short_hash(code or code_key(), json.dumps(site, sort_keys=True, ensure_ascii=False, default=str))


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
    """The staging tree: the previous generation of the site when there is a usable one, else a new one."""
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

    Incremental by construction: an output whose key (a digest of its inputs) did not change is neither
    rendered nor written (``writer``), and only the search tiers holding a changed page are indexed again; a
    first build is the same code with nothing to keep. Holds the (re-entrant) output lock: two builds of one
    target would take each other's staging tree. ``LockBusy`` when another build holds it."""
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
    _remove_retired_state(target)
    staging = _staging_dir(target)
    with collector_restored():
        return _build(store, settings, target, staging, site, started)


def _remove_retired_state(target: Path) -> None:
    """Remove what builders before issue #21 kept beside the output: nothing reads it any more."""
    for name in (".delta.sqlite3", ".delta.sqlite3-wal", ".delta.sqlite3-shm", ".articles", ".articles.journal"):
        old = target.with_name(f".{target.name}{name}")
        if old.is_file() and not old.is_symlink():
            logger.info("build: removing %s (kept by an earlier version of the builder)", old)
            old.unlink()


def _build(store: Store, settings: Settings, target: Path, staging: Path, site: dict, started: float) -> BuildReport:
    code = code_key()
    common = build_key(site, code)  # part of every output's key
    try:
        with long_lived_objects():
            ctx = load_context(store, site, settings)
            writer = SiteWriter(staging, previous=target if target.is_dir() else None)  # reads two manifests
        with_text = _recent_text_memo(store)
        pages = PageGenerator(make_env(), page_size=int(site.get("page_size") or 30), build_key=common,
                              index_key=code, with_text=with_text)
        feeds = FeedsGenerator(common, with_text)
        with long_lived_objects():
            articles = pages.article_jobs(ctx)  # oldest first
        kept = writer.keep_staged([(rel, page_key) for _art, rel, page_key, _render, _search_key in articles])
        for _art, rel, page_key, render, _search_key in articles:
            if rel not in kept:
                writer.emit(rel, page_key, render)
        entries = [SearchEntry(art.id, search_key, art.day) for art, _rel, _key, _render, search_key in articles]
        del articles, kept
        by_id = {art.id: art for art in ctx.articles}
        search = build_search_index(writer, entries, lambda ids: (search_doc(ctx, with_text(by_id[i])) for i in ids))
        del entries
        outputs = (pages.generate_output(ctx), reader_outputs(pages, ctx), feeds.generate_output(ctx), _site_files(ctx))
        feeds.count += 2  # the digest feed (``reader_lists``)
        _generate(writer, outputs)
        for rel, data in sitemap_files(ctx, writer.entries):  # made last: it lists the pages made
            writer.write(rel, data)
        changed = _finish_and_publish(writer, staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _report(writer, feeds.count, started, target, changed, search)


def search_doc(ctx: SiteContext, art: Article) -> SearchDoc:
    """What the search index takes from an article (with its text): what its page's ``<article>`` shows but
    the meta list and the "also carried by" copies (a new copy must not change the index)."""
    codes = ctx.article_regions.get(art.id, ())
    names = [ctx.regions[c].name for c in codes if c in ctx.regions]
    extras = [*(a.title for a in art.attachments), *names, *(t.label for t in art.topics)]
    return SearchDoc(
        id=art.id,
        url=paths.article_path(art.id),
        title=art.title,
        date=art.day,
        place=art.place or "",
        regions=tuple(codes),
        topics=tuple(t.id for t in art.topics),
        text="\n".join([*art.paragraphs, *extras]),
    )


def _site_files(ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
    """robots.txt, the OPML lists and the static files (CSS, scripts, icon)."""
    yield "robots.txt", robots(ctx.site)
    yield from opml_files(ctx)  # opml.xml and one per province
    static = TEMPLATES_DIR / "static"
    for file in sorted(static.rglob("*")):
        if file.is_file():
            yield "static/" + file.relative_to(static).as_posix(), file.read_bytes()


def _generate(writer: SiteWriter, generators: tuple[Iterator[tuple], ...]) -> None:
    """Outputs, each (path, key, render) or (path, bytes), into the writer; in batches, so that the writer
    keeps what the staging tree already holds for a whole batch at once."""
    for outputs in generators:
        while batch := list(itertools.islice(outputs, 256)):
            kept = writer.keep_staged([(output[0], output[1]) for output in batch if len(output) == 3])
            for output in batch:
                if output[0] in kept:
                    continue
                if len(output) == 2:
                    writer.write(*output)
                else:
                    writer.emit(*output)


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
    writer: SiteWriter, feeds: int, started: float, target: Path, changed: bool, search: SearchReport
) -> BuildReport:
    report = BuildReport(
        pages_written=len(writer.written),
        files_unchanged=len(writer.unchanged),
        files_total=len(writer.entries),
        feeds=feeds,
        seconds=round(time.monotonic() - started, 3),
        output_dir=target,
        published=changed,
        rendered=writer.rendered,
        search_segments=search.tiers,
        search_indexed=search.indexed,
    )
    logger.info("build: %d files (%d written, %d unchanged, %d rendered, %d feeds) in %.2fs → %s",
                report.files_total, report.pages_written, report.files_unchanged, report.rendered, report.feeds,
                report.seconds, target)
    return report
