"""RSS 2.0 and Atom feeds (feedgen) for everything, every region, national stories and every topic.

Deterministic: entry ids are ``urn:yigai:article:<story's feed id>`` (the store's ``feed_id``: the id of the
copy first chosen for the story, kept when another copy is chosen), dates come from the articles (never the clock), the
feed's ``updated``/``lastBuildDate`` is its newest item's date, and items are newest first.

Each item carries what a reader's feed reader shows: the full text, who wrote the story (``dc:creator`` in
RSS, which has no author without an e-mail address; ``author`` in Atom), its regions as RSS hierarchic
categories ("河北省/邯郸市/魏县", RSS 2.0's slash-separated form, in the site's region domain) and its topics, and
for a policy document its 文号 (``dc:identifier``) with its issuing bodies and 成文日期 at the head of the text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from datetime import UTC, datetime
from functools import partial
from html import escape
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator as _FeedGen

from site_builder import paths
from site_builder.context import SiteContext
from site_builder.memo import RecentMemo
from site_builder.models import CHINA_TZ, Article, short_hash
from site_builder.pages import region_path_name
from site_builder.register import REGISTER_DIR

logger = logging.getLogger(__name__)

# An empty feed still needs an `updated`: a fixed date keeps its bytes stable.
EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


def entry_id(aid: str) -> str:
    return f"urn:yigai:article:{aid}"


Category = tuple[str, str, str]  # (term, scheme, label or "")


def _text(value: str) -> str:
    return escape(value, quote=False)


def content_html(article: Article) -> str:
    """The full text as HTML paragraphs, headed by who wrote and who carried it and, for a document, its
    文号, issuing bodies and 成文日期; its attachments and original link follow. All text is escaped (it is
    untrusted); links are the article's checked http(s) links only."""
    head = []
    if article.original_source and article.original_source != article.site:
        head.append(f"来源：{_text(article.original_source)}")
    head.append(f"刊载网站：{_text(article.site)}")
    document = [
        f"{label}：{_text(value)}"
        for label, value in (
            ("文号", article.doc_number),
            ("发文机关", article.issuing_body),
            ("成文日期", article.written_date),
        )
        if value
    ]
    parts = [f"<p>{'　'.join(head)}</p>"]
    if document:
        parts.append(f"<p>{'　'.join(document)}</p>")
    parts.extend(f"<p>{_text(p)}</p>" for p in article.paragraphs)
    if article.attachments:
        links = "、".join(
            f'<a href="{escape(a.link)}">{_text(a.title)}</a>' if a.link else _text(a.title)
            for a in article.attachments
        )
        parts.append(f"<p>附件：{links}</p>")
    if article.link:
        parts.append(f'<p><a href="{escape(article.link)}">原文链接</a></p>')
    return "".join(parts)


def article_categories(ctx: SiteContext, base: str, art: Article) -> tuple[Category, ...]:
    """The item's categories: each region it is tagged with as its path from the province (its ancestors are
    implied by the path), 全国 for a national story, then its topics."""
    codes = ctx.article_regions.get(art.id, ())
    parents = {ctx.regions[c].parent_code for c in codes if c in ctx.regions}
    out: list[Category] = []
    if art.national:
        out.append(("全国", paths.public_url(base, paths.NATIONAL_DIR), ""))
    for code in codes:
        if code in ctx.regions and code not in parents:  # the most specific regions
            names = [r.name for r in ctx.region_chain(code)]
            out.append(("/".join(names), paths.public_url(base, "region/"), ""))
    for topic in art.topics:
        label = ctx.topics[topic.id].label if topic.id in ctx.topics else topic.label
        # A "/" would make RSS read the label as a path (分级诊疗/双向转诊 is one topic, not two levels).
        out.append((label.replace("/", "、"), paths.public_url(base, "topic/"), ""))
    return tuple(out)


class FeedEntries:
    """Each article's feed entry, made once and lent to every feed that carries it (a new story is in a dozen
    feeds; feedgen only reads an entry). The last few are remembered: an entry holds the full text."""

    def __init__(self) -> None:
        self._memo: RecentMemo[Article, FeedEntry] | None = None  # a build has one base URL and one context

    def entry(self, ctx: SiteContext, base: str, art: Article) -> FeedEntry:
        if self._memo is None:
            self._memo = RecentMemo(partial(_context_entry, ctx, base))
        return self._memo.get(art.id, art)


def _context_entry(ctx: SiteContext, base: str, art: Article) -> FeedEntry:
    return _entry(base, art, article_categories(ctx, base, art))


class _Entry(FeedEntry):
    """A feed entry that builds its RSS and Atom elements once: a story lent to a dozen feeds is serialised
    from copies of them (copying an lxml element is C; building one is feedgen's Python, element by element)."""

    _built: dict[str, Any]

    def rss_entry(self, extensions: bool = True) -> Any:
        return self._copy("rss", extensions, super().rss_entry)

    def atom_entry(self, extensions: bool = True) -> Any:
        return self._copy("atom", extensions, super().atom_entry)

    def _copy(self, kind: str, extensions: bool, build: Callable[[bool], Any]) -> Any:
        built = self.__dict__.setdefault("_built", {})
        key = f"{kind}:{extensions}"
        if key not in built:
            built[key] = build(extensions)
        return deepcopy(built[key])  # the feed takes the element into its tree: never hand out the one kept


