"""Re-extraction of a whole archive on every core: `yigai extract --all` over an archive of N stored pages
(default 100,000), against bare ``trafilatura.extract`` on the same pages in one process.

The archive is made from the extraction benchmark's pages (../shared/corpus/gne when present, the evaluation
pages, the sample web's articles), each stored many times under distinct URLs, in a fresh SQLite store (or the
PostgreSQL store named by --store). `yigai extract --all` then runs as a child process with ``[extract]
workers`` processes (default: every core); its wall time and the peak memory of its whole process tree (the
writer and the workers together) are measured. The baseline is bare trafilatura in one process over a sample
of the same pages, so "pages/s per core" compares like with like.

    python bench/extract_archive.py [--pages 100000] [--workers 0] [--baseline-pages 2000] [--store URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ must not shadow the project's extract/ package
    _ROOT = Path(__file__).resolve().parent.parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]
    sys.path.insert(0, str(_ROOT))

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bench._common import machine_info, project_env, run_child
from bench.extract import BenchPage, collect_pages

logger = logging.getLogger(__name__)


@dataclass
class ArchiveResult:
    pages: int
    unique_pages: int
    workers: int
    fill_seconds: float
    extract_seconds: float
    pages_per_second: float
    pages_per_second_per_core: float
    trafilatura_pages_per_second: float  # one process = one core
    ratio_per_core_vs_trafilatura: float  # ours per core / trafilatura per core (higher is better)
    peak_memory_mb: float  # the whole tree: writer + workers
    peak_process_mb: float
    extracted: int
    store: str

    def to_dict(self) -> dict:
        return asdict(self)


def fill_archive(target: str, pages: Sequence[BenchPage], n: int) -> float:
    """Store ``n`` article pages, cycling through ``pages`` under distinct URLs; returns the seconds taken."""
    from yigai.store import FetchedPage, Store

    started = time.perf_counter()
    with Store(target) as store, store.transaction():
        for i in range(n):
            page = pages[i % len(pages)]
            url = f"{page.url.rstrip('/')}?copy={i}"
            store.save_page(FetchedPage(url, url, "bench", "article", 200, page.body))
    return time.perf_counter() - started


def trafilatura_rate(pages: Sequence[BenchPage], n: int) -> float:
    """Pages per second of bare ``trafilatura.extract`` in this process (one core), over ``n`` pages."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    for page in pages:  # warm-up
        trafilatura.extract(page.body)
    started = time.perf_counter()
    for i in range(n):
        trafilatura.extract(pages[i % len(pages)].body)
    return n / (time.perf_counter() - started)


def run(*, n_pages: int = 100_000, workers: int = 0, baseline_pages: int = 2000, store: str | None = None) -> ArchiveResult:
    from yigai.extract_pool import worker_count

    pages = [p for group in collect_pages().values() for p in group]
    n_workers = worker_count(workers)
    with tempfile.TemporaryDirectory(prefix="yigai-bench-archive-") as tmp:
        target = store or str(Path(tmp) / "archive.sqlite3")
        logger.info("filling %s with %d pages …", target, n_pages)
        fill = fill_archive(target, pages, n_pages)
        cfg = Path(tmp) / "yigai.toml"
        line = f'store_url = "{target}"\n' if target.startswith("postgresql://") else f'database = "{target}"\n'
        # parallel_from = 1: a small archive (the smoke test's) is extracted by the workers too
        cfg.write_text(line + f'output_dir = "{Path(tmp) / "out"}"\n[extract]\nworkers = {n_workers}\n'
                       "parallel_from = 1\n", encoding="utf-8")
        logger.info("yigai extract --all with %d workers …", n_workers)
        child = run_child([sys.executable, "-m", "yigai.cli", "extract", "--all", "--config", str(cfg), "-q"],
                          env=project_env(), timeout=6 * 3600)
        if child.returncode not in (0, 1):
            raise RuntimeError(f"extract failed ({child.returncode}): {child.stderr[-2000:]}")
        extracted = int(child.stdout.split("extracted ", 1)[1].split()[0]) if "extracted " in child.stdout else -1
    logger.info("bare trafilatura over %d pages …", baseline_pages)
    baseline = trafilatura_rate(pages, baseline_pages)
    rate = n_pages / child.seconds
    per_core = rate / n_workers
    return ArchiveResult(
        pages=n_pages, unique_pages=len(pages), workers=n_workers, fill_seconds=round(fill, 1),
        extract_seconds=round(child.seconds, 1), pages_per_second=round(rate, 1),
        pages_per_second_per_core=round(per_core, 1), trafilatura_pages_per_second=round(baseline, 1),
        ratio_per_core_vs_trafilatura=round(per_core / baseline, 3), peak_memory_mb=round(child.max_rss_mb, 1),
        peak_process_mb=round(child.peak_process_mb, 1), extracted=extracted,
        store="postgresql" if target.startswith("postgresql://") else "sqlite",
    )


def format_result(r: ArchiveResult) -> str:
    return "\n".join([
        f"re-extraction of {r.pages:,} stored pages ({r.unique_pages} distinct pages, {r.store}), "
        f"{r.workers} worker processes:",
        f"  yigai extract --all  {r.extract_seconds:9.1f} s  {r.pages_per_second:8.1f} pages/s  "
        f"{r.pages_per_second_per_core:7.1f} pages/s per core  ({r.extracted:,} articles)",
        f"  bare trafilatura     {'':9}    {r.trafilatura_pages_per_second:8.1f} pages/s on one core",
        f"  per core, ours / trafilatura = {r.ratio_per_core_vs_trafilatura:.2f}",
        f"  peak memory: {r.peak_memory_mb:.0f} MB (writer + workers), largest process {r.peak_process_mb:.0f} MB",
        f"  (archive filled in {r.fill_seconds:.0f} s, not counted)",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: every core)")
    parser.add_argument("--baseline-pages", type=int, default=2000)
    parser.add_argument("--store", default=None, help="an empty PostgreSQL store to use instead of SQLite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    result = run(n_pages=args.pages, workers=args.workers, baseline_pages=args.baseline_pages, store=args.store)
    print(json.dumps({**result.to_dict(), "machine": machine_info()}, ensure_ascii=False, indent=2) if args.json
          else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
