"""``generate_context``: everything the generators need, computed once from the article models.

Pure: models (and a few store rows for the sources page) in, an immutable-by-convention ``SiteContext`` out.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Any

from site_builder import paths
from site_builder.models import (
    LEVEL_COUNTY,
    LEVEL_LABELS,
    LEVEL_PREFECTURE,
    LEVEL_PROVINCE,
    Article,
    RegionRef,
    TopicRef,
    parse_datetime,
)
from site_builder.recency import RECENT_DAYS, build_date, recent_since
from site_builder.run_status import RunsShown, is_finished, runs_shown
from site_builder.tilemap import PROVINCE_TILES, Tile, build_tiles

__all__ = ["RECENT_DAYS", "SiteContext", "generate_context"]


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    articles: tuple[Article, ...]
    recent: int  # stories in the RECENT_DAYS days up to the build date (``recency``)
    children: tuple[str, ...] = ()

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "")

    @cached_property
    def path(self) -> str:
        return paths.region_dir(self.code) + "index.html"


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    articles: tuple[Article, ...]

    @cached_property
    def path(self) -> str:
        return paths.topic_dir(self.id) + "index.html"


@dataclass(frozen=True)
class SourceHealth:
    id: str
    name: str
    home_region: str | None
    articles: int
    newest: datetime | None
    last_run_id: int | None
    last_run_started: datetime | None
    last_run_status: str | None
    requests: int
    pages_new: int
    not_modified: int
    errors: tuple[tuple[str, int], ...]
    history: tuple[int, ...]  # new pages per recent run, oldest first
    flags: tuple[str, ...] = ()  # health flags, as `yigai status` shows them; empty when healthy

    @property
    def error_count(self) -> int:
        return sum(n for _k, n in self.errors)


@dataclass(frozen=True)
class BuildScope:
    """What a delta build (``site_builder.delta``) generates: the pages of these lists — each list's first page
    and its numbered pages from the given number up (pages below it are unchanged) — and these feeds. Every
    other list page and feed is kept as published. A full build has no scope: it generates everything."""

    lists: Mapping[str, int]  # list key ("home", "national", "region/<code>", "topic/<id>", "month/<YYYY-MM>")
    feeds: frozenset[str]  # feed keys ("all", "national", "region/<code>", "topic/<id>")


@dataclass
class SiteContext:
    site: dict[str, Any]
    articles: list[Article]
    newest: datetime | None
    recent_since: datetime | None
    regions: dict[str, Region]
    article_regions: dict[str, tuple[str, ...]]  # article id → every region code it is listed under
    national: list[Article]
    topics: dict[str, Topic]
    months: dict[str, list[Article]]  # "YYYY-MM" → articles, newest month first
    tiles: list[Tile]
    sources: list[SourceHealth] = field(default_factory=list)
    # The regions as the vote resolved them (before a level is normalised or a parent dropped): a delta build
    # compares its own vote with these.
    resolved: dict[str, RegionRef] = field(default_factory=dict)
    votes: Mapping[tuple[str, str, str], int] = field(default_factory=dict)  # ``ref_votes``, ``topic_vote``
    scope: BuildScope | None = None
    as_of: datetime | None = None  # the build date (``recency.build_date``): what "recent" counts back from
    runs_shown: RunsShown | None = None  # the about page's last finished run and the one going on

    def region_chain(self, code: str) -> list[Region]:
        """The region and its ancestors, province first."""
        chain: list[Region] = []
        seen: set[str] = set()
        current: str | None = code
        while current and current in self.regions and current not in seen:
            seen.add(current)
            chain.append(self.regions[current])
            current = self.regions[current].parent_code
        return chain[::-1]

    @property
    def provinces(self) -> list[Region]:
        return [r for code, r in sorted(self.regions.items()) if r.level == LEVEL_PROVINCE]


def recent_between(members: Sequence[Article], since: datetime, as_of: datetime) -> int:
    """How many of ``members`` (newest first) are dated after ``since`` and not after ``as_of``."""
    after_since = bisect_left(members, (-since.timestamp(),), key=lambda a: a.sort_key)
    after_as_of = bisect_left(members, (-as_of.timestamp(),), key=lambda a: a.sort_key)
    return after_since - after_as_of


def _most_common(values: Iterable[str]) -> str:
    return _winner(Counter(values))


def _winner(counts: Mapping[str, int]) -> str:
    """The most frequent value; ties go to the smallest (so the choice never depends on input order)."""
    return min(counts, key=lambda v: (-counts[v], v))


def resolve_region(
    code: str, names: Mapping[str, int], levels: Mapping[str, int], parents: Mapping[str, int] | None
) -> RegionRef:
    """A region's name, level and parent by majority vote of its mentions (ties to the smallest value)."""
    candidates = parents or {}
    # A county named with its prefecture anywhere hangs under that prefecture everywhere.
    prefecture_parents = {p: n for p, n in candidates.items() if not p.endswith("0000")}
    parent = _winner(prefecture_parents or candidates) if candidates else None
    return RegionRef(code, _winner(names), _winner(levels), parent)


