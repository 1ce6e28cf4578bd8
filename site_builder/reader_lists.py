"""Lists a reader subscribes to: the weekly digest (``digest/<ISO week>.html``, ISO weeks in China time; a feed
with one item a week) and the watchlists of ``[[watch]]`` in yigai.toml (``watch/<slug>/``, with their feeds in
``FeedsGenerator``), made on the shared list machinery and keyed by what they show like every other output."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from feedgen.entry import FeedEntry

from site_builder import paths
from site_builder.context import SiteContext
from site_builder.feeds import feed_bytes
from site_builder.models import CHINA_TZ, Article, division, division_chain, short_hash, topic_labels
from site_builder.pages import PageGenerator, _items_key, feed_link
from site_builder.register import is_document
from site_builder.search_tokens import normalise, synonym_groups

if TYPE_CHECKING:
    from yigai.store import Store

DIGEST_FEED = feed_link("digest", "每周摘要")
DIGEST_FEED_WEEKS = 12  # the digest feed's items: a quarter (an item holds a whole week)


@dataclass(frozen=True)
class Watch:
    """A ``[[watch]]`` (``yigai.config.watch_entries``) and its stories, newest first."""

    slug: str
    name: str
    intro: str  # what it watches, as its page says
    path: str
    articles: tuple[Article, ...]


def match_terms(keywords: Sequence[str]) -> list[str]:
    """The keywords in Simplified, each with its synonym group as the search has it (卫健委 finds 卫生健康委员会)."""
    from extract.chinese import to_simplified  # OpenCC: only a site with watchlists pays for loading it

    terms: list[str] = []
    for word in (normalise(to_simplified(k)) for k in keywords):
        terms.extend(next((g for g in synonym_groups() if word in g), (word,)))
    return list(dict.fromkeys(terms))


def read_watches(store: Store, entries: Sequence[dict[str, Any]], ctx: SiteContext) -> list[Watch]:
    """Each watchlist's stories: a keyword in the title or text, and, when it names any, in one of its regions
    (or below) and of one of its topics."""
    by_id = {a.id: a for a in ctx.articles}
    watches = []
    for entry in entries:
        regions, topics = set(entry["regions"]), set(entry["topics"])
        found = tuple(
            by_id[i] for i in store.listed_containing(match_terms(entry["keywords"]))
            if i in by_id and (not regions or regions.intersection(ctx.article_regions.get(i, ())))
            and (not topics or topics.intersection(by_id[i].stored.topic_slugs))
        )
        intro = "关键词：" + "、".join(entry["keywords"])
        if regions:
            intro += " · 地区：" + "、".join(getattr(division(c), "name", c) for c in entry["regions"])
        if topics:
            intro += " · 专题：" + "、".join(topic_labels().get(t, t) for t in entry["topics"])
        watches.append(Watch(entry["slug"], entry["name"], intro, paths.watch_dir(entry["slug"]) + "index.html", found))
    return watches


def weeks(articles: Sequence[Article]) -> dict[str, list[Article]]:
    """ISO week ("2025-W14", China time) → its stories, newest week first (the stories are newest first)."""
    week_of: dict[str, str] = {}
    out: dict[str, list[Article]] = {}
    for art in articles:
        if art.day not in week_of:
            year, week, _weekday = date.fromisoformat(art.day).isocalendar()
            week_of[art.day] = f"{year}-W{week:02d}"
        out.setdefault(week_of[art.day], []).append(art)
    return out


def week_sections(stories: Sequence[Article]) -> dict[str, Any]:
    """A week as its page and feed item show it: policy documents first, the other stories by province (全国
    first), then every story's title under each of its topics."""
    documents = [a for a in stories if is_document(a)]
    places: dict[tuple[str, str], list[Article]] = {}
    topics: dict[str, list[Article]] = {}
    for art in stories:
        if not is_document(art):
            chain = division_chain(art.primary_code)
            place = (chain[0].code, chain[0].name) if chain else ("0", "全国") if art.national else ("9", "其他")
            places.setdefault(place, []).append(art)
        for topic in art.topics:
            topics.setdefault(topic.label, []).append(art)
    places_named = [(name, items) for (_code, name), items in sorted(places.items())]
    return {"documents": documents, "places": places_named, "topics": sorted(topics.items())}


