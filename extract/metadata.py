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
# news.cn's header: year, "MM/DD" and time in separate spans, read as "2024 05/20 10:16:42"
_SPLIT_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s+(?P<m>\d{1,2})\s*[/-]\s*(?P<d>\d{1,2})(?!\d)"
    r"(?:\s+(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?"
)
_DATE_PART = re.compile(r"^[\d\s/:：.\-年月日]{2,20}$")
_UPDATED = re.compile(r"(更新|修改|最后更新|updated|modified)", re.IGNORECASE)
_SOURCE_RE = re.compile(
    r"(?:文章来源|信息来源|新闻来源|稿件来源|来源于|来源|稿源|转载自|出处)\s*[:：]?\s*[【\[]?\s*([^\s|｜/,，;；\]】]{2,30})"
)
# The next header label, when inline elements run together with no space ("江西省卫健委字体：[大").
_SOURCE_CUT = re.compile(
    r"(作者|编辑|责编|记者|通讯员|摄影|审核|校对|供稿|阅读|浏览|点击|访问|发布|时间|日期|字号|字体|分享|打印|收藏|"
    r"[【\[]|\d{4}[-/年]).*$"
)
# any other "label：" left in the value: a two-character label is by far the most common
_SOURCE_NEXT_LABEL = re.compile(r"[\u4e00-\u9fff]{2}\s*[:：].*$")
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
_COLUMN_SUFFIX = re.compile(r"\s*[_|｜\-–]+\s*[^_|｜\-–—]{1,10}$")


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


_CMS_TITLE_KEYS = ("articletitle",)  # TRS/Hanweb and many Chinese government CMSs: the bare article title
_SITE_NAME_KEYS = ("og:site_name", "sitename", "site_name", "application-name")
_TITLE_SEPARATORS = " _|｜-–—·:："
_SEGMENT_SPLIT = re.compile(r"(\s*[_|｜\-–—]+\s*|\s+)")
_MIN_TITLE = 4


def site_names(tree, hint_name: str | None = None) -> list[str]:
    """Names the site goes by (registry name, og:site_name, <meta name="SiteName">), longest first."""
    names = {normalize_text(hint_name).strip()} if hint_name else set()
    if tree is not None:
        for meta in tree.iter("meta"):
            key = (meta.get("property") or meta.get("name") or "").lower()
            if key in _SITE_NAME_KEYS and (meta.get("content") or "").strip():
                names.add(normalize_text(meta.get("content")).strip())
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def _heading_texts(tree, tag: str) -> list[str]:
    texts = (normalize_text(_text_of(h)) for h in tree.iter(tag))
    return [h for h in texts if _MIN_TITLE <= len(h) <= 120]


def _agreeing_title(heading: str, titles: list[str]) -> str | None:
    """The title an h2/h3 stands for, when it covers most of the page's stripped title: the heading when it is
    a prefix/part of that title (a longer <title> carries a column or subtitle), else the title (a longer
    heading carries a label such as '原创')."""
    for other in titles:
        if not other:
            continue
        short, long_ = sorted((heading, other), key=len)
        if short in long_ and len(short) >= 0.6 * len(long_):
            return short
    return None


def extract_title(
    tree, names: list[str] | tuple[str, ...] | None = None, link_texts: frozenset[str] = frozenset()
) -> str:
    """<meta name="ArticleTitle"> > h1 (when it agrees with <title>/og:title or no better exists) > an h2/h3
    that agrees with them > og:title > <title>; site names (``names``, og:site_name, SiteName) and the
    column names next to them are stripped from either end of <title>/og:title."""
    if tree is None:
        return ""
    names = list(names) if names is not None else site_names(tree)
    cms = normalize_text(meta_content(tree, *_CMS_TITLE_KEYS) or "").strip()
    if _MIN_TITLE <= len(cms) <= 120 and cms not in names:
        return _strip_site_names(cms, names, frozenset())[0]  # a bare title: no generic suffix rule
    og = normalize_text(meta_content(tree, "og:title", "twitter:title", "title") or "")
    title_el = tree.find(".//title")
    page_title = normalize_text(_text_of(title_el)) if title_el is not None else ""
    column = normalize_text(meta_content(tree, "columnname") or "").strip()
    extra = link_texts | {column} if column else link_texts
    stripped = strip_site_affixes(page_title, names, extra) if page_title else ""
    og_stripped = strip_site_affixes(og, names, extra) if og else ""
    h1s = [h for h in _heading_texts(tree, "h1") if h not in names]
    for h in h1s:
        for other, other_stripped in ((page_title, stripped), (og, og_stripped)):
            if other and (h[:8] in other or other_stripped[:8] in h):
                return h
    if not h1s:
        for tag in ("h2", "h3"):
            for h in _heading_texts(tree, tag):
                agreed = _agreeing_title(h, [stripped, og_stripped]) if h not in names else None
                if agreed:
                    return agreed
    if stripped and not og and not h1s:
        return stripped
    if og:
        return og_stripped
    if h1s and not page_title:
        return h1s[0]
    if page_title:
        return stripped
    return h1s[0] if h1s else ""


