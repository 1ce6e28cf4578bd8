"""``generate_context``: everything the generators need, computed once from the article models.

Pure: models (and a few store rows for the sources page) in, an immutable-by-convention ``SiteContext`` out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from site_builder import paths
from site_builder.models import (
    LEVEL_LABELS,
    LEVEL_PROVINCE,
    Article,
    ListedStories,
    RegionRef,
    division,
    division_chain,
    division_table,
    parse_datetime,
    topic_labels,
)
from site_builder.recency import RECENT_DAYS, build_date, recent_since
from site_builder.register import policy_documents
from site_builder.run_status import RunsShown, is_finished, runs_shown
from site_builder.tilemap import PROVINCE_TILES, Tile, build_tiles

if TYPE_CHECKING:
    from site_builder.reader_lists import Watch

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

    @cached_property
    def by_topic(self) -> dict[str, tuple[Article, ...]]:
        """Its stories on each topic, newest first: the region × topic pages and feeds."""
        return group_by(self.articles, lambda art: art.stored.topic_slugs)

    @cached_property
    def by_month(self) -> dict[str, tuple[Article, ...]]:
        """Its stories by month ("YYYY-MM", oldest month first), newest first within each."""
        return group_by(self.articles, lambda art: (art.month,))


def group_by(articles: Sequence[Article], keys_of: Any) -> dict[str, tuple[Article, ...]]:
    """The articles under each key ``keys_of`` gives them, in their order; keys sorted."""
    groups: dict[str, list[Article]] = {}
    for art in articles:
        for key in keys_of(art):
            groups.setdefault(key, []).append(art)
    return {key: tuple(members) for key, members in sorted(groups.items())}


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    articles: tuple[Article, ...]

    @cached_property
    def path(self) -> str:
        return paths.topic_dir(self.id) + "index.html"


NATIONAL_GROUP, OTHER_GROUP = "全国", "其他"  # the about page's source groups besides provinces


@dataclass(frozen=True)
class SourceHealth:
    """A row of the about page's table of sources."""

    id: str
    name: str
    home_region: str | None
    articles: int
    newest: datetime | None
    last_run_started: datetime | None  # the last finished run that crawled the source …
    last_run_status: str | None  # … and how it ended
    flags: tuple[str, ...] = ()  # health flags, as `yigai status` shows them; empty when healthy
    province: str = NATIONAL_GROUP  # the about page groups sources by the province of their home region


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
    as_of: datetime | None = None  # the build date (``recency.build_date``): what "recent" counts back from
    runs_shown: RunsShown | None = None  # the about page's last finished run and the one going on
    documents: list[Article] = field(default_factory=list)  # the policy register's, newest first
    watches: list[Watch] = field(default_factory=list)  # ``reader_lists.read_watches``
    new_ids: frozenset[str] = frozenset()  # stories stored since the last finished run ended: marked 新 in lists

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
    """How many of ``members`` (newest first: the recent ones are a run, found by bisection) are dated after
    ``since`` and not after ``as_of`` (a build date in the past leaves out what came later)."""
    after_since = bisect_left(members, (-since.timestamp(),), key=lambda a: a.sort_key)
    after_as_of = bisect_left(members, (-as_of.timestamp(),), key=lambda a: a.sort_key)
    return after_since - after_as_of


def province_tiles(regions: Mapping[str, Region]) -> list[Tile]:
    """The map's tiles: each province's recent count and page."""
    province_codes = {code for code, *_ in PROVINCE_TILES}
    return build_tiles(
        {code: r.recent for code, r in regions.items() if code in province_codes},
        {code: r.path for code, r in regions.items() if code in province_codes},
    )


def source_article_counts(articles: Sequence[Article]) -> tuple[dict[str, int], dict[str, datetime]]:
    """Per source: how many articles, and the date of its newest (of equal ones, the first in list order)."""
    # ``articles`` are newest first: walked backwards, each source's last date is its newest, and the walk
    # runs in C.
    source_ids = list(map(attrgetter("source_id"), articles))
    newest: dict[str, datetime] = dict(
        zip(reversed(source_ids), map(attrgetter("date"), reversed(articles)), strict=True)
    )
    return dict(Counter(source_ids)), newest


def _provinces_by_name() -> dict[str, RegionRef | None]:
    """Division name → its province; None when divisions of that name lie in two provinces (朝阳区)."""
    out: dict[str, RegionRef | None] = {}
    for code in division_table():
        chain = division_chain(code)
        name, province = chain[-1].name, chain[0]
        out[name] = province if out.get(name, province) == province else None
    return out


