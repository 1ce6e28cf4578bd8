"""Tag regions (province → prefecture → county) named in the title and cleaned text.

Data: ``data/divisions.tsv`` (built by scripts/build_divisions.py), ``data/division_aliases.tsv`` and
``data/source_provinces.toml``. Matching uses one Aho-Corasick automaton; overlapping hits are resolved
leftmost-longest, falling back to a shorter name when the longer one fails its boundary check (河北区域 →
河北, not 河北区). Rules:

* title hits weigh 3, lead (first 150 chars) 2, body 1; a county counts for its prefecture and province;
* names shared by several divisions (朝阳区, 鼓楼区, 通州区) go to the candidate whose province or
  prefecture is named elsewhere, and are ignored when nothing decides;
* county short names (永年) count only when their prefecture or province is also named;
* 我省/全省/本省 and 我市/全市/本市 resolve from the source's home region;
* national bodies (国家卫生健康委, 国务院, 全国…) make the story national unless a region dominates.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick

NATIONAL_CODE = "000000"
NATIONAL_TERMS = (
    "国家卫生健康委",
    "国家卫健委",
    "国家卫生和计划生育委员会",
    "国家卫计委",
    "国务院",
    "全国",
    "国家医保局",
    "国家医疗保障局",
    "国家发展改革委",
    "国家发改委",
    "财政部",
    "中共中央",
    "党中央",
    "我国",
    "国家中医药管理局",
    # the standard addressee of national documents; 兵团 there is a central-level body, not a Xinjiang story
    "各省、自治区、直辖市",
    "各省(区、市)",
    "新疆生产建设兵团",
)
PROVINCE_SELF = ("我省", "全省", "本省")
CITY_SELF = ("我市", "全市", "本市")
COUNTY_SELF = ("我县", "全县", "本县")
_SPECIAL_TERMS = frozenset(NATIONAL_TERMS + PROVINCE_SELF + CITY_SELF + COUNTY_SELF)
# Characters that, right after a name, make the name part of a longer word.
_AFTER_QU = frozenset("域块间别分位划")  # 区域, 区块, 区间, 区别 …
_AFTER_XIAN = frozenset("级域委城乡里区长政镇医")  # for 2-char county names only: 和县级 …
_AFTER_SHI = frozenset("场值民")  # 市场, 市值, 市民 (for 2-char names)
_SHORT_STOP = frozenset(
    {
        "资源",
        "和平",
        "城区",
        "新区",
        "开发",
        "高新",
        "经济",
        "中心",
        "长安",
        "永和",
        "新华",
        "新城",
        "城关",
        "东区",
        "西区",
        "南区",
        "北区",
        "郊区",
        "矿区",
        "市中",
        "市南",
        "市北",
        "白云",
        "南山",
        "东山",
        "西湖",
        "青山",
        "江北",
        "江南",
        "河东",
        "河西",
        "普陀",
        "宝山",
        "铁山",
        "鼓楼",
        "朝阳",
        "通州",
        "新兴",
        "大同",
        "吉安",
        "东方",
        "安顺",
        "三明",
        "红河",
        "阿里",
        "海东",
        "海西",
        "开平",
        "平安",
        "龙华",
        "宁安",
        "光明",
        "西安",
        "江山",
        "海南",
        "崇明",
        "长寿",
        "和县",
        "太和",
    }
)


# Prefecture short names that are far more often something else (阿里 = Alibaba).
_PREFECTURE_SHORT_STOP = frozenset({"阿里", "东方", "白沙", "中山", "吉安", "海东", "海西", "红河"})


@dataclass(frozen=True)
class Division:
    code: str
    level: str  # province / prefecture / county
    name: str
    short: str
    parent: str
    province: str


@dataclass(frozen=True)
class Region:
    code: str
    province: str | None
    city: str | None
    county: str | None
    national: bool
    weight: float

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "national": self.national,
            "weight": self.weight,
        }


class _Gazetteer:
    def __init__(self) -> None:
        self.by_code: dict[str, Division] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        root = resources.files("extract").joinpath("data")
        for line in root.joinpath("divisions.tsv").read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            code, level, name, short, parent, province = line.split("\t")
            self.by_code[code] = Division(code, level, name, short, parent, province)
        # pattern → list of (code, kind) where kind: full / short / county_short / alias
        patterns: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for d in self.by_code.values():
            patterns[d.name].append((d.code, "full"))
            self.by_name[d.name].append(d.code)
            if d.short and len(d.short) >= 2 and d.short not in _PREFECTURE_SHORT_STOP:
                kind = "county_short" if d.level == "county" else "short"
                patterns[d.short].append((d.code, kind))
        for line in root.joinpath("division_aliases.tsv").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                alias, code = line.split("\t")[:2]
                if code in self.by_code:
                    patterns[alias].append((code, "alias"))
        # A short name that is also someone's full name or another level's short is unsafe as a county short.
        for pattern, entries in patterns.items():
            kinds = {k for _, k in entries}
            if "county_short" in kinds and (
                pattern in _SHORT_STOP or kinds - {"county_short"} or len(entries) > 1
            ):
                patterns[pattern] = [e for e in entries if e[1] != "county_short"]
        self.automaton = ahocorasick.Automaton()
        for pattern, entries in patterns.items():
            if entries:
                self.automaton.add_word(pattern, (pattern, tuple(entries)))
        for term in NATIONAL_TERMS + PROVINCE_SELF + CITY_SELF + COUNTY_SELF:
            existing = self.automaton.get(term, None)
            self.automaton.add_word(term, (term, (existing[1] if existing else ()) + ((term, "special"),)))
        self.automaton.make_automaton()
        tables = tomllib.loads(root.joinpath("source_provinces.toml").read_text(encoding="utf-8"))
        self.source_provinces: dict[str, str] = tables["provinces"]

    def resolve_name(self, name: str) -> Division | None:
        """A division by full name, alias or unambiguous short name (for SourceHint.home_region)."""
        codes = self.by_name.get(name)
        if not codes:
            entry = self.automaton.get(name, None)
            codes = [c for c, k in entry[1] if k in ("alias", "short")] if entry else []
        return self.by_code[codes[0]] if len(codes) == 1 else None


@lru_cache(maxsize=1)
def gazetteer() -> _Gazetteer:
    return _Gazetteer()


def _boundary_ok(text: str, start: int, end: int, name: str) -> bool:
    nxt = text[end + 1] if end + 1 < len(text) else ""
    prev = text[start - 1] if start > 0 else ""
    if name.endswith("区") and nxt in _AFTER_QU:
        return False
    if len(name) == 2:
        if name.endswith("县") and nxt in _AFTER_XIAN:
            return False
        if name.endswith("市") and nxt in _AFTER_SHI:
            return False
        # X县/X区/X市 preceded by a Han character that is not an administrative suffix is part of a word.
        if name[-1] in "县区市旗" and prev and "\u4e00" <= prev <= "\u9fff" and prev not in "省市州盟区县":
            return False
    return True


def _matches(text: str) -> list[tuple[int, str, tuple]]:
    """Leftmost-longest hits that pass boundary checks: (start, pattern, entries)."""
    g = gazetteer()
    by_start: dict[int, list[tuple[int, str, tuple]]] = defaultdict(list)
    for end, (pattern, entries) in g.automaton.iter(text):
        start = end - len(pattern) + 1
        if pattern in _SPECIAL_TERMS or _boundary_ok(text, start, end, pattern):
            by_start[start].append((end, pattern, entries))
    out = []
    pos = 0
    for start in sorted(by_start):
        if start < pos:
            continue
        end, pattern, entries = max(by_start[start], key=lambda h: h[0])
        out.append((start, pattern, entries))
        pos = end + 1
    return out


def home_province(
    home_region: str | None, original_source: str | None, site: str | None
) -> tuple[str | None, str | None]:
    """(province code, prefecture code) that 我省/我市 refer to."""
    g = gazetteer()
    if home_region:
        d = g.resolve_name(home_region)
        if d:
            if d.level == "province":
                return d.code, None
            if d.level == "prefecture":
                return d.province, d.code
            return d.province, d.parent if d.parent != d.province else None
    for name in (original_source, site):
        if name:
            for paper, province in g.source_provinces.items():
                if paper in name:
                    d = g.resolve_name(province)
                    if d:
                        return d.code, None
    return None, None


def home_county_code(home_region: str | None) -> str | None:
    """The county that 我县/本县 refer to, when the site's home region is a county."""
    if not home_region:
        return None
    d = gazetteer().resolve_name(home_region)
    return d.code if d and d.level == "county" else None


