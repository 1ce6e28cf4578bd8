"""Immutable article models and the reader that makes them from store rows.

Every JSON column is parsed once, here; generators and templates only see these models. Text stays plain
(untrusted) and is escaped by the template engine or by the feed generator, never here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

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
    written_date: str | None = None  # a policy document's 成文日期 (YYYY-MM-DD), apart from its publish date

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


def _json(value: Any, default: Any, what: str, aid: str) -> Any:
    if not value:
        return default
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        logger.warning("article %s: %s is not valid JSON; ignored", aid, what)
        return default
    return parsed if isinstance(parsed, type(default)) else default


def regions_from_json(items: Iterable[Any]) -> list[RegionRef]:
    """Tagged regions plus their ancestors (province, prefecture), derived from the 6-digit codes.

    A county's prefecture is only used when the article names one that differs from the province (districts
    of 北京/上海/天津/重庆 and province-administered cities such as 仙桃 hang directly under the province).
    """
    out: list[RegionRef] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("national"):
            continue
        code = str(item.get("code") or "")
        if not REGION_CODE.match(code):
            continue
        province = _clean_str(item.get("province"))
        city = _clean_str(item.get("city"))
        county = _clean_str(item.get("county"))
        province_code = code[:2] + "0000"
        if city and (city == province or "直辖" in city):
            city = None
        city_code = code[:4] + "00" if city and code[2:4] != "00" else None
        if province:
            out.append(RegionRef(province_code, province, LEVEL_PROVINCE, None))
        if city_code and city:
            out.append(RegionRef(city_code, city, LEVEL_PREFECTURE, province_code if province else None))
        if county and code[4:] != "00":
            parent = city_code or (province_code if province else None)
            out.append(RegionRef(code, county, LEVEL_COUNTY, parent))
    return out


def short_hash(*parts: object) -> str:
    """A 128-bit BLAKE2b hex digest of ``parts`` (their ``str``), for change detection, not security."""
    try:
        text = "\x1e".join(parts)  # type: ignore[arg-type]  # all str: the common case, ~3x faster
    except TypeError:
        text = "\x1e".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# Bookkeeping columns that change without the article changing.
_NOT_CONTENT = frozenset({"rev"})


def row_digest(row: Mapping[str, Any]) -> str:
    """Digest of every content column of a store row (column order fixed by name)."""
    keys = sorted(row.keys()) if hasattr(row, "keys") else sorted(row)
    return short_hash(*(f"{k}={row[k]}" for k in keys if k not in _NOT_CONTENT))


def split_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("\n") if p.strip())


def read_article(row: Mapping[str, Any], *, keep_text: bool = True) -> Article | None:
    """One store row → an ``Article``; None (logged) when the row cannot be published safely.

    ``keep_text=False`` leaves ``paragraphs`` empty (the summary and digest still cover the text): the site
    builder loads an article's text only when it renders its page or a feed, so 100,000 texts are never
    held at once."""
    aid = str(row["id"])
    if not ARTICLE_ID.match(aid):
        logger.warning("article id %r is not 16 hex digits; skipped", aid)
        return None
    published = parse_datetime(row["published"])
    date = published or parse_datetime(row["extracted_at"])
    if date is None:
        logger.warning("article %s has neither a publish time nor extracted_at; skipped", aid)
        return None
    text = str(row["text"] or "")
    paragraphs = split_paragraphs(text) if keep_text else ()
    region_items = _json(row["regions_json"], [], "regions_json", aid)
    tagged: list[RegionRef] = []
    seen: set[str] = set()
    for region in regions_from_json(region_items):
        if region.code not in seen:
            seen.add(region.code)
            tagged.append(region)
    topics: list[TopicRef] = []
    for t in _json(row["topics_json"], [], "topics_json", aid):
        valid = isinstance(t, Mapping) and isinstance(t.get("id"), str) and TOPIC_ID.match(t["id"])
        if valid and t["id"] not in {x.id for x in topics}:
            topics.append(TopicRef(t["id"], _clean_str(t.get("label")) or t["id"]))
    meta = _json(row["meta_json"], {}, "meta_json", aid)
    attachments = tuple(
        Attachment(
            title=_clean_str(a.get("title")) or _clean_str(a.get("url")) or "附件",
            kind=_clean_str(a.get("kind")) or "",
            link=safe_link(a.get("url")),
        )
        for a in meta.get("attachments") or []
        if isinstance(a, Mapping)
    )
    national = bool(row["national"]) or any(
        isinstance(r, Mapping) and r.get("national") for r in region_items[:1]
    )
    primary = regions_from_json(region_items[:1])
    place = " · ".join(r.name for r in primary) or ("全国" if national else None)
    return Article(
        id=aid,
        title=str(row["title"] or "").strip() or "（无标题）",
        paragraphs=paragraphs,
        summary=summarize(text),
        site=_clean_str(row["site"]) or str(row["source_id"]),
        source_id=str(row["source_id"]),
        link=safe_link(row["url"]),
        published=published,
        date=date,
        original_source=_clean_str(row["original_source"]),
        author=_clean_str(row["author"]),
        editor=_clean_str(row["editor"]),
        regions=tuple(tagged),
        region_codes=tuple(sorted(seen)),
        national=national,
        topics=tuple(topics),
        doc_number=_clean_str(meta.get("doc_number")),
        doc_type=_clean_str(meta.get("doc_type")),
        issuing_body=_clean_str(meta.get("issuing_body")),
        attachments=attachments,
        group_id=_clean_str(row["group_id"]) or aid,
        place=place,
        primary_code=primary[-1].code if primary else None,
        digest=row_digest(row),
        written_date=_clean_str(meta.get("written_date")),
    )


def read_articles(rows: Iterable[Mapping[str, Any]], *, keep_text: bool = True) -> list[Article]:
    """Published articles (relevant originals), newest first, each with its syndicated copies attached.

    Copies are listed whatever their own relevance score: they carry the same story.
    """
    return assemble(read_row(row, keep_text=keep_text) for row in rows)


ParsedRow = tuple[Article | None, str | None, Copy | None]  # (published original, copy's group, copy)


def read_row(row: Mapping[str, Any], *, keep_text: bool = True) -> ParsedRow:
    """What one store row contributes to the site: a published original, a syndicated copy, or nothing."""
    if int(row["is_original"] or 0):
        if not int(row["relevant"] or 0):
            return None, None, None
        return read_article(row, keep_text=keep_text), None, None
    group = _clean_str(row["group_id"])
    if not group:
        return None, None, None
    site = _clean_str(row["site"]) or str(row["source_id"])
    return None, group, Copy(str(row["id"]), site, safe_link(row["url"]))


def assemble(parsed: Iterable[ParsedRow]) -> list[Article]:
    """Originals with their copies attached, newest first."""
    originals: list[Article] = []
    copies_by_group: dict[str, list[Copy]] = {}
    for art, group, copy in parsed:
        if art is not None:
            originals.append(art)
        elif group is not None and copy is not None:
            copies_by_group.setdefault(group, []).append(copy)
    out = [attach_copies(art, copies_by_group.get(art.group_id)) for art in originals]
    out.sort(key=lambda a: a.sort_key)
    return out


def attach_copies(art: Article, group: list[Copy] | None) -> Article:
    """The article with its group's syndicated copies (by site, then id; the article itself left out)."""
    if not group:  # most articles: no copies to sort
        return art
    copies = sorted(group, key=lambda c: (c.site, c.id))
    return _with_copies(art, tuple(c for c in copies if c.id != art.id))


def _with_copies(art: Article, copies: tuple[Copy, ...]) -> Article:
    if not copies:
        return art
    # A copy of the instance dict, not ``dataclasses.replace`` (which runs the frozen __init__, field by
    # field: thousands of times a build); cached properties (sort_key) carry over, as id and date do.
    with_copies = object.__new__(Article)
    with_copies.__dict__.update(art.__dict__, copies=copies)
    return with_copies
