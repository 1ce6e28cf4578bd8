"""The stages, each runnable alone: crawl (the crawler in a child process), extract (and group syndicated
copies), build (publish the site). Each reads from and writes to the store only; ``yigai.run`` chains them.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigai.config import Settings
from yigai.store import Store, StoredPage, utcnow
from yigai.urls import article_id

if TYPE_CHECKING:
    from datetime import datetime

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = "1"


# ------------------------------------------------------------------------------------------------- crawl
def crawl_command(
    settings: Settings,
    registry: str,
    *,
    sample_web: str | None,
    run_id: int | None,
    source_ids: list[str] | None,
) -> list[str]:
    """The child-process command line for one crawl (Twisted's reactor cannot restart in one process)."""
    cmd = [sys.executable, "-m", "crawler.process", "--registry", registry, "--database", settings.store]
    if settings.path is not None:
        cmd += ["--config", str(settings.path.resolve())]
    if sample_web:
        cmd += ["--sample-web", sample_web]
    if run_id is not None:
        cmd += ["--run-id", str(run_id)]
    for sid in source_ids or []:
        cmd += ["--source", sid]
    return cmd


def run_crawl_stage(
    settings: Settings,
    registry: str,
    *,
    sample_web: str | None = None,
    run_id: int | None = None,
    source_ids: list[str] | None = None,
    progress_count: Callable[[], int] | None = None,
) -> int:
    """Run the crawler in a child process; returns its exit code (0 ok, 1 source errors, 2 could not start).

    With ``progress_count`` (pages stored so far), an interactive run shows a progress bar while it waits.
    """
    cmd = crawl_command(settings, registry, sample_web=sample_web, run_id=run_id, source_ids=source_ids)
    if progress_count is not None:
        cmd += ["-s", "LOG_LEVEL=WARNING"]  # the bar and the run report say it all; keep warnings and errors
    env = dict(os.environ)
    # The child must find the project packages even when run from another directory.
    project_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (project_root, env.get("PYTHONPATH", "")) if p)
    logger.info("crawl: starting child process: %s", " ".join(cmd))
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=str(settings.base_dir), preexec_fn=_die_with_parent)
    except OSError as exc:
        logger.error("crawl: could not start the crawler: %s", exc)
        return 2
    if progress_count is None:
        return proc.wait()
    from tqdm import tqdm

    with tqdm(desc="crawl", unit="page", file=sys.stderr) as bar:
        while True:
            try:
                rc = proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                rc = None
            bar.update(max(0, progress_count() - bar.n))
            if rc is not None:
                return rc


def _die_with_parent() -> None:
    """In the crawler child: ask Linux to SIGKILL us if the run that started us dies (even by SIGKILL).

    Otherwise a killed run would leave an orphan crawler writing to the store beside the next run.
    """
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except OSError:  # not Linux: the lock still keeps a second run out
        pass


# ------------------------------------------------------------------------------------------------- extract
@dataclass
class ExtractReport:
    pages: int = 0
    extracted: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    relevant: int = 0
    off_topic: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    duplicates: int = 0
    not_pages: dict[str, int] = field(default_factory=dict)  # stored answers that are no page, by fault kind
    truncated: int = 0  # pages over [extract] max_html_bytes, extracted from their first max_html_bytes
    seconds: float = 0.0
    changed_items: list[str] = field(default_factory=list)  # "id title: fields" of re-extracted articles

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["errors"] = self.errors[:20]
        d["changed_items"] = self.changed_items[:50]
        return d


def _source_hints(store: Store) -> dict[str, Any]:
    from extract import SourceHint

    # Retired sources too: their pages are still in the archive, and re-extracted with the rest.
    return {
        row["id"]: SourceHint(name=row["name"], home_region=row["home_region"])
        for row in store.sources(include_retired=True)
    }