def source_province(home_region: str | None, provinces: Mapping[str, RegionRef | None]) -> tuple[str, str]:
    """(sort key, group name) of a source: national bodies and media first, then provinces by code, then a home
    region the division table does not place in one province."""
    if not home_region:
        return "", NATIONAL_GROUP
    province = provinces.get(home_region)
    return (province.code, province.name) if province else ("~", OTHER_GROUP)


def source_health_rows(
    sources: Sequence[Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]],
    run_sources: Mapping[int, Sequence[Mapping[str, Any]]],
    per_source_articles: Mapping[str, int],
    newest: Mapping[str, datetime],
    health_flags: Mapping[str, tuple[str, ...]] | None = None,
) -> list[SourceHealth]:
    """The about page's rows: each source's articles, newest story, last finished run and health flags (the
    page is made inside the run still going on: ``run_status``)."""
    finished = sorted((r for r in runs if is_finished(r)), key=lambda r: -int(r["id"]))
    crawled = {int(r["id"]): {row["source_id"] for row in run_sources.get(int(r["id"]), [])} for r in finished}
    out = []
    names = _provinces_by_name() if any(src["home_region"] for src in sources) else {}
    places = {src["id"]: source_province(src["home_region"], names) for src in sources}
    for src in sorted(sources, key=lambda s: (places[s["id"]][0], s["id"])):
        sid = src["id"]
        last = next((r for r in finished if sid in crawled[int(r["id"])]), None)
        out.append(
            SourceHealth(
                id=sid,
                name=src["name"],
                home_region=src["home_region"],
                articles=per_source_articles.get(sid, 0),
                newest=newest.get(sid),
                last_run_started=parse_datetime(last["started_at"]) if last is not None else None,
                last_run_status=last["status"] if last is not None else None,
                flags=(health_flags or {}).get(sid, ()),
                province=places[sid][1],
            )
        )
    return out


def generate_context(
    listed: ListedStories,
    site: Mapping[str, Any],
    *,
    sources: Sequence[Mapping[str, Any]] = (),
    runs: Sequence[Mapping[str, Any]] = (),
    run_sources: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    health_flags: Mapping[str, tuple[str, ...]] | None = None,
) -> SiteContext:
    """The context of the store's lists (``models.read_listed``): each division's and topic's members as the
    store listed them, its name, level and parent from the division table, a topic's label from the taxonomy."""
    articles = listed.articles  # newest first, ties by id: the store's order
    newest = articles[0].date if articles else None
    as_of = build_date(site, runs, newest)
    since = recent_since(as_of)

    refs = {code: division(code) for code in sorted(listed.regions)}  # every code is known (``read_listed``)
    children: dict[str, list[str]] = {}
    for code, ref in refs.items():
        if ref.parent_code in refs:
            children.setdefault(ref.parent_code, []).append(code)
    regions = {
        code: Region(
            code=code,
            name=ref.name,
            level=ref.level,
            parent_code=ref.parent_code if ref.parent_code in refs else None,
            articles=tuple(listed.regions[code]),
            recent=recent_between(listed.regions[code], since, as_of) if since and as_of else 0,
            children=tuple(children.get(code, ())),
        )
        for code, ref in refs.items()
    }
    closure: dict[str, list[str]] = {}
    for code, members in sorted(listed.regions.items()):
        for art in members:
            closure.setdefault(art.id, []).append(code)
    labels = topic_labels()
    topics = {
        slug: Topic(slug, labels.get(slug, slug), tuple(members)) for slug, members in sorted(listed.topics.items())
    }
    shown = runs_shown(runs)
    since_run = shown.finished.ended if shown.finished else None
    months: dict[str, list[Article]] = {}
    for art in articles:
        months.setdefault(art.month, []).append(art)
    return SiteContext(
        site=dict(site),
        articles=articles,
        newest=newest,
        recent_since=since,
        regions=regions,
        article_regions={aid: tuple(codes) for aid, codes in closure.items()},
        national=[a for a in articles if a.national],
        topics=topics,
        months=dict(sorted(months.items(), reverse=True)),
        tiles=province_tiles(regions),
        sources=source_health_rows(
            sources, runs, run_sources or {}, *source_article_counts(articles), health_flags
        ),
        as_of=as_of,
        runs_shown=shown,
        documents=policy_documents(articles),
        new_ids=frozenset(a.id for a in articles if since_run and a.extracted and a.extracted > since_run),
    )
