"""HTML page generator: Jinja2 templates over the ``SiteContext``.

Every page gets ``root`` (the relative prefix back to the site root for its depth), so all links are relative
and the site works from any base path, or straight from disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from site_builder import paths
from site_builder.context import RECENT_DAYS, SiteContext
from site_builder.models import CHINA_TZ, Article, short_hash
from site_builder.region_paths import region_paths
from site_builder.register import REGISTER_DIR, json_bytes, register_files
from site_builder.run_status import run_state_zh
from site_builder.tilemap import legend, svg_size
from site_builder.typography import with_classes

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class FeedLink:
    title: str
    rss: str
    atom: str


@dataclass(frozen=True)
class Pager:
    """Where a list page sits. Lists are numbered from the OLDEST story: ``page/1.html`` holds the oldest
    ``size`` stories and never changes when newer ones arrive, so a nightly build rewrites only the first
    page (``index.html``) and, now and then, one new numbered page — not every page of every list.

    ``number`` is 0 on the first page (the newest stories), else the page's number."""

    number: int
    newer: str | None  # the page of the next newer stories
    older: str | None
    latest: str | None  # link to the first page, when not on it
    oldest: str | None  # link to page 1, when it is neither this page nor its neighbour
    span: str  # "2024-01-03 至 2024-02-11" on numbered pages


class Chip(NamedTuple):
    """A link to a narrower list (a sub-region, a topic, a month) with its story count."""

    name: str
    path: str
    count: int


MonthNav = tuple[tuple[str, str] | None, tuple[str, str] | None]  # (month, its page) before and after


def _chip(name: str, directory: str, members: Sequence[Article]) -> Chip:
    return Chip(name, directory + "index.html", len(members))


def _month_nav(months: Sequence[str], i: int, month_dir: Callable[[str], str]) -> MonthNav:
    """The months (oldest first) before and after ``months[i]`` with their pages."""
    return tuple((m, month_dir(m) + "index.html") if m else None  # type: ignore[return-value]
                 for m in (months[i - 1] if i else None, months[i + 1] if i + 1 < len(months) else None))


def region_path_name(ctx: SiteContext, code: str) -> str:
    """A region named with its parents, "河北省 · 邯郸市 · 永年区": feed titles and feed lists name the whole
    path (a reader's list of feeds shows "· 朝阳区" without saying which 朝阳区)."""
    return " · ".join(r.name for r in ctx.region_chain(code)) or code


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
        # Templates do not change during a build: no stat of the template file on every page's get_template
        # (100,000 article pages: a second of a full build).
        auto_reload=False,
    )
    env.filters.update(
        iso=lambda dt: dt.astimezone(CHINA_TZ).isoformat(),
        day=lambda dt: dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d"),
        minute=lambda dt: dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
        with_classes=with_classes,
        run_state=run_state_zh,
        region_paths=region_paths,
    )
    env.globals.update(
        article_url=paths.article_path,
        region_url=lambda code: paths.region_dir(code) + "index.html",
        topic_url=lambda tid: paths.topic_dir(tid) + "index.html",
        archive_url=lambda month: paths.archive_dir(month) + "index.html",
        RECENT_DAYS=RECENT_DAYS,
    )
    return env


def paginate(items: Sequence[Article], size: int, directory: str) -> Iterator[tuple[str, Sequence[Article], Pager]]:
    """(path, items of the page, pager) for every page of a newest-first list; an empty list still has its
    first page.

    Counting from the oldest story, the list is cut into ``K = len // size`` full chunks; the first page
    (``index.html``) shows the newest full chunk and the stories newer than it (``size`` to ``2·size - 1``
    stories), and chunk ``k < K`` is ``page/k.html``. Every page's content and links depend only on its own
    chunk (and, for the page just below the first one, on whether a newer chunk has filled up)."""
    size = max(1, size)
    n = len(items)
    numbered = numbered_pages(n, size)
    first = f"{directory}index.html"

    def page_path(k: int) -> str:
        return f"{directory}page/{k}.html"

    older = page_path(numbered) if numbered else None
    yield first, items[: n - numbered * size], Pager(0, None, older, None, None, "")
    for k in range(numbered, 0, -1):
        # oldest-first chunk k covers newest-first positions [n - k·size, n - (k-1)·size)
        chunk = items[n - k * size : n - (k - 1) * size]
        pager = Pager(
            number=k,
            newer=page_path(k + 1) if k < numbered else first,
            older=page_path(k - 1) if k > 1 else None,
            latest=first if k < numbered else None,
            oldest=page_path(1) if k > 2 else None,
            span=f"{chunk[-1].day} 至 {chunk[0].day}",
        )
        yield page_path(k), chunk, pager