def tag_regions(
    title: str,
    text: str,
    *,
    home_region: str | None = None,
    original_source: str | None = None,
    site: str | None = None,
    lead_chars: int = 150,
) -> list[Region]:
    """Regions named in an article, primary first; [] when none."""
    g = gazetteer()
    home_prov, home_city = home_province(home_region, original_source, site)
    home_county = home_county_code(home_region)
    direct: dict[str, float] = defaultdict(float)
    national = 0.0
    ambiguous: list[tuple[list[str], float]] = []
    county_shorts: list[tuple[str, float]] = []
    segments = [(title, 3.0), (text[:lead_chars], 2.0), (text[lead_chars:], 1.0)]
    for segment, weight in segments:
        for _start, pattern, entries in _matches(segment):
            specials = [e for e in entries if e[1] == "special"]
            places = [e for e in entries if e[1] != "special"]
            if specials:
                if pattern in NATIONAL_TERMS:
                    national += weight
                elif pattern in PROVINCE_SELF and home_prov:
                    direct[home_prov] += weight
                elif pattern in CITY_SELF and (home_city or home_prov):
                    direct[home_city or home_prov] += weight  # type: ignore[index]
                elif pattern in COUNTY_SELF and home_county:
                    direct[home_county] += weight
                continue
            codes = sorted({c for c, k in places if k != "county_short"})
            shorts = [c for c, k in places if k == "county_short"]
            if len(codes) == 1:
                direct[codes[0]] += weight
            elif len(codes) > 1:
                ambiguous.append((codes, weight))
            elif shorts:
                county_shorts.append((shorts[0], weight))
    evidence = _rollup(g, direct)
    for codes, weight in ambiguous:
        best = _disambiguate(g, codes, evidence)
        if best:
            direct[best] += weight
    for code, weight in county_shorts:
        d = g.by_code[code]
        if evidence.get(d.parent, 0) > 0 or evidence.get(d.province, 0) > 0:
            direct[code] += weight
    totals = _rollup(g, direct)
    return _choose(g, totals, national, home_prov)


