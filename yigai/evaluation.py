"""Score the extractor (and bare trafilatura) against the labelled pages in tests/eval.

A dataset directory holds HTML pages and `manifest.jsonl`, one JSON object per page (see
docs/extraction.md, "How to label a new page"). Scores:

- body precision / recall / F1: multiset overlap of character bigrams of the whitespace-free text,
  macro-averaged over pages (every page weighs the same, however long);
- title, date, source, primary region, relevance: accuracy (share of pages right). Titles compare with
  whitespace and punctuation removed; dates compare the calendar date in Asia/Shanghai; regions compare
  province/city/county/national of the first (primary) region, division suffixes (省/市/县/区…) ignored,
  and pages whose primary_region label is null are skipped;
- must_appear: recall of the must-appear strings in the body;
- must_not_appear_found: how many must-not-appear strings were found in the body (listed).

Whitespace is removed before every string comparison, since extractors differ in how they join lines.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Report rows, in order. Accuracy fields are None when no page could be scored (e.g. trafilatura's region).
SCORE_FIELDS = (
    "body_precision",
    "body_recall",
    "body_f1",
    "title",
    "date",
    "source",
    "primary_region",
    "relevance",
    "must_appear",
)
FLOOR_FIELDS = ("body_f1", "title", "date", "source", "primary_region", "relevance")

_WHITESPACE = re.compile(r"\s+")
# Longest first, so that 广西壮族自治区 loses 壮族自治区 and not only 区.
_DIVISION_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "省",
    "市",
    "县",
    "区",
    "盟",
    "旗",
)


# ---------------------------------------------------------------------------------------------- scoring


def squeeze(text: str | None) -> str:
    """Text without any whitespace: extractors differ in how they join lines, not in what they keep."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def bigrams(text: str) -> Counter[str]:
    """Multiset of character bigrams of the whitespace-free text (a single character counts as one)."""
    s = squeeze(text)
    if len(s) == 1:
        return Counter([s])
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def bigram_prf(predicted: str | None, expected: str) -> PRF:
    """Precision/recall/F1 of the predicted text's bigrams against the expected text's."""
    got, want = bigrams(predicted or ""), bigrams(expected)
    overlap = sum((got & want).values())
    n_got, n_want = sum(got.values()), sum(want.values())
    if n_want == 0 and n_got == 0:
        return PRF(1.0, 1.0, 1.0)
    precision = overlap / n_got if n_got else 0.0
    recall = overlap / n_want if n_want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def normalize_title(title: str | None) -> str:
    """Title without whitespace or punctuation (full- and half-width alike)."""
    s = unicodedata.normalize("NFKC", title or "")
    return "".join(c for c in s if not (c.isspace() or unicodedata.category(c)[0] in "PSZ"))