def list_json(ctx: SiteContext, title: str, items: Sequence[Article], pager: Pager, total: int) -> bytes:
    """A list page's stories as JSON, beside the page (``index.json``, ``page/<n>.json``; schema in docs/site.md).
    Paged as the HTML: a numbered page never changes once full, so a researcher's copy of it stays valid."""
    base = paths.base_url(ctx.site)

    def url(path: str | None) -> str | None:
        return paths.public_url(base, path[:-5] + ".json") if path else None

    stories = [{
        "id": a.feed_id or a.id, "url": paths.public_url(base, paths.article_path(a.id)), "title": a.title,
        "date": a.date.astimezone(CHINA_TZ).isoformat(), "dated_by": "published" if a.published else "collected",
        "source": a.original_source or a.site, "site": a.site, "original_url": a.link, "place": a.place, "region": a.primary_code,
        "national": a.national, "topics": list(a.stored.topic_slugs), "copies": len(a.copies), "summary": a.summary,
    } for a in items]
    page = {"schema": "yigai-list-1", "title": title, "total": total if pager.number == 0 else None,
            "newer": url(pager.newer), "older": url(pager.older), "stories": stories}
    return json_bytes(page)


def _json_name(path: str) -> str:
    """A list page's JSON, relative to the page: ``index.json`` beside ``index.html``, ``3.json`` beside ``3.html``."""
    return path.rsplit("/", 1)[-1][:-5] + ".json"


