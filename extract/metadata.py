"""Metadata from the page's own header: title, publish time, original source (来源), author, site.

Dates and sources are looked for in <meta> tags first, then only in the few lines right after the title
(the article's header) and the first lines of the main text — never in the rest of the page, where
hot-news lists, copyright years and "updated" stamps live.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .chinese import normalize_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER_WINDOW = 8  # lines after the title line that count as the article header

_DATE_META_KEYS = (
    "article:published_time",
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "publish_time",
    "og:release_date",
    "datepublished",
    "dc.date",
    "dc.date.issued",
    "firstpublishedtime",
    "weibo:article:create_at",
    "sailthru.date",
    "createdate",
    "date",
)
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?"
    r"(?:\.\d+)?(?P<tz>\s*(?:Z|[+-]\d{2}:?\d{2}))?)?"
)
_UPDATED = re.compile(r"(更新|修改|最后更新|updated|modified)", re.IGNORECASE)
_SOURCE_RE = re.compile(
    r"(?:文章来源|信息来源|新闻来源|稿件来源|来源于|来源|稿源|转载自|出处)\s*[:：]?\s*[【\[]?\s*([^\s|｜/,，;；\]】]{2,30})"
)
_SOURCE_CUT = re.compile(r"(作者|编辑|责编|记者|阅读|浏览|点击|发布|时间|日期|字号|分享|\d{4}[-/年]).*$")
_NAME_END = r"(?=$|[\s)）】\]、,，;；|｜]|报道|摄|通讯员|实习生)"
_AUTHOR_RE = [
    re.compile(
        r"(?:作者|撰稿|文)\s*[:：/]\s*([\u4e00-\u9fff·]{2,4}"
        + _NAME_END
        + r"(?:[\s、,，]+[\u4e00-\u9fff·]{2,3}"
        + _NAME_END
        + r"){0,3})"
    ),
    re.compile(
        r"记者\s*[:：]?\s*([\u4e00-\u9fff·]{2,3}"
        + _NAME_END
        + r"(?:[\s、]+[\u4e00-\u9fff·]{2,3}"
        + _NAME_END
        + r"){0,3})"
    ),
]
_NOT_NAME = re.compile(r"(获悉|从|在|了解|报道|表示|介绍|日|月|昨|今|近日|采访|通讯员|摄)")
_TITLE_SUFFIX = re.compile(r"\s*[_|｜\-–—]+\s*[^_|｜\-–—]{1,16}$")


def meta_content(tree, *names: str) -> str | None:
    if tree is None:
        return None
    wanted = {n.lower() for n in names}
    for meta in tree.iter("meta"):
        key = (
            meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or ""
        ).lower()
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
    stripped = strip_site_suffix(page_title) if page_title else ""
    for h in h1s:
        for other in (page_title, og):
            if other and (h[:8] in other or strip_site_suffix(other)[:8] in h):
                return h
    if stripped and not og and not h1s:
        return stripped
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
            tzinfo = UTC
        elif tz:
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
        return datetime(
            int(m.group("y")),
            int(m.group("m")),
            int(m.group("d")),
            int(m.group("H") or 0),
            int(m.group("M") or 0),
            int(m.group("S") or 0),
            tzinfo=tzinfo,
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
            return until_prose(page_lines[i : i + HEADER_WINDOW + 1])
    return []


_SENTENCE = re.compile(r"[。！？；]")


def is_prose(line: str) -> bool:
    return len(line) >= 30 and bool(_SENTENCE.search(line))


def until_prose(lines: list[str]) -> list[str]:
    """Lines before the first line of prose: the header ends where the article's sentences begin."""
    out = []
    for line in lines:
        if is_prose(line):
            break
        out.append(line)
    return out


def find_published(tree, candidate_lines: list[str]) -> datetime | None:
    raw = meta_content(tree, *_DATE_META_KEYS)
    if raw:
        found = parse_date(raw)
        if found:
            return found.astimezone(SHANGHAI)
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


_SCRIPT_DATE = re.compile(
    r"[\"']?(?:pubtime|pubTime|pub_time|publish_time|publishTime|publishtime|newsTime|ptime|pubDate|pub_date|"
    r"datePublished|createTime)[\"']?\s*[:=]\s*[\"']([^\"']{8,30})[\"']"
)
_SCRIPT_EPOCH = re.compile(r"\b(?:var\s+)?(?:ct|publish_time|pubtime)\s*=\s*[\"'](\d{10})[\"']")
_SCRIPT_SOURCE = re.compile(
    r"[\"'](?:media|source|mediaName|source_name|sourceName|src)[\"']\s*:\s*[\"']([^\"'<>]{2,20})[\"']"
)


def _scripts(tree):
    if tree is None:
        return
    for script in tree.iter("script"):
        if script.text and len(script.text) < 200_000:
            yield script.text


def date_from_scripts(tree) -> datetime | None:
    """Publish time from page data in scripts (window.DATA pubtime, WeChat's ``var ct`` epoch): a fallback."""
    for text in _scripts(tree):
        m = _SCRIPT_DATE.search(text)
        if m:
            found = parse_date(m.group(1))
            if found:
                return found
        m = _SCRIPT_EPOCH.search(text)
        if m:
            return datetime.fromtimestamp(int(m.group(1)), tz=SHANGHAI)
    return None


def source_from_scripts(tree) -> str | None:
    for text in _scripts(tree):
        m = _SCRIPT_SOURCE.search(text)
        if m:
            value = normalize_text(m.group(1)).strip()
            if re.search(r"[\u4e00-\u9fff]", value) and not re.search(r"\d", value):
                return value
    return None


def source_from_markup(scope) -> str | None:
    """A short element marked as the source (class/id containing 'source'), e.g. <a class="source">深圳特区报</a>."""
    if scope is None:
        return None
    for el in scope.iter():
        if not isinstance(el.tag, str):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if "source" not in marker:
            continue
        value = normalize_text(" ".join(el.text_content().split()))
        value = re.sub(r"^(来源|稿源|文章来源)\s*[:：]?\s*", "", value).strip()
        if 2 <= len(value) <= 20 and not re.search(r"\d", value) and re.search(r"[\u4e00-\u9fff]", value):
            return value
    return None


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