def week_span(week: str) -> str:
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return f"{monday} 至 {monday + timedelta(days=6)}"


def reader_outputs(gen: PageGenerator, ctx: SiteContext) -> Iterator[tuple]:
    """The digest's pages and feed, the watchlists' pages."""
    by_week = weeks(ctx.articles)
    names = list(by_week)
    links = [(week, f"digest/{week}.html", len(items)) for week, items in by_week.items()]
    yield gen.job("link_index.html", "digest/index.html", ctx, (repr(links),), page_title="每周摘要",
                  section="digest", links=links, feeds=[DIGEST_FEED])
    for i, (week, items) in enumerate(by_week.items()):
        newer, older = names[i - 1] if i else None, names[i + 1] if i + 1 < len(names) else None
        key = short_hash(gen.build_key, week, _items_key(items), str(newer), str(older))
        yield f"digest/{week}.html", key, partial(_week_page, gen, ctx, week, items, newer, older)
    recent = list(by_week.items())[:DIGEST_FEED_WEEKS]
    key = short_hash(gen.build_key, "digest", *(week + _items_key(items) for week, items in recent))
    both = partial(_digest_feed, gen, ctx, recent, [])
    yield paths.feed_path("digest", "rss"), key, lambda: both()[0]
    yield paths.feed_path("digest", "atom"), key, lambda: both()[1]
    links = [(w.name, w.path, len(w.articles)) for w in ctx.watches]
    yield gen.job("link_index.html", "watch/index.html", ctx, (repr(links),), page_title="关注", section="watch",
                  links=links, feeds=[feed_link("all", "全部报道")])
    for w in ctx.watches:
        yield from gen._list(
            ctx, paths.watch_dir(w.slug), w.articles, heading=w.name, section="watch", intro=w.intro,
            feeds=[feed_link(f"watch/{w.slug}", w.name), feed_link("all", "全部报道")],
            breadcrumbs=[("首页", "index.html"), ("关注", "watch/index.html"), (w.name, None)],
        )


def _week_page(gen: PageGenerator, ctx: SiteContext, week: str, items: list[Article], newer: str | None,
               older: str | None) -> bytes:
    return gen.render("digest.html", f"digest/{week}.html", ctx, page_title=f"{week} 每周摘要", section="digest",
                      week=week, span=week_span(week), total=len(items), newer=newer, older=older,
                      feeds=[DIGEST_FEED], **week_sections(items))


def _digest_feed(gen: PageGenerator, ctx: SiteContext, recent: list[tuple[str, list[Article]]],
                 rendered: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """The digest feed: a week an item, newest first, its id the week's; its content the week's page body with
    titles only (a week can hold a thousand stories) and absolute links. Made once for both formats."""
    if not rendered:
        base, body = paths.base_url(ctx.site), gen.env.get_template("_digest.html").module.digest_body
        entries = []
        for week, items in recent:
            entry = FeedEntry()
            entry.id(f"urn:yigai:digest:{week}")
            entry.title(f"{week} 每周摘要（{week_span(week)}，{len(items)} 篇）")
            entry.link(href=paths.public_url(base, f"digest/{week}.html"))
            entry.published(items[0].date.astimezone(CHINA_TZ))  # its newest story's: never the build time
            entry.updated(items[0].date.astimezone(CHINA_TZ))
            entry.content(str(body(root=base, brief=True, **week_sections(items))), type="html")
            entries.append(entry)
        newest = recent[0][1][0].date.astimezone(CHINA_TZ) if recent else None
        rendered.append(feed_bytes(ctx, "digest", "每周摘要", "digest/index.html", entries, newest))
    return rendered[0]