def numbered_pages(count: int, size: int) -> int:
    """How many numbered pages (1 … that) a list of ``count`` has: the newest full chunk is on the first page."""
    return max(0, count // max(1, size) - 1)


def _pager_key(pager: Pager) -> str:
    # Text, as every part of a list page's key: ``short_hash`` joins text parts in C, anything else one by one.
    return f"{pager.number}\x1f{pager.newer}\x1f{pager.older}\x1f{pager.latest}\x1f{pager.oldest}\x1f{pager.span}"


_DIGEST = attrgetter("list_key")


def _items_key(items: Sequence[Article]) -> str:
    # Every list page's key: ~700,000 article digests per build at 100,000 articles, gathered in C (``map``).
    return short_hash(*map(_DIGEST, items))


Output = tuple  # (path, bytes) or (path, key, render): see ``SiteWriter.emit``


class PageGenerator:
    """Yields every HTML page (the search index is ``search_index``'s).

    Pages come as (path, key, render): ``key`` digests everything the page shows (the templates and code via
    ``build_key``, the digests of its articles, its links), so the writer calls ``render`` only for a page
    whose key differs from the one it was last built with."""

    def __init__(
        self,
        env: jinja2.Environment,
        page_size: int,
        *,
        build_key: str = "",
        index_key: str = "",
        with_text: Callable[[Article], Article] | None = None,
    ) -> None:
        self.env = env
        # Articles are read without their text (``models.read_listed``); this loads it for a page.
        self.with_text = with_text or (lambda art: art)
        self.page_size = page_size
        self.build_key = build_key
        self.index_key = index_key  # the search index's part: no site setting (the index shows none)
        # What many article pages share, made once per build (a generator serves one build, one context).
        self._links_memo: dict[tuple, tuple[tuple, tuple, str]] = {}
        self._regions_memo: dict[tuple, str] = {}

    def render(self, template: str, path: str, ctx: SiteContext, **variables: Any) -> bytes:
        variables.setdefault("feeds", [feed_link("all", "全部报道")])
        variables.setdefault("json_path", None)
        variables.setdefault("description", ctx.site.get("description", ""))
        variables.setdefault("section", "")
        variables.setdefault("new_ids", ctx.new_ids)
        html = self.env.get_template(template).render(
            site=ctx.site, root=paths.root_prefix(path), page_path=path, **variables
        )
        return html.encode("utf-8")

    def job(self, template: str, path: str, ctx: SiteContext, key_parts: tuple, **variables: Any) -> Output:
        """A page the writer renders only when ``key_parts`` (what the page shows, summarised) changed."""
        key = short_hash(self.build_key, template, path, *key_parts)
        return path, key, lambda: self.render(template, path, ctx, **variables)

    def generate_output(self, ctx: SiteContext) -> Iterator[Output]:
        """Every page but the article pages (``article_jobs``: the build feeds those to the search index)."""
        yield from self._home(ctx)
        yield from self._regions(ctx)
        yield from self._national(ctx)
        yield from self._topics(ctx)
        yield from self._archive(ctx)
        yield from self._list(
            ctx, REGISTER_DIR, ctx.documents, heading="政策文件登记", section="register", template="register.html",
            feeds=[feed_link("register", "政策文件"), feed_link("all", "全部报道")],
            breadcrumbs=[("首页", "index.html"), ("政策文件", None)],
            intro="文号、发文机关、文种、成文日期与附件一览；可下载全部（CSV / JSON）。",
        )
        yield from register_files(ctx.documents, ctx.site, self.build_key)
        groups = feed_groups(ctx)  # every feed: thousands of links, rendered only when they or a source change
        yield self.job(
            "about.html",
            "about.html",
            ctx,
            (repr(ctx.sources), repr(groups), repr(ctx.runs_shown)),
            page_title="关于",
            section="about",
            sources=ctx.sources,
            feed_groups=groups,
            runs=ctx.runs_shown,
        )
        yield self.job("search.html", "search.html", ctx, (), page_title="搜索", section="search")

    def _home(self, ctx: SiteContext) -> Iterator[Output]:
        width, height = svg_size()
        for path, items, pager in paginate(ctx.articles, self.page_size, ""):
            first = pager.number == 0
            variables: dict[str, Any] = {
                "page_title": None if first else f"最新报道（{pager.span}）",
                "section": "home",
                "items": items,
                "pager": pager,
            }
            key: tuple = (_items_key(items), _pager_key(pager), ",".join(a.id for a in items if a.id in ctx.new_ids))
            if first:  # the map, the overview and the counts are only on the first page
                variables.update(
                    tiles=ctx.tiles,
                    map_width=width,
                    map_height=height,
                    legend=legend(),
                    provinces=ctx.provinces,
                    topics=list(ctx.topics.values()),
                    total=len(ctx.articles),
                    national_count=len(ctx.national),
                    newest=ctx.newest,
                    as_of=ctx.as_of,
                )
                key += (
                    repr(ctx.tiles),
                    repr([(p.code, p.name, len(p.articles), p.recent, len(p.children)) for p in ctx.provinces]),
                    repr([(t.id, t.label, len(t.articles)) for t in ctx.topics.values()]),
                    len(ctx.articles),
                    len(ctx.national),
                    ctx.newest,
                    ctx.as_of,
                )
            page = self.job("index.html", path, ctx, key, json_path=_json_name(path), **variables)
            yield page
            yield path[:-5] + ".json", page[1], partial(list_json, ctx, "最新报道", items, pager, len(ctx.articles))

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
        chips: Sequence[tuple[str, list[Chip]]] = (),
        intro: str | None = None,
        opml: str | None = None,
        template: str = "list.html",
        months: MonthNav = (None, None),
        feed_label: str = "订阅本页",
    ) -> Iterator[Output]:
        """A paginated list. Counts and link chips (sub-regions, topics, months) change with every new story,
        so only the first page shows them; ``months`` links a month's list to the month before and after."""
        shared = repr((feeds, list(breadcrumbs), opml, months, feed_label))  # for every page's key: made once
        for path, page_items, pager in paginate(items, self.page_size, directory):
            first = pager.number == 0
            title = heading if first else f"{heading}（{pager.span}）"
            new = ",".join(a.id for a in page_items if a.id in ctx.new_ids) if ctx.new_ids else ""
            page = self.job(
                template,
                path,
                ctx,
                (title, section, shared, repr((chips, intro, len(items))) if first else "", new,
                 _items_key(page_items), _pager_key(pager)),
                page_title=title,
                heading=title,
                section=section,
                items=page_items,
                pager=pager,
                feeds=feeds,
                breadcrumbs=list(breadcrumbs),
                chips=list(chips) if first else [],
                intro=intro if first else None,
                opml=opml,
                months=months,
                feed_label=feed_label,
                total=len(items),
                json_path=_json_name(path),
            )
            yield page
            yield path[:-5] + ".json", page[1], partial(list_json, ctx, title, page_items, pager, len(items))

    def _regions(self, ctx: SiteContext) -> Iterator[Output]:
        all_feed = feed_link("all", "全部报道")
        for code, region in ctx.regions.items():
            chain, name = ctx.region_chain(code), region_path_name(ctx, code)
            crumbs = [("首页", "index.html")] + [(r.name, r.path) for r in chain]
            feed = feed_link(f"region/{code}", name)
            # Provinces are filtered by topic (cities and counties too would be ~40,000 pages and 80,000 full-text
            # feeds, 4 GB, at 100,000 stories: measured in docs/site.md).
            topics = [(tid, ctx.topics[tid].label, members) for tid, members in region.by_topic.items()
                      if tid in ctx.topics] if region.parent_code is None else []
            # Provinces have month archives (~340 cities × 36 months would be 24,000 more files at 100,000 stories).
            months = list(region.by_month) if region.parent_code is None else []
            month_dir = partial(paths.archive_dir, under=paths.region_dir(code))
            chips = [
                ("下级地区", [_chip(ctx.regions[c].name, paths.region_dir(c), ctx.regions[c].articles)
                          for c in region.children]),
                ("按专题", [_chip(label, paths.region_topic_dir(code, tid), m) for tid, label, m in topics]),
                ("按月", [_chip(m, month_dir(m), region.by_month[m]) for m in reversed(months)]),
            ]
            yield from self._list(
                ctx,
                paths.region_dir(code),
                region.articles,
                heading=region.name,
                section="region",
                feeds=[feed, all_feed],
                breadcrumbs=crumbs[:-1] + [(region.name, None)],
                chips=[group for group in chips if group[1]],
                opml=f"opml/{code}.xml" if region.parent_code is None else None,
                intro=f"{region.level_label}地区 · 共 {len(region.articles)} 篇 · "
                + (f"近{RECENT_DAYS}天 {region.recent} 篇" if region.recent else f"近{RECENT_DAYS}天无报道"),
            )
            for tid, label, members in topics:  # province × topic
                yield from self._list(
                    ctx,
                    paths.region_topic_dir(code, tid),
                    members,
                    heading=f"{region.name} · {label}",
                    section="region",
                    feeds=[feed_link(f"region/{code}/topic/{tid}", f"{name} · {label}"), feed, all_feed],
                    breadcrumbs=crumbs + [(label, None)],
                    intro=f"专题「{label}」在{name} · 共 {len(members)} 篇",
                )
            for i, month in enumerate(months):
                yield from self._list(
                    ctx,
                    month_dir(month),
                    region.by_month[month],
                    heading=f"{region.name} · {month}",
                    section="region",
                    feeds=[feed, all_feed],
                    breadcrumbs=crumbs + [(month, None)],
                    months=_month_nav(months, i, month_dir),
                    feed_label="订阅本地区",
                )

    def _national(self, ctx: SiteContext) -> Iterator[Output]:
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

    def _topics(self, ctx: SiteContext) -> Iterator[Output]:
        for tid, topic in ctx.topics.items():
            by_province = [_chip(p.name, paths.region_topic_dir(p.code, tid), p.by_topic[tid])
                           for p in ctx.provinces if tid in p.by_topic]
            yield from self._list(
                ctx,
                paths.topic_dir(tid),
                topic.articles,
                heading=topic.label,
                section="topic",
                feeds=[feed_link(f"topic/{tid}", topic.label), feed_link("all", "全部报道")],
                breadcrumbs=[("首页", "index.html"), (topic.label, None)],
                chips=[("按省份", by_province)] if by_province else [],
                intro=f"专题 · 共 {len(topic.articles)} 篇",
            )

    def _archive(self, ctx: SiteContext) -> Iterator[Output]:
        months = [(m, len(items)) for m, items in ctx.months.items()]
        yield self.job("archive_index.html", paths.ARCHIVE_INDEX, ctx, (repr(months),), page_title="按月归档",
                       section="archive", months=months)
        oldest_first = sorted(ctx.months)
        for i, month in enumerate(oldest_first):
            yield from self._list(
                ctx,
                paths.archive_dir(month),
                ctx.months[month],
                heading=f"{month} 报道",
                section="archive",
                feeds=[feed_link("all", "全部报道")],
                breadcrumbs=[("首页", "index.html"), ("归档", paths.ARCHIVE_INDEX), (month, None)],
                months=_month_nav(oldest_first, i, paths.archive_dir),
                feed_label="订阅全站（本页无单独订阅）",
            )

    def _article_links(self, ctx: SiteContext, primary_code: str | None, national: bool) -> tuple[tuple, tuple, str]:
        """An article page's breadcrumbs, feed links and their digest: made once per primary region."""
        found = self._links_memo.get((primary_code, national))
        if found is None:
            chain = ctx.region_chain(primary_code) if primary_code else []
            feeds = [feed_link("all", "全部报道")]
            crumbs = [("首页", "index.html")] + [(r.name, r.path) for r in chain]
            if chain:
                feeds.insert(0, feed_link(f"region/{chain[-1].code}", " · ".join(r.name for r in chain)))
            elif national:
                feeds.insert(0, feed_link("national", "全国"))
                crumbs.append(("全国", paths.NATIONAL_DIR + "index.html"))
            digest = short_hash(repr((tuple(crumbs), tuple(feeds))))
            found = self._links_memo[(primary_code, national)] = (tuple(crumbs), tuple(feeds), digest)
        return found

    def article_jobs(self, ctx: SiteContext) -> list[tuple[Article, str, str, Callable[[], bytes], str]]:
        """Every article page as (article, path, key, render, search key), oldest first (the search index's
        order).

        The search key digests what the index takes from the page (its ``<article>`` without the meta list
        and the syndicated copies, so a new copy re-indexes nothing); the page key adds what only the page
        shows: its links and copies. One loop over 100,000 articles on every build: one hash per page."""
        jobs = []
        for art in reversed(ctx.articles):
            path = paths.article_path(art.id)
            search_key = short_hash(
                self.index_key, path, art.digest, self._regions_sig(ctx, ctx.article_regions.get(art.id, ()))
            )
            key = short_hash(self.build_key, search_key) + self._article_links(ctx, art.primary_code, art.national)[2]
            if art.copies:  # concatenated, not hashed again: copies are rare
                key += short_hash(repr(art.copies))
            # Only the key is made now; the page (and the article's text) only if the writer asks for it.
            jobs.append((art, path, key, partial(self._render_article, ctx, art), search_key))
        return jobs

    def _regions_sig(self, ctx: SiteContext, codes: tuple[str, ...]) -> str:
        """The regions an article page links to, as text for its key (region sets recur)."""
        found = self._regions_memo.get(codes)
        if found is None:
            found = self._regions_memo[codes] = "|".join(
                f"{c}:{ctx.regions[c].name}" for c in codes if c in ctx.regions
            )
        return found

    def _render_article(self, ctx: SiteContext, art: Article) -> bytes:
        path = paths.article_path(art.id)
        crumbs, feeds, _digest = self._article_links(ctx, art.primary_code, art.national)
        art = self.with_text(art)
        return self.render(
            "article.html",
            path,
            ctx,
            page_title=art.title,
            section="article",
            article=art,
            regions=[ctx.regions[c] for c in ctx.article_regions.get(art.id, ()) if c in ctx.regions],
            breadcrumbs=list(crumbs),
            feeds=list(feeds),
            description=art.summary,
        )


def feed_groups(ctx: SiteContext) -> list[tuple[str, list[FeedLink]]]:
    """Every feed the site publishes, grouped for the about page and the OPML file."""
    return [
        ("全部", [feed_link("all", "全部报道"), feed_link("national", "全国"), feed_link("register", "政策文件")]),
        ("地区", [feed_link(f"region/{code}", region_path_name(ctx, code)) for code in ctx.regions]),
        ("专题", [feed_link(f"topic/{tid}", t.label) for tid, t in ctx.topics.items()]),
        ("周报与关注", [feed_link("digest", "每周摘要"), *(feed_link(f"watch/{w.slug}", w.name) for w in ctx.watches)]),
    ]
