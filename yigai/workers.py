"""Roles for several hosts sharing one PostgreSQL store (and one Redis crawl frontier):

* crawl workers (``yigai worker crawl``): any number, on any hosts; they split each source's crawl through the
  shared frontier (each URL fetched by one of them) and write pages to the shared store. They take no run lock:
  they only add pages.
* extract workers (``yigai worker extract``): any number, on any hosts; each claims a batch of pages not yet
  extracted (``Store.claim_pages``: an owner and a lease; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), extracts
  them and saves the articles. A worker killed mid-claim loses nothing: its pages are claimed again when the
  lease runs out. The last one out groups syndicated copies, under the store lock.
* one builder (``yigai build``), holding the store lock (an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import time
from dataclasses import dataclass

from yigai.config import ConfigError, Settings, Source
from yigai.lock import store_lock
from yigai.store import Store

logger = logging.getLogger(__name__)


def frontier_url(settings: Settings) -> str | None:
    from crawler.config import ENV_REDIS_URL

    return os.environ.get(ENV_REDIS_URL) or settings.section("crawl").get("frontier") or None


def crawl_worker(settings: Settings, registry: str, sources: list[Source], args: argparse.Namespace) -> int:
    """One crawl worker: the crawl of ``sources`` shared with the other workers through the Redis frontier,
    recorded as a run of its own (``worker crawl``). Returns the exit code."""
    from yigai.run import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, _crawl_with_stats, _has_real_errors, run_row

    if not frontier_url(settings):
        raise ConfigError(
            "a crawl worker shares the crawl frontier with the others: set [crawl] frontier = \"redis://…\" "
            "(or YIGAI_REDIS_URL); without one, every worker would crawl everything"
        )
    with Store(settings.store) as store:
        run_id = store.start_run("worker crawl", os.getpid())
        with run_row(store, run_id) as stats:
            rc, per_source = _crawl_with_stats(store, settings, registry, sources, args, run_id)
            status = "failed" if rc == 2 else "partial" if _has_real_errors(per_source) else "ok"
            pages = sum(r["pages_new"] for r in per_source)
            stats.update(summary=f"{pages} new pages", crawl_exit=rc, status=status)
    print(f"crawl worker run #{run_id}: {status}; {pages} new pages")
    return EXIT_FAILED if rc == 2 else EXIT_PARTIAL if status == "partial" else EXIT_OK


@dataclass
class ExtractWorkerReport:
    batches: int = 0
    extracted: int = 0
    failed: int = 0


def worker_name() -> str:
    """host:pid, the owner written on a worker's claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def extract_worker(settings: Settings, *, follow: bool = False, poll: float = 5.0) -> ExtractWorkerReport:
    """Claim, extract and save batches of pages until none is left (with ``follow``: forever, looking for new
    pages every ``poll`` seconds). Pages another live worker holds are waited for: if that worker dies, its
    lease runs out and this one takes them over. Ends by grouping syndicated copies if due."""
    from yigai.extract_pool import extract_page
    from yigai.stages import ExtractReport, extract_job, record_outcomes

    section = settings.section("extract")
    batch, lease = int(section["claim_batch"]), float(section["claim_lease"])
    owner = worker_name()
    report = ExtractWorkerReport()
    with Store(settings.store, create=False) as store:
        job = extract_job(store, settings)
        while True:
            pages = store.claim_pages(owner, batch, lease)
            if not pages:
                if store.claims_running():  # others still at work (or dead: their leases will run out)
                    time.sleep(poll)
                    continue
                _group_if_due(store, settings, owner)
                if not follow:
                    break
                time.sleep(poll)
                continue
            outcomes = [extract_page(page, job) for page in pages]
            stage_report = ExtractReport()
            record_outcomes(store, outcomes, stage_report)
            bad = [o.page_id for o in outcomes if o.record is None]
            store.release_claims(owner, [o.page_id for o in outcomes if o.record is not None])
            store.release_claims(owner, bad, failed=True)  # not claimed again and again
            report.batches += 1
            report.extracted += stage_report.extracted
            report.failed += len(bad)
            logger.info("extract worker %s: batch of %d pages, %d saved, %d failed or no page", owner, len(pages),
                        stage_report.extracted, len(bad))
    return report


def _group_if_due(store: Store, settings: Settings, owner: str) -> None:
    """Group syndicated copies when the articles changed since the last grouping. Grouping reads every
    article: done by the worker that finds the queue empty, under the store lock (so never beside a build or
    another worker's grouping; the second finds it done)."""
    from yigai.stages import group_syndicated

    if not store.grouping_due():
        return
    with store_lock(settings.store, f"yigai worker extract ({owner})").acquire(wait=True):
        if store.grouping_due():
            copies = group_syndicated(store)
            logger.info("extract worker %s: grouped syndicated copies (%d copies)", owner, copies)
