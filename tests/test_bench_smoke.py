"""Tiny runs of every benchmark (bench/), so they cannot rot. No timing assertions: only that each bench
measured what it says it measures and produced sane numbers and structure."""

from __future__ import annotations

import math
import re
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bench import build as build_bench
from bench import crawl as crawl_bench
from bench import extract as extract_bench
from bench import run_all
from bench._common import machine_info, run_child


def _positive(x: float) -> bool:
    return isinstance(x, float | int) and not math.isnan(x) and x > 0


@pytest.fixture(scope="module")
def extract_result() -> extract_bench.ExtractResult:
    return extract_bench.run(repetitions=1, per_group=1)


def test_extract_bench_measures_all_three_methods_on_the_same_pages(extract_result):
    r = extract_result
    assert r.pages == sum(r.groups.values()) >= 2  # one page per group (gne only where the corpus exists)
    assert set(r.median_seconds) == {"ours", "trafilatura", "lxml"}
    assert all(len(v) == 1 for v in r.seconds.values())
    assert all(_positive(v) for v in r.pages_per_second.values())
    assert r.failures == 0
    assert _positive(r.ratio_vs_trafilatura)
    assert r.target_met == (r.ratio_vs_trafilatura <= extract_bench.TARGET_RATIO)
    assert "ours / trafilatura" in extract_bench.format_result(r)


def test_generated_web_links_every_article_from_its_list_pages():
    web = crawl_bench.generate_web(45, 2)
    assert len(web.articles) == 45
    assert web.list_pages == {"s000": 2, "s001": 2}  # 23 and 22 articles, 20 per list page
    linked = set()
    for source in web.sources:
        for name in ["index.html"] + [f"index_{n}.html" for n in range(1, web.list_pages[source])]:
            body = web.files[f"/{source}/{name}"][0].decode()
            assert "createPageHTML(2," in body
            linked |= {
                f"/{source}/{href[2:]}" for href in __import__("re").findall(r'href="(\./[^"]+)"', body)
            }
    assert linked == set(web.articles)
    assert web.files[web.articles[0]][1].startswith("text/html")


def test_crawl_bench_crawls_everything_then_almost_nothing(tmp_path):
    r = crawl_bench.run(articles=30, repetitions=1, with_scrapy_bench=False, timeout=120)
    assert r.articles_stored == 30
    # first run: robots.txt + 2 list pages + 30 articles
    assert r.first["responses"] == {"200": 33}
    assert r.first["returncode"] == 0
    # second run over the unchanged web: the first list page answers 304 (so its pager is not read again),
    # no article is fetched again
    assert r.incremental["responses"].get("304") == 1
    assert r.incremental["responses"].get("200") == 1  # robots.txt only
    # without validators every list page is read again, but still no article
    assert r.incremental_no_304["responses"] == {"200": 3}
    assert _positive(r.pages_per_second) and _positive(r.incremental_share)
    assert r.first["max_rss_mb"] > 20  # a Python + Scrapy process, measured from /proc
    assert "incremental" in crawl_bench.format_result(r)


def test_scrapy_bench_log_is_parsed():
    log = (
        "2026-01-01 [scrapy.extensions.logstats] INFO: Crawled 0 pages (at 0 pages/min), scraped 0 items\n"
        "2026-01-01 [scrapy.extensions.logstats] INFO: Crawled 120 pages (at 7200 pages/min), scraped 0 items\n"
        "2026-01-01 [scrapy.extensions.logstats] INFO: Crawled 250 pages (at 7800 pages/min), scraped 0 items\n"
        "2026-01-01 [scrapy.extensions.logstats] INFO: Crawled 370 pages (at 7500 pages/min), scraped 0 items\n"
        "{'elapsed_time_seconds': 4.0,\n 'response_received_count': 400,\n"
    )
    parsed = crawl_bench.parse_scrapy_bench_log(log)
    assert parsed["median_pages_per_min"] == 7500
    assert parsed["median_pages_per_second"] == 125.0
    assert parsed["average_pages_per_min"] == 6000