def strip_site_suffix(title: str) -> str:
    """'标题_网易新闻' → '标题'; '标题--文化--人民网' → '标题' (repeatedly, keeping at least 4 chars)."""
    return _strip_repeatedly(title, _TITLE_SUFFIX)


def _strip_repeatedly(title: str, suffix: re.Pattern) -> str:
    prev = None
    while prev != title:
        prev = title
        cut = suffix.sub("", title)
        if len(cut) >= _MIN_TITLE:
            title = cut
    return title.strip()


def _is_site_segment(segment: str, names: list[str]) -> bool:
    # the name itself, or a short decoration of it ("江苏省卫生健康委员会门户网站", "欢迎访问…")
    return any(name in segment and len(segment) <= len(name) + 8 for name in names)


def strip_site_affixes(
    title: str, names: list[str] | tuple[str, ...] = (), column_names: frozenset[str] = frozenset()
) -> str:
    """Strip a known site name at either end of the title, joined by any separator, space included
    ('江苏省卫健委 新闻动态 标题', '标题 广东省卫健委'), with the column name standing next to it when it is a
    known column (a link text of the page, ColumnName); and, unless the site name was a prefix (then the
    title part is the last segment, which a suffix rule would cut), separator-joined site suffixes
    ('标题_网易新闻', '标题--文化--人民网'). At least 4 characters always stay."""
    stripped, head_cut = _strip_site_names(title.strip(), names, column_names)
    if head_cut:
        return stripped
    if stripped != title.strip():
        # the site name was the suffix: what is still joined on is a column ('标题_新闻动态'), but never a
        # '——' subtitle, which the generic rule would cut
        return _strip_repeatedly(stripped, _COLUMN_SUFFIX)
    return _strip_site_names(strip_site_suffix(title), names, column_names)[0]


def _strip_site_names(title: str, names, column_names: frozenset[str]) -> tuple[str, bool]:
    """(title without site-name segments at its ends, whether one was cut at the head)."""
    if not names:
        return title, False
    parts = _SEGMENT_SPLIT.split(title)
    segments, seps = parts[0::2], parts[1::2]  # split() with a group alternates segment, separator, …
    lo, hi = 0, len(segments)

    def joined(a: int, b: int) -> str:
        return "".join(x for pair in zip(segments[a:b], [*seps[a : b - 1], ""], strict=True) for x in pair)

    changed, head_cut = True, False
    while changed and hi - lo > 1:
        changed = False
        for at_head in (True, False):
            if not _is_site_segment(segments[lo if at_head else hi - 1], names):
                continue
            a, b = (lo + 1, hi) if at_head else (lo, hi - 1)
            # a column name right next to the site name goes with it
            j = a if at_head else b - 1
            if b - a > 1 and segments[j] in column_names and len(segments[j]) <= 10:
                a, b = (a + 1, b) if at_head else (a, b - 1)
            if len(joined(a, b).strip(_TITLE_SEPARATORS)) >= _MIN_TITLE:
                lo, hi, changed = a, b, True
                head_cut = head_cut or at_head
                break
    return (joined(lo, hi).strip(_TITLE_SEPARATORS) or title), head_cut


def parse_date(text: str, *, default_tz=SHANGHAI) -> datetime | None:
    m = _DATE_RE.search(text)
    if not m:
        return None
    return _from_match(m, default_tz)


