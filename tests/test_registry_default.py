"""The default registry of real sources (yigai/registry/sources.toml): loads, covers every province, and each
source's article patterns accept its recorded article URLs and reject its list pages — through the same
``ArticleFilter`` the crawler uses.
"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit

import pytest

from crawler.links import ArticleFilter
from yigai.config import Source, load_registry, registry_path

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
BY_ID = {s.id: s for s in SOURCES}
PROVINCIAL = [s for s in SOURCES if s.name.endswith("卫生健康委员会") and s.home_region is not None]


def _ids(sources: list[Source]) -> list[str]:
    return [s.id for s in sources]


def _filter(src: Source) -> ArticleFilter:
    return ArticleFilter.build(src.article_allow, src.article_deny, src.start_urls)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def test_default_registry_loads_at_least_36_unique_sources():
    assert len(SOURCES) >= 36
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
        assert src.home_region in PROVINCES
        # the display name is the commission of that very division
        assert src.name == f"{src.home_region}卫生健康委员会", src.id


def test_every_home_region_is_a_real_province():
    for src in SOURCES:
        if src.home_region is not None:
            assert src.home_region in PROVINCES, src.id


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
    assert src.article_allow, "every real source needs article_allow patterns"
    assert src.family and src.family == src.family.lower()
    assert src.confirmed == "unconfirmed" or len(src.confirmed) > 20  # a reference, not a token
    for url in src.start_urls:
        assert url.startswith(("http://", "https://")) and "{" not in url


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_allow_patterns_are_anchored_to_the_sources_hosts(src: Source):
    # Anchoring to scheme+host and to the end keeps list pages, navigation and other sites' links out.
    for pattern in src.article_allow:
        assert pattern.startswith("^https?://") and pattern.endswith("$"), pattern


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
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


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_allow_rejects_the_sources_list_pages(src: Source):
    lists = list(src.extra.get("example_lists", []))
    assert lists, "record the list pages"
    filt = _filter(src)
    for url in lists + list(src.list_urls):
        assert not filt.accepts(url), url


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
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


def test_docs_table_lists_every_source_and_family():
    docs = (registry_path("default").parents[2] / "docs" / "sources.md").read_text(encoding="utf-8")
    for src in SOURCES:
        assert f"| `{src.id}` | {src.name} |" in docs, src.id
        assert f"`{src.family}`" in docs, src.family