def test_article_factory_rows_look_like_store_rows():
    factory = build_bench.ArticleFactory(seed=1)
    rows = [factory.row(n) for n in range(200)]
    assert len({r["id"] for r in rows}) == 200
    assert any(r["national"] for r in rows) and any(not r["national"] for r in rows)
    assert any(r["is_original"] == 0 for r in rows)
    md = build_bench.hugo_markdown(rows[0])
    assert md.startswith("+++\ntitle = ") and "regions = [" in md


def test_article_factory_nights_come_after_the_store_and_leave_it_unchanged():
    factory = build_bench.ArticleFactory(seed=3)
    rows = [factory.row(n) for n in range(120)]
    nights = factory.nights(rows, 120, nights=2, per_night=30)
    plain = build_bench.ArticleFactory(seed=3)
    assert [plain.row(n) for n in range(120)] == rows  # the main rows do not depend on the nights
    again = build_bench.ArticleFactory(seed=3)
    again_rows = [again.row(n) for n in range(120)]
    assert again.nights(again_rows, 120, nights=2, per_night=30) == nights  # deterministic
    newest = max(datetime.fromisoformat(r["published"]) for r in rows)
    (day1, night1), (day2, night2) = nights
    assert len(night1) == len(night2) == 30
    assert date.fromisoformat(day2) - date.fromisoformat(day1) == timedelta(days=1)
    for day, batch in nights:
        for r in batch:
            published = datetime.fromisoformat(r["published"])
            assert published > newest and published.date().isoformat() == day
    # everything but the date (and a policy document's 文号, whose year is its date's) is as generated: the same
    # stream as plain rows 120..179
    later = [plain.row(n) for n in range(120, 180)]

    def undated(row: dict) -> dict:
        return {k: re.sub(r"\\u3014\d{4}\\u3015", "〔〕", v) if k == "meta_json" else v
                for k, v in row.items() if k != "published"}

    assert any("doc_number\": \"\\u" in r["meta_json"] for r in later)  # the 文号 case is in the stream
    assert [undated(r) for r in later] == [undated(r) for r in night1 + night2]


