"""Immutable article models and the reader that makes them from store rows.

Every JSON column is parsed once, here; generators and templates only see these models. Text stays plain
(untrusted) and is escaped by the template engine or by the feed generator, never here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from yigai import listing

logger = logging.getLogger(__name__)

# China has one time zone and no DST, so a fixed offset is exact and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

NATIONAL_CODE = "000000"  # the extractor's code for a national story
ARTICLE_ID = re.compile(r"^[0-9a-f]{16}$")
REGION_CODE = re.compile(r"^[1-9][0-9]{5}$")
TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

SUMMARY_CHARS = 120
# A text's first characters read for a list's summary: enough for SUMMARY_CHARS after white space is squeezed
# (a text that starts with more white space than this is read whole).
SUMMARY_PREFIX = 400

LEVEL_PROVINCE = "province"
LEVEL_PREFECTURE = "prefecture"
LEVEL_COUNTY = "county"
LEVEL_LABELS = {LEVEL_PROVINCE: "省级", LEVEL_PREFECTURE: "地市级", LEVEL_COUNTY: "县级"}


@dataclass(frozen=True)
class RegionRef:
    """One administrative division (6-digit GB/T 2260 code) as an article names it."""

    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class TopicRef:
    id: str
    label: str


@dataclass(frozen=True)
class Attachment:
    title: str
    kind: str
    link: str | None  # only http(s) URLs; None means "show the title as text"


@dataclass(frozen=True)
class Copy:
    """A syndicated copy of an article carried by another site."""

    id: str
    site: str
    link: str | None
    day: str | None = None  # when the copy was published (China time, YYYY-MM-DD); None when it states none


@dataclass(frozen=True)
class StoredFields:
    """An article's columns as the store gave them, turned into what pages show only when first asked for
    (``Article``'s cached properties): a build reads 100,000 stories and renders the few that changed."""

    url: Any
    site: Any
    title: Any
    original_source: Any
    author: Any
    editor: Any
    meta_json: Any
    named: tuple[str, ...]  # the divisions the story names, in its order
    topic_slugs: tuple[str, ...]


def _stored_text(column: str) -> cached_property:
    """A text column of ``Article.stored``, stripped (None when empty), made on first use."""
    return cached_property(lambda art: _clean_str(getattr(art.stored, column)))


def _meta_text(key: str) -> cached_property:
    """A text field of the article's ``meta_json``, stripped (None when empty), made on first use."""
    return cached_property(lambda art: _clean_str(art._meta.get(key)))


@dataclass(frozen=True)
class Article:
    """A listed story. What lists, keys and counts need is read at once; what only a rendered page shows is
    made from ``stored`` on first use."""

    id: str
    digest: str  # of the store row's content columns (``Store``): a page showing the story changes with it
    date: datetime  # published, else extracted_at: stable, never the build time
    published: datetime | None
    summary: str
    source_id: str
    national: bool
    primary_code: str | None  # the most specific code of the primary (first named) region
    stored: StoredFields = field(repr=False, compare=False)
    copies: tuple[Copy, ...] = ()
    paragraphs: tuple[str, ...] = ()  # loaded when the article's page or a feed is rendered
    extracted: datetime | None = None  # when it was stored: lists mark stories new since the last finished run
    feed_id: str = ""  # the story's id in feeds and lists' JSON: kept whichever copy is chosen (store, ``feed_id``)

    @cached_property
    def list_key(self) -> str:
        """What a list shows of the story: its content and how many copies it has."""
        return f"{self.digest}+{len(self.copies)}" if self.copies else self.digest

    @cached_property
    def title(self) -> str:
        return str(self.stored.title or "").strip() or "（无标题）"

    @cached_property
    def site(self) -> str:
        return _clean_str(self.stored.site) or self.source_id

    @cached_property
    def link(self) -> str | None:
        """The page URL when it is http(s)."""
        return safe_link(self.stored.url)

    original_source = _stored_text("original_source")
    author = _stored_text("author")
    editor = _stored_text("editor")

    @cached_property
    def regions(self) -> tuple[RegionRef, ...]:
        """The divisions the story names, primary first, as the division table names them."""
        return tuple(ref for ref in map(division, self.stored.named) if ref is not None)

    @cached_property
    def topics(self) -> tuple[TopicRef, ...]:
        labels = topic_labels()
        return tuple(TopicRef(slug, labels.get(slug, slug)) for slug in self.stored.topic_slugs)

    @cached_property
    def place(self) -> str | None:
        """The primary region for lists, e.g. "河北省 · 邯郸市 · 魏县", or "全国"."""
        return " · ".join(r.name for r in division_chain(self.primary_code)) or ("全国" if self.national else None)

    @cached_property
    def _meta(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.stored.meta_json) if self.stored.meta_json else {}
        except (TypeError, ValueError):
            logger.warning("article %s: meta_json is not valid JSON; ignored", self.id)
            return {}
        return parsed if isinstance(parsed, dict) else {}

    doc_number = _meta_text("doc_number")
    doc_type = _meta_text("doc_type")
    issuing_body = _meta_text("issuing_body")
    written_date = _meta_text("written_date")  # a policy document's 成文日期 (YYYY-MM-DD), apart from its publish date

    @cached_property
    def issuing_bodies(self) -> tuple[str, ...]:
        """Every 发文机关 of a (joint) document."""
        listed = [b for b in map(_clean_str, self._meta.get("issuing_bodies") or ()) if b]
        return tuple(listed or (self.issuing_body.split("、") if self.issuing_body else ()))

    @cached_property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(
            Attachment(
                title=_clean_str(a.get("title")) or _clean_str(a.get("url")) or "附件",
                kind=_clean_str(a.get("kind")) or "",
                link=safe_link(a.get("url")),
            )
            for a in self._meta.get("attachments") or []
            if isinstance(a, Mapping)
        )

    @cached_property
    def day(self) -> str:
        """The story's day in China, "YYYY-MM-DD": made once per article (archives, list spans and the
        sitemap each need it for 100,000 articles; strftime costs three times as much)."""
        when = self.date.astimezone(CHINA_TZ)
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"

    @property
    def month(self) -> str:
        return self.day[:7]

    @cached_property
    def sort_key(self) -> tuple[float, str]:
        """Newest first, ties broken by id, so every list has one fixed order."""
        return (-self.date.timestamp(), self.id)


def safe_link(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (then it is shown as text, never as a link)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if any(ord(c) < 0x20 or c in "\x7f<>\"'` " for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 → aware datetime (naive values are taken as China time); None when missing or invalid."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return dt.replace(tzinfo=CHINA_TZ) if dt.tzinfo is None else dt


def join_paragraphs(text: str) -> str:
    """The text's lines as one line: Chinese paragraphs meet without a space (a space between two Chinese
    sentences is a stray gap); a space only between two Latin words or numbers. Runs of whitespace inside a
    line become one space."""
    joined = ""
    for line in text.split("\n"):
        flat = " ".join(line.split())
        if not flat:
            continue
        if joined and _latin_end(joined[-1]) and _latin_start(flat[0]):
            joined += " "
        joined += flat
    return joined


def _latin_end(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in ".,;:!?%)\"'")


def _latin_start(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "(\"'")


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = join_paragraphs(text)
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def _clean_str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def short_hash(*parts: object) -> str:
    """A 128-bit BLAKE2b hex digest of ``parts`` (their ``str``), for change detection, not security."""
    try:
        text = "\x1e".join(parts)  # type: ignore[arg-type]  # all str: the common case, ~3x faster
    except TypeError:
        text = "\x1e".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def split_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("\n") if p.strip())


def division(code: str) -> RegionRef | None:
    """A division as the division table names it (``extract/data/divisions.tsv``); None for an unknown code.
    A province has no parent; a district of 北京 or a city such as 仙桃 hangs directly under its province."""
    return division_table().get(code)


@lru_cache(maxsize=1)
def division_table() -> dict[str, RegionRef]:
    """Division code → its name, level and parent (``division``), from the division table."""
    return {
        d.code: RegionRef(d.code, d.name, d.level, None if d.level == LEVEL_PROVINCE else d.parent)
        for d in listing.division_table().values()
    }


def topic_labels() -> dict[str, str]:
    """Topic slug → label, from the taxonomy."""
    return listing.topic_labels()


_CHAINS: dict[tuple[int, str | None], tuple[RegionRef, ...]] = {}


def division_chain(code: str | None) -> tuple[RegionRef, ...]:
    """The division and its ancestors, province first (empty for an unknown code). Remembered per table: a
    build asks for the chain of each story's primary region, 100,000 times, of a few thousand codes."""
    table = division_table()
    found = _CHAINS.get((id(table), code))
    if found is None:
        out: list[RegionRef] = []
        ref = table.get(code) if code else None
        while ref is not None and ref not in out:
            out.append(ref)
            ref = table.get(ref.parent_code) if ref.parent_code else None
        found = _CHAINS[(id(table), code)] = tuple(out[::-1])
    return found


def listed_article(
    row: Sequence[Any],
    named: tuple[str, ...],
    topics: tuple[str, ...],
    copies: Sequence[Copy] = (),
    *,
    full_text: Callable[[str], str | None] | None = None,
) -> Article | None:
    """One listed story (a ``Store.listed_articles`` row, the divisions it names, its topics, its copies) → an
    ``Article`` without its paragraphs (pages load those when they render); None (logged) when it cannot be
    published safely."""
    (aid, digest, _story_at, url, source_id, site, title, prefix, published_s, extracted_at,
     original_source, author, editor, primary_code, national, meta_json, _group_id, feed_id) = row
    if not ARTICLE_ID.match(str(aid)):
        logger.warning("article id %r is not 16 hex digits; skipped", aid)
        return None
    published = parse_datetime(published_s)
    extracted = parse_datetime(extracted_at)
    date = published or extracted
    if date is None:
        logger.warning("article %s has neither a publish time nor extracted_at; skipped", aid)
        return None
    text = str(prefix or "")
    if len(text) >= SUMMARY_PREFIX and len(" ".join(text.split())) <= SUMMARY_CHARS and full_text is not None:
        text = full_text(aid) or text  # a text starting with much white space: its summary needs more of it
    primary = division_chain(primary_code) if primary_code and primary_code != NATIONAL_CODE else ()
    return Article(
        id=aid,
        digest=str(digest),
        date=date,
        published=published,
        summary=summarize(text),
        source_id=str(source_id),
        national=bool(national) or primary_code == NATIONAL_CODE,
        primary_code=primary[-1].code if primary else None,
        stored=StoredFields(url, site, title, original_source, author, editor, meta_json, named, topics),
        copies=tuple(sorted((c for c in copies if c.id != aid), key=lambda c: (c.day or "9", c.site, c.id))),
        feed_id=str(feed_id or aid),
        extracted=extracted,
    )


@dataclass
class ListedStories:
    """What the store lists (``read_listed``): the stories newest first, and the members of each division's
    and each topic's list, newest first, as the store's queries return them."""

    articles: list[Article]
    regions: dict[str, list[Article]]
    topics: dict[str, list[Article]]


def read_listed(store: Any) -> ListedStories:
    """The store's listed stories and lists (``Store.listed_articles``, ``listed_copies``, ``region_lists``,
    ``topic_lists``): four queries, no text read (but a summary's first characters)."""
    region_rows = store.region_lists()
    topic_rows = store.topic_lists()
    named_of: dict[str, list[tuple[int, str]]] = {}
    for code, aid, ordinal in region_rows:
        if ordinal is not None:
            named_of.setdefault(aid, []).append((ordinal, code))
    topics_of: dict[str, list[tuple[int, str]]] = {}
    for slug, aid, rank in topic_rows:
        topics_of.setdefault(aid, []).append((rank, slug))
    copies_of: dict[str, list[Copy]] = {}
    for group, cid, site, source_id, url, published in store.listed_copies():
        when = parse_datetime(published)
        day = when.astimezone(CHINA_TZ).strftime("%Y-%m-%d") if when else None
        copies_of.setdefault(group, []).append(Copy(cid, _clean_str(site) or str(source_id), safe_link(url), day))
    by_id: dict[str, Article] = {}
    for row in store.listed_articles(SUMMARY_PREFIX):
        aid = row[0]
        art = listed_article(
            row,
            tuple(code for _ordinal, code in sorted(named_of.get(aid, ()))),
            tuple(slug for _ordinal, slug in sorted(topics_of.get(aid, ()))),
            copies_of.get(_clean_str(row[16]) or aid, ()),
            full_text=store.article_text,
        )
        if art is not None:
            by_id[aid] = art
    lists: dict[str, dict[str, list[Article]]] = {"r": {}, "t": {}}
    for kind, rows in (("r", region_rows), ("t", topic_rows)):
        for key, aid, _rank in rows:
            art = by_id.get(aid)
            if art is not None and (kind == "t" or division(key) is not None):
                lists[kind].setdefault(key, []).append(art)
    return ListedStories(list(by_id.values()), lists["r"], lists["t"])
