"""Extraction on every core: readers → generators → one writer.

The store is read in batches of pages (the reader), each batch goes to a pool of worker processes that turn
HTML into article records (pure functions: no store, no shared state), and the records come back, in page
order, to the one process that writes them (``Store.save_articles``). A few batches are in flight at a time,
so memory stays flat however large the archive.

The same ``extract_page`` serves one process, a pool, and the extract workers of several hosts
(``yigai.workers``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from crawler.faults import body_fault
from yigai.store import StoredPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What extraction made of one page: a record, a fault kind (no page), or an error message."""

    page_id: int
    url: str
    record: dict[str, Any] | None = None
    not_page: str | None = None
    error: str | None = None
    pid: int = 0  # the process that extracted it (which shows the work was spread)
    truncated: bool = False  # the page was over [extract] max_html_bytes and cut to it


@dataclass(frozen=True)
class ExtractJob:
    """The settings every page of one extraction shares (sent once to each worker process)."""

    hints: dict[str, Any]
    threshold: float | None
    max_bytes: int | None = None  # [extract] max_html_bytes


def extract_page(page: StoredPage, job: ExtractJob) -> Outcome:
    """One stored page → its article record (pure; never raises for a bad page)."""
    from extract import extract_article
    from yigai.stages import _charset_from_headers, _content_type, article_record

    # Archived by an older crawler, which stored every answer: an empty or binary body is no article.
    fault = body_fault(page.body, content_type=_content_type(page.headers))
    if fault is not None:
        return Outcome(page.id, page.url, not_page=fault, pid=os.getpid())
    try:
        art = extract_article(
            page.body, page.final_url or page.url, source=job.hints.get(page.source_id),
            http_encoding=_charset_from_headers(page.headers),
            **({} if job.max_bytes is None else {"max_bytes": job.max_bytes}),
        )
        record = article_record(page, art, threshold=job.threshold)
        return Outcome(page.id, page.url, record=record, pid=os.getpid(),
                       truncated=art.truncated_from is not None)
    except Exception as exc:  # one broken page must not stop the stage: reported, counted, the rest goes on
        return Outcome(page.id, page.url, error=f"{type(exc).__name__}: {exc}", pid=os.getpid())


# ------------------------------------------------------------------------------------------ worker process
_JOB: ExtractJob | None = None


def _init_worker(job: ExtractJob) -> None:
    global _JOB
    _JOB = job
    # Warm up once per process (taxonomy, region table, converters): the first page should not pay for it.
    import extract  # noqa: F401


def _extract_batch(pages: list[StoredPage]) -> list[Outcome]:
    assert _JOB is not None, "worker not initialised"
    return [extract_page(page, _JOB) for page in pages]


def worker_count(setting: int) -> int:
    """``[extract] workers``: 0 means every core this process may use."""
    if setting > 0:
        return setting
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def extract_batches(
    batches: Iterable[list[StoredPage]], job: ExtractJob, *, workers: int
) -> Iterator[list[Outcome]]:
    """The outcomes of each batch, in the order of the batches. With ``workers`` > 1 the batches are extracted
    by that many processes (forked from a clean server process that has imported the extractor, not from this
    one and its open store), at most two batches per worker in flight."""
    if workers <= 1:
        for pages in batches:
            yield [extract_page(page, job) for page in pages]
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["extract", "yigai.stages"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(job,)) as pool:
        pending: deque[Future[list[Outcome]]] = deque()
        for pages in batches:
            pending.append(pool.submit(_extract_batch, pages))
            while len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
