"""``yigai source check``: re-validate registry entries (list reachable, pattern still matching, newest date,
cadence) and, for a redesigned site, propose the corrected entry found by inference."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from crawler.inference import ListInference, infer_list, list_links
from crawler.links import ArticleFilter, feed_entries, sitemap_entries
from yigai.config import Source
from yigai.source_tool import Fetcher, FetchFailed, content_charset, toml_regex, toml_string


@dataclass
class CheckResult:
    source_id: str
    state: str  # ok | redesigned | empty | unreachable
    detail: str
    newest: date | None = None
    cadence_days: float | None = None
    proposal: str | None = None


def check_source(source: Source, fetcher: Fetcher) -> CheckResult:
    """Re-validate one entry: its first list page (else feed, else sitemap) is reachable, its pattern still
    matches, the newest date and the cadence of what it lists; for a redesign, the corrected entry."""
    rules = ArticleFilter.build(source.article_allow, source.article_deny, source.start_urls)
    if source.list_urls:
        url = source.list_urls[0]
        try:
            page = fetcher.get(url)
        except FetchFailed as exc:
            return CheckResult(source.id, "unreachable", str(exc))
        inf = infer_list(page.body, page.url, content_charset(page.content_type), root_url=url)
        linked = list_links(page.body, page.url, content_charset(page.content_type))
        matched = [x for x in linked if rules.accepts(x.url)] if source.article_allow else list(inf.articles)
        dated = [x.date for x in (matched or inf.articles) if x.date]
        newest, cadence = (max(dated) if dated else None), _cadence(dated)
        if matched:
            return CheckResult(source.id, "ok", f"{len({x.url for x in matched})} article links match", newest, cadence)
        if inf.articles:
            return CheckResult(
                source.id, "redesigned",
                f"pattern matches none of {len(linked)} links; inference finds {len(inf.articles)} articles",
                newest, cadence, corrected_entry(source, inf),
            )
        return CheckResult(source.id, "empty", f"no article links on {url} (pattern or inference)")
    for url in source.feeds + source.sitemaps:
        try:
            page = fetcher.get(url)
        except FetchFailed as exc:
            return CheckResult(source.id, "unreachable", str(exc))
        entries = feed_entries(page.body, url) or sitemap_entries(page.body, url)[1]
        kept = [e for e in entries if rules.accepts(e.url, require_hint=False)]
        dated = [e.lastmod.date() for e in kept if e.lastmod]
        if kept:
            return CheckResult(source.id, "ok", f"{len(kept)} entries match", max(dated, default=None), _cadence(dated))
    return CheckResult(source.id, "empty", "no feed or sitemap entry matches the pattern")


def corrected_entry(source: Source, inf: ListInference) -> str:
    """The entry of ``source`` as it should read now: its own fields, the inferred ``article_allow`` (the old
    one kept in a comment), and the evidence."""
    lines = [f"# proposed for {source.id}: its article_allow matches nothing on {inf.url}; inferred from "
             f"{len(inf.articles)} article links:"]
    lines += [f"#   {why}" for why in inf.evidence]
    lines += ["[[source]]", f"id = {toml_string(source.id)}", f"name = {toml_string(source.name)}"]
    if source.home_region:
        lines.append(f"home_region = {toml_string(source.home_region)}")
    for name in ("list_urls", "feeds", "sitemaps"):
        values = getattr(source, name)
        if values:
            lines.append(f"{name} = [{', '.join(map(toml_string, values))}]")
    lines.append("# was: article_allow = [" + ", ".join(toml_regex(p) for p in source.article_allow) + "]")
    lines.append("article_allow = [" + ", ".join(toml_regex(p) for p in inf.patterns) + "]")
    if source.article_deny:
        lines.append("article_deny = [" + ", ".join(toml_regex(p) for p in source.article_deny) + "]")
    lines.append(f"max_list_pages = {source.max_list_pages}")
    if source.browser:
        lines.append("browser = true")
    lines.append(f"family = {toml_string(source.family)}")
    lines.append(f"confirmed = {toml_string(source.confirmed)}")
    if source.notes:
        lines.append(f"notes = {toml_string(source.notes)}")
    return "\n".join(lines)


def _cadence(dates: Sequence[date]) -> float | None:
    """Median days between consecutive distinct dates: how often the list gets a new article."""
    days = sorted({d.toordinal() for d in dates})
    if len(days) < 2:
        return None
    return float(statistics.median(b - a for a, b in zip(days, days[1:], strict=False)))


def format_check(result: CheckResult) -> str:
    extra = []
    if result.newest:
        extra.append(f"newest {result.newest.isoformat()}")
    if result.cadence_days is not None:
        extra.append(f"a new article every {result.cadence_days:g} days")
    line = f"{result.source_id}: {result.state} — {result.detail}" + (f" ({', '.join(extra)})" if extra else "")
    return line + (f"\n{result.proposal}" if result.proposal else "")