def test_instrument_wraps_only_what_exists_and_counts_each_moment_once(monkeypatch):
    import types

    # A clock the fake builder advances itself: timed with real sleeps, the test failed under load (a 20 ms
    # sleep measured 50 ms beside busy processes); what it checks is the bookkeeping, not the clock.
    clock = [0.0]

    def spend(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(build_bench, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    fake = types.ModuleType("bench_fake_builder")

    class Writer:
        def write(self, data):
            spend(0.02)
            return self.emit(data)

        def emit(self, data):
            spend(0.03)
            return data

    def outer():
        spend(0.02)
        return Writer().write(1)

    fake.Writer = Writer
    fake.outer = outer
    monkeypatch.setitem(sys.modules, "bench_fake_builder", fake)
    monkeypatch.setattr(build_bench, "_PHASES", {})
    table = (
        ("bench_fake_builder", None, "outer", "outer"),
        ("bench_fake_builder", "Writer", "write", "writer"),
        ("bench_fake_builder", "Writer", "emit", "emit"),
        ("bench_fake_builder", "Writer", "gone", "never"),
        ("bench_fake_builder", "Missing", "write", "never"),
        ("bench_no_such_module", None, "f", "never"),
    )
    wrapped = build_bench._instrument(table)
    assert len(wrapped) == 3
    assert build_bench._instrument(table) == []  # wrapping twice does nothing
    assert fake.outer() == 1
    phases = build_bench._PHASES
    assert phases == pytest.approx({"outer": 0.02, "writer": 0.02, "emit": 0.03})  # each moment counted once
    assert sum(phases.values()) == pytest.approx(clock[0])


def test_build_bench_builds_ours_and_hugo(tmp_path, monkeypatch):
    with_hugo = shutil.which("hugo") is not None
    calls: list[str] = []  # which tool built, in order (the real builds run)
    for name, tool in (("_our_build", "ours"), ("hugo_build", "hugo")):
        real = getattr(build_bench, name)
        monkeypatch.setattr(
            build_bench, name, lambda *a, _real=real, _tool=tool, **k: calls.append(_tool) or _real(*a, **k)
        )
    r = build_bench.run(sizes=[50], with_hugo=with_hugo, profile=True, tmpfs=None, keep=tmp_path)
    (s,) = r.sizes
    assert s.articles == 50 and 0 < s.published <= 50
    assert s.full["files_total"] > s.published  # article pages plus lists, feeds, sitemap …
    assert s.full["pages_written"] == s.full["files_total"]  # first build: everything is new
    assert s.incremental["files_unchanged"] > 0  # second build: unchanged files are kept
    assert s.file_floor["files"] >= s.full["files_total"] - 1
    assert _positive(s.full["max_rss_mb"]) and _positive(s.incremental_share)
    # the timed builds run without the phase timers; one more build of each kind has them
    assert "phases" not in s.full and "phases" not in s.incremental_steady
    assert "pages: articles" in s.full_phases["phases"] and "writer" in s.full_phases["phases"]
    assert s.full_phases["phases"]["other"] >= -0.01  # phases never overlap: they add up to at most the build
    assert s.full_phases["files_total"] == s.full["files_total"]
    assert s.full_phases["phases"]["read store + context"] > 0
    # one build path: a nightly build reads the store's lists as a full one does
    assert s.nightly_phases["phases"]["read store + context"] > 0
    assert s.nightly_phases["files_total"] > s.no_change["files_total"]
    # nightly increments: the next day's articles (cold, steady, timed by phase), and a build with nothing new
    assert len(s.increment_days) == 3 and s.increment_days[0] < s.increment_days[1] < s.increment_days[2]
    for b, share in (
        (s.incremental, s.incremental_share),
        (s.incremental_steady, s.incremental_steady_share),
        (s.no_change, s.no_change_share),
    ):
        assert _positive(b["wall_seconds"]) and _positive(share) and _positive(b["max_rss_mb"])
        assert b["max_rss_mb"] >= b["peak_process_mb"] > 0
    assert s.incremental_steady["files_total"] > s.incremental["files_total"] > s.full["files_total"]
    assert s.no_change["files_total"] == s.incremental_steady["files_total"]
    if s.no_change.get("published") is False:  # the builder says it left the site as it was
        assert s.no_change["pages_written"] == 0
    if s.no_change.get("rendered") is not None:
        assert s.no_change["rendered"] < s.full["rendered"]
    assert "search index (n-gram)" in s.full_phases["phases"]  # the default index, built in the build's process
    assert s.full["search_shards"] == s.full["search_shards_indexed"] >= 1
    assert r.profile_size == 50 and r.profile_top
    t = r.targets["incremental_under_5_percent"]
    assert t["value"] == s.incremental_steady_share and t["cold_value"] == s.incremental_share
    assert "+100 (steady)" in build_bench.format_result(r)
    assert len(s.full["runs"]) == build_bench.full_runs(50) == 3
    if with_hugo:
        # timed three times each, alternately, so a slow spell of the disk does not fall on one tool alone
        assert calls[:6] == ["ours", "hugo"] * 3 and len(s.hugo_full["runs"]) == 3
        assert s.hugo_full["files_total"] > s.published
        assert _positive(s.hugo_ratio)
        assert s.hugo_incremental_steady["files_total"] > s.hugo_incremental["files_total"]


def test_default_hugo_timeout_is_shorter_for_the_largest_store():
    assert build_bench.default_hugo_timeout(100_000) == build_bench.HUGO_TIMEOUT_100K < 20 * 60
    assert build_bench.default_hugo_timeout(10_000) == build_bench.HUGO_TIMEOUT


def test_run_child_measures_its_own_child_not_the_parent():
    ballast = bytearray(300 * 1024 * 1024)  # a big parent must not make a small child look big
    run = run_child(["python3", "-c", "import time; x = bytearray(50 * 1024 * 1024); time.sleep(0.3)"])
    del ballast
    assert run.returncode == 0
    assert 45 < run.max_rss_mb < 200


def test_run_child_adds_up_processes_that_run_at_once():
    # two grandchildren of 60 MB each, alive at the same time (started from threads, as Pagefind shards are)
    code = (
        "import subprocess, sys, threading\n"
        "grand = 'import time; x = bytearray(60 * 1024 * 1024); time.sleep(0.6)'\n"
        "procs = []\n"
        "threads = [threading.Thread(target=lambda: procs.append(subprocess.Popen([sys.executable, '-c', grand])))"
        " for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]; [p.wait() for p in procs]\n"
    )
    run = run_child([sys.executable, "-c", code])
    assert run.returncode == 0
    assert run.descendants == 2 and run.max_processes == 3
    assert 60 < run.peak_process_mb < 100  # one grandchild
    assert run.max_rss_mb > 2 * 60  # both grandchildren (and the parent) together


def test_run_child_does_not_count_a_forked_child_twice_before_it_execs():
    # A 200 MB parent spawning short programs: between fork and exec each child shows the parent's 200 MB as
    # its own; summing them would report ~400 MB for a tree that never used more than ~200 MB.
    code = (
        "import subprocess, time\n"
        "ballast = b'x' * (200 * 1024 * 1024)\n"
        "for _ in range(30):\n"
        "    subprocess.run(['true'], preexec_fn=lambda: time.sleep(0.006))\n"
    )
    run = run_child([sys.executable, "-c", code])
    assert run.returncode == 0
    assert 190 < run.max_rss_mb < 300


def test_render_writes_every_section(extract_result, tmp_path):
    results = {
        "date": "2026-01-01 00:00 UTC",
        "quick": True,
        "seconds": 1.0,
        "machine": machine_info(),
        "extract": extract_result.to_dict(),
        "crawl": crawl_bench.CrawlResult(
            articles=30,
            sources=1,
            list_pages=2,
            web_megabytes=0.3,
            first={"seconds": 2.0, "window_seconds": 1.0, "responses": {"200": 33}, "max_rss_mb": 90.0},
            incremental={
                "seconds": 0.5,
                "window_seconds": 0.0,
                "responses": {"200": 1, "304": 2},
                "max_rss_mb": 80.0,
            },
            incremental_no_304={"seconds": 0.6, "responses": {"200": 3}, "max_rss_mb": 80.0, "share": 0.3},
            pages_per_second=16.5,
            pages_per_second_window=33.0,
            incremental_share=0.25,
            scrapy_bench={"median_pages_per_min": 7200, "median_pages_per_second": 120.0},
        ).to_dict(),
        "build": build_bench.BuildResult(
            sizes=[
                build_bench.SizeResult(
                    articles=50,
                    published=45,
                    generate_seconds=0.1,
                    full={
                        "wall_seconds": 2.0,
                        "max_rss_mb": 100.0,
                        "files_total": 300,
                        "phases": {"feeds": 0.5},
                    },
                    incremental={"wall_seconds": 1.5, "max_rss_mb": 100.0, "files_total": 300, "phases": {}},
                    incremental_steady={
                        "wall_seconds": 0.5,
                        "max_rss_mb": 90.0,
                        "peak_process_mb": 60.0,
                        "files_total": 305,
                        "pages_written": 20,
                        "rendered": 25,
                        "phases": {"writer": 0.1},
                    },
                    no_change={
                        "wall_seconds": 0.3,
                        "files_total": 305,
                        "pages_written": 0,
                        "published": False,
                    },
                    increment_days=["2024-12-31", "2025-01-01"],
                    incremental_share=0.75,
                    incremental_steady_share=0.25,
                    no_change_share=0.15,
                    hugo_full={"seconds": None, "did_not_finish_after_seconds": 600, "max_rss_mb": 50.0},
                    hugo_ratio=0.01,
                )
            ],
            targets={
                "size": 50,
                "incremental_under_5_percent": {
                    "value": 0.25,
                    "target": 0.05,
                    "met": False,
                    "cold_value": 0.75,
                    "cold_met": False,
                },
            },
        ).to_dict(),
    }
    text = run_all.render(results, "## Analysis\n\nhand-written")
    for heading in (
        "## Machine",
        "## Targets",
        "## 1. Extraction",
        "## 2. Crawl",
        "## 3. Site build",
        "## Analysis",
    ):
        assert heading in text
    assert "**missed**" in text and "Hugo" in text
    assert "25.0% on a night after a night" in text and "first rebuild after a full build: 75.0%" in text
    assert "0.5 (25.0%)" in text and "nothing published" in text and "did not finish in 600 s" in text
    assert "2024-12-31, 2025-01-01" in text
    assert str(Path(run_all.DOC).relative_to(run_all.ROOT)) == "docs/benchmarks.md"


def test_within_3x_hugo_holds_only_if_it_holds_at_every_size():
    def size(articles: int, ratio: float, finished: bool = True) -> build_bench.SizeResult:
        hugo = {"seconds": 1.0} if finished else {"seconds": None, "did_not_finish_after_seconds": 600}
        return build_bench.SizeResult(
            articles=articles,
            published=articles,
            generate_seconds=0.1,
            full={"wall_seconds": ratio, "max_rss_mb": 100.0},
            incremental_steady_share=0.1,
            hugo_full=hugo,
            hugo_ratio=ratio,
        )

    small_slow = build_bench.evaluate_targets(build_bench.BuildResult(sizes=[size(1000, 3.25), size(100_000, 0.1, False)]))
    t = small_slow["within_3x_hugo"]
    assert not t["met"] and t["value"] == 3.25 and t["by_size"] == {"1000": 3.25, "100000": 0.1}
    assert "unfinished at 100,000" in t["note"]
    everywhere = build_bench.evaluate_targets(build_bench.BuildResult(sizes=[size(1000, 2.9), size(10_000, 1.3)]))
    assert everywhere["within_3x_hugo"]["met"] and "note" not in everywhere["within_3x_hugo"]


def test_hugo_extras_are_skipped_when_its_full_build_takes_most_of_its_limit(tmp_path, monkeypatch):
    """Hugo keeps nothing between runs: when its full build took more than half its time limit, its +100 builds
    and its build into tmpfs (full builds again, likely to pass the limit) are not run, and the result says so."""
    calls: list[Path | None] = []

    def slow_hugo(root, hugo, timeout, destination=None):
        calls.append(destination)
        return {"seconds": 0.6 * timeout, "files_total": 1, "max_rss_mb": 1.0}

    monkeypatch.setattr(build_bench, "hugo_build", slow_hugo)
    monkeypatch.setattr(build_bench.shutil, "which", lambda name: "/usr/bin/" + name)
    r = build_bench.run(sizes=[20], with_hugo=True, tmpfs=tmp_path, keep=tmp_path, hugo_timeout=100)
    (s,) = r.sizes
    assert len(calls) == build_bench.full_runs(20) == 3  # the alternating full builds, nothing more
    assert s.hugo_full["seconds"] == 60 and s.hugo_ratio == round(s.full["wall_seconds"] / 60, 2)
    assert not s.hugo_incremental and not s.hugo_full_tmpfs
    assert any("were not run" in note for note in s.notes)


def test_archive_bench_re_extracts_every_page_with_every_core_and_renders():
    from bench import extract_archive

    result = extract_archive.run(n_pages=70, workers=2, baseline_pages=10)
    assert result.extracted == 70 and result.workers == 2 and result.store == "sqlite"
    # Both are rounded to 0.1 from the same unrounded rate (11.26 → 11.3 and 5.63 → 5.6): compare within that.
    assert abs(result.pages_per_second_per_core - result.pages_per_second / 2) <= 0.051
    assert result.peak_memory_mb >= result.peak_process_mb > 0  # the writer and its workers, added up
    section = "\n".join(run_all._archive_section({**result.to_dict(), "date": "today", "load_average": [1, 1]}))
    assert "70 stored pages" in section and "pages/s per core" in section
