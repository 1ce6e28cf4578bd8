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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from yigai import listing

logger = logging.getLogger(__name__)

# China has one time zone and no DST, so a fixed offset is exact and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

ARTICLE_ID = re.compile(r"^[0-9a-f]{16}$")
REGION_CODE = re.compile(r"^[1-9][0-9]{5}$")
TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

SUMMARY_CHARS = 120

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


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    summary: str
    site: str
    source_id: str
    link: str | None  # the page URL when it is http(s)
    published: datetime | None
    date: datetime  # published, else extracted_at: stable, never the build time
    original_source: str | None
    author: str | None
    editor: str | None
    regions: tuple[RegionRef, ...]  # as tagged, primary first, each with its ancestors resolvable
    region_codes: tuple[
        str, ...
    ]  # every region page/feed the article belongs to (tagged + ancestors), sorted
    national: bool
    topics: tuple[TopicRef, ...]
    doc_number: str | None
    doc_type: str | None
    issuing_body: str | None
    attachments: tuple[Attachment, ...]
    group_id: str
    primary_code: str | None = None  # the most specific code of the primary (first tagged) region
    place: str | None = None  # the primary region for lists, e.g. "河北省 · 邯郸市 · 魏县", or "全国"
    copies: tuple[Copy, ...] = ()
    # A short hash of the article's store row (not of its copies, which only its own page shows): the site
    # builder re-renders a page only when the digests of what it shows changed.
    digest: str = ""

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


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
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


def division_chain(code: str | None) -> list[RegionRef]:
    """The division and its ancestors, province first ([] for an unknown code)."""
    out: list[RegionRef] = []
    ref = division(code) if code else None
    while ref is not None and ref not in out:
        out.append(ref)
        ref = division(ref.parent_code) if ref.parent_code else None
    return out[::-1]


def _meta(value: Any, aid: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        logger.warning("article %s: meta_json is not valid JSON; ignored", aid)
        return {}
    return parsed if isinstance(parsed, dict) else {}


def listed_article(
    row: Sequence[Any],
    regions: Sequence[tuple[str, int | None]],
    topics: Sequence[str],
    copies: Sequence[Copy] = (),
    *,
    full_text: Callable[[str], str | None] | None = None,
) -> Article | None:
    """One listed story (a ``Store.listed_articles`` row, its ``region_lists`` and ``topic_lists`` entries,
    its copies) → an ``Article`` without its paragraphs (pages load those when they render); None (logged)
    when it cannot be published safely. Names are the division table's and the taxonomy's."""
    (aid, digest, _story_at, url, source_id, site, title, prefix, longer, published_s, extracted_at,
     original_source, author, editor, primary_code, national, meta_json, group_id) = row
    if not ARTICLE_ID.match(str(aid)):
        logger.warning("article id %r is not 16 hex digits; skipped", aid)
        return None
    published = parse_datetime(published_s)
    date = published or parse_datetime(extracted_at)
    if date is None:
        logger.warning("article %s has neither a publish time nor extracted_at; skipped", aid)
        return None
    text = str(prefix or "")
    if longer and len(" ".join(text.split())) <= SUMMARY_CHARS and full_text is not None:
        text = full_text(aid) or text  # a text starting with much white space: its summary needs more of it
    tagged = tuple(
        ref for ref in (division(code) for code, rank in sorted(
            ((c, r) for c, r in regions if r is not None), key=lambda cr: cr[1])) if ref is not None
    )
    labels = topic_labels()
    meta = _meta(meta_json, aid)
    attachments = tuple(
        Attachment(
            title=_clean_str(a.get("title")) or _clean_str(a.get("url")) or "附件",
            kind=_clean_str(a.get("kind")) or "",
            link=safe_link(a.get("url")),
        )
        for a in meta.get("attachments") or []
        if isinstance(a, Mapping)
    )
    primary = division_chain(primary_code) if primary_code and primary_code != "000000" else []
    national = bool(national) or primary_code == "000000"
    own_copies = tuple(sorted((c for c in copies if c.id != aid), key=lambda c: (c.site, c.id)))
    return Article(
        id=aid,
        title=str(title or "").strip() or "（无标题）",
        paragraphs=(),
        summary=summarize(text),
        site=_clean_str(site) or str(source_id),
        source_id=str(source_id),
        link=safe_link(url),
        published=published,
        date=date,
        original_source=_clean_str(original_source),
        author=_clean_str(author),
        editor=_clean_str(editor),
        regions=tagged,
        region_codes=tuple(sorted(ref.code for ref in tagged)),
        national=national,
        topics=tuple(TopicRef(slug, labels.get(slug, slug)) for slug in topics),
        doc_number=_clean_str(meta.get("doc_number")),
        doc_type=_clean_str(meta.get("doc_type")),
        issuing_body=_clean_str(meta.get("issuing_body")),
        attachments=attachments,
        group_id=_clean_str(group_id) or aid,
        place=" · ".join(r.name for r in primary) or ("全国" if national else None),
        primary_code=primary[-1].code if primary else None,
        copies=own_copies,
        digest=str(digest),
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
    regions_of: dict[str, list[tuple[str, int | None]]] = {}
    for code, aid, rank in region_rows:
        regions_of.setdefault(aid, []).append((code, rank))
    topics_of: dict[str, list[tuple[int, str]]] = {}
    for slug, aid, rank in topic_rows:
        topics_of.setdefault(aid, []).append((rank, slug))
    copies_of: dict[str, list[Copy]] = {}
    for group, cid, site, source_id, url in store.listed_copies():
        copies_of.setdefault(group, []).append(Copy(cid, _clean_str(site) or str(source_id), safe_link(url)))
    by_id: dict[str, Article] = {}
    for row in store.listed_articles():
        aid = row[0]
        group = _clean_str(row[17]) or aid
        art = listed_article(
            row,
            regions_of.get(aid, ()),
            [slug for _rank, slug in sorted(topics_of.get(aid, ()))],
            copies_of.get(group, ()),
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