def article_record(page: StoredPage, art: Any, *, threshold: float | None = None) -> dict[str, Any]:
    """Map an ``ExtractedArticle`` of ``page`` to an ``articles`` row."""
    labels = _topic_labels()
    relevant = art.relevant if not threshold else art.relevance >= threshold
    regions = [r.to_dict() for r in art.regions]
    primary = art.regions[0] if art.regions else None
    meta = {
        "doc_number": art.doc_number,
        "doc_type": art.doc_type,
        "issuing_body": art.issuing_body,
        "issuing_bodies": list(art.issuing_bodies),
        "written_date": art.written_date,
        "attachments": [{"url": a.url, "title": a.title, "kind": a.kind} for a in art.attachments],
        "encoding": art.encoding,
    }
    if getattr(art, "content_farm", False):
        meta["content_farm"] = True  # pinyin glosses: never chosen as the original of syndicated copies
    if getattr(art, "truncated_from", None) is not None:
        meta["truncated_from"] = art.truncated_from  # extracted from the first max_html_bytes only
    return {
        "id": article_id(page.url),
        "url": page.final_url or page.url,
        "page_id": page.id,
        "source_id": page.source_id,
        "site": art.site,
        "title": art.title,
        "text": art.text,
        "published": art.published.isoformat() if art.published else None,
        "original_source": art.original_source,
        "author": art.author,
        "editor": art.editor,
        "regions_json": json.dumps(regions, ensure_ascii=False, sort_keys=True),
        "primary_code": primary.code if primary else None,
        "national": int(bool(primary and primary.national)),
        "topics_json": json.dumps(
            [{"id": t, "label": labels.get(t, t)} for t in art.topics], ensure_ascii=False, sort_keys=True
        ),
        "relevance": float(round(art.relevance, 4)),
        "relevant": int(bool(relevant) and bool(art.text.strip()) and bool(art.title.strip())),
        "fingerprint": f"{art.fingerprint:016x}",
        "sketch": " ".join(f"{h:016x}" for h in art.sketch),
        "meta_json": json.dumps(meta, ensure_ascii=False, sort_keys=True),
        "group_id": None,
        "is_original": 1,
        "extracted_at": utcnow(),
        "extractor_version": EXTRACTOR_VERSION,
    }


def _topic_labels() -> dict[str, str]:
    from extract.topics import load_taxonomy

    return {t.id: t.label for t in load_taxonomy().topics}


# Pages per batch a worker process extracts (and the writer saves in one transaction).
EXTRACT_BATCH = 32


def extract_job(store: Store, settings: Settings) -> Any:
    """What every page of an extraction shares: the sources' hints and the relevance threshold."""
    from extract.core import MAX_HTML_BYTES
    from yigai.extract_pool import ExtractJob

    threshold = float(settings.section("extract").get("relevance_threshold") or 0) or None
    max_bytes = int(settings.section("extract").get("max_html_bytes") or MAX_HTML_BYTES)
    return ExtractJob(hints=_source_hints(store), threshold=threshold, max_bytes=max_bytes)


