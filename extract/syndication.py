"""Group syndicated copies of one story and pick the original.

Copies are found by fingerprint (SimHash and bottom-k sketches of the text) and confirmed by the story:
the titles or the leads must agree, and a lead is read without the lines its site prints on several of
its own pages (a template: a bulletin's fixed opening, a banner), so four stories on one template stay
four stories. The original is the most authoritative copy (government, then official media, then
portals, then other sites; content farms last), then the earliest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .chinese import normalize_text
from .fingerprint import hamming, resemblance


@dataclass(frozen=True)
class SyndicationCandidate:
    id: str
    site: str | None
    original_source: str | None
    published: datetime | None
    url: str
    content_farm: bool = False  # the extractor saw a content farm's marks (pinyin glosses)


# Above this many articles sharing one sketch value, the value is boilerplate, not evidence of a copy.
_MAX_POSTING = 200
MIN_RESEMBLANCE = 0.6


def group_near_duplicates(
    items: Sequence[tuple[str, int] | tuple[str, int, tuple[int, ...]]],
    max_distance: int = 3,
    min_resemblance: float = MIN_RESEMBLANCE,
    same_story: Callable[[int, int], bool] | None = None,
) -> list[list[str]]:
    """Connected components of near-duplicate ids.

    Two items are copies when their SimHashes differ by at most ``max_distance`` bits, or when their
    bottom-k sketches (optional third element) estimate a Jaccard resemblance of at least ``min_resemblance``.
    Candidates come from indexes (SimHash split into ``max_distance + 1`` bands: by the pigeonhole principle
    close hashes share a band exactly; and sketch values), so a store of 100,000 articles is not compared
    pairwise. Groups, sorted inside and by first id, are deterministic whatever the input order.
    ``same_story(i, j)``, given, must also confirm a pair (by index into ``items``): similar text alone
    may be a shared template.
    """
    ids = [it[0] for it in items]
    hashes = [it[1] for it in items]
    sketches = [tuple(it[2]) if len(it) > 2 else () for it in items]  # type: ignore[misc]
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    bands = max_distance + 1
    width = 64 // bands
    postings: dict[tuple[str, int, int], list[int]] = {}
    for idx, h in enumerate(hashes):
        if h:
            for b in range(bands):
                postings.setdefault(("b", b, (h >> (b * width)) & ((1 << width) - 1)), []).append(idx)
        for v in sketches[idx]:
            postings.setdefault(("s", 0, v), []).append(idx)
    checked: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) < 2 or len(members) > _MAX_POSTING:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if (a, b) in checked:
                    continue
                checked.add((a, b))
                close = bool(hashes[a]) and hamming(hashes[a], hashes[b]) <= max_distance
                if close or resemblance(sketches[a], sketches[b]) >= min_resemblance:
                    if same_story is not None and not same_story(a, b):
                        continue
                    ra, rb = find(a), find(b)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[str]] = {}
    for idx, id_ in enumerate(ids):
        groups.setdefault(find(idx), []).append(id_)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def _norm(name: str | None) -> str:
    return normalize_text(name or "").replace(" ", "").strip()


def _site_matches(site: str | None, source: str | None) -> bool:
    s, src = _norm(site), _norm(source)
    return bool(s and src) and (s == src or s in src or src in s)


# ------------------------------------------------------------------------------------------ same story


@dataclass(frozen=True)
class StoryText:
    """What grouping compares of an article besides its fingerprint."""

    site: str | None
    title: str
    lead: str  # the beginning of the text, lines joined by newlines


_PUNCT = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"\d+")
_LEAD_LINES = 3  # lines of the lead compared (after the site's template lines)
_MIN_LINE = 8  # shorter lines (a dateline, a one-word heading) say nothing about the story


def _squeeze(text: str) -> str:
    return _PUNCT.sub("", normalize_text(text or ""))


def _lines(lead: str) -> list[str]:
    return [s for s in (_squeeze(ln) for ln in lead.split("\n")) if len(s) >= _MIN_LINE]


def template_lines(stories: Sequence[StoryText]) -> frozenset[tuple[str, str]]:
    """(site, line) for every lead line a site prints on two or more of its own articles."""
    seen: dict[tuple[str, str], int] = {}
    for story in stories:
        site = _squeeze(story.site or "")
        if site:
            for line in set(_lines(story.lead)):
                seen[(site, line)] = seen.get((site, line), 0) + 1
    return frozenset(key for key, n in seen.items() if n >= 2)


def _bigram_jaccard(a: str, b: str) -> float:
    x = {a[i : i + 2] for i in range(len(a) - 1)}
    y = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(x & y) / len(x | y) if x and y else 0.0


def _numbers_agree(a: str, b: str) -> bool:
    # a copy keeps the story's numbers; the next day's bulletin on the same template does not
    x, y = set(_DIGITS.findall(a)), set(_DIGITS.findall(b))
    return not (x or y) or (len(x & y) / len(x | y) >= 0.5)


def _titles_agree(a: str, b: str) -> bool:
    x, y = _squeeze(a), _squeeze(b)
    if not x or not y:
        return False
    # a retitled copy may drop a number of the headline, never change one (3月18日 vs 3月19日: two bulletins)
    nx, ny = set(_DIGITS.findall(x)), set(_DIGITS.findall(y))
    if not (nx <= ny or ny <= nx):
        return False
    return x == y or (min(len(x), len(y)) >= 6 and (x in y or y in x)) or _bigram_jaccard(x, y) >= 0.6


def _story_lead(story: StoryText, template: frozenset[tuple[str, str]]) -> str:
    site = _squeeze(story.site or "")
    return "".join([ln for ln in _lines(story.lead) if (site, ln) not in template][:_LEAD_LINES])[:200]


def same_story(a: StoryText, b: StoryText, template: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Do two articles with similar text tell the same story? Their titles agree, or their leads do
    (without the lines each site repeats across its own pages)."""
    if _titles_agree(a.title, b.title):
        return True
    x, y = _story_lead(a, template), _story_lead(b, template)
    return bool(x and y) and _bigram_jaccard(x, y) >= 0.5 and _numbers_agree(x, y)