def region_closure(tagged: Iterable[str], resolved: Mapping[str, Any]) -> tuple[str, ...]:
    """Every region an article is listed under: its tagged codes and their ancestors, sorted."""
    codes: set[str] = set()
    for code in tagged:
        current: str | None = code
        while current and current in resolved and current not in codes:
            codes.add(current)
            current = resolved[current].parent_code
    return tuple(sorted(codes))


def region_children(resolved: Mapping[str, RegionRef]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code, ref in resolved.items():
        if ref.parent_code and ref.parent_code in resolved:
            children.setdefault(ref.parent_code, []).append(code)
    return children


def make_region(
    ref: RegionRef, resolved: Mapping[str, RegionRef], articles: Sequence[Article], recent: int, children: Iterable[str]
) -> Region:
    """The region page's model of a resolved region (an unknown level is shown as a county's)."""
    return Region(
        code=ref.code,
        name=ref.name,
        level=ref.level if ref.level in (LEVEL_PROVINCE, LEVEL_PREFECTURE, LEVEL_COUNTY) else LEVEL_COUNTY,
        parent_code=ref.parent_code if ref.parent_code in resolved else None,
        articles=articles,  # type: ignore[arg-type]  # a tuple, or a delta build's lazily read list
        recent=recent,
        children=tuple(sorted(children)),
    )


def province_tiles(regions: Mapping[str, Region]) -> list[Tile]:
    """The map's tiles: each province's recent count and page."""
    province_codes = {code for code, *_ in PROVINCE_TILES}
    return build_tiles(
        {code: r.recent for code, r in regions.items() if code in province_codes},
        {code: r.path for code, r in regions.items() if code in province_codes},
    )


def ref_votes(ref: RegionRef) -> list[tuple[str, str, str]]:
    """What one mention of a region votes for: ("n", code, name), ("l", code, level) and, when it names a
    parent other than itself, ("p", code, parent)."""
    votes = [("n", ref.code, ref.name), ("l", ref.code, ref.level)]
    if ref.parent_code and ref.parent_code != ref.code:
        votes.append(("p", ref.code, ref.parent_code))
    return votes


def topic_vote(topic: TopicRef) -> tuple[str, str, str]:
    """What an article's topic votes for: ("t", topic id, label)."""
    return ("t", topic.id, topic.label)


def _resolve_regions(
    articles: Sequence[Article],
) -> tuple[dict[str, RegionRef], dict[str, tuple[str, ...]], Counter[tuple[str, str, str]]]:
    """One name/level/parent per code (majority vote, ties broken by sort order), then per-article closure;
    and the votes themselves (``ref_votes``: a delta build keeps them)."""
    # Count each distinct (code, name, level, parent) once per mention: a few thousand distinct values among
    # hundreds of thousands of mentions, so the vote below runs over the few thousand. Counted by identity
    # (articles read through the row cache share one object per distinct value; a dataclass's hash is
    # Python code), so equal values may appear more than once below: the vote adds them up.
    mentioned = list(chain.from_iterable(art.regions for art in articles))
    by_identity = {id(ref): ref for ref in mentioned}
    mentions = [(by_identity[ref_id], count) for ref_id, count in Counter(map(id, mentioned)).items()]
    del mentioned
    votes: Counter[tuple[str, str, str]] = Counter()
    for ref, count in mentions:
        for vote in ref_votes(ref):
            votes[vote] += count
    tallies: dict[str, dict[str, Counter[str]]] = {"n": {}, "l": {}, "p": {}}
    for (kind, code, value), count in votes.items():
        tallies[kind].setdefault(code, Counter())[value] = count
    names, levels, parents = tallies["n"], tallies["l"], tallies["p"]
    resolved = {code: resolve_region(code, names[code], levels[code], parents.get(code)) for code in sorted(names)}
    closure: dict[str, tuple[str, ...]] = {}
    by_tagged: dict[tuple[str, ...], tuple[str, ...]] = {}  # the same few region sets recur across articles
    by_set: dict[int, tuple[str, ...]] = {}  # by the identity of an article's region set (often shared)
    for art in articles:
        found = by_set.get(id(art.regions))
        if found is not None:
            closure[art.id] = found
            continue
        tagged = tuple(ref.code for ref in art.regions)
        found = by_tagged.get(tagged)
        if found is None:
            found = by_tagged[tagged] = region_closure(tagged, resolved)
        by_set[id(art.regions)] = found  # the articles (and so their sets) outlive this loop: ids stay unique
        closure[art.id] = found
    return resolved, closure, votes


def source_article_counts(articles: Sequence[Article]) -> tuple[dict[str, int], dict[str, datetime]]:
    """Per source: how many articles, and the date of its newest (of equal ones, the first in list order)."""
    # ``articles`` are newest first: walked backwards, each source's last date is its newest, and the walk
    # runs in C.
    source_ids = list(map(attrgetter("source_id"), articles))
    newest: dict[str, datetime] = dict(
        zip(reversed(source_ids), map(attrgetter("date"), reversed(articles)), strict=True)
    )
    return dict(Counter(source_ids)), newest


def source_health_rows(
    sources: Sequence[Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]],
    run_sources: Mapping[int, Sequence[Mapping[str, Any]]],
    per_source_articles: Mapping[str, int],
    newest: Mapping[str, datetime],
    health_flags: Mapping[str, tuple[str, ...]] | None = None,
) -> list[SourceHealth]:
    """The sources page's rows: each source's articles, newest story, last run and health flags."""
    runs_newest_first = sorted(runs, key=lambda r: -int(r["id"]))
    stats = {int(r["id"]): {row["source_id"]: row for row in run_sources.get(int(r["id"]), [])} for r in runs}
    out = []
    for src in sorted(sources, key=lambda s: s["id"]):
        sid = src["id"]
        # The last run that has ended (``run_status``: the page is made inside the run still going on).
        last = next((r for r in runs_newest_first if is_finished(r) and sid in stats[int(r["id"])]), None)
        row = stats[int(last["id"])][sid] if last is not None else None
        errors: dict[str, int] = {}
        if row is not None:
            try:
                raw = json.loads(row["errors_json"] or "{}")
            except ValueError:
                raw = {}
            if isinstance(raw, dict):
                errors = {str(k): int(v) for k, v in raw.items() if isinstance(v, (int, float))}
        history = tuple(
            int(stats[int(r["id"])][sid]["pages_new"])
            for r in reversed(runs_newest_first)
            if sid in stats[int(r["id"])]
        )
        out.append(
            SourceHealth(
                id=sid,
                name=src["name"],
                home_region=src["home_region"],
                articles=per_source_articles.get(sid, 0),
                newest=newest.get(sid),
                last_run_id=int(last["id"]) if last is not None else None,
                last_run_started=parse_datetime(last["started_at"]) if last is not None else None,
                last_run_status=last["status"] if last is not None else None,
                requests=int(row["requests"]) if row is not None else 0,
                pages_new=int(row["pages_new"]) if row is not None else 0,
                not_modified=int(row["not_modified"]) if row is not None else 0,
                errors=tuple(sorted(errors.items())),
                history=history,
                flags=(health_flags or {}).get(sid, ()),
            )
        )
    return out


