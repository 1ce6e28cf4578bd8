"""Search on a phone's budget: what one query costs a reader, in Chromium, on sites of N generated articles.

For each size: the build benchmark's store (``bench.build.ArticleFactory``: same seed, same articles), a full
build, then the site served on 127.0.0.1 and, for each query below, a fresh browser page (an empty cache, as a
reader's first search) that opens ``search.html``, submits the query and waits for the results. Counted from
the submit: the requests the page makes and the bytes of their bodies, and the time until the first result is
in the page (a MutationObserver in the page, so the driver's own round trips do not count). The page's own
load (search.html, search.js, the filter lists) is not part of a query. Each query's results are checked
against ``search_files`` of tests/support/search_reader.py (the same search in Python), and the nightly build after adding 100
articles is timed with the search files it wrote.

    python bench/search.py [--sizes 10000,100000] [--doc docs/benchmarks.md]

Writes a section of docs/benchmarks.md (between markers) and bench/results/search.json.
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
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results" / "search.json"
BEGIN, END = "<!-- search-bench:begin -->", "<!-- search-bench:end -->"
CHROMIUM = Path(os.environ.get("YIGAI_CHROMIUM", "/usr/bin/chromium"))
TARGET_BYTES = 500 * 1024
TARGET_FIRST_MS = 1000


@dataclass(frozen=True)
class Query:
    label: str
    text: str
    province: str = ""  # filters and sort, set in the page's form as a reader would
    topic: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"


QUERIES = [
    Query("医共体", "医共体"),
    Query("河南 医共体", "河南 医共体"),
    Query("国家区域医疗中心", "国家区域医疗中心"),
    Query("卫健委 (synonyms)", "卫健委"),
    Query("醫共體 (Traditional)", "醫共體"),
    Query("医共体, 河南省, by date", "医共体", province="410000", sort="date"),
    Query("医保 + topic + 2024", "医保", topic="payment_reform", date_from="2024-01-01", date_to="2024-12-31"),
]


def measure(page: Any, base_url: str, query: Query) -> dict[str, Any]:
    """Open the search page, set ``query``'s filters, submit its text; what it cost from the submit."""
    page.goto(base_url + "search.html")
    page.wait_for_load_state("networkidle")
    page.locator("#search-options summary").click()  # the filters are folded away on a phone's screen
    if query.province:
        page.select_option("#search-province", query.province)
        page.wait_for_load_state("networkidle")  # the province's cities and counties, for the next list
    if query.topic:
        page.select_option("#search-topic", query.topic)
    page.fill("#search-from", query.date_from)
    page.fill("#search-to", query.date_to)
    page.select_option("#search-sort", query.sort)
    page.fill("#search-q", query.text)
    responses: list[Any] = []

    def record(response: Any) -> None:
        responses.append(response)

    page.on("response", record)
    page.evaluate(
        """() => {
            const results = document.getElementById("search-results");
            window.__first = null;
            new MutationObserver((_m, observer) => {
                if (results.firstChild) { window.__first = performance.now(); observer.disconnect(); }
            }).observe(results, {childList: true});
            document.getElementById("search-form").removeAttribute("data-done");
            window.__t0 = performance.now();
            document.getElementById("search-form").requestSubmit();
        }"""
    )
    page.wait_for_selector("#search-form[data-done]", timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", record)
    first = page.evaluate("() => window.__first === null ? null : window.__first - window.__t0")
    hrefs = page.locator("#search-results a.story-title").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    sizes = [len(r.body()) for r in responses if r.ok]
    return {
        "query": query.label,
        "requests": len(responses),
        "bytes": sum(sizes),
        "largest": max(sizes, default=0),
        "first_results_ms": round(first, 1) if first is not None else None,
        "shown": len(hrefs),
        "status": page.locator("#search-status").inner_text(),
        "hrefs": hrefs,
    }


def expected(root: Path, query: Query) -> tuple[int, list[str]]:
    """What ``search_files`` finds for ``query``: (total, the first page of result links)."""
    from tests.support.search_reader import Filters, search_files

    filters = Filters(region=query.province, topic=query.topic, date_from=query.date_from, date_to=query.date_to)
    total, hits = search_files(root, query.text, filters, sort=query.sort)
    return total, [h.url for h in hits]


def _build(db: Path, out: Path) -> dict[str, Any]:
    import site_builder.build as builder
    from site_builder import build_site
    from yigai.config import load_settings
    from yigai.store import Store

    real = builder.build_search_index
    spent: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> Any:  # the search index's share of the build
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    store = Store(db)
    builder.build_search_index = timed
    try:
        started = time.perf_counter()
        report = build_site(store, load_settings(None, overrides={"database": str(db), "output_dir": str(out)}))
        seconds = time.perf_counter() - started
    finally:
        builder.build_search_index = real
        store.close()
    return {
        "seconds": round(seconds, 2),
        "index_seconds": round(sum(spent), 2),
        "tiers": report.search_segments,
        "tiers_indexed": report.search_indexed,
    }


def _search_files(out: Path) -> dict[str, int]:
    files = [p for p in (out / "search").rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def run_size(size: int, browser: Any) -> dict[str, Any]:
    from bench.build import ArticleFactory, insert_articles
    from tests.browser.conftest import serve

    with tempfile.TemporaryDirectory(prefix=f"yigai-search-bench-{size}-") as tmpdir:
        tmp = Path(tmpdir)
        db, out = tmp / "store.sqlite3", tmp / "output"
        factory = ArticleFactory()
        rows = [factory.row(n) for n in range(size)]
        insert_articles(db, rows)
        logger.info("search bench: %d articles, full build …", size)
        full = _build(db, out)
        index = _search_files(out)
        before = {p: p.stat().st_ino for p in (out / "search").rglob("*") if p.is_file()}
        insert_articles(db, factory.nights(rows, size, nights=1)[0][1])
        nightly = _build(db, out)
        after = {p: p.stat().st_ino for p in (out / "search").rglob("*") if p.is_file()}
        nightly["search_files_written"] = sum(1 for p, ino in after.items() if before.get(p) != ino)
        nightly["search_files"] = len(after)
        server, base = serve(out)
        queries = []
        try:
            for query in QUERIES:
                context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
                try:
                    result = measure(context.new_page(), base, query)
                finally:
                    context.close()
                total, links = expected(out, query)
                said = f"找到 {total} 篇" if total else "没有找到"
                result["matches_python"] = result["hrefs"] == links and said in result["status"]
                del result["hrefs"]
                logger.info("search bench: %d articles, %s: %s", size, query.label, result)
                queries.append(result)
        finally:
            server.shutdown()
            server.server_close()
    return {"articles": size, "full_build": full, "index": index, "nightly": nightly, "queries": queries}


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        BEGIN,
        "### Search: what one query costs (bench/search.py)",
        "",
        "A reader's first query on the site, in Chromium (Debian's, headless, phone viewport, empty cache), the "
        "site served on 127.0.0.1 by Python's http.server: requests and bytes from the submit (the search page "
        "and its filter lists excluded), the time until the first result is in the page, and whether the page "
        "showed what `tests/support/search_reader.py`'s `search_files` finds. Targets: at most ~500 KB in a handful of requests, "
        "first results within 1 s. The stores are the build benchmark's (`bench/build.py`).",
        "",
        "| articles | query | requests | KB | largest file KB | first results ms | same as Python |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for q in r["queries"]:
            lines.append(
                f"| {r['articles']:,} | {q['query']} | {q['requests']} | {q['bytes'] / 1024:.0f} | "
                f"{q['largest'] / 1024:.0f} | {q['first_results_ms']} | {'yes' if q['matches_python'] else 'NO'} |"
            )
    lines += ["", "| articles | index files | index MB | tiers | full build s (of it the index) "
              "| +100: build s (index), tiers indexed, search files written |", "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        n, f = r["nightly"], r["full_build"]
        lines.append(
            f"| {r['articles']:,} | {r['index']['files']:,} | {r['index']['bytes'] / 1e6:.1f} | {f['tiers']} | "
            f"{f['seconds']} ({f.get('index_seconds', '—')}) | {n['seconds']} ({n.get('index_seconds', '—')}), "
            f"{n['tiers_indexed']} of {n['tiers']}, {n['search_files_written']} of {n['search_files']:,} |"
        )
    lines += ["", "Build times here are from a machine shared with other jobs (load average above 10 while they ran): "
              "`bench/build.py` is the build benchmark; these columns show what the index writes and when."]  # fmt: skip
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_doc(doc: Path, section: str) -> None:
    text = doc.read_text("utf-8") if doc.is_file() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                results.append(run_size(size, browser))
                args.results.parent.mkdir(parents=True, exist_ok=True)
                args.results.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
        finally:
            browser.close()
    write_doc(args.doc, render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
