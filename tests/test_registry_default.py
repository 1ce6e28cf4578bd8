"""The default registry of real sources (yigai/registry/sources.toml): loads, covers every province, 100+
prefecture-level health commissions and the county sites of 紧密型县域医共体 pilot areas, every home region is a
real division, every cited reference is defined; an entry without ``article_allow`` says its links are
inferred, and each ``article_allow`` accepts its recorded article URLs and rejects its list pages — through the
same ``ArticleFilter`` the crawler uses.
"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit

import pytest

from crawler.links import ArticleFilter
from yigai.config import Source, load_registry, registry_path
from yigai.registry_doc import reference_tags
from yigai.source_regions import NATIONAL, source_place

# The 31 provincial-level divisions of the mainland, full names.
PROVINCES = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
)
assert len(set(PROVINCES)) == 31

SOURCES: list[Source] = load_registry("default")
META = tomllib.loads(registry_path("default").read_text(encoding="utf-8"))["meta"]
BY_ID = {s.id: s for s in SOURCES}
PLACES = {s.id: source_place(s.home_region) for s in SOURCES}
PROVINCIAL = [s for s in SOURCES if PLACES[s.id].level == "province"]
CITY_COMMISSIONS = [
    s
    for s in SOURCES
    if PLACES[s.id].level == "prefecture" and s.name.endswith(("卫生健康委员会", "卫生健康局"))
]
COUNTY_SITES = [s for s in SOURCES if PLACES[s.id].level == "county"]
WITH_ALLOW = [s for s in SOURCES if s.article_allow]
# Provincial capitals (and the capital-level cities of the autonomous regions) and the sub-provincial cities.
# fmt: off
CAPITALS = (
    "石家庄市", "太原市", "呼和浩特市", "沈阳市", "长春市", "哈尔滨市", "南京市", "杭州市", "合肥市", "福州市",
    "南昌市", "济南市", "郑州市", "武汉市", "长沙市", "广州市", "南宁市", "海口市", "成都市", "贵阳市",
    "昆明市", "拉萨市", "西安市", "兰州市", "西宁市", "银川市", "乌鲁木齐市",
)
# fmt: on
SUB_PROVINCIAL = ("深圳市", "大连市", "青岛市", "宁波市", "厦门市")
# 南昌, 拉萨, 西宁 and 乌鲁木齐: no public reference naming their commission's site was found (docs/sources.md).
CAPITALS_WITHOUT_A_SEEN_SITE = {"南昌市", "拉萨市", "西宁市", "乌鲁木齐市"}


def _ids(sources: list[Source]) -> list[str]:
    return [s.id for s in sources]


def _filter(src: Source) -> ArticleFilter:
    return ArticleFilter.build(src.article_allow, src.article_deny, src.start_urls)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def test_default_registry_loads_with_unique_ids():
    assert len(SOURCES) >= 250
    ids = _ids(SOURCES)
    assert len(ids) == len(set(ids))


def test_registry_file_has_only_known_top_level_tables():
    data = tomllib.loads(registry_path("default").read_text(encoding="utf-8"))
    assert set(data) <= {"source", "meta"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["meta"]["updated"])


def test_every_province_has_exactly_one_commission_with_its_full_name():
    regions = [s.home_region for s in PROVINCIAL]
    assert sorted(regions) == sorted(PROVINCES)
    for src in PROVINCIAL:
        # the display name is the commission of that very division
        assert src.name == f"{src.home_region}卫生健康委员会", src.id


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_every_home_region_resolves_in_the_division_table(src: Source):
    # source_place raises for a name that is not a division (or is ambiguous, like 朝阳区)
    place = source_place(src.home_region)
    assert (src.home_region is None) == (place.level == "national")
    assert place.province == NATIONAL or place.province in PROVINCES


def test_at_least_100_cities_have_their_health_commission():
    assert len(CITY_COMMISSIONS) >= 100
    cities = [s.home_region for s in CITY_COMMISSIONS]
    assert len(cities) == len(set(cities)), "one commission per city"
    for src in CITY_COMMISSIONS:
        assert src.name in (f"{src.home_region}卫生健康委员会", f"{src.home_region}卫生健康局"), src.id


def test_capitals_and_sub_provincial_cities_come_first():
    cities = {s.home_region for s in CITY_COMMISSIONS}
    assert set(SUB_PROVINCIAL) <= cities
    assert set(CAPITALS) - cities == CAPITALS_WITHOUT_A_SEEN_SITE


def test_county_sites_are_pilot_areas_with_their_reference():
    assert len(COUNTY_SITES) >= 100
    for src in COUNTY_SITES:
        assert "[PILOT]" in src.confirmed, src.id
        assert PLACES[src.id].province in ("山西省", "浙江省", "河北省", "北京市"), src.id


def test_every_cited_reference_is_defined_and_every_defined_one_is_cited():
    cited = set().union(*(reference_tags(s) for s in SOURCES))
    assert cited == set(META["references"])
    for ref in META["references"].values():
        assert set(ref) == {"cite", "year", "shows"}


def test_every_family_has_its_url_shape_in_meta():
    assert {s.family for s in SOURCES} <= set(META["families"])


def test_nhc_is_fetched_through_the_browser():
    # www.nhc.gov.cn answers a plain client with HTTP 412 and a JavaScript cookie challenge.
    nhc = [s for s in SOURCES if any(_host(u) == "www.nhc.gov.cn" for u in s.start_urls)]
    assert "nhc" in _ids(nhc)
    assert all(s.browser for s in nhc)


def test_key_national_sources_are_present():
    hosts = {_host(u) for s in SOURCES for u in s.start_urls}
    for host in (
        "www.nhc.gov.cn",
        "www.gov.cn",
        "www.nhsa.gov.cn",
        "health.people.com.cn",
        "www.news.cn",
        "health.gmw.cn",
        "www.jkb.com.cn",
        "news.cctv.com",
        "health.china.com.cn",
    ):
        assert host in hosts, host


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_source_fields_are_complete(src: Source):
    assert src.list_urls or src.feeds or src.sitemaps
    assert src.family and src.family == src.family.lower()
    assert src.confirmed == "unconfirmed" or len(src.confirmed) > 20  # a reference, not a token
    for url in src.start_urls:
        assert url.startswith(("http://", "https://")) and "{" not in url
    # the contract with list-page inference: no pattern means links are inferred, and the entry says so
    if not src.article_allow:
        assert "Article links inferred" in src.notes, src.id
        assert not src.extra.get("illustrative_articles"), "an inferred shape needs an allow pattern to show"


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_inferred_lists_are_list_urls_and_said_so(src: Source):
    inferred = src.extra.get("inferred_lists", [])
    assert set(inferred) <= set(src.list_urls)
    if inferred:
        assert "Inferred" in src.notes, src.id
    if inferred and set(src.start_urls) <= set(inferred):
        # nothing of the lists was seen: the entry rests on a domain or an article that was
        assert "domain only" in src.confirmed or src.extra.get("example_articles"), src.id


@pytest.mark.parametrize("src", WITH_ALLOW, ids=_ids(WITH_ALLOW))
def test_allow_patterns_are_anchored_to_the_sources_hosts(src: Source):
    # Anchoring to scheme+host and to the end keeps list pages, navigation and other sites' links out.
    for pattern in src.article_allow:
        assert pattern.startswith("^https?://") and pattern.endswith("$"), pattern


@pytest.mark.parametrize("src", WITH_ALLOW, ids=_ids(WITH_ALLOW))
def test_allow_accepts_every_recorded_article(src: Source):
    extra = src.extra
    real = list(extra.get("example_articles", []))
    constructed = list(extra.get("illustrative_articles", []))
    assert real, "record at least one real article URL seen in the reference"
    filt = _filter(src)
    for url in real + constructed:
        assert filt.accepts(url), url
    # no dead pattern: each allow regex accepts at least one recorded URL
    for pattern in src.article_allow:
        assert any(re.search(pattern, url) for url in real + constructed), pattern


@pytest.mark.parametrize("src", WITH_ALLOW, ids=_ids(WITH_ALLOW))
def test_allow_rejects_the_sources_list_pages(src: Source):
    lists = list(src.extra.get("example_lists", []))
    assert lists, "record the list pages"
    filt = _filter(src)
    for url in lists + list(src.list_urls):
        assert not filt.accepts(url), url


@pytest.mark.parametrize("src", WITH_ALLOW, ids=_ids(WITH_ALLOW))
def test_allow_rejects_other_sources_articles(src: Source):
    # A pattern too loose would claim articles of other sites (e.g. every TRS t2024..._1.html on gov.cn).
    filt = _filter(src)
    own_hosts = {_host(u) for u in src.start_urls} | {
        _host(u) for u in src.extra.get("example_articles", []) + src.extra.get("illustrative_articles", [])
    }
    for other in SOURCES:
        if other.id == src.id:
            continue
        for url in other.extra.get("example_articles", []):
            if _host(url) not in own_hosts:
                assert not filt.accepts(url), f"{src.id} accepts {other.id}'s {url}"


def test_illustrative_urls_are_declared_apart_from_real_ones():
    # Constructed URLs never masquerade as references: they live in illustrative_articles, and a source
    # that has any says in notes what was inferred.
    for src in SOURCES:
        if src.extra.get("illustrative_articles"):
            assert "Inferred" in src.notes, src.id
        assert not set(src.extra.get("illustrative_articles", [])) & set(
            src.extra.get("example_articles", [])
        )