def _rollup(g: _Gazetteer, direct: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for code, w in direct.items():
        d = g.by_code[code]
        totals[code] += w
        if d.level == "county":
            if d.parent != d.province:
                totals[d.parent] += w
            totals[d.province] += w
        elif d.level == "prefecture":
            totals[d.province] += w
    return totals


def _disambiguate(g: _Gazetteer, codes: list[str], evidence: dict[str, float]) -> str | None:
    scored = []
    for code in codes:
        d = g.by_code[code]
        support = evidence.get(d.parent, 0.0) * 2 + evidence.get(d.province, 0.0)
        scored.append((support, code))
    scored.sort(reverse=True)
    if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def _region_for(g: _Gazetteer, code: str, weight: float) -> Region:
    d = g.by_code[code]
    prov = g.by_code[d.province].name
    city = county = None
    if d.level == "prefecture":
        city = d.name
    elif d.level == "county":
        county = d.name
        if d.parent != d.province:
            city = g.by_code[d.parent].name
    return Region(code=code, province=prov, city=city, county=county, national=False, weight=round(weight, 3))


# A site's own province wins a near tie: a provincial commission's story about its county's cooperation
# with a neighbour (三河市 and 北京市通州区) is that province's story.
HOME_ADVANTAGE = 1.5


def _choose(
    g: _Gazetteer, totals: dict[str, float], national: float, home_prov: str | None = None
) -> list[Region]:
    def rank(item: tuple[float, str]) -> tuple[float, str]:
        w, c = item
        return (-(w * HOME_ADVANTAGE if c == home_prov else w), c)

    provinces = sorted(((w, c) for c, w in totals.items() if g.by_code[c].level == "province"), key=rank)
    total_weight = sum(w for w, _ in provinces) + national
    if not provinces and national <= 0:
        return []
    nat_region = Region(
        code=NATIONAL_CODE,
        province=None,
        city=None,
        county=None,
        national=True,
        weight=round(national / total_weight, 3) if total_weight else 0.0,
    )
    regions: list[Region] = []
    if provinces:
        top_w, top = provinces[0]
        # A region dominates a national story only when it clearly outweighs the national mentions.
        region_first = national <= 0 or top_w >= 2 * national
        primary_code = _descend(g, totals, top, top_w)
        regions.append(_region_for(g, primary_code, top_w / total_weight))
        for w, code in provinces[1:6]:
            regions.append(_region_for(g, code, w / total_weight))
        if national > 0:
            if region_first:
                regions.append(nat_region)
            else:
                regions.insert(0, nat_region)
        return regions
    return [nat_region]


def _descend(g: _Gazetteer, totals: dict[str, float], province: str, province_w: float) -> str:
    """Most specific division that carries at least half the weight of its parent."""
    current, current_w = province, province_w
    for level in ("prefecture", "county"):
        children = sorted(
            (
                (w, c)
                for c, w in totals.items()
                if g.by_code[c].level == level
                and (
                    g.by_code[c].parent == current
                    or (level == "county" and g.by_code[c].parent == g.by_code[c].province == current)
                )
            ),
            key=lambda x: (-x[0], x[1]),
        )
        if not children or children[0][0] < 0.5 * current_w or children[0][0] <= 0:
            if level == "prefecture":
                # municipalities and province-administered cities have counties directly under the province
                continue
            break
        current_w, current = children[0]
    return current
