"""Run every benchmark and rewrite docs/benchmarks.md (``make bench``).

    python bench/run_all.py            # full: extract ×5, crawl 5,000 articles ×3, builds of 1k/10k/100k + Hugo
    python bench/run_all.py --quick    # minutes: extract ×2, crawl 1,000 ×1, builds of 1k/10k
    python bench/run_all.py --from-json bench/results/latest.json   # re-render the page from saved numbers

The raw numbers are saved to bench/results/latest.json; the page is rendered from them. The hand-written
analysis in bench/analysis.md (where the time goes, what would fix it) is appended to the page as it is.
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
import math
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bench import build as build_bench
from bench import crawl as crawl_bench
from bench import extract as extract_bench
from bench import extract_archive as archive_bench
from bench._common import ROOT, machine_info

logger = logging.getLogger(__name__)

DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results" / "latest.json"
ANALYSIS = ROOT / "bench" / "analysis.md"


def run_all(
    *,
    quick: bool = False,
    extract_reps: int | None = None,
    crawl_articles: int | None = None,
    crawl_reps: int | None = None,
    build_sizes: Sequence[int] | None = None,
    with_hugo: bool = True,
    profile: bool = True,
    tmpfs: Path | None = None,
    save: Path | None = None,
    hugo_timeout: float | None = None,
    archive_pages: int | None = None,
) -> dict[str, Any]:
    """Every benchmark; with ``save``, the results so far are written there after each stage (and each build
    size), so an interrupted run still leaves its numbers."""
    started = time.perf_counter()
    out: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "machine": machine_info(),
    }
    logger.info("extract benchmark …")
    out["extract"] = extract_bench.run(repetitions=extract_reps or (2 if quick else 5)).to_dict()
    logger.info("%s", extract_bench.format_result(extract_bench.ExtractResult(**out["extract"])))
    _save(save, out)
    out["extract_archive"] = measure_archive(archive_pages or (10_000 if quick else 100_000))
    _save(save, out)
    logger.info("crawl benchmark …")
    crawl = crawl_bench.run(
        articles=crawl_articles or (1000 if quick else 5000), repetitions=crawl_reps or (1 if quick else 3)
    )
    out["crawl"] = crawl.to_dict()
    logger.info("%s", crawl_bench.format_result(crawl))
    _save(save, out)
    logger.info("crawl benchmark: a night of many hosts …")
    hosts = crawl_bench.run_hosts(hosts=300 if quick else 3000)
    out["crawl_hosts"] = hosts.to_dict()
    logger.info("%s", crawl_bench.format_hosts(hosts))
    _save(save, out)
    logger.info("build benchmark …")
    sizes = list(build_sizes or ((1000, 10000) if quick else (1000, 10000, 100000)))
    if tmpfs is None and Path("/dev/shm").is_dir():
        tmpfs = Path("/dev/shm")

    def progress(partial: build_bench.BuildResult) -> None:
        logger.info("%s", build_bench.format_result(partial))
        _save(save, {**out, "build": partial.to_dict(), "partial": True})

    build = build_bench.run(
        sizes=sizes,
        with_hugo=with_hugo,
        profile=profile,
        tmpfs=tmpfs,
        on_progress=progress,
        hugo_timeout=hugo_timeout,
    )
    out["build"] = build.to_dict()
    logger.info("%s", build_bench.format_result(build))
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def measure_archive(pages: int) -> dict[str, Any]:
    """The re-extraction of an archive of ``pages`` pages on every core, with the load of the machine around it
    (the machine may be shared: a load above its cores says the numbers are low)."""
    logger.info("archive re-extraction benchmark: %d pages …", pages)
    load_before = os.getloadavg()[0]
    result = archive_bench.run(n_pages=pages)
    logger.info("%s", archive_bench.format_result(result))
    return {**result.to_dict(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def _archive_section(ar: dict[str, Any]) -> list[str]:
    return [
        "",
        "### Re-extraction of a whole archive on every core (`bench/extract_archive.py`)",
        "",
        (
            f"`yigai extract --all` over an archive of {_n(ar['pages'])} stored pages ({ar['unique_pages']} distinct "
            f"pages of the table above, each stored many times under its own URL; {ar['store']}), with "
            f"{ar['workers']} worker processes (every core) and one writer; measured {ar.get('date', '?')}, "
            f"load average {ar.get('load_average', '?')} on {ar['workers']} cores."
        ),
        "",
        "| | pages/s | pages/s per core | peak memory (writer + workers) |",
        "|---|---:|---:|---:|",
        (
            f"| `yigai extract --all` ({_n(ar['extract_seconds'], 1)} s) | {_n(ar['pages_per_second'], 1)} | "
            f"{_n(ar['pages_per_second_per_core'], 1)} | {_n(ar['peak_memory_mb'], 0)} MB (largest process "
            f"{_n(ar['peak_process_mb'], 0)} MB) |"
        ),
        f"| bare `trafilatura.extract` in one process | | {_n(ar['trafilatura_pages_per_second'], 1)} | |",
        "",
        (
            f"Per core, the whole re-extraction (reading the pages from the store, extracting, writing the articles, "
            f"grouping syndicated copies) runs at **{_n(ar['ratio_per_core_vs_trafilatura'])}×** the rate of bare "
            "trafilatura on one core."
        ),
    ]


def _save(path: Path | None, results: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------------ rendering
def _yes(met: bool | None) -> str:
    return "**met**" if met else "**missed**"


def _n(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _took(results: dict[str, Any]) -> str:
    return f" in {_n(results['seconds'], 0)} s" if results.get("seconds") else ""


def _hugo_seconds(run: dict[str, Any]) -> str:
    if run.get("did_not_finish_after_seconds"):
        return f"did not finish in {_n(run['did_not_finish_after_seconds'], 0)} s"
    return _n(run.get("seconds"), 1) + _runs(run)


def _rss(run: dict[str, Any]) -> str:
    """Peak memory of a build: the largest sum of RSS over its whole process tree (newer runs), with the
    largest single process; older runs recorded the Python process's peak plus its largest child's."""
    if not run:
        return "–"
    text = f"{_n(run.get('max_rss_mb'), 0)} MB"
    if "peak_process_mb" in run:
        return text
    if run.get("own_rss_mb") and run.get("child_rss_mb"):
        text += f" ({_n(run['own_rss_mb'], 0)} Python + {_n(run['child_rss_mb'], 0)} Pagefind, older method)"
    return text


def _mb(x: Any) -> str:
    text = _n(x, 0)
    return text if text == "–" else f"{text} MB"


def _secs_share(run: dict[str, Any] | None, share: float | None) -> str:
    if not run:
        return "–"
    return f"{_n(run.get('wall_seconds'), 1)} ({_n(100 * share if share is not None else None, 1)}%)"


def _did(run: dict[str, Any] | None) -> str:
    """What a build did: files written, pages rendered, search shards indexed, published or not."""
    if not run:
        return "–"
    parts = [f"{_n(run.get('pages_written'))} written"]
    if run.get("rendered") is not None:
        parts.append(f"{_n(run['rendered'])} rendered")
    if run.get("search_shards") is not None:
        parts.append(
            f"{_n(run.get('search_shards_indexed'))} of {_n(run['search_shards'])} search segments indexed"
        )
    if run.get("published") is False:
        parts.append("nothing published")
    return ", ".join(parts)


def _phase_table(sizes: list[dict[str, Any]], key: str, older_key: str) -> list[str]:
    # ``older_key``: results saved before the timed builds ran without the phase timers kept them there
    runs = [(s["articles"], (s.get(key) or s.get(older_key) or {}).get("phases")) for s in sizes]
    runs = [(n, p) for n, p in runs if p]
    if not runs:
        return []
    names: list[str] = []
    for _n_articles, phases in runs:
        for k in phases:
            if k not in names:
                names.append(k)
    names.sort(key=lambda k: (k == "other", -max(p.get(k, 0) for _a, p in runs)))
    out = ["| phase | " + " | ".join(_n(n) for n, _p in runs) + " |", "|---|" + "---:|" * len(runs)]
    for k in names:
        out.append(f"| {k} | " + " | ".join(_n(p.get(k), 2) for _a, p in runs) + " |")
    return out


def _runs(run: dict[str, Any]) -> str:
    """" (2.1, 1.9, 3.5)": every timed run behind a median, when there were several."""
    times = run.get("runs") or []
    if len(times) < 2:
        return ""
    return " (" + ", ".join("–" if t is None else _n(t, 1) for t in times) + ")"


def _build_section(bd: dict[str, Any]) -> list[str]:
    sizes = bd["sizes"]
    new_method = any("peak_process_mb" in (s.get("full") or {}) for s in sizes)
    days = any(s.get("increment_days") for s in sizes)
    rss_head = "peak RSS, all processes" if new_method else "peak RSS (Python + largest child)"
    lines = [
        (
            "Synthetic stores (rows inserted with one `executemany`): regions across every province/prefecture/county "
            "of the gazetteer (12% national), 1–3 topics, dates over 3 years, 5% syndicated copies, 4% off-topic; "
            "6–12 paragraphs (~1,300 characters) each. Every build runs in its own child process and is timed "
            "from outside (wall time, including Python's start-up). Full builds (ours and Hugo's) are timed "
            "three times below 100,000 articles, ours and Hugo's alternately after a `sync` (a slow spell of the "
            "disk falls on both), and the median is shown, with every run in brackets; once at 100,000 (Hugo's "
            "after our incremental builds)."
        ),
        "",
        (
            "Peak memory: every 10 ms the resident memory (RSS) of the build process and all its descendants "
            "(the search index worker; with Pagefind, its shard indexers, up to 2 at once) is summed; the peak is the largest sum (never less "
            'than the largest single process\'s own high-water mark, VmHWM). "largest process" is that VmHWM.'
            if new_method
            else "Peak memory (older method): the build process's VmHWM plus its largest child's (Pagefind), "
            "sampled from /proc every 10 ms."
        ),
        "",
        (
            (
                "Incremental builds: each adds 100 articles dated on the day after the newest article (a night's "
                "crawl: new stories at the top of every list they belong to; regions, topics, syndicated copies "
                "and off-topic share as generated; the dates are in the second table) and builds into the same "
                "output directory. **First rebuild** = the first build after a full build: nothing from an "
                "earlier build is kept beside the site yet, so the unchanged files are hard-linked from the "
                "published site. **Nightly** = the next night's 100 articles, built again: the previous "
                "generation of the site is now kept beside it, so only what differs from it is written — the "
                "state of every night after the first. **No change** = the same store built once more. Shares "
                "are of the full build's wall time."
            )
            if days
            else (
                "Incremental build (older method): 100 more articles dated at random over the whole 3 years, "
                "built into the same output directory once (the first rebuild after the full build)."
            )
        ),
        "",
        f"| articles | published | files | full s | {rss_head} | largest process | "
        "+100, first rebuild s (share of full) | +100, nightly s (share) | no change s (share) | "
        "full with Pagefind s / peak | creating the files alone s | full into tmpfs s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        full = s["full"]
        nops = s.get("full_pagefind") or {}
        lines.append(
            f"| {_n(s['articles'])} | {_n(s['published'])} | {_n(full['files_total'])} | "
            f"{_n(full['wall_seconds'], 1)}{_runs(full)} | {_rss(full)} | {_mb(full.get('peak_process_mb'))} | "
            f"{_secs_share(s.get('incremental'), s.get('incremental_share'))} | "
            f"{_secs_share(s.get('incremental_steady'), s.get('incremental_steady_share'))} | "
            f"{_secs_share(s.get('no_change'), s.get('no_change_share'))} | "
            f"{_n(nops.get('wall_seconds'), 1)} / {_n(nops.get('max_rss_mb'), 0)} MB | "
            f"{_n((s.get('file_floor') or {}).get('seconds'), 1)} | "
            f"{_n((s.get('full_tmpfs') or {}).get('wall_seconds'), 1)} |"
        )
    for s in sizes:
        lines.extend(f"\nNote ({_n(s['articles'])} articles): {note}." for note in s.get("notes") or [])
    lines += [
        "",
        "What each build did (files written: new or changed bytes; rendered: pages and feeds whose inputs "
        "changed; the rest were kept without rendering):",
        "",
        "| articles | added articles dated | full | +100, first rebuild | +100, nightly | no change |",
        "|---:|---|---|---|---|---|",
    ]
    for s in sizes:
        lines.append(
            f"| {_n(s['articles'])} | {', '.join(s.get('increment_days') or []) or '–'} | "
            f"{_did(s.get('full'))} | {_did(s.get('incremental'))} | "
            f"{_did(s.get('incremental_steady'))} | {_did(s.get('no_change'))} |"
        )
    if any(s.get("hugo_full") for s in sizes):
        lines += [
            "",
            (
                "Hugo builds the same published articles as Markdown (taxonomies region/topic/month with the same "
                "ancestor closure, paginated lists of 30, an RSS feed per term, a minimal theme in "
                "`bench/build.py`; Hugo uses every core). Its +100 builds add the same articles as Markdown and "
                "run `hugo` again (it keeps nothing between runs, so they are full builds). A Hugo build that "
                "runs past its time limit is stopped and reported as unfinished; the ratio is then an upper bound."
            ),
            "",
            "| articles | ours full s | Hugo full s | Hugo peak RSS | Hugo files | Hugo +100 s | Hugo +100 next night s "
            "| Hugo into tmpfs s | ours / Hugo |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in sizes:
            hf = s.get("hugo_full") or {}
            hi, hs = s.get("hugo_incremental") or {}, s.get("hugo_incremental_steady") or {}
            ht = s.get("hugo_full_tmpfs") or {}
            lines.append(
                f"| {_n(s['articles'])} | {_n(s['full']['wall_seconds'], 1)}{_runs(s['full'])} | {_hugo_seconds(hf)} | "
                f"{_n(hf.get('max_rss_mb'), 0)} MB | {_n(hf.get('files_total'))} | {_n(hi.get('seconds'), 1)} | "
                f"{_n(hs.get('seconds'), 1)} | {_n(ht.get('seconds'), 1)} | {_n(s.get('hugo_ratio'))}× |"
            )
    phases_full = _phase_table(sizes, "full_phases", "full")
    if phases_full:
        lines += [
            "",
            (
                "Where our full build spends its time (seconds, from one more full build timed inside the build "
                "process by wrappers around the builder's functions: the builds timed above run without them, as "
                "they cost a few microseconds per page; a function called inside another pauses the outer one's "
                "clock, so each "
                "moment counts once and `other` is what no wrapper covers; rendering is timed separately from the "
                'writer that asks for it). "search index (n-gram)" is the time the build process spends on the '
                "index: making each page's search text, indexing a segment itself (small builds) or handing it to "
                "the worker process and collecting its files; the worker's own indexing overlaps the other phases."
                if new_method
                else "Where our full build spends its time (seconds, timed inside the child by wrappers around each "
                "phase; generators are timed inside `next()`, the writer inside `write()`):"
            ),
            "",
            *phases_full,
        ]
    phases_nightly = _phase_table(sizes, "nightly_phases", "incremental_steady")
    if phases_nightly:
        lines += [
            "",
            "The same for a nightly build (+100 articles of a third day, previous generation kept; one more "
            "build after the timed ones, with the same wrappers):",
            "",
            *phases_nightly,
        ]
    if bd.get("profile_top"):
        lines += [
            "",
            (
                f"cProfile of a full build of {_n(bd.get('profile_size'))} articles (own time, top functions; "
                "profiling slows Python code about 1.5–2×):"
            ),
            "",
            "| own s | cumulative s | calls | function |",
            "|---:|---:|---:|---|",
        ]
        for row in bd["profile_top"]:
            lines.append(
                f"| {_n(row['tottime'])} | {_n(row['cumtime'])} | {_n(row['calls'])} | `{row['function']}` |"
            )
    return lines


def _hosts_section(h: dict[str, Any]) -> list[str]:
    per_source = h["seconds"] / max(h["hosts"], 1) * h["parallel"]
    per_host_requests = round(h["requests"] / max(h["hosts"], 1))
    floor = (per_host_requests - 1) * h["delay"]
    return [
        "### A night of many sources (`bench/crawl.py --hosts`)",
        "",
        (
            f"{h['hosts']:,} generated sources, each on its own host name (`sNNN.bench.test`, resolved to 127.0.0.1 by "
            f"the benchmark's resolver), {h['articles'] // max(h['hosts'], 1)} articles and one list page each, crawled "
            "in one child process as a user's nightly run does, with the crawler's politeness switched on: "
            f"{h['per_domain']} requests at once and {h['delay']} s between request starts per host (the per-host "
            f"gate, `crawler/gate.py`), {h['parallel']} sources crawled at once (`[crawl] parallel_sources`), "
            "AutoThrottle off so the delay is the one set"
            + (f"; measured {h['date']}" if h.get("date") else "")
            + "."
        ),
        "",
        "| sources (hosts) | requests | wall s | requests/s | pages stored | peak RSS | most requests at once on one host |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        (
            f"| {h['hosts']:,} | {h['requests']:,} | {_n(h['seconds'], 1)} | {_n(h['requests'] / max(h['seconds'], 1e-9), 1)} "
            f"| {h['pages_stored']:,} | {_n(h['max_rss_mb'], 0)} MB | {h['peak_per_host']} (limit {h['per_domain']}) |"
        ),
        "",
        (
            f"Politeness alone holds a source at least {_n(floor, 1)} s ({per_host_requests} requests, {h['delay']} s "
            f"apart), {_n(floor * h['hosts'] / h['parallel'] / 60, 1)} min for the night at {h['parallel']} at once; "
            f"each source took {_n(per_source, 1)} s beside its neighbours, {h['hosts']:,} sources "
            f"{_n(h['seconds'] / 60, 1)} min: the rest is the crawler's own work (each source a Scrapy crawler "
            "started, run and closed, every page archived)"
            + (f", on a machine whose load average was {h['load_average']} at the end" if h.get("load_average") else "")
            + f". No host ever had more than {h['peak_per_host']} request at once (limit {h['per_domain']}). "
            f"Responses: {h['responses']}."
        ),
    ]


def render(results: dict[str, Any], analysis: str | None = None) -> str:
    m = results["machine"]
    ex, cr, bd = results["extract"], results["crawl"], results["build"]
    lines = [
        "# Benchmarks",
        "",
        (
            f"Generated by `make bench` (`bench/run_all.py`{' --quick' if results.get('quick') else ''}) on "
            f"{results['date']}{_took(results)}; raw numbers in `bench/results/latest.json`. "
            "Do not edit by hand: rerun the benchmarks (or `python bench/run_all.py --from-json "
            "bench/results/latest.json` after changing only the analysis in `bench/analysis.md`)."
        ),
        "",
        *[f"Note: {note}\n" for note in results.get("notes", [])],
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in m.items()],
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| extraction costs ≤ 1.3× bare trafilatura | {_n(ex['ratio_vs_trafilatura'])}× | {_yes(ex['target_met'])} |",
        (
            f"| incremental crawl of an unchanged web < 10% of the first | {_n(100 * cr['incremental_share'], 1)}% "
            f"| {_yes(cr['target_met'])} |"
        ),
    ]
    names = {
        "full_under_2_min": ("100,000 articles fully built in < 2 min", "s"),
        "peak_under_1_gb": ("… with < 1 GB peak memory (all build processes together)", " MB"),
        "incremental_under_5_percent": ("nightly build after adding 100 articles < 5% of the full build", ""),
        "within_3x_hugo": ("full build within 3× Hugo's", "×"),
    }
    targets = bd.get("targets", {})
    size = targets.get("size")
    for key, (label, unit) in names.items():
        t = targets.get(key)
        if not t:
            continue
        if key == "incremental_under_5_percent":
            if "cold_value" in t:
                value = (
                    f"{_n(100 * t['value'], 1)}% on a night after a night (the previous generation of the site "
                    f"kept beside it); the first rebuild after a full build: {_n(100 * t['cold_value'], 1)}%"
                )
            else:
                value = (
                    f"{_n(100 * t['value'], 1)}% (the first rebuild after a full build; nightly not measured)"
                )
        elif t.get("by_size"):
            value = "; ".join(f"{_n(ratio, 2)}{unit} at {_n(int(n))}" for n, ratio in t["by_size"].items())
        else:
            value = f"{_n(t['value'], 2)}{unit}"
        if t.get("note"):
            value += f" ({t['note']})"
        where = "at every size" if t.get("by_size") else f"at {_n(size)} articles"
        lines.append(f"| {label} ({where}) | {value} | {_yes(t['met'])} |")

    # extract
    lines += [
        "",
        "## 1. Extraction (`bench/extract.py`)",
        "",
        f"{ex['pages']} pages ({ex['megabytes']} MB: "
        + ", ".join(f"{k} {v}" for k, v in ex["groups"].items())
        + f"), same process, one untimed warm-up pass, then {ex['repetitions']} timed passes per method "
        "(order rotating); medians.",
        "",
        "| method | median s / pass | pages/s | vs bare trafilatura |",
        "|---|---:|---:|---:|",
    ]
    labels = {
        "lxml": "`lxml.html.fromstring` (parse only: the floor)",
        "trafilatura": "bare `trafilatura.extract(html)`",
        "ours": "ours: `extract.extract_article` (trafilatura + normalisation + metadata + regions + topics + "
        "fingerprint)",
    }
    base = ex["median_seconds"].get("trafilatura") or float("nan")
    for name in ("lxml", "trafilatura", "ours"):
        if name in ex["median_seconds"]:
            lines.append(
                f"| {labels[name]} | {_n(ex['median_seconds'][name], 3)} | {_n(ex['pages_per_second'][name], 1)} | "
                f"{_n(ex['median_seconds'][name] / base)}× |"
            )
    lines += [
        "",
        f"Ours costs **{_n(ex['ratio_vs_trafilatura'])}×** bare trafilatura (target ≤ 1.3×); trafilatura itself "
        f"costs {_n(ex['ratio_trafilatura_vs_lxml'], 0)}× parsing alone. Failures: {ex['failures']}. "
        f"All passes (s): " + "; ".join(f"{k} {v}" for k, v in ex["seconds"].items()) + ".",
    ]
    if results.get("extract_archive"):
        lines += _archive_section(results["extract_archive"])

    # crawl
    sb = cr.get("scrapy_bench") or {}
    first, inc, inc2 = cr["first"], cr["incremental"], cr["incremental_no_304"]
    lines += [
        "",
        "## 2. Crawl (`bench/crawl.py`)",
        "",
        (
            f"A generated web of {_n(cr['articles'])} articles on {cr['sources']} sites ({cr['list_pages']} list pages, "
            f"{cr['web_megabytes']} MB of HTML; articles 15–25 KB with navigation, header, related links, footer), "
            "served from memory on 127.0.0.1 by a threaded HTTP/1.1 server (ETag, If-None-Match → 304). Our crawler "
            "runs as the pipeline runs it (`python -m crawler.process`, a child process, with a temporary settings file, "
            "registry and store), AutoThrottle off, no delay, 32 concurrent requests per site. "
            f"Median of {cr.get('repetitions', 1)} runs, each on a fresh store."
        ),
        "",
        "| run | wall s | pages fetched | pages/s (wall) | pages/s (first→last request) | peak RSS |",
        "|---|---:|---:|---:|---:|---:|",
        (
            f"| first crawl | {_n(first['seconds'])} | {_n(first['responses'].get('200', 0))} | "
            f"{_n(cr['pages_per_second'], 1)} | {_n(cr['pages_per_second_window'], 1)} | {_n(first['max_rss_mb'], 0)} MB |"
        ),
        (
            f"| second crawl, unchanged web | {_n(inc['seconds'])} ({_n(100 * cr['incremental_share'], 1)}% of the first) "
            f"| {_n(inc['responses'].get('200', 0))} (+{_n(inc['responses'].get('304', 0))} × 304) | | | "
            f"{_n(inc['max_rss_mb'], 0)} MB |"
        ),
        (
            f"| second crawl, server ignoring validators | {_n(inc2['seconds'])} ({_n(100 * (inc2.get('share') or 0), 1)}%) "
            f"| {_n(inc2['responses'].get('200', 0))} | | | {_n(inc2['max_rss_mb'], 0)} MB |"
        ),
    ]
    if sb:
        lines += [
            (
                f"| `scrapy bench` (same machine, same script; {sb.get('responses', '?')} pages in "
                f"{_n(sb.get('elapsed_seconds'), 1)} s) | | | {_n(sb.get('median_pages_per_second'), 1)} "
                f"(median of its per-second reports: {_n(sb.get('median_pages_per_min'), 0)} pages/min; "
                f"run average {_n(sb.get('average_pages_per_min'), 0)} pages/min) | | |"
            ),
        ]
    if sb.get("median_pages_per_second"):
        ratio = cr["pages_per_second_window"] / sb["median_pages_per_second"]
        lines += [
            "",
            (
                f"Our crawler fetches and archives at **{_n(ratio)}×** the rate of `scrapy bench` (which only follows "
                "links of tiny generated pages and stores nothing; ours parses every list page, archives every page "
                "zlib-compressed in SQLite in its own transaction and records crawl state per URL). At the measured "
                f"rate a nightly run over 300 sources × 50 new pages needs about "
                f"{_n(300 * 50 / max(cr['pages_per_second'], 0.1) / 60, 1)} min of crawler time; real sites are slower "
                "(politeness delays, AutoThrottle), so the night is bound by the sites, not by us."
            ),
        ]
    lines += [
        "",
        f"All first-run wall times: {first.get('all_seconds')}; second runs: {inc.get('all_seconds')}.",
    ]

    if results.get("crawl_hosts"):
        lines += ["", *_hosts_section(results["crawl_hosts"])]

    # build
    lines += ["", "## 3. Site build (`bench/build.py`)", "", *_build_section(bd)]
    if analysis:
        lines += ["", analysis.strip()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions (minutes)")
    parser.add_argument("--extract-reps", type=int)
    parser.add_argument("--crawl-articles", type=int)
    parser.add_argument("--crawl-reps", type=int)
    parser.add_argument("--build-sizes", help="comma-separated, e.g. 1000,10000,100000")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--hugo-timeout", type=float, help="seconds per Hugo build (default 900; 600 from 100,000 articles)"
    )
    parser.add_argument("--from-json", type=Path, help="render docs/benchmarks.md from saved results only")
    parser.add_argument(
        "--add-crawl-hosts",
        type=int,
        metavar="N",
        help="with --from-json: time a night of N sources on N hosts (bench/crawl.py --hosts) and add it",
    )
    parser.add_argument(
        "--add-archive", type=int, metavar="PAGES",
        help="with --from-json: measure the re-extraction of an archive of PAGES pages and add it",
    )
    parser.add_argument("--archive-pages", type=int, help="pages of the archive re-extracted (default 100,000)")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.from_json:
        results = json.loads(args.from_json.read_text(encoding="utf-8"))
        if args.add_crawl_hosts:
            logger.info("crawl benchmark: a night of %d hosts …", args.add_crawl_hosts)
            results["crawl_hosts"] = crawl_bench.run_hosts(hosts=args.add_crawl_hosts).to_dict()
            results["crawl_hosts"]["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            _save(args.results, results)
        if args.add_archive:
            results["extract_archive"] = measure_archive(args.add_archive)
            _save(args.results, results)
    else:
        results = run_all(
            quick=args.quick,
            extract_reps=args.extract_reps,
            crawl_articles=args.crawl_articles,
            crawl_reps=args.crawl_reps,
            build_sizes=[int(x) for x in args.build_sizes.split(",")] if args.build_sizes else None,
            with_hugo=not args.no_hugo,
            profile=not args.no_profile,
            save=args.results,
            hugo_timeout=args.hugo_timeout,
            archive_pages=args.archive_pages,
        )
        _save(args.results, results)
    analysis = ANALYSIS.read_text(encoding="utf-8") if ANALYSIS.is_file() else None
    args.doc.write_text(render(results, analysis), encoding="utf-8")
    logger.info("wrote %s", args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