def extract_workers(settings: Settings, pages: int) -> int:
    """How many processes extract ``pages`` pages: every core (``[extract] workers``), but one below
    ``[extract] parallel_from`` pages, where starting the processes costs more than they save."""
    from yigai.extract_pool import worker_count

    section = settings.section("extract")
    if pages < int(section.get("parallel_from", 200)):
        return 1
    batches = -(-pages // EXTRACT_BATCH)
    return min(worker_count(int(section.get("workers", 0))), max(1, batches))


def record_outcomes(store: Store, outcomes: list[Any], report: ExtractReport) -> None:
    """The writer: save a batch's records in one transaction and count every outcome in ``report``."""
    records = []
    for outcome in outcomes:
        if outcome.not_page is not None:
            report.not_pages[outcome.not_page] = report.not_pages.get(outcome.not_page, 0) + 1
            logger.warning("extract: %s is not a page (%s); skipped", outcome.url, outcome.not_page)
        elif outcome.error is not None:
            report.failed += 1
            report.errors.append(f"{outcome.url}: {outcome.error}")
            logger.warning("extract: %s failed: %s", outcome.url, outcome.error)
        else:
            records.append(outcome.record)
            if outcome.truncated:
                report.truncated += 1
    for record, changed in zip(records, store.save_articles(records), strict=True):
        report.extracted += 1
        if changed is None:
            report.new += 1
        elif changed:
            report.changed += 1
            report.changed_items.append(f"{record['id']} {record['title'][:30]}: {', '.join(changed)}")
        else:
            report.unchanged += 1
        if record["relevant"]:
            report.relevant += 1
        else:
            report.off_topic += 1


def run_extract_stage(store: Store, settings: Settings, *, all_pages: bool = False, progress: bool = False) -> ExtractReport:
    """Extract every stored article page not yet extracted (or all of them), then regroup syndicated copies.

    Pages are read in batches, extracted by worker processes (every core, for large jobs) and written by this
    process alone, in page order (``yigai.extract_pool``)."""
    from yigai.extract_pool import extract_batches

    started = time.monotonic()
    report = ExtractReport()
    job = extract_job(store, settings)
    ids = store.article_page_ids(only_unextracted=not all_pages)
    report.pages = len(ids)
    workers = extract_workers(settings, len(ids))
    batches = (store.pages_by_id(ids[i : i + EXTRACT_BATCH]) for i in range(0, len(ids), EXTRACT_BATCH))
    bar: Any = None
    if progress and ids:
        from tqdm import tqdm

        bar = tqdm(total=len(ids), desc="extract", unit="page", file=sys.stderr)
    try:
        for outcomes in extract_batches(batches, job, workers=workers):
            record_outcomes(store, outcomes, report)
            if bar is not None:
                bar.update(len(outcomes))
    finally:
        if bar is not None:
            bar.close()
    # Grouped when articles changed since the last grouping: by this run, or by a run killed between saving its
    # last article and grouping (its copies would otherwise stay marked as originals until new stories came).
    if store.grouping_due():
        group_syndicated(store)
    report.duplicates = store.count_copies()
    report.seconds = round(time.monotonic() - started, 3)
    logger.info(
        "extract: %d pages (%d process%s), %d new, %d changed, %d relevant, %d off-topic, %d failed, "
        "%d cut to the size limit, %d syndicated copies",
        report.pages, workers, "" if workers == 1 else "es", report.new, report.changed, report.relevant,
        report.off_topic, report.failed, report.truncated, report.duplicates,
    )
    return report


def _content_type(headers: dict[str, str]) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), None)


def _charset_from_headers(headers: dict[str, str]) -> str | None:
    value = _content_type(headers)
    if value and "charset=" in value.lower():
        return value.lower().split("charset=", 1)[1].split(";")[0].strip() or None
    return None


def group_syndicated(store: Store) -> int:
    """Group near-duplicate articles; mark the original of each group. Returns the number of non-original copies."""
    from datetime import datetime

    from extract.syndication import (
        StoryText,
        SyndicationCandidate,
        choose_original,
        group_near_duplicates,
        same_story,
        template_lines,
    )

    rows = store.syndication_rows()
    by_id = {r["id"]: r for r in rows}
    stories = [StoryText(site=r["site"], title=r["title"] or "", lead=r["lead"] or "") for r in rows]
    template = template_lines(stories)  # lines a site prints on several of its own pages do not count
    groups = group_near_duplicates(
        [(r["id"], int(r["fingerprint"], 16), tuple(int(h, 16) for h in r["sketch"].split())) for r in rows],
        same_story=lambda a, b: same_story(stories[a], stories[b], template),
    )
    assignment: dict[str, tuple[str, bool]] = {}
    copies = 0
    for members in groups:
        candidates = [
            SyndicationCandidate(
                id=m,
                site=by_id[m]["site"],
                original_source=by_id[m]["original_source"],
                published=datetime.fromisoformat(by_id[m]["published"]) if by_id[m]["published"] else None,
                url=by_id[m]["url"],
                content_farm=bool(json.loads(by_id[m]["meta_json"] or "{}").get("content_farm")),
            )
            for m in members
        ]
        original = choose_original(candidates)
        feed_id = story_feed_id(original, [(c.published, c.id, by_id[c.id]["feed_id"]) for c in candidates])
        for m in members:
            assignment[m] = (original, m == original, feed_id if m == original else None)
        copies += len(members) - 1
    for r in rows:
        assignment.setdefault(r["id"], (r["id"], True, r["feed_id"] or r["id"]))
    changed = {
        aid: val for aid, val in assignment.items()
        if (by_id[aid]["group_id"], bool(by_id[aid]["is_original"]), by_id[aid]["feed_id"]) != val
    }
    if changed:
        store.set_groups(changed)
    store.mark_grouped()
    return copies