def _entry(base: str, art: Article, categories: Sequence[Category] = ()) -> FeedEntry:
    fe = _Entry()
    fe.load_extension("dc")
    fe.id(entry_id(art.feed_id or art.id))
    fe.title(art.title)
    fe.link(href=paths.public_url(base, paths.article_path(art.id)))
    fe.published(art.date.astimezone(CHINA_TZ))
    fe.updated(art.date.astimezone(CHINA_TZ))
    source = art.original_source or art.site  # who wrote it; the carrier is in the text's head
    fe.author({"name": source})
    fe.dc.dc_creator(source)
    if art.doc_number:
        fe.dc.dc_identifier(art.doc_number)
    for term, scheme, label in categories:
        # RSS shows a category's label in place of its term when it has one: the term alone keeps RSS's
        # slash-separated region path.
        fe.category(term=term, scheme=scheme, **({"label": label} if label else {}))
    fe.summary(escape(art.summary, quote=False), type="html")
    fe.content(content_html(art), type="html")
    return fe


def render_feed(
    ctx: SiteContext,
    key: str,
    title: str,
    page_path: str,
    articles: Sequence[Article],
    entries: FeedEntries | None = None,
) -> tuple[bytes, bytes]:
    """(RSS bytes, Atom bytes) for one feed; ``entries`` lends the entries of articles seen in other feeds."""
    base = paths.base_url(ctx.site)
    limit = max(1, int(ctx.site.get("feed_items") or 50))
    items = sorted(articles, key=lambda a: a.sort_key)[:limit]
    made = [entries.entry(ctx, base, a) if entries is not None else _context_entry(ctx, base, a) for a in items]
    return feed_bytes(ctx, key, title, page_path, made, items[0].date.astimezone(CHINA_TZ) if items else None)


def feed_bytes(
    ctx: SiteContext, key: str, title: str, page_path: str, entries: Sequence[FeedEntry], updated: datetime | None
) -> tuple[bytes, bytes]:
    """(RSS bytes, Atom bytes) of a feed of ``entries`` (in their order), ``updated`` being its newest's date."""
    base = paths.base_url(ctx.site)
    updated = updated or EMPTY_FEED_DATE
    site_title = str(ctx.site.get("title") or "")
    fg = _FeedGen()
    fg.load_extension("dc")
    fg.id(paths.public_url(base, page_path))
    fg.title(f"{site_title} · {title}" if title else site_title)
    fg.description(str(ctx.site.get("description") or site_title))
    fg.subtitle(str(ctx.site.get("description") or site_title))
    fg.language(str(ctx.site.get("language") or "zh-CN"))
    fg.generator("Yigai Watch")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.pubDate(updated)
    for entry in entries:  # newest first; 'append' keeps that order (feedgen prepends by default)
        fg.add_entry(entry, order="append")
    # Each format names itself as rel="self" (RSS through atom:link), so the links are set per format.
    # The alternate link goes last: feedgen takes the RSS <link> from the last link.
    page_url = paths.public_url(base, page_path)
    made = []
    for kind, serialise in (("rss", fg.rss_str), ("atom", fg.atom_str)):
        self_url = paths.public_url(base, paths.feed_path(key, kind))
        fg.link([{"href": self_url, "rel": "self"}, {"href": page_url, "rel": "alternate"}], replace=True)
        made.append(serialise(pretty=True))
    return made[0], made[1]


class FeedsGenerator:
    """Yields every feed file as (path, key, render); ``count`` says how many feeds (RSS+Atom pairs count as
    two) were made. A feed's key digests its newest items, so an unchanged feed is never re-rendered."""

    def __init__(self, build_key: str = "", with_text: Callable[[Article], Article] | None = None) -> None:
        self.count = 0
        self.build_key = build_key
        self.with_text = with_text or (lambda art: art)  # feeds carry the full text
        self.entries = FeedEntries()

    def feed_specs(self, ctx: SiteContext) -> Iterator[tuple[str, str, str, Sequence[Article]]]:
        """(key, title, page, articles newest first) of every feed."""
        yield "all", "全部报道", "index.html", ctx.articles
        yield "national", "全国", paths.NATIONAL_DIR + "index.html", ctx.national
        yield "register", "政策文件", REGISTER_DIR + "index.html", ctx.documents
        for code, region in ctx.regions.items():
            name = region_path_name(ctx, code)
            yield f"region/{code}", name, region.path, region.articles
            for tid, members in region.by_topic.items():  # province × topic: every pair that has stories
                if tid in ctx.topics and region.parent_code is None:
                    page = paths.region_topic_dir(code, tid) + "index.html"
                    yield f"region/{code}/topic/{tid}", f"{name} · {ctx.topics[tid].label}", page, members
        for tid, topic in ctx.topics.items():
            yield f"topic/{tid}", topic.label, topic.path, topic.articles
        for watch in ctx.watches:
            yield f"watch/{watch.slug}", watch.name, watch.path, watch.articles

    def generate_output(self, ctx: SiteContext) -> Iterator[tuple[str, str, Callable[[], bytes]]]:
        limit = max(1, int(ctx.site.get("feed_items") or 50))
        for key, title, page_path, articles in self.feed_specs(ctx):
            newest = list(articles[:limit])  # the context keeps every list newest first
            feed_key = short_hash(self.build_key, key, title, page_path, *(a.digest for a in newest))
            rendered: list[tuple[bytes, bytes]] = []

            def both(key=key, title=title, page_path=page_path, newest=newest, rendered=rendered):
                if not rendered:
                    full = [self.with_text(a) for a in newest]
                    rendered.append(render_feed(ctx, key, title, page_path, full, self.entries))
                return rendered[0]

            self.count += 2
            yield paths.feed_path(key, "rss"), feed_key, lambda both=both: both()[0]
            yield paths.feed_path(key, "atom"), feed_key, lambda both=both: both()[1]
