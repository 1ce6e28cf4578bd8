"""Extraction on every core: worker processes extract, one writer saves; the result is the same as in one
process, on either engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from yigai.config import load_settings
from yigai.store import FetchedPage, Store

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "yigai" / "sample_web" / "sites"


def _fill(store: Store) -> int:
    """Every page of the bundled sample web, stored as an article page (lists and off-topic pages included:
    extraction must treat them as it does in one process), plus a binary answer and an empty one."""
    n = 0
    for path in sorted(SITES.rglob("*.htm*")):
        url = f"http://sample.test/{path.relative_to(SITES).as_posix()}"
        store.save_page(FetchedPage(url, url, "sample", "article", 200, path.read_bytes()))
        n += 1
    for name, body in (("bin", bytes(range(256)) * 40), ("empty", b" \n")):
        url = f"http://sample.test/{name}.html"
        store.save_page(FetchedPage(url, url, "sample", "article", 200, body, {"Content-Type": "text/html"}))
    return n + 2


def _settings(tmp_path: Path, store: str, workers: int, parallel_from: int):
    cfg = tmp_path / f"yigai-{workers}.toml"
    cfg.write_text(f'database = "{tmp_path / "unused.sqlite3"}"\noutput_dir = "{tmp_path / "out"}"\n'
                   f"[extract]\nworkers = {workers}\nparallel_from = {parallel_from}\n", encoding="utf-8")
    settings = load_settings(cfg)
    return settings


def _articles(store: Store) -> dict[str, dict]:
    rows = (dict(r) for r in store.articles())
    return {r["id"]: {k: v for k, v in r.items() if k not in ("extracted_at", "rev")} for r in rows}


def test_workers_extract_what_one_process_does_and_one_writer_saves_it(tmp_path, store_target):
    from yigai import stages

    pages = 0
    with Store(tmp_path / "single.sqlite3") as single:
        pages = _fill(single)
        one = stages.run_extract_stage(single, _settings(tmp_path, "", 1, 1))
        expected = _articles(single)
    seen_pids: set[int] = set()
    original = stages.record_outcomes

    def spy(store, outcomes, report):
        seen_pids.update(o.pid for o in outcomes)
        return original(store, outcomes, report)

    with Store(store_target) as store:
        assert _fill(store) == pages
        mp = pytest.MonkeyPatch()
        mp.setattr(stages, "record_outcomes", spy)
        mp.setattr(stages, "EXTRACT_BATCH", 4)  # 14 batches for the two processes
        try:
            many = stages.run_extract_stage(store, _settings(tmp_path, store_target, 2, 1))
        finally:
            mp.undo()
        assert len(seen_pids) == 2 and os.getpid() not in seen_pids  # two worker processes did the work
        assert _articles(store) == expected
        assert (many.pages, many.extracted, many.new, many.relevant, many.failed, many.not_pages, many.duplicates) \
            == (one.pages, one.extracted, one.new, one.relevant, one.failed, one.not_pages, one.duplicates)
        assert many.not_pages == {"binary": 1, "empty_body": 1} and many.new > 20
        again = stages.run_extract_stage(store, _settings(tmp_path, store_target, 2, 1))
        assert (again.pages, again.extracted) == (2, 0)  # all extracted; the two answers that are no page stay
        redo = stages.run_extract_stage(store, _settings(tmp_path, store_target, 2, 1), all_pages=True)
        assert redo.extracted == many.extracted and redo.unchanged == many.extracted and redo.changed == 0


def test_small_jobs_stay_in_one_process(tmp_path):
    from yigai.stages import EXTRACT_BATCH, extract_workers

    settings = _settings(tmp_path, "", 8, 200)
    assert extract_workers(settings, 199) == 1
    assert extract_workers(settings, 5000) == 8
    assert extract_workers(_settings(tmp_path, "", 8, 1), 2 * EXTRACT_BATCH + 1) == 3  # no idle processes
    every_core = extract_workers(_settings(tmp_path, "", 0, 1), 100_000)
    assert every_core == len(os.sched_getaffinity(0))
