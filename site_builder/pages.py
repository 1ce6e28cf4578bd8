"""HTML page generator: Jinja2 templates over the ``SiteContext``.

Every page gets ``root`` (the relative prefix back to the site root for its depth), so all links are relative
and the site works from any base path, or straight from disk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from site_builder import paths
from site_builder.context import RECENT_DAYS, SiteContext
from site_builder.models import CHINA_TZ, Article
from site_builder.tilemap import legend, svg_size

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
SEARCH_TEXT_CHARS = 200


@dataclass(frozen=True)
class FeedLink:
    title: str
    rss: str
    atom: str


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    prev: str | None
    next: str | None
    pages: tuple[tuple[int | None, str | None], ...]  # (None, None) marks a gap


def feed_link(key: str, title: str) -> FeedLink:
    return FeedLink(title, paths.feed_path(key, "rss"), paths.feed_path(key, "atom"))


def make_env(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = _iso
    env.filters["day"] = _day
    env.filters["minute"] = _minute
    env.globals.update(
        article_url=paths.article_path,
        region_url=lambda code: paths.region_dir(code) + "index.html",
        topic_url=lambda tid: paths.topic_dir(tid) + "index.html",
        archive_url=lambda month: paths.archive_dir(month) + "index.html",
        RECENT_DAYS=RECENT_DAYS,
    )
    return env


def _china(dt: datetime) -> datetime:
    return dt.astimezone(CHINA_TZ)


def _iso(dt: datetime) -> str:
    return _china(dt).isoformat()


def _day(dt: datetime) -> str:
    return _china(dt).strftime("%Y-%m-%d")


def _minute(dt: datetime) -> str:
    return _china(dt).strftime("%Y-%m-%d %H:%M")


def pager_pages(number: int, total: int, directory: str) -> tuple[tuple[int | None, str | None], ...]:
    """Page links: first, last and two either side of the current one, with gaps marked."""
    wanted = sorted({1, total, *range(max(1, number - 2), min(total, number + 2) + 1)})
    out: list[tuple[int | None, str | None]] = []
    previous = 0
    for n in wanted:
        if n - previous > 1:
            out.append((None, None))
        out.append((n, paths.list_page_path(directory, n)))
        previous = n
    return tuple(out)


def paginate(
    items: Sequence[Article], size: int, directory: str
) -> Iterator[tuple[str, Sequence[Article], Pager]]:
    """(path, items of the page, pager) for every page of a list; an empty list still has page 1."""
    size = max(1, size)
    total = max(1, -(-len(items) // size))
    for number in range(1, total + 1):
        pager = Pager(
            number=number,
            total=total,
            prev=paths.list_page_path(directory, number - 1) if number > 1 else None,
            next=paths.list_page_path(directory, number + 1) if number < total else None,
            pages=pager_pages(number, total, directory),
        )
        yield paths.list_page_path(directory, number), items[(number - 1) * size : number * size], pager


class PageGenerator:
    """Yields (path, bytes) for every HTML page, plus the JSON search index when Pagefind is not used."""

    def __init__(self, env: jinja2.Environment, page_size: int, *, pagefind: bool = True) -> None:
        self.env = env
        self.page_size = page_size
        self.pagefind = pagefind  # False: the fallback substring search over search-index.json

    def render(self, template: str, path: str, ctx: SiteContext, **variables: Any) -> bytes:
        variables.setdefault("feeds", [feed_link("all", "全部报道")])
        variables.setdefault("description", ctx.site.get("description", ""))
        variables.setdefault("section", "")
        html = self.env.get_template(template).render(
            site=ctx.site, root=paths.root_prefix(path), page_path=path, **variables
        )
        return html.encode("utf-8")

    def generate_output(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        yield from self._home(ctx)
        yield from self._regions(ctx)
        yield from self._national(ctx)
        yield from self._topics(ctx)
        yield from self._archive(ctx)
        yield from self._articles(ctx)
        yield (
            "about.html",
            self.render(
                "about.html",
                "about.html",
                ctx,
                page_title="关于",
                section="about",
                sources=ctx.sources,
                feed_groups=feed_groups(ctx),
            ),
        )
        yield (
            "search.html",
            self.render(
                "search.html", "search.html", ctx, page_title="搜索", section="search", pagefind=self.pagefind
            ),
        )
        if not self.pagefind:
            yield "search-index.json", search_index(ctx.articles)

    def _home(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        width, height = svg_size()
        for path, items, pager in paginate(ctx.articles, self.page_size, ""):
            yield (
                path,
                self.render(
                    "index.html",
                    path,
                    ctx,
                    page_title=None if pager.number == 1 else f"最新报道（第 {pager.number} 页）",
                    section="home",
                    items=items,
                    pager=pager,
                    tiles=ctx.tiles,
                    map_width=width,
                    map_height=height,
                    legend=legend(),
                    provinces=ctx.provinces,
                    topics=list(ctx.topics.values()),
                    total=len(ctx.articles),
                    national_count=len(ctx.national),
                    newest=ctx.newest,
                ),
            )

    def _list(
        self,
        ctx: SiteContext,
        directory: str,
        items: Sequence[Article],
        *,
        heading: str,
        section: str,
        feeds: list[FeedLink],
        breadcrumbs: Sequence[tuple[str, str | None]] = (),
        children: Sequence[Any] = (),
        intro: str | None = None,
    ) -> Iterator[tuple[str, bytes]]:
        for path, page_items, pager in paginate(items, self.page_size, directory):
            title = heading if pager.number == 1 else f"{heading}（第 {pager.number} 页）"
            yield (
                path,
                self.render(
                    "list.html",
                    path,
                    ctx,
                    page_title=title,
                    heading=title,
                    section=section,
                    items=page_items,
                    pager=pager,
                    feeds=feeds,
                    breadcrumbs=list(breadcrumbs),
                    children=list(children),
                    intro=intro,
                    total=len(items),
                ),
            )

    def _regions(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        for code, region in ctx.regions.items():
            chain = ctx.region_chain(code)
            crumbs = [("首页", "index.html")] + [(r.name, r.path) for r in chain[:-1]] + [(region.name, None)]
            children = [ctx.regions[c] for c in region.children]
            yield from self._list(
                ctx,
                paths.region_dir(code),
                region.articles,
                heading=region.name,
                section="region",
                feeds=[feed_link(f"region/{code}", region.name), feed_link("all", "全部报道")],
                breadcrumbs=crumbs,
                children=children,
                intro=f"{region.level_label}地区 · 共 {len(region.articles)} 篇 · 近{RECENT_DAYS}天 {region.recent} 篇",
            )

    def _national(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        yield from self._list(
            ctx,
            paths.NATIONAL_DIR,
            ctx.national,
            heading="全国",
            section="national",
            feeds=[feed_link("national", "全国"), feed_link("all", "全部报道")],
            breadcrumbs=[("首页", "index.html"), ("全国", None)],
            intro="国家层面的政策与报道（国家卫生健康委、国家医保局等）。",
        )

    def _topics(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        for tid, topic in ctx.topics.items():
            yield from self._list(
                ctx,
                paths.topic_dir(tid),
                topic.articles,
                heading=topic.label,
                section="topic",
                feeds=[feed_link(f"topic/{tid}", topic.label), feed_link("all", "全部报道")],
                breadcrumbs=[("首页", "index.html"), (topic.label, None)],
                intro=f"专题 · 共 {len(topic.articles)} 篇",
            )

    def _archive(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        months = [(m, len(items)) for m, items in ctx.months.items()]
        yield (
            paths.ARCHIVE_INDEX,
            self.render(
                "archive_index.html",
                paths.ARCHIVE_INDEX,
                ctx,
                page_title="按月归档",
                section="archive",
                months=months,
            ),
        )
        for month, items in ctx.months.items():
            yield from self._list(
                ctx,
                paths.archive_dir(month),
                items,
                heading=f"{month} 报道",
                section="archive",
                feeds=[feed_link("all", "全部报道")],
                breadcrumbs=[("首页", "index.html"), ("归档", paths.ARCHIVE_INDEX), (month, None)],
            )

    def _articles(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        for art in ctx.articles:
            path = paths.article_path(art.id)
            regions = [ctx.regions[c] for c in ctx.article_regions.get(art.id, ()) if c in ctx.regions]
            primary_chain = ctx.region_chain(art.primary_code) if art.primary_code else []
            feeds = [feed_link("all", "全部报道")]
            crumbs = [("首页", "index.html")] + [(r.name, r.path) for r in primary_chain]
            if primary_chain:
                feeds.insert(0, feed_link(f"region/{primary_chain[-1].code}", primary_chain[-1].name))
            elif art.national:
                feeds.insert(0, feed_link("national", "全国"))
                crumbs.append(("全国", paths.NATIONAL_DIR + "index.html"))
            yield (
                path,
                self.render(
                    "article.html",
                    path,
                    ctx,
                    page_title=art.title,
                    section="article",
                    article=art,
                    regions=regions,
                    breadcrumbs=crumbs,
                    feeds=feeds,
                    description=art.summary,
                ),
            )


def feed_groups(ctx: SiteContext) -> list[tuple[str, list[FeedLink]]]:
    """Every feed the site publishes, grouped for the about page and the OPML file."""
    return [
        ("全部", [feed_link("all", "全部报道"), feed_link("national", "全国")]),
        ("地区", [feed_link(f"region/{code}", r.name) for code, r in ctx.regions.items()]),
        ("专题", [feed_link(f"topic/{tid}", t.label) for tid, t in ctx.topics.items()]),
    ]


def search_index(articles: Sequence[Article]) -> bytes:
    """The fallback search index (no Pagefind binary): id, title, url (root-relative), date, a text prefix."""
    entries = [
        {
            "id": a.id,
            "title": a.title,
            "url": paths.article_path(a.id),
            "date": _day(a.date),
            "place": a.place or "",
            "text": " ".join(" ".join(a.paragraphs).split())[:SEARCH_TEXT_CHARS],
        }
        for a in articles
    ]
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Escape HTML-significant characters so the file is safe even if it is ever inlined into a page.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")