def _from_match(m: re.Match, default_tz) -> datetime | None:
    try:
        tzinfo = default_tz
        tz = (m.groupdict().get("tz") or "").strip()
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


def _title_line(page_lines: list[str], title: str) -> int | None:
    if not title:
        return None
    key = re.sub(r"\s+", "", title)[:12]
    for i, line in enumerate(page_lines):
        compact = re.sub(r"\s+", "", line)
        if key and key in compact and len(compact) <= len(key) * 4 + 40:
            return i
    return None


def header_lines(page_lines: list[str], title: str) -> list[str]:
    """The lines right after the title line of the page (the article header), or [] if the title is not found."""
    i = _title_line(page_lines, title)
    return [] if i is None else until_prose(page_lines[i : i + HEADER_WINDOW + 1])


def _looks_like_header(line: str) -> bool:
    return len(line) <= 60 and bool(
        _DATE_RE.search(line)
        or _SPLIT_DATE_RE.search(line)
        or _SOURCE_RE.search(line)
        or _DATE_PART.match(line)
    )


def lines_before_title(page_lines: list[str], title: str, limit: int = 4) -> list[str]:
    """Date and 来源 lines standing directly ABOVE the title (news.cn puts its time and source there), in page
    order; only such lines: a breadcrumb or a navigation row ends the run."""
    i = _title_line(page_lines, title)
    if i is None:
        return []
    out: list[str] = []
    for line in reversed(page_lines[max(0, i - limit) : i]):
        if not _looks_like_header(line):
            break
        out.append(line)
    return out[::-1]


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


def find_published(
    tree, candidate_lines: list[str], before_title: list[str] | tuple[str, ...] = ()
) -> datetime | None:
    """<meta> date, else the first (labelled first) date of the header lines, else of the lines above the title."""
    raw = meta_content(tree, *_DATE_META_KEYS)
    if raw:
        found = parse_date(raw)
        if found:
            return found.astimezone(SHANGHAI)
    return _date_in_lines(candidate_lines) or _date_in_lines(before_title)


def _join_date_parts(lines: list[str] | tuple[str, ...]) -> list[str]:
    """Runs of lines that are bare date pieces ('2024' / '05/20' / '10:16:42', a date split over block
    elements) joined into one line each."""
    joined, run = [], []
    for line in [*lines, ""]:
        if line and _DATE_PART.match(line):
            run.append(line)
            continue
        if len(run) > 1:
            joined.append(" ".join(run))
        run = []
    return joined


def _date_in_lines(lines: list[str] | tuple[str, ...]) -> datetime | None:
    labelled, plain = None, None
    for line in [*lines, *_join_date_parts(lines)]:
        if _UPDATED.search(line) and not re.search(r"发布|发表", line):
            continue
        m = _DATE_RE.search(line) or _SPLIT_DATE_RE.search(line)
        if not m:
            continue
        when = _from_match(m, SHANGHAI)
        if when is None:
            continue
        if re.search(r"(发布|发表|时间|日期)", line):
            labelled = labelled or when
        plain = plain or when
    return labelled or plain


# Dates in article URLs, most specific first: /2024-05/20/, /202405/20/, /2024/05/20/, /2024/3/18/,
# /2024/0520/, /2024/04-15/, /20240520/, t20240520_, /2024-05-20/.
_URL_DATES = tuple(
    re.compile(p)
    for p in (
        r"/(?P<y>20\d{2})-?(?P<m>\d{2})/(?P<d>\d{2})/",
        r"/(?P<y>20\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/",
        r"/(?P<y>20\d{2})/(?P<m>\d{2})-?(?P<d>\d{2})/",
        r"(?:/|/t|_)(?P<y>20\d{2})-?(?P<m>\d{2})-?(?P<d>\d{2})(?=[/_.])",
    )
)


def date_from_url(url: str) -> datetime | None:
    """The publish day from the article's URL path, at 00:00 Asia/Shanghai: the last resort for a date."""
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        for m in pattern.finditer(path):
            try:
                return datetime(int(m.group("y")), int(m.group("m")), int(m.group("d")), tzinfo=SHANGHAI)
            except ValueError:
                continue  # /2024/13/45/ is an id, not a date
    return None


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
            value = _SOURCE_NEXT_LABEL.sub("", _SOURCE_CUT.sub("", m.group(1))).strip(" :：-_·")
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
