"""Readers: store rows → article models (safe links, regions with ancestors, copies, dates)."""

from __future__ import annotations

import pytest
from site_fixtures import DEQING, DONGCHENG, NATIONAL, WEIXIAN, make_record, region

from site_builder.context import generate_context
from site_builder.models import read_articles, regions_from_json, safe_link


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.example.gov.cn/x.html", True),
        ("http://a.example.cn/x?y=1&z=2", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("/relative/path", False),
        ('https://a.example/"onmouseover=alert(1)', False),
        ("https:///nohost", False),
        (None, False),
    ],
)
def test_safe_link(url, ok):
    assert (safe_link(url) is not None) is ok


def test_regions_include_ancestors():
    codes = [(r.code, r.level, r.parent_code) for r in regions_from_json([WEIXIAN, NATIONAL, DONGCHENG])]
    assert codes == [
        ("130000", "province", None),
        ("130400", "prefecture", "130000"),
        ("130434", "county", "130400"),
        ("110000", "province", None),
        ("110101", "county", "110000"),
    ]
    # a province-administered county-level city has no prefecture page
    xiantao = region("429004", "湖北省", "湖北省-自治区直辖县级行政区划", "仙桃市")
    assert [r.code for r in regions_from_json([xiantao])] == ["420000", "429004"]


def test_read_articles_attaches_copies_and_skips_non_originals():
    orig = make_record(
        "https://a.example/1.html", title="原稿", text="正文", published="2024-03-01T08:00:00+08:00"
    )
    copy = make_record(
        "https://b.example/1.html",
        title="转载",
        text="正文",
        published="2024-03-02T08:00:00+08:00",
        site="转载站",
        group_id=orig["id"],
        is_original=0,
    )
    bad_copy = make_record(
        "javascript:x",
        aid="00000000000000ff",
        title="t",
        text="t",
        published=None,
        site="坏站",
        group_id=orig["id"],
        is_original=0,
    )
    off = make_record("https://c.example/1.html", title="无关", text="无关", published=None, relevant=0)
    arts = read_articles([orig, copy, bad_copy, off])
    assert [a.id for a in arts] == [orig["id"]]
    assert [(c.site, c.link) for c in arts[0].copies] == [
        ("坏站", None),
        ("转载站", "https://b.example/1.html"),
    ]


def test_undated_article_uses_extracted_at_not_now():
    rec = make_record(
        "https://a.example/2.html",
        title="t",
        text="a\nb",
        published=None,
        extracted_at="2024-01-02T03:04:05+00:00",
    )
    (art,) = read_articles([rec])
    assert art.published is None
    assert art.date.isoformat() == "2024-01-02T03:04:05+00:00"
    assert art.paragraphs == ("a", "b")


def test_county_parent_resolved_consistently_across_articles():
    # One article names the county with its prefecture, another without: both hang under the prefecture.
    a = make_record(
        "https://a.example/a.html",
        title="a",
        text="a",
        published="2024-03-01T08:00:00+08:00",
        regions=[DEQING],
    )
    b = make_record(
        "https://a.example/b.html",
        title="b",
        text="b",
        published="2024-03-02T08:00:00+08:00",
        regions=[region("330521", "浙江省", None, "德清县")],
    )
    ctx = generate_context(read_articles([a, b]), {})
    assert ctx.regions["330521"].parent_code == "330500"
    assert {x.id for x in ctx.regions["330500"].articles} == {a["id"], b["id"]}
    assert [r.code for r in ctx.region_chain("330521")] == ["330000", "330500", "330521"]


def test_region_names_are_voted_by_mentions_ties_to_the_smallest_and_recent_counts_the_last_30_days():
    def rec(n: int, county: str, published: str):
        return make_record(
            f"https://a.example/{n}.html", title=str(n), text=str(n), published=published,
            regions=[region("330521", "浙江省", "湖州市", county)],
        )

    majority = [
        rec(1, "德清县", "2024-03-01T08:00:00+08:00"),
        rec(2, "德清", "2024-03-20T08:00:00+08:00"),
        rec(3, "德清县", "2024-03-30T08:00:00+08:00"),
        rec(4, "德清县", "2024-01-02T08:00:00+08:00"),
    ]
    ctx = generate_context(read_articles(majority), {})
    assert ctx.regions["330521"].name == "德清县"
    # Within 30 days of the newest story (03-30): 03-01, 03-20 and 03-30; 01-02 is older.
    assert ctx.regions["330521"].recent == 3
    tie = [rec(1, "德清县", "2024-03-01T08:00:00+08:00"), rec(2, "德清", "2024-03-02T08:00:00+08:00")]
    assert generate_context(read_articles(tie), {}).regions["330521"].name == "德清"  # "德清" < "德清县"
    assert generate_context(read_articles(tie[::-1]), {}).regions["330521"].name == "德清"
