"""Where a registry source sits in the division table: its level and the province it belongs to.

A source's ``home_region`` is a division name (河北省, 邯郸市, 馆陶县); national bodies and media have none. The
generated sources page (``yigai.registry_doc``) groups sources by this province, and so can the site's about
page: ``source_place(src.home_region).province``. ``infer_home_region`` finds a new site's home region from its
own name, title, footer (网站标识码, ICP licence) and domain (``yigai source add``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from extract.regions import NATIONAL_CODE, gazetteer

NATIONAL = "全国"
LEVELS = ("national", "province", "prefecture", "county")


@dataclass(frozen=True)
class SourcePlace:
    level: str  # one of LEVELS
    province: str  # full name of the province-level division, or NATIONAL
    code: str  # division code of home_region (NATIONAL_CODE for national sources)


def source_place(home_region: str | None) -> SourcePlace:
    """The level and province of a source with this ``home_region``; ValueError when it names no division."""
    if not home_region:
        return SourcePlace("national", NATIONAL, NATIONAL_CODE)
    g = gazetteer()
    division = g.resolve_name(home_region)
    if division is None:
        raise ValueError(f"home_region {home_region!r} is not a division name of extract/data/divisions.tsv")
    return SourcePlace(division.level, g.by_code[division.province].name, division.code)


# ------------------------------------------------------------------------------------------------ inference
# The province abbreviation that opens an ICP licence number (冀ICP备05001234号) names the licensing province.
ICP_PROVINCES = {
    "京": "110000", "津": "120000", "冀": "130000", "晋": "140000", "蒙": "150000", "辽": "210000",
    "吉": "220000", "黑": "230000", "沪": "310000", "苏": "320000", "浙": "330000", "皖": "340000",
    "闽": "350000", "赣": "360000", "鲁": "370000", "豫": "410000", "鄂": "420000", "湘": "430000",
    "粤": "440000", "桂": "450000", "琼": "460000", "渝": "500000", "川": "510000", "蜀": "510000",
    "黔": "520000", "贵": "520000", "滇": "530000", "云": "530000", "藏": "540000", "陕": "610000",
    "甘": "620000", "陇": "620000", "青": "630000", "宁": "640000", "新": "650000",
}
_ICP = re.compile(r"([" + "".join(ICP_PROVINCES) + r"])\s*ICP\s*(?:备|证)")
# 网站标识码 (the site code of China's government-website register): its first six digits are the division code
# of the government that runs the site (3200000045 → 320000, Jiangsu).
_SITE_CODE = re.compile(r"网站标识码\s*[:：]?\s*([0-9]{6})[0-9A-Za-z]{4}")
_FOOTER_LINE = re.compile(r"(?:主办|承办|版权所有|主办单位)\s*[:：]?\s*([^\s|，,。<]{2,40})")
_LEVEL_DEPTH = {"province": 1, "prefecture": 2, "county": 3}


@dataclass(frozen=True)
class RegionGuess:
    home_region: str | None  # a division name, or None (national, or not found)
    why: str


def _divisions_named(text: str) -> list[list[str]]:
    """Division codes named in ``text`` (full names and aliases, and short names of provinces and prefectures),
    one list of candidate codes per mention, in order."""
    g = gazetteer()
    hits: list[tuple[int, int, list[str]]] = []
    for end, (pattern, entries) in g.automaton.iter(text):
        codes = [c for c, kind in entries if kind in ("full", "alias", "short") and c in g.by_code]
        if codes:
            hits.append((end - len(pattern) + 1, end, codes))
    # leftmost-longest, as the tagger reads names
    out: list[list[str]] = []
    pos = -1
    for start, end, codes in sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]))):
        if start > pos:
            out.append(codes)
            pos = end
    return out


def _pick(mentions: list[list[str]], province_hint: str | None) -> str | None:
    """The deepest division the mentions name, reading each ambiguous name in the province the others (or
    the hint) point to."""
    g = gazetteer()
    provinces = {g.by_code[c].province for codes in mentions if len(codes) == 1 for c in codes}
    if province_hint:
        provinces.add(province_hint)
    chosen: list[str] = []
    for codes in mentions:
        fitting = [c for c in codes if g.by_code[c].province in provinces] if len(codes) > 1 else codes
        if len(fitting) == 1:
            chosen.append(fitting[0])
    if not chosen:
        return None
    return max(chosen, key=lambda c: (_LEVEL_DEPTH.get(g.by_code[c].level, 0), -chosen.index(c)))


def infer_home_region(
    *,
    site_name: str | None = None,
    title: str | None = None,
    footer: str | None = None,
    host: str | None = None,
    known_hosts: dict[str, str] | None = None,
) -> RegionGuess:
    """A site's home region by evidence, strongest first: the division its own name names (the site name,
    else the page title, else the footer's 主办/版权所有 line), read in the province its 网站标识码 or ICP
    licence points to; else the division of its 网站标识码; else the region of registry sources on the same
    domain (``known_hosts``: host → home_region); else the ICP licence's province."""
    g = gazetteer()
    footer = footer or ""
    code_match = _SITE_CODE.search(footer)
    site_code = code_match.group(1) if code_match and code_match.group(1) in g.by_code else None
    icp_match = _ICP.search(footer)
    icp_province = ICP_PROVINCES[icp_match.group(1)] if icp_match else None
    hint = g.by_code[site_code].province if site_code else icp_province
    owner_lines = " ".join(m.group(1) for m in _FOOTER_LINE.finditer(footer))
    for label, text in (("site name", site_name), ("page title", title), ("footer 主办 line", owner_lines)):
        if not text:
            continue
        code = _pick(_divisions_named(text), hint)
        if code:
            return RegionGuess(g.by_code[code].name, f"{label} {text[:40]!r} names {g.by_code[code].name}")
    if site_code:
        return RegionGuess(g.by_code[site_code].name, f"网站标识码 {code_match.group(0)[-10:]} is division {site_code}")
    if host and known_hosts:
        labels = host.lower().split(".")
        for i in range(len(labels) - 2):
            domain = ".".join(labels[i:])
            regions = {r for h, r in known_hosts.items() if h == domain or h.endswith("." + domain)}
            if len(regions) == 1:
                region = regions.pop()
                return RegionGuess(region, f"registry sources on {domain} are in {region}")
    if icp_province:
        name = g.by_code[icp_province].name
        return RegionGuess(name, f"ICP licence {icp_match.group(1)}ICP names {name} (province only)")
    return RegionGuess(None, "no division in the site name, title or footer; national or unknown")


def registry_hosts(sources: list) -> dict[str, str]:
    """host → home_region of the registry sources that have one (evidence for a new site on the same domain)."""
    out: dict[str, str] = {}
    for src in sources:
        if src.home_region:
            for url in src.start_urls:
                host = urlsplit(url).hostname
                if host:
                    out[host.lower()] = src.home_region
    return out
