"""Extraction speed: our full ``extract.extract_article`` against bare ``trafilatura.extract`` and lxml parsing.

Same pages, same process, same run: the 62 real pages of ../shared/corpus/gne (when present), the evaluation
pages tests/eval/pages/*.html and the bundled sample web's article pages. Every method gets the page bytes
(each decodes them itself). One untimed warm-up pass loads data files (taxonomy, gazetteer, OpenCC); then
``repetitions`` timed passes per method, the methods' order rotating between repetitions; medians reported.

    python bench/extract.py [--reps 5] [--limit N] [--no-gne]
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
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from bench._common import ROOT, SHARED_CORPUS, median

logger = logging.getLogger(__name__)

EVAL_DIR = ROOT / "tests" / "eval"
SAMPLE_WEB = ROOT / "yigai" / "sample_web"
TARGET_RATIO = 1.3  # ours may cost at most 1.3× bare trafilatura


@dataclass(frozen=True)
class BenchPage:
    name: str
    url: str
    body: bytes
    site_name: str | None = None
    home_region: str | None = None


@dataclass
class ExtractResult:
    pages: int
    megabytes: float
    repetitions: int
    groups: dict[str, int]
    seconds: dict[str, list[float]] = field(default_factory=dict)  # method → seconds per pass
    median_seconds: dict[str, float] = field(default_factory=dict)
    pages_per_second: dict[str, float] = field(default_factory=dict)
    ratio_vs_trafilatura: float = float("nan")  # ours / trafilatura (time)
    ratio_trafilatura_vs_lxml: float = float("nan")
    target_met: bool = False
    failures: int = 0  # pages our extractor raised on (must be 0)

    def to_dict(self) -> dict:
        return asdict(self)


def gne_pages(limit: int | None = None) -> list[BenchPage]:
    if not SHARED_CORPUS.is_dir():
        return []
    files = sorted(SHARED_CORPUS.glob("*.html"))[:limit]
    return [BenchPage(f"gne/{f.stem}", f"https://example.com/{f.stem}.html", f.read_bytes()) for f in files]


def eval_pages(limit: int | None = None) -> list[BenchPage]:
    manifest = EVAL_DIR / "manifest.jsonl"
    if not manifest.is_file():
        return []
    out = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        path = EVAL_DIR / entry["html"]
        if path.is_file():
            out.append(
                BenchPage(
                    f"eval/{path.stem}",
                    entry["url"],
                    path.read_bytes(),
                    entry.get("site_name"),
                    entry.get("home_region"),
                )
            )
    return out[:limit]


def sample_web_pages(limit: int | None = None) -> list[BenchPage]:
    truth = json.loads((SAMPLE_WEB / "expected.json").read_text(encoding="utf-8"))
    homes = truth.get("home_regions") or {}
    out = []
    for art in truth["articles"]:
        path = SAMPLE_WEB / "sites" / art["path"].lstrip("/")
        if path.is_file():
            site = art["site"]
            out.append(
                BenchPage(
                    f"sample/{site}{art['path']}",
                    f"http://127.0.0.1:8765{art['path']}",
                    path.read_bytes(),
                    None,
                    homes.get(site) if isinstance(homes, dict) else None,
                )
            )
    return out[:limit]


def collect_pages(*, include_gne: bool = True, per_group: int | None = None) -> dict[str, list[BenchPage]]:
    groups = {"eval": eval_pages(per_group), "sample_web": sample_web_pages(per_group)}
    if include_gne:
        groups = {"gne": gne_pages(per_group), **groups}
    return {k: v for k, v in groups.items() if v}


def _methods() -> dict[str, Callable[[BenchPage], object]]:
    import lxml.html
    import trafilatura

    from extract import SourceHint, extract_article

    def ours(page: BenchPage) -> object:
        return extract_article(page.body, page.url, source=SourceHint(page.site_name, page.home_region))

    def bare_trafilatura(page: BenchPage) -> object:
        return trafilatura.extract(page.body)

    def lxml_parse(page: BenchPage) -> object:
        return lxml.html.fromstring(page.body)

    return {"ours": ours, "trafilatura": bare_trafilatura, "lxml": lxml_parse}


def _one_pass(method: Callable[[BenchPage], object], pages: Sequence[BenchPage]) -> tuple[float, int]:
    failures = 0
    started = time.perf_counter()
    for page in pages:
        try:
            method(page)
        except Exception:  # noqa: BLE001 - counted and reported; a benchmark must finish
            failures += 1
    return time.perf_counter() - started, failures


def run(*, repetitions: int = 5, include_gne: bool = True, per_group: int | None = None) -> ExtractResult:
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # it warns about every page it finds odd
    groups = collect_pages(include_gne=include_gne, per_group=per_group)
    pages = [p for group in groups.values() for p in group]
    if not pages:
        raise RuntimeError("no pages to benchmark")
    methods = _methods()
    result = ExtractResult(
        pages=len(pages),
        megabytes=round(sum(len(p.body) for p in pages) / 1e6, 2),
        repetitions=repetitions,
        groups={k: len(v) for k, v in groups.items()},
    )
    for method in methods.values():  # warm-up: data files, regex compilation, OpenCC dictionaries
        _one_pass(method, pages)
    names = list(methods)
    result.seconds = {name: [] for name in names}
    for rep in range(repetitions):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            seconds, failures = _one_pass(methods[name], pages)
            result.seconds[name].append(round(seconds, 4))
            if name == "ours":
                result.failures = max(result.failures, failures)
    result.median_seconds = {n: round(median(s), 4) for n, s in result.seconds.items()}
    result.pages_per_second = {n: round(len(pages) / s, 1) for n, s in result.median_seconds.items() if s > 0}
    if result.median_seconds.get("trafilatura"):
        result.ratio_vs_trafilatura = round(
            result.median_seconds["ours"] / result.median_seconds["trafilatura"], 3
        )
        result.target_met = result.ratio_vs_trafilatura <= TARGET_RATIO
    if result.median_seconds.get("lxml"):
        result.ratio_trafilatura_vs_lxml = round(
            result.median_seconds["trafilatura"] / result.median_seconds["lxml"], 1
        )
    return result


def format_result(r: ExtractResult) -> str:
    lines = [f"extract: {r.pages} pages ({r.megabytes} MB; {r.groups}), {r.repetitions} repetitions, medians"]
    for name in ("lxml", "trafilatura", "ours"):
        if name in r.median_seconds:
            lines.append(
                f"  {name:12s} {r.median_seconds[name]:8.3f} s  {r.pages_per_second[name]:8.1f} pages/s"
            )
    lines.append(
        f"  ours / trafilatura = {r.ratio_vs_trafilatura:.2f}× (target ≤ {TARGET_RATIO}×: "
        f"{'met' if r.target_met else 'MISSED'}); failures: {r.failures}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per group")
    parser.add_argument("--no-gne", action="store_true", help="leave out ../shared/corpus/gne")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(repetitions=args.reps, include_gne=not args.no_gne, per_group=args.limit)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
