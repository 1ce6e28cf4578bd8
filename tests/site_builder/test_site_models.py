"""Readers: store rows → article models (safe links, regions with ancestors, copies, dates)."""

from __future__ import annotations

import pytest
from site_fixtures import DEQING, DONGCHENG, NATIONAL, WEIXIAN, listed_context, make_record, region

from site_builder.models import safe_link
from yigai.listing import article_listing, named_codes


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


def test_a_story_is_listed_under_the_divisions_it_names_and_their_ancestors(tmp_path):
    rec = make_record(
        "https://a.example/r.html", title="r", text="r", published="2024-03-01T08:00:00+08:00",
        regions=[WEIXIAN, NATIONAL, DONGCHENG],
    )
    listing = article_listing(rec)
    assert listing.regions == (("130000", 0), ("130400", 1), ("130434", 2), ("110000", 3), ("110101", 4))
    # a province-administered county-level city has no prefecture page
    xiantao = region("429004", "湖北省", "湖北省-自治区直辖县级行政区划", "仙桃市")
    assert named_codes([xiantao]) == ["420000", "429004"]
    ctx = listed_context([rec], tmp_path / "db.sqlite3")
    (art,) = ctx.articles
    assert [(r.code, r.level, r.parent_code) for r in art.regions] == [
        ("130000", "province", None),
        ("130400", "prefecture", "130000"),
        ("130434", "county", "130400"),
        ("110000", "province", None),
        ("110101", "county", "110000"),
    ]
    assert ctx.article_regions[art.id] == ("110000", "110101", "130000", "130400", "130434")
    assert art.place == "河北省 · 邯郸市 · 魏县"


def test_listed_stories_carry_their_copies_and_skip_non_originals(tmp_path):
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
    arts = listed_context([orig, copy, bad_copy, off], tmp_path / "db.sqlite3").articles
    assert [a.id for a in arts] == [orig["id"]]
    assert [(c.site, c.link, c.day) for c in arts[0].copies] == [  # dated, earliest first; undated last
        ("转载站", "https://b.example/1.html", "2024-03-02"),
        ("坏站", None, None),
    ]


def test_undated_article_uses_extracted_at_not_now(tmp_path):
    rec = make_record(
        "https://a.example/2.html",
        title="t",
        text="a\nb",
        published=None,
        extracted_at="2024-01-02T03:04:05+00:00",
    )
    (art,) = listed_context([rec], tmp_path / "db.sqlite3").articles
    assert art.published is None
    assert art.date.isoformat() == "2024-01-02T03:04:05+00:00"
    assert art.summary == "a b"


def test_a_summary_reads_past_leading_white_space(tmp_path):
    rec = make_record(
        "https://a.example/3.html", title="t", text="\n" * 2000 + "正文" * 100, published="2024-03-01T08:00:00+08:00"
    )
    (art,) = listed_context([rec], tmp_path / "db.sqlite3").articles
    assert art.summary == "正文" * 60 + "…"


def test_county_parent_comes_from_the_division_table(tmp_path):
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
    ctx = listed_context([a, b], tmp_path / "db.sqlite3")
    assert ctx.regions["330521"].parent_code == "330500"
    assert {x.id for x in ctx.regions["330500"].articles} == {a["id"], b["id"]}
    assert [r.code for r in ctx.region_chain("330521")] == ["330000", "330500", "330521"]


def test_names_come_from_the_division_table_and_taxonomy_not_from_rows(tmp_path):
    def rec(n: int, county: str, published: str, label: str):
        return make_record(
            f"https://a.example/{n}.html", title=str(n), text=str(n), published=published,
            regions=[region("330521", "浙江省", "湖州市", county)],
            topics=[{"id": "county_medical_community", "label": label}],
        )

    rows = [
        rec(1, "德清", "2024-03-01T08:00:00+08:00", "医共体"),
        rec(2, "德清", "2024-03-20T08:00:00+08:00", "医共体"),
        rec(3, "德清县", "2024-03-30T08:00:00+08:00", "县域医共体"),
        rec(4, "德清", "2024-01-02T08:00:00+08:00", "医共体"),
    ]
    ctx = listed_context(rows, tmp_path / "db.sqlite3")
    assert ctx.regions["330521"].name == "德清县"  # however most rows spell it
    assert ctx.topics["county_medical_community"].label == "县域医共体"
    assert {t.label for a in ctx.articles for t in a.topics} == {"县域医共体"}
    # Within 30 days of the newest story (03-30): 03-01, 03-20 and 03-30; 01-02 is older.
    assert ctx.regions["330521"].recent == 3