def generate_context(
    articles: Sequence[Article],
    site: Mapping[str, Any],
    *,
    sources: Sequence[Mapping[str, Any]] = (),
    runs: Sequence[Mapping[str, Any]] = (),
    run_sources: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    health_flags: Mapping[str, tuple[str, ...]] | None = None,
) -> SiteContext:
    articles = sorted(articles, key=attrgetter("sort_key"))
    newest = articles[0].date if articles else None
    as_of = build_date(site, runs, newest)
    since = recent_since(as_of)

    def recent_count(members: Sequence[Article]) -> int:
        # Members are in sort_key order (newest first): the recent ones are a run, found by bisection (stories
        # dated after the build date, possible with an ``as_of`` in the past, are not counted).
        if since is None or as_of is None:
            return 0
        return recent_between(members, since, as_of)

    resolved, closure, votes = _resolve_regions(articles)
    members: dict[str, list[Article]] = {code: [] for code in resolved}
    for art in articles:
        for code in closure[art.id]:
            members[code].append(art)
    children = region_children(resolved)
    regions = {
        code: make_region(ref, resolved, tuple(members[code]), recent_count(members[code]), children.get(code, []))
        for code, ref in sorted(resolved.items())
        if members[code]
    }
    topic_members: dict[str, list[Article]] = {}
    for art in articles:
        for t in art.topics:
            topic_members.setdefault(t.id, []).append(art)
    # Each label once per article, counted by distinct topic set (shared tuples, as for regions)
    topic_labels: dict[str, Counter[str]] = {}
    topic_sets = {id(art.topics): art.topics for art in articles}
    for set_id, count in Counter(map(id, (art.topics for art in articles))).items():
        for t in topic_sets[set_id]:
            topic_labels.setdefault(t.id, Counter())[t.label] += count
            votes[topic_vote(t)] += count
    topics = {
        tid: Topic(tid, _winner(topic_labels[tid]), tuple(topic_members[tid])) for tid in sorted(topic_members)
    }
    months: dict[str, list[Article]] = {}
    for art in articles:
        months.setdefault(art.month, []).append(art)
    months = dict(sorted(months.items(), reverse=True))
    tiles = province_tiles(regions)
    return SiteContext(
        site=dict(site),
        articles=list(articles),
        newest=newest,
        recent_since=since,
        regions=regions,
        article_regions=closure,
        national=[a for a in articles if a.national],
        topics=topics,
        months=months,
        tiles=tiles,
        sources=source_health_rows(
            sources, runs, run_sources or {}, *source_article_counts(articles), health_flags
        ),
        resolved=resolved,
        votes=votes,
        as_of=as_of,
        runs_shown=runs_shown(runs),
    )
