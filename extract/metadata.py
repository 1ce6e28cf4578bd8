"""Metadata from the page's own header: title, publish time, original source (来源), author, site.

Dates and sources are looked for in <meta> tags first, then only in the few lines right after the title
(the article's header) and the first lines of the main text — never in the rest of the page, where
hot-news lists, copyright years and "updated" stamps live.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .chinese import normalize_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER_WINDOW = 8  # lines after the title line that count as the article header

_DATE_META_KEYS = (
    "article:published_time", "pubdate", "publishdate", "publish_date", "publish-date", "publishtime",
    "publish_time", "og:release_date", "datepublished", "dc.date", "dc.date.issued", "firstpublishedtime",
    "weibo:article:create_at", "sailthru.date", "createdate", "date",
)
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
    r"(?P<tz>\s*(?:Z|[+-]\d{2}:?\d{2}))?"
)
_UPDATED = re.compile(r"(更新|修改|最后更新|updated|modified)", re.IGNORECASE)
_SOURCE_RE = re.compile(r"(?:文章来源|信息来源|新闻来源|稿件来源|来源于|来源|稿源|转载自|出处)\s*[:：]?\s*[【\[]?\s*([^\s|｜/,，;；\]】]{2,30})")
_SOURCE_CUT = re.compile(r"(作者|编辑|责编|记者|阅读|浏览|点击|发布|时间|日期|字号|分享|\d{4}[-/年]).*$")
_AUTHOR_RE = [
    re.compile(r"(?:作者|撰稿|文)\s*[:：/]\s*([\u4e00-\u9fff·]{2,5}(?:[\s、,，]+[\u4e00-\u9fff·]{2,4}){0,3})"),
    re.compile(r"记者\s*[:：]?\s*([\u4e00-\u9fff·]{2,4}(?:[\s、]+[\u4e00-\u9fff·]{2,4}){0,3})"),
]
_NOT_NAME = re.compile(r"(获悉|从|在|了解|报道|表示|介绍|日|月|昨|今|近日|采访|通讯员|摄)")
_TITLE_SUFFIX = re.compile(r"\s*[_|｜\-–—]\s*[^_|｜\-–—]{1,30}$")


def meta_content(tree, *names: str) -> str | None:
    if tree is None:
        return None
    wanted = {n.lower() for n in names}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or "").lower()
        if key in wanted:
            content = (meta.get("content") or "").strip()
            if content:
                return content
    return None


def _text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


def extract_title(tree) -> str:
    """h1 (when it agrees with <title>/og:title or no better exists) > og:title > <title> minus site suffix."""
    if tree is None:
        return ""
    og = normalize_text(meta_content(tree, "og:title", "twitter:title") or "")
    title_el = tree.find(".//title")
    page_title = normalize_text(_text_of(title_el)) if title_el is not None else ""
    h1s = [normalize_text(_text_of(h)) for h in tree.iter("h1")]
    h1s = [h for h in h1s if 4 <= len(h) <= 120]
    for h in h1s:
        if (page_title and h[:8] in page_title) or (og and h[:8] in og):
            return h
    if og:
        return strip_site_suffix(og)
    if h1s and not page_title:
        return h1s[0]
    if page_title:
        return strip_site_suffix(page_title)
    return h1s[0] if h1s else ""


def strip_site_suffix(title: str) -> str:
    """'标题_网易新闻' → '标题'; '标题--文化--人民网' → '标题' (repeatedly, keeping at least 4 chars)."""
    prev = None
    while prev != title:
        prev = title
        cut = _TITLE_SUFFIX.sub("", title)
        if len(cut) >= 4:
            title = cut
    return title.strip()


def parse_date(text: str, *, default_tz=SHANGHAI) -> datetime | None:
    m = _DATE_RE.search(text)
    if not m:
        return None
    return _from_match(m, default_tz)


def _from_match(m: re.Match, default_tz) -> datetime | None:
    try:
        tzinfo = default_tz
        tz = (m.group("tz") or "").strip()
        if tz == "Z":
            tzinfo = timezone.utc
        elif tz:
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
        return datetime(
            int(m.group("y")), int(m.group("m")), int(m.group("d")),
            int(m.group("H") or 0), int(m.group("M") or 0), int(m.group("S") or 0), tzinfo=tzinfo,
        )
    except (ValueError, TypeError):
        return None


def header_lines(page_lines: list[str], title: str) -> list[str]:
    """The lines right after the title line of the page (the article header), or [] if the title is not found."""
    if not title:
        return []
    key = re.sub(r"\s+", "", title)[:12]
    for i, line in enumerate(page_lines):
        compact = re.sub(r"\s+", "", line)
        if key and key in compact and len(compact) <= len(key) * 4 + 40:
            window = page_lines[i : i + HEADER_WINDOW + 1]
            # a breadcrumb may repeat the title before the real heading: keep scanning the next match too
            return window
    return []


def find_published(tree, candidate_lines: list[str]) -> datetime | None:
    raw = meta_content(tree, *_DATE_META_KEYS)
    if raw:
        found = parse_date(raw)
        if found:
            return found
    labelled, plain = None, None
    for line in candidate_lines:
        if _UPDATED.search(line) and not re.search(r"发布|发表", line):
            continue
        m = _DATE_RE.search(line)
        if not m:
            continue
        when = _from_match(m, SHANGHAI)
        if when is None:
            continue
        if re.search(r"(发布|发表|时间|日期)", line):
            labelled = labelled or when
        plain = plain or when
    return labelled or plain


def find_source(candidate_lines: list[str]) -> str | None:
    for line in candidate_lines:
        m = _SOURCE_RE.search(line)
        if m:
            value = _SOURCE_CUT.sub("", m.group(1)).strip(" :：-_·")
            if len(value) >= 2:
                return value
    return None


def find_author(candidate_lines: list[str]) -> str | None:
    for line in candidate_lines:
        for pattern in _AUTHOR_RE:
            m = pattern.search(line)
            if m:
                names = [n for n in re.split(r"[\s、,，]+", m.group(1)) if n and not _NOT_NAME.search(n)]
                if names:
                    return " ".join(names)
    return None


def site_name(tree, url: str, hint_name: str | None) -> str | None:
    if hint_name:
        return hint_name
    og = meta_content(tree, "og:site_name", "sitename", "site_name", "application-name")
    if og:
        return normalize_text(og)
    host = urlsplit(url).hostname
    return host or None