def shanghai_date(value: datetime | date | str | None) -> date | None:
    """The calendar date in Asia/Shanghai of an aware datetime, a date, or an ISO string.

    Naive datetimes are taken to be Shanghai time already (what a Chinese page without a zone means).
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        value = datetime.fromisoformat(text)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(SHANGHAI).date()
    return value


def normalize_source(source: str | None) -> str:
    return normalize_title(source)


def division_stem(name: str | None) -> str:
    """A division name without its level suffix: 河北省→河北, 广西壮族自治区→广西, 永年区→永年."""
    if not name:
        return ""
    s = squeeze(name)
    for suffix in _DIVISION_SUFFIXES:
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            return s[: -len(suffix)]
    return s


def region_matches(predicted: Any, expected: dict) -> bool:
    """Does the primary region (an extract.Region or a dict) match the labelled one?

    A national label wants a national region; otherwise province, city and county must all agree
    (a label's null city/county wants none).
    """
    if predicted is None:
        return False
    get = predicted.get if isinstance(predicted, dict) else lambda k, d=None: getattr(predicted, k, d)
    if expected.get("national"):
        return bool(get("national", False))
    if get("national", False):
        return False
    return all(
        division_stem(get(k)) == division_stem(expected.get(k)) for k in ("province", "city", "county")
    )


def strings_found(text: str | None, needles: list[str]) -> list[str]:
    """The needles that occur in text (whitespace ignored on both sides)."""
    hay = squeeze(text)
    return [n for n in needles if squeeze(n) and squeeze(n) in hay]


# ---------------------------------------------------------------------------------------------- data


@dataclass
class LabelledPage:
    html: str
    url: str
    title: str
    date: str | None
    source: str | None
    primary_region: dict | None
    relevant: bool
    body: str
    must_appear: list[str] = field(default_factory=list)
    must_not_appear: list[str] = field(default_factory=list)
    home_region: str | None = None
    site_name: str | None = None

    @classmethod
    def from_json(cls, obj: dict) -> LabelledPage:
        known = {k: obj[k] for k in cls.__dataclass_fields__ if k in obj}
        missing = {
            "html",
            "url",
            "title",
            "date",
            "source",
            "primary_region",
            "relevant",
            "body",
        } - known.keys()
        if missing:
            raise ValueError(f"manifest entry {obj.get('html')!r} lacks {sorted(missing)}")
        return cls(**known)


def load_manifest(dataset_dir: Path) -> list[LabelledPage]:
    path = dataset_dir / "manifest.jsonl"
    pages = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                pages.append(LabelledPage.from_json(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
    return pages


@dataclass
class Prediction:
    """What one extractor said about one page; None for fields it does not produce."""

    text: str
    title: str | None = None
    published: datetime | date | str | None = None
    source: str | None = None
    primary_region: Any = None
    relevant: bool | None = None
    produces: frozenset[str] = frozenset({"title", "date", "source", "primary_region", "relevance"})


@dataclass
class PageScore:
    page: str
    body: PRF
    checks: dict[str, bool] = field(default_factory=dict)  # field -> right?
    failures: list[str] = field(default_factory=list)
    must_appear_found: int = 0
    must_appear_total: int = 0
    must_not_found: list[str] = field(default_factory=list)


@dataclass
class SystemScores:
    name: str
    scores: dict[str, float | None]
    must_not_found: list[tuple[str, str]]  # (page, string)
    pages: list[PageScore]


@dataclass
class EvalReport:
    n_pages: int
    ours: SystemScores
    trafilatura: SystemScores | None = None

    def to_dict(self) -> dict:
        def system(s: SystemScores | None) -> dict | None:
            if s is None:
                return None
            return {
                "scores": s.scores,
                "must_not_appear_found": len(s.must_not_found),
                "must_not_appear_list": [list(x) for x in s.must_not_found],
                "pages": [
                    {"page": p.page, "body_f1": round(p.body.f1, 4), "failures": p.failures} for p in s.pages
                ],
            }

        return {"n_pages": self.n_pages, "ours": system(self.ours), "trafilatura": system(self.trafilatura)}


def score_page(label: LabelledPage, pred: Prediction) -> PageScore:
    result = PageScore(page=label.html, body=bigram_prf(pred.text, label.body))
    if result.body.f1 < 0.95:
        result.failures.append(
            f"body F1 {result.body.f1:.3f} (P {result.body.precision:.3f} R {result.body.recall:.3f})"
        )

    def check(name: str, ok: bool, got: Any, want: Any) -> None:
        result.checks[name] = ok
        if not ok:
            result.failures.append(f"{name}: got {got!r}, want {want!r}")

    if "title" in pred.produces:
        check("title", normalize_title(pred.title) == normalize_title(label.title), pred.title, label.title)
    if "date" in pred.produces:
        got_date = shanghai_date(pred.published)
        want_date = shanghai_date(label.date)
        check("date", got_date == want_date, got_date and got_date.isoformat(), label.date)
    if "source" in pred.produces:
        check(
            "source",
            normalize_source(pred.source) == normalize_source(label.source),
            pred.source,
            label.source,
        )
    if "primary_region" in pred.produces and label.primary_region is not None:
        got_region = pred.primary_region
        shown = got_region.to_dict() if hasattr(got_region, "to_dict") else got_region
        check("primary_region", region_matches(got_region, label.primary_region), shown, label.primary_region)
    if "relevance" in pred.produces:
        check("relevance", pred.relevant == label.relevant, pred.relevant, label.relevant)

    found = strings_found(pred.text, label.must_appear)
    result.must_appear_found, result.must_appear_total = len(found), len(label.must_appear)
    missing = [s for s in label.must_appear if s not in found]
    if missing:
        result.failures.append(f"must_appear missing: {missing}")
    result.must_not_found = strings_found(pred.text, label.must_not_appear)
    if result.must_not_found:
        result.failures.append(f"must_not_appear found: {result.must_not_found}")
    return result


def aggregate(name: str, pages: list[PageScore]) -> SystemScores:
    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    scores: dict[str, float | None] = {
        "body_precision": mean([p.body.precision for p in pages]),
        "body_recall": mean([p.body.recall for p in pages]),
        "body_f1": mean([p.body.f1 for p in pages]),
    }
    for fname in ("title", "date", "source", "primary_region", "relevance"):
        scores[fname] = mean([1.0 if p.checks[fname] else 0.0 for p in pages if fname in p.checks])
    total = sum(p.must_appear_total for p in pages)
    scores["must_appear"] = sum(p.must_appear_found for p in pages) / total if total else None
    must_not = [(p.page, s) for p in pages for s in p.must_not_found]
    return SystemScores(name=name, scores=scores, must_not_found=must_not, pages=pages)


# ---------------------------------------------------------------------------------------------- systems


def predict_ours(raw: bytes, label: LabelledPage) -> Prediction:
    import extract

    hint = None
    if label.site_name or label.home_region:
        hint = extract.SourceHint(name=label.site_name, home_region=label.home_region)
    art = extract.extract_article(raw, label.url, source=hint)
    return Prediction(
        text=art.text,
        title=art.title,
        published=art.published,
        source=art.original_source,
        primary_region=art.regions[0] if art.regions else None,
        relevant=art.relevant,
    )


def predict_trafilatura(raw: bytes, label: LabelledPage) -> Prediction:
    """Bare trafilatura as a user would call it: bytes in, trafilatura decodes them itself."""
    import trafilatura

    text = trafilatura.extract(raw, url=label.url) or ""
    doc = trafilatura.bare_extraction(raw, url=label.url, with_metadata=True)
    title = getattr(doc, "title", None) if doc is not None else None
    published = getattr(doc, "date", None) if doc is not None else None
    return Prediction(text=text, title=title, published=published, produces=frozenset({"title", "date"}))


def evaluate_system(
    name: str,
    dataset_dir: Path,
    labels: list[LabelledPage],
    predict: Callable[[bytes, LabelledPage], Prediction],
) -> SystemScores:
    pages = []
    for label in labels:
        raw = (dataset_dir / label.html).read_bytes()
        try:
            pred = predict(raw, label)
        except Exception as exc:  # a crash on one page is a failed page, not a failed evaluation
            logger.exception("%s failed on %s", name, label.html)
            pred = Prediction(text="", produces=frozenset())
            score = score_page(label, pred)
            for fname in ("title", "date", "source", "relevance"):
                score.checks[fname] = False
            if label.primary_region is not None:
                score.checks["primary_region"] = False
            score.failures.insert(0, f"crashed: {exc!r}")
            pages.append(score)
            continue
        pages.append(score_page(label, pred))
    return aggregate(name, pages)


def run_evaluation(dataset_dir: Path, *, compare_trafilatura: bool = True) -> EvalReport:
    """Extract every labelled page with our extractor (and bare trafilatura) and score the results."""
    dataset_dir = Path(dataset_dir)
    labels = load_manifest(dataset_dir)
    ours = evaluate_system("ours", dataset_dir, labels, predict_ours)
    bare = (
        evaluate_system("trafilatura", dataset_dir, labels, predict_trafilatura)
        if compare_trafilatura
        else None
    )
    return EvalReport(n_pages=len(labels), ours=ours, trafilatura=bare)


# ---------------------------------------------------------------------------------------------- output


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_report(report: EvalReport, *, verbose: bool = False) -> str:
    """A Markdown table (field | ours | bare trafilatura), then per-page failures when verbose."""
    bare = report.trafilatura
    lines = [f"Evaluation over {report.n_pages} pages (body scores macro-averaged over pages)", ""]
    lines.append("| field | ours | bare trafilatura |")
    lines.append("|---|---|---|")
    for fname in SCORE_FIELDS:
        theirs = _cell(bare.scores.get(fname)) if bare else "not run"
        lines.append(f"| {fname} | {_cell(report.ours.scores.get(fname))} | {theirs} |")
    theirs_found = str(len(bare.must_not_found)) if bare else "not run"
    lines.append(f"| must_not_appear_found | {len(report.ours.must_not_found)} | {theirs_found} |")
    if report.ours.must_not_found:
        lines.append("")
        lines.append("must-not-appear strings found (ours):")
        lines.extend(f"  {page}: {s!r}" for page, s in report.ours.must_not_found)
    if verbose:
        for system in (report.ours, bare):
            if system is None:
                continue
            lines.append("")
            lines.append(f"per-page detail ({system.name}):")
            for p in system.pages:
                status = "; ".join(p.failures) if p.failures else "ok"
                lines.append(f"  {p.page}  body F1 {p.body.f1:.3f}  {status}")
    return "\n".join(lines)


def check_floors(report: EvalReport, baseline: dict) -> list[str]:
    """One message per score of ours that is below its floor in baseline["floors"]."""
    floors = baseline.get("floors", baseline)
    messages = []
    for fname in FLOOR_FIELDS:
        if fname not in floors:
            continue
        got = report.ours.scores.get(fname)
        if got is None or got < floors[fname]:
            messages.append(f"{fname} {_cell(got)} is below its floor {floors[fname]:.3f}")
    limit = floors.get("must_not_appear_found_max")
    found = len(report.ours.must_not_found)
    if limit is not None and found > limit:
        listed = ", ".join(f"{page}: {s!r}" for page, s in report.ours.must_not_found)
        messages.append(f"{found} must-not-appear strings found (max {limit}): {listed}")
    return messages


@dataclass
class CorpusCheck:
    """An unlabelled sanity check over real pages: does extraction run and find the basics?"""

    pages: int
    counts: dict[str, dict[str, int]]  # system -> {"crashed", "body>=100", "title_in_title_tag", "date"}


def run_corpus_check(corpus_dir: Path, *, compare_trafilatura: bool = True) -> CorpusCheck:
    """Extract every *.html in corpus_dir (e.g. /work/shared/corpus/gne). The titles in its index.jsonl
    (`html_title_tag`) tell whether the extracted title is the page's own."""
    corpus_dir = Path(corpus_dir)
    tags: dict[str, str] = {}
    index = corpus_dir / "index.jsonl"
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                tags[obj["id"]] = obj.get("html_title_tag") or ""
    files = sorted(corpus_dir.glob("*.html"))
    systems: dict[str, Callable[[bytes, LabelledPage], Prediction]] = {"ours": predict_ours}
    if compare_trafilatura:
        systems["trafilatura"] = predict_trafilatura
    counts = {name: {"crashed": 0, "body>=100": 0, "title_in_title_tag": 0, "date": 0} for name in systems}
    for path in files:
        url = f"http://corpus.invalid/{path.name}"
        label = LabelledPage(
            html=path.name,
            url=url,
            title="",
            date=None,
            source=None,
            primary_region=None,
            relevant=False,
            body="",
        )
        raw = path.read_bytes()
        for name, predict in systems.items():
            try:
                pred = predict(raw, label)
            except Exception:
                logger.exception("%s failed on %s", name, path.name)
                counts[name]["crashed"] += 1
                continue
            c = counts[name]
            c["body>=100"] += len(squeeze(pred.text)) >= 100
            title = normalize_title(pred.title)
            c["title_in_title_tag"] += bool(title) and title in normalize_title(tags.get(path.stem, ""))
            c["date"] += pred.published is not None
    return CorpusCheck(pages=len(files), counts=counts)


def format_corpus_check(check: CorpusCheck) -> str:
    names = list(check.counts)
    lines = [
        f"Corpus check over {check.pages} pages",
        "",
        "| count | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in ("crashed", "body>=100", "title_in_title_tag", "date"):
        lines.append(f"| {key} | " + " | ".join(str(check.counts[n][key]) for n in names) + " |")
    return "\n".join(lines)


def eval_command(dataset_dir: Path, baseline: Path | None, verbose: bool, as_json: bool) -> int:
    """`yigai eval DIR [--baseline FILE] [--verbose] [--json]`: print the report; 1 if a floor is broken."""
    report = run_evaluation(Path(dataset_dir))
    broken: list[str] = []
    if baseline is not None:
        broken = check_floors(report, json.loads(Path(baseline).read_text(encoding="utf-8")))
    if as_json:
        out = report.to_dict()
        out["broken_floors"] = broken
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_report(report, verbose=verbose) + "\n")
        for message in broken:
            sys.stdout.write(f"FLOOR BROKEN: {message}\n")
    return 1 if broken else 0


__all__ = [
    "PRF",
    "CorpusCheck",
    "EvalReport",
    "LabelledPage",
    "PageScore",
    "Prediction",
    "SystemScores",
    "bigram_prf",
    "bigrams",
    "check_floors",
    "division_stem",
    "eval_command",
    "format_corpus_check",
    "format_report",
    "load_manifest",
    "normalize_title",
    "region_matches",
    "run_corpus_check",
    "run_evaluation",
    "score_page",
    "shanghai_date",
    "strings_found",
]