# ------------------------------------------------------------------------------------------- authority

# Who speaks with authority about a health-reform story, most first. Read from the copy's host and the
# site's name; a site none of these describe is "other", below the portals; content farms are last.
GOVERNMENT, OFFICIAL_MEDIA, PORTAL, OTHER, CONTENT_FARM = range(5)
_GOV_NAME = re.compile(r"(人民政府|卫生健康委|卫健委|卫生局|医疗保障局|医保局|卫生计生委|中医药管理局|疾病预防控制|政府网|办公厅)")
_MEDIA_HOSTS = (
    "people.com.cn", "xinhuanet.com", "news.cn", "cctv.com", "cctv.cn", "chinanews.com", "chinanews.com.cn",
    "gmw.cn", "chinadaily.com.cn", "cnr.cn", "ce.cn", "youth.cn", "cyol.com", "china.com.cn", "jkb.com.cn",
    "thepaper.cn", "qstheory.cn", "workercn.cn", "legaldaily.com.cn", "cyol.net", "cpd.com.cn",
)
_MEDIA_NAME = re.compile(r"(新华社|新华网|人民网|人民日报|央视|中央广播电视总台|光明网|光明日报|中国新闻网|中新网|健康报|澎湃|日报|晚报|电视台|广播电视|新闻网|融媒体中心)")
_PORTAL_HOSTS = ("163.com", "sina.com.cn", "sina.cn", "sohu.com", "qq.com", "ifeng.com", "toutiao.com",
                 "baidu.com", "163.net", "yahoo.com", "msn.cn", "360.cn")
_PORTAL_NAME = re.compile(r"(网易|新浪|搜狐|腾讯|凤凰|今日头条|百家号|一点资讯|门户)")
_FARM_NAME = re.compile(r"(内容农场|转载站|采集站)")


def _host_in(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def authority(site: str | None, url: str, *, content_farm: bool = False) -> int:
    """The copy's rank: GOVERNMENT (0) … CONTENT_FARM (4); lower is more authoritative."""
    name = normalize_text(site or "")
    host = (urlsplit(url).hostname or "").lower()
    if content_farm or _FARM_NAME.search(name):
        return CONTENT_FARM
    if host.endswith((".gov.cn", ".gov")) or _GOV_NAME.search(name):
        return GOVERNMENT
    if _host_in(host, _MEDIA_HOSTS) or _MEDIA_NAME.search(name):
        return OFFICIAL_MEDIA
    if _host_in(host, _PORTAL_HOSTS) or _PORTAL_NAME.search(name):
        return PORTAL
    return OTHER


def choose_original(candidates: Sequence[SyndicationCandidate]) -> str:
    """Id of the original: among the copies of the highest authority (government > official media >
    portals > other sites > content farms), the one whose site is a stated 来源 (of any copy), else the
    earliest published (undated copies last); ties broken by id. A content farm is never the original
    while another copy exists."""
    if not candidates:
        raise ValueError("choose_original needs at least one candidate")
    ranks = {c.id: authority(c.site, c.url, content_farm=c.content_farm) for c in candidates}
    top = min(ranks.values())
    pool = [c for c in candidates if ranks[c.id] == top]
    sources = {c.original_source for c in candidates if c.original_source}
    matching = [c for c in pool if any(_site_matches(c.site, s) for s in sources)]
    pool = matching or pool

    def key(c: SyndicationCandidate) -> tuple[int, float, str]:
        return (c.published is None, c.published.timestamp() if c.published else 0.0, c.id)

    return min(pool, key=key).id
