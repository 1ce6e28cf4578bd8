"""Score the extractor (and bare trafilatura) against labelled pages: the synthetic set and the real set.

Two kinds of dataset directory, each scored on its own, never mixed:

- the synthetic set (tests/eval): HTML pages written for the project and `manifest.jsonl`, one JSON object
  per page (see docs/extraction.md, "How to label a new page");
- the real set (tests/eval/real): pages saved from real sites, one label per page in `labels/<id>.json`
  (format in tests/eval/real/README.md). Its pages are looked up by file name in the set's own `pages/`
  and then in the directories its `dataset.toml` names (`shared_page_dirs`, e.g. ../shared/corpus/gne);
  a page found nowhere is reported missing, not scored.

Scores:

- body precision / recall / F1: multiset overlap of character bigrams of the whitespace-free text,
  macro-averaged over pages (every page weighs the same, however long);
- title, date, source, primary region, relevance: accuracy (share of pages right). Titles compare with
  whitespace and punctuation removed; dates compare the calendar date in Asia/Shanghai; regions compare
  province/city/county/national of the first (primary) region, division suffixes (省/市/县/区…) ignored,
  and pages whose primary_region label is null are skipped;
- topic precision / recall: micro-averaged over the pages whose label lists topics (an off-topic page
  lists none, so every topic given to it is a false one);
- must_appear: recall of the must-appear strings in the body;
- furniture: footer, share, print, editor, related-list, app and WeChat lines found in the body by a
  generic detector (`furniture_lines`), plus each page's must_not_appear strings;
- pages below trafilatura: every page where our body F1 is more than 0.05 below bare trafilatura's.

Whitespace is removed and Traditional characters are read as Simplified before every string comparison,
since extractors differ in how they join lines and ours publishes Simplified text by design.
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
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from yigai.eval_sets import LabelledPage, LabelledSet, is_real_set, load_manifest, load_set, read_page
from yigai.furniture import furniture_lines

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
    "topic_precision",
    "topic_recall",
    "must_appear",
)
# Scores a baseline may pin a floor for: all but precision/recall (F1 stands for them) and must_appear.
FLOOR_FIELDS = tuple(f for f in SCORE_FIELDS if f not in ("body_precision", "body_recall", "must_appear"))
BELOW_TRAFILATURA = 0.05  # pages listed when ours is this far below bare trafilatura's body F1
FAR_BELOW_TRAFILATURA = 0.10  # the gate's default margin for far_below_trafilatura_max

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


def in_simplified(text: str | None) -> str:
    """NFKC text in Simplified characters.

    Every comparison is made in one script: the extractor publishes Simplified text by design (content
    farms re-post stories in Traditional characters), while a label copies the page as it is, so a
    Traditional page would otherwise score ours against the script, not the story. Both systems are
    compared this way (the metric of issue #16: bigram F1 over whitespace-free Simplified text).
    """
    from extract.chinese import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text or ""))


def squeeze(text: str | None) -> str:
    """Text without any whitespace: extractors differ in how they join lines, not in what they keep."""
    return _WHITESPACE.sub("", in_simplified(text))


def compact(text: str | None) -> str:
    """Whitespace-free NFKC text in its own script: what a label's line must be, character for character,
    to be on its page (labels are copied, never converted)."""
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
    s = in_simplified(title)
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
class Prediction:
    """What one extractor said about one page; None for fields it does not produce."""

    text: str
    title: str | None = None
    published: datetime | date | str | None = None
    source: str | None = None
    primary_region: Any = None
    relevant: bool | None = None
    topics: list[str] | None = None
    produces: frozenset[str] = frozenset({"title", "date", "source", "primary_region", "relevance", "topics"})


@dataclass
class PageScore:
    page: str
    body: PRF
    checks: dict[str, bool] = field(default_factory=dict)  # field -> right?
    failures: list[str] = field(default_factory=list)
    must_appear_found: int = 0
    must_appear_total: int = 0
    must_not_found: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)  # generic detector hits + must_not_appear strings
    topic_counts: tuple[int, int, int] | None = None  # (right, wrongly given, missed); None: not scored


@dataclass
class SystemScores:
    name: str
    scores: dict[str, float | None]
    must_not_found: list[tuple[str, str]]  # (page, string)
    pages: list[PageScore]

    @property
    def furniture(self) -> list[tuple[str, str]]:
        return [(p.page, f) for p in self.pages for f in p.furniture]


@dataclass
class EvalReport:
    n_pages: int
    ours: SystemScores
    trafilatura: SystemScores | None = None
    missing: list[str] = field(default_factory=list)  # pages whose file was found nowhere (not scored)

    def below_trafilatura(self, margin: float = BELOW_TRAFILATURA) -> list[tuple[str, float, float]]:
        """(page, our F1, bare trafilatura's F1) for every page where ours is more than margin below."""
        if self.trafilatura is None:
            return []
        theirs = {p.page: p.body.f1 for p in self.trafilatura.pages}
        return [
            (p.page, p.body.f1, theirs[p.page])
            for p in self.ours.pages
            if p.page in theirs and p.body.f1 < theirs[p.page] - margin
        ]

    def restricted_to(self, pages: set[str] | frozenset[str]) -> EvalReport:
        """The same report over a subset of its pages (e.g. the pages CI can read)."""

        def keep(system: SystemScores) -> SystemScores:
            return aggregate(system.name, [p for p in system.pages if p.page in pages])

        ours = keep(self.ours)
        bare = keep(self.trafilatura) if self.trafilatura is not None else None
        return EvalReport(len(ours.pages), ours, bare, [m for m in self.missing if m in pages])

    def to_dict(self) -> dict:
        def system(s: SystemScores | None) -> dict | None:
            if s is None:
                return None
            return {
                "scores": s.scores,
                "must_not_appear_found": len(s.must_not_found),
                "must_not_appear_list": [list(x) for x in s.must_not_found],
                "furniture_found": len(s.furniture),
                "furniture_list": [list(x) for x in s.furniture],
                "pages": [
                    {"page": p.page, "body_f1": round(p.body.f1, 4), "failures": p.failures} for p in s.pages
                ],
            }

        return {
            "n_pages": self.n_pages,
            "missing": self.missing,
            "ours": system(self.ours),
            "trafilatura": system(self.trafilatura),
            "below_trafilatura": [
                {"page": page, "ours": round(o, 4), "trafilatura": round(t, 4)}
                for page, o, t in self.below_trafilatura()
            ],
        }


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
    if "topics" in pred.produces and label.topics is not None:
        got, want = set(pred.topics or ()), set(label.topics)
        result.topic_counts = (len(got & want), len(got - want), len(want - got))
        if got != want:
            result.failures.append(f"topics: got {sorted(got)}, want {sorted(want)}")

    found = strings_found(pred.text, label.must_appear)
    result.must_appear_found, result.must_appear_total = len(found), len(label.must_appear)
    missing = [s for s in label.must_appear if s not in found]
    if missing:
        result.failures.append(f"must_appear missing: {missing}")
    result.must_not_found = strings_found(pred.text, label.must_not_appear)
    if result.must_not_found:
        result.failures.append(f"must_not_appear found: {result.must_not_found}")
    generic = furniture_lines(pred.text)
    result.furniture = [str(f) for f in generic] + [
        s for s in result.must_not_found if not any(squeeze(s) in squeeze(f.line) for f in generic)
    ]
    if generic:
        result.failures.append(f"furniture: {[str(f) for f in generic]}")
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
    counted = [p.topic_counts for p in pages if p.topic_counts is not None]
    right, wrong, missed = (sum(c[i] for c in counted) for i in range(3))
    scores["topic_precision"] = right / (right + wrong) if counted and right + wrong else None
    scores["topic_recall"] = right / (right + missed) if counted and right + missed else None
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
        topics=list(art.topics),
    )


def predict_trafilatura(raw: bytes, label: LabelledPage, *, metadata: bool = True) -> Prediction:
    """Bare trafilatura as a user would call it: bytes in, trafilatura decodes them itself.

    The body is `trafilatura.extract` (comments included, as its default); title and date come from a
    second call, `bare_extraction(with_metadata=True)`, skipped when `metadata` is false (the eval gate
    compares bodies only, and the second call doubles trafilatura's time).
    """
    import trafilatura

    text = trafilatura.extract(raw, url=label.url) or ""
    if not metadata:
        return Prediction(text=text, produces=frozenset())
    doc = trafilatura.bare_extraction(raw, url=label.url, with_metadata=True)
    title = getattr(doc, "title", None) if doc is not None else None
    published = getattr(doc, "date", None) if doc is not None else None
    return Prediction(text=text, title=title, published=published, produces=frozenset({"title", "date"}))


def evaluate_system(
    name: str,
    labelled: LabelledSet,
    predict: Callable[[bytes, LabelledPage], Prediction],
) -> SystemScores:
    """Score one system on every page of the set whose file was found."""
    pages = []
    for label in labelled.labels:
        path = labelled.paths.get(label.html)
        if path is None:
            continue
        raw = read_page(path)
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
            if label.topics is not None:
                score.topic_counts = (0, 0, len(label.topics))
            score.failures.insert(0, f"crashed: {exc!r}")
            pages.append(score)
            continue
        pages.append(score_page(label, pred))
    return aggregate(name, pages)


def run_evaluation(dataset_dir: Path, *, compare_trafilatura: bool = True) -> EvalReport:
    """Extract every labelled page with our extractor (and bare trafilatura) and score the results."""
    labelled = load_set(Path(dataset_dir))
    return evaluate_set(labelled, compare_trafilatura=compare_trafilatura)


def evaluate_set(
    labelled: LabelledSet, *, compare_trafilatura: bool = True, trafilatura_metadata: bool = True
) -> EvalReport:
    """Score ours and (unless compare_trafilatura is false) bare trafilatura on every page found.

    With trafilatura_metadata false, trafilatura's body alone is scored (what the gate's far-below count
    needs), in half the time.
    """
    ours = evaluate_system("ours", labelled, predict_ours)
    bare = None
    if compare_trafilatura:
        predict = predict_trafilatura if trafilatura_metadata else partial(predict_trafilatura, metadata=False)
        bare = evaluate_system("trafilatura", labelled, predict)
    return EvalReport(n_pages=len(ours.pages), ours=ours, trafilatura=bare, missing=labelled.missing)


# ---------------------------------------------------------------------------------------------- output


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_report(report: EvalReport, *, verbose: bool = False, title: str = "Evaluation") -> str:
    """A Markdown table (field | ours | bare trafilatura), the pages where ours is below bare trafilatura,
    the furniture found in our bodies, then per-page failures when verbose."""
    bare = report.trafilatura
    lines = [f"{title} over {report.n_pages} pages (body scores macro-averaged over pages)", ""]
    lines.append("| field | ours | bare trafilatura |")
    lines.append("|---|---|---|")
    for fname in SCORE_FIELDS:
        theirs = _cell(bare.scores.get(fname)) if bare else "not run"
        lines.append(f"| {fname} | {_cell(report.ours.scores.get(fname))} | {theirs} |")
    theirs_found = str(len(bare.must_not_found)) if bare else "not run"
    lines.append(f"| must_not_appear_found | {len(report.ours.must_not_found)} | {theirs_found} |")
    theirs_furniture = str(len(bare.furniture)) if bare else "not run"
    lines.append(f"| furniture_found | {len(report.ours.furniture)} | {theirs_furniture} |")
    if report.missing:
        lines.append("")
        lines.append(
            f"{len(report.missing)} pages not found, not scored (tests/eval/real/tools/pages.py fetch):"
        )
        lines.append("  " + " ".join(report.missing))
    if bare is not None:
        below = report.below_trafilatura()
        lines.append("")
        lines.append(f"pages where ours is more than {BELOW_TRAFILATURA} body F1 below bare trafilatura: {len(below)}")
        lines.extend(f"  {page}  ours {o:.3f}  trafilatura {t:.3f}" for page, o, t in below)
    if report.ours.furniture:
        lines.append("")
        lines.append("furniture found in our bodies (generic detector, then must_not_appear strings):")
        lines.extend(f"  {page}: {s}" for page, s in report.ours.furniture)
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
    """One message per score of ours that is below its floor in baseline["floors"] (or baseline itself).

    Besides the score fields: must_not_appear_found_max, furniture_max, and far_below_trafilatura_max
    (the number of pages more than far_below_margin, default 0.10, below bare trafilatura; needs its run).
    """
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
    limit = floors.get("furniture_max")
    if limit is not None and len(report.ours.furniture) > limit:
        listed = ", ".join(f"{page}: {s!r}" for page, s in report.ours.furniture)
        messages.append(f"{len(report.ours.furniture)} furniture lines found (max {limit}): {listed}")
    limit = floors.get("far_below_trafilatura_max")
    if limit is not None:
        if report.trafilatura is None:
            messages.append("far_below_trafilatura_max needs bare trafilatura's scores (it was not run)")
        else:
            far = report.below_trafilatura(floors.get("far_below_margin", FAR_BELOW_TRAFILATURA))
            if len(far) > limit:
                listed = ", ".join(f"{page} ({o:.2f} vs {t:.2f})" for page, o, t in far)
                messages.append(f"{len(far)} pages far below bare trafilatura (max {limit}): {listed}")
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


def check_baseline(report: EvalReport, labelled: LabelledSet, baseline: dict) -> tuple[list[str], list[str]]:
    """(broken floors, floors that could not be checked) for a set's baseline file.

    `floors` hold for the whole set and need every page; `floors_shared`, when present, hold for the
    pages found in the set's shared page directories (what CI reads), so a checkout without the other
    pages is still gated on those.
    """
    broken: list[str] = []
    unchecked: list[str] = []
    if report.missing:
        unchecked.append(f"floors of the whole set: {len(report.missing)} pages are missing")
    else:
        broken += check_floors(report, baseline)
    if "floors_shared" in baseline:
        shared = report.restricted_to(labelled.shared)
        broken += [f"shared pages: {m}" for m in check_floors(shared, baseline["floors_shared"])]
    return broken, unchecked


def _set_title(labelled: LabelledSet) -> str:
    kind = "Real set" if is_real_set(labelled.directory) else "Synthetic set"
    return f"{kind} {labelled.directory}"


def eval_command(
    dataset_dirs: list[Path] | Path, baseline: Path | None, verbose: bool, as_json: bool
) -> int:
    """`yigai eval DIR [DIR…] [--baseline FILE] [--pages] [--json]`: each set scored on its own.

    Returns 1 if a floor of the baseline (one DIR only) is broken or could not be checked.
    """
    dirs = [Path(dataset_dirs)] if isinstance(dataset_dirs, str | Path) else [Path(d) for d in dataset_dirs]
    if baseline is not None and len(dirs) != 1:
        raise ValueError("a baseline gives the floors of one set: pass exactly one DIR with it")
    failed = False
    texts: list[str] = []
    dumps: list[dict] = []
    for directory in dirs:
        labelled = load_set(directory)
        report = evaluate_set(labelled)
        broken: list[str] = []
        unchecked: list[str] = []
        if baseline is not None:
            broken, unchecked = check_baseline(
                report, labelled, json.loads(Path(baseline).read_text(encoding="utf-8"))
            )
        failed = failed or bool(broken or unchecked)
        if as_json:
            dumps.append(
                {**report.to_dict(), "dataset": str(directory), "broken_floors": broken,
                 "unchecked_floors": unchecked}
            )
        else:
            texts.append(
                "\n".join(
                    [format_report(report, verbose=verbose, title=_set_title(labelled))]
                    + [f"FLOOR BROKEN: {m}" for m in broken]
                    + [f"FLOOR NOT CHECKED: {m}" for m in unchecked]
                )
            )
    if as_json:
        sys.stdout.write(json.dumps(dumps[0] if len(dumps) == 1 else dumps, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write("\n\n".join(texts) + "\n")
    return 1 if failed else 0


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
    "check_baseline",
    "check_floors",
    "division_stem",
    "eval_command",
    "evaluate_set",
    "format_corpus_check",
    "format_report",
    "load_manifest",
    "load_set",
    "normalize_title",
    "region_matches",
    "run_corpus_check",
    "run_evaluation",
    "score_page",
    "shanghai_date",
    "strings_found",
]