def story_feed_id(original: str, members: list[tuple[datetime | None, str, str | None]]) -> str:
    """The feed id of a story whose chosen copy is ``original``, from its members' (published, id, feed id).
    A story keeps the feed id it has: the chosen copy's own when it has one (so a story whose chosen copy did
    not change keeps its id), else the one the group's earlier chosen copy held (the earliest published of
    them when groups merged), else, for a new story, the chosen copy's id."""
    held = {aid: feed_id for _published, aid, feed_id in members if feed_id}
    if original in held:
        return held[original]
    earliest = sorted((p is None, p.timestamp() if p else 0.0, aid) for p, aid, _f in members if aid in held)
    return held[earliest[0][2]] if earliest else original


# ------------------------------------------------------------------------------------------------- build
class StageFailed(RuntimeError):
    """A stage refused or could not do its work for a reason it can say in one line (exit code 4)."""


class ShrinkRefused(StageFailed):
    """The build would drop stories from the published site that the store cannot account for."""


# The published site's article pages: ``article/<id>.html`` (``site_builder.paths.article_path``).
_ARTICLE_DIR = "article"


def published_story_ids(output_dir: Path) -> set[str]:
    """The ids of the stories the published site at ``output_dir`` shows (its article pages)."""
    try:
        names = os.listdir(output_dir / _ARTICLE_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return set()
    return {name[: -len(".html")] for name in names if name.endswith(".html")}


def check_shrink(store: Store, output_dir: Path) -> None:
    """Refuse a build that would drop published stories the store does not know: it is not the store the site
    was built from. Stories the store still has (now off-topic, or a syndicated copy) or has a removal record
    for (``removed_articles``, written when an article row is deleted) may leave the site."""
    published = published_story_ids(output_dir)
    unexplained = store.unexplained_missing(published) if published else []
    if unexplained:
        examples = ", ".join(unexplained[:3]) + (", …" if len(unexplained) > 3 else "")
        raise ShrinkRefused(
            f"refusing to build: {len(unexplained)} of the {len(published)} stories published in {output_dir} "
            f"are unknown to the store {store.location} ({examples}); is it the right store? "
            "--allow-shrink publishes without them"
        )


def run_build_stage(store: Store, settings: Settings, *, allow_shrink: bool = False, wait: bool = False) -> Any:
    """Build and publish the site, under the output lock (``wait``: for a build already publishing there)."""
    from site_builder import build_site
    from site_builder.recency import BadAsOf, parse_as_of
    from yigai.config import ConfigError, placeholder_base_url_warning
    from yigai.lock import output_lock

    as_of = str(settings.section("site").get("as_of") or "")
    if as_of:
        try:
            parse_as_of(as_of)
        except BadAsOf as exc:
            raise ConfigError(f"setting site.{exc}") from None
    warning = placeholder_base_url_warning(settings)
    if warning:
        logger.warning("build: %s", warning)
    with output_lock(settings.output_dir, "yigai build").acquire(wait=wait) as _held:
        if not allow_shrink:
            check_shrink(store, settings.output_dir)
        return build_site(store, settings)
