"""Issue #18 parts 1 and 2: region × topic pages and feeds, region month archives, stories new since the last
finished run."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
from conftest import make_settings
from site_fixtures import make_record, region

from site_builder import build_site
from site_builder.context import generate_context
from site_builder.models import read_listed

HEBEI_YIGONGTI = "region/130000/topic/county_medical_community/"


def _links(page: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', page.read_text("utf-8"))


def _stories(page: Path) -> list[str]:
    return re.findall(r'class="story-title" href="(?:\.\./)*article/([0-9a-f]{16})\.html"', page.read_text("utf-8"))


def test_every_province_topic_pair_with_stories_has_a_page_and_feeds_and_no_other_pair_has(store, settings):
    build_site(store, settings)
    ctx = generate_context(read_listed(store), {})
    site = settings.output_dir
    expected = {
        (code, tid)
        for code, r in ctx.regions.items()
        for tid, t in ctx.topics.items()
        if {a.id for a in r.articles} & {a.id for a in t.articles} and r.level == "province"
    }
    made = {(p.parts[-4], p.parts[-2]) for p in site.glob("region/*/topic/*/index.html")}
    rss = {(p.parent.parent.name, p.name.split(".")[0]) for p in site.glob("feeds/region/*/topic/*.rss.xml")}
    atom = {(p.parent.parent.name, p.name.split(".")[0]) for p in site.glob("feeds/region/*/topic/*.atom.xml")}
    assert ("130000", "county_medical_community") in expected and ("510000", "tiered_care") not in expected
    assert not list(site.glob("region/130434/topic/*"))  # a county has no topic filter
    assert made == rss == atom == expected
    for code, tid in expected:  # each lists exactly the region's stories on the topic, newest first
        want = [a.id for a in ctx.regions[code].articles if a.id in {b.id for b in ctx.topics[tid].articles}]
        directory = site / f"region/{code}/topic/{tid}"
        pages = [directory / "index.html", *sorted(directory.glob("page/*.html"), key=lambda p: -int(p.stem))]
        assert [aid for page in pages for aid in _stories(page)] == want


def test_pair_feeds_hold_the_pairs_stories_counties_included_and_name_the_path(store, settings):
    build_site(store, settings)
    ctx = generate_context(read_listed(store), {})
    feed = feedparser.parse((settings.output_dir / "feeds/region/130000/topic/county_medical_community.rss.xml").read_bytes())
    assert feed.feed.title.endswith("· 河北省 · 县域医共体")
    ids = [e.id.rsplit(":", 1)[1] for e in feed.entries]
    titles = [e.title for e in feed.entries]
    hebei = {a.id for a in ctx.regions["130000"].articles}
    assert ids == [a.id for a in ctx.topics["county_medical_community"].articles if a.id in hebei]
    assert "魏县紧密型县域医共体实现乡镇全覆盖" in titles  # a county's story is in its province's pair feed
    assert not any("分级诊疗制度" in t for t in titles)  # Hebei's story on another topic is not


def test_province_and_topic_pages_link_their_pairs_and_pairs_link_back(store, settings):
    build_site(store, settings)
    site = settings.output_dir
    assert "../../" + HEBEI_YIGONGTI + "index.html" in _links(site / "region/130000/index.html")
    assert "../../" + HEBEI_YIGONGTI + "index.html" in _links(site / "topic/county_medical_community/index.html")
    pair = site / HEBEI_YIGONGTI / "index.html"
    links = _links(pair)
    assert "../../../../region/130000/index.html" in links  # back to the region, in the breadcrumbs
    text = pair.read_text("utf-8")
    assert "订阅本页：" in text
    assert 'href="../../../../feeds/region/130000/topic/county_medical_community.rss.xml"' in text


def test_region_month_archives_link_the_regions_feed_and_walk_every_month(store, tmp_path):
    settings = make_settings(tmp_path / "out", page_size=2)  # 邯郸's stories too run past its first page
    build_site(store, settings)
    site = settings.output_dir
    assert list(site.glob("region/510000/2*/index.html"))  # a province has months, even of one story
    assert not list(site.glob("region/130400/2*"))  # a city has no month archive (its list is one)
    months = sorted(p.parent.name for p in site.glob("region/130000/[0-9][0-9][0-9][0-9]-[0-9][0-9]/index.html"))
    assert months == ["2024-02", "2024-03"]
    region_page = _links(site / "region/130000/index.html")
    assert all(f"../../region/130000/{m}/index.html" in region_page for m in months)
    walked = []
    for month in months:
        page = site / f"region/130000/{month}/index.html"
        text = page.read_text("utf-8")
        assert '订阅本地区：<a href="../../../feeds/region/130000.rss.xml">' in text
        walked.append(re.findall(r'rel="(prev|next)" href="\.\./\.\./\.\./region/130000/([0-9-]+)/index\.html"', text))
    assert walked == [[("next", "2024-03")], [("prev", "2024-02")]]
    march = {a for a in _stories(site / "region/130000/2024-03/index.html")}
    assert march and all((site / f"article/{a}.html").read_text("utf-8").count("2024-03-") for a in march)


def test_site_month_pages_have_previous_and_next(store, settings):
    build_site(store, settings)
    site = settings.output_dir
    months = sorted(p.parent.name for p in site.glob("archive/*/index.html"))
    for i, month in enumerate(months):
        text = (site / f"archive/{month}/index.html").read_text("utf-8")
        prev = re.findall(r'rel="prev" href="\.\./\.\./archive/([0-9-]+)/index\.html"', text)
        nxt = re.findall(r'rel="next" href="\.\./\.\./archive/([0-9-]+)/index\.html"', text)
        assert prev == months[i - 1 : i] if i else prev == []
        assert nxt == months[i + 1 : i + 2]


def test_stories_stored_since_the_last_finished_run_are_marked_new(store, settings):
    # The fixture's run ended when the store was filled; a story stored after it is new, the others are not.
    late = make_record(
        "https://wsjkw.example.gov.cn/xwzx/2024/0101/late.html",
        title="迟到的旧闻：某县医共体总结",
        text="某县总结医共体建设。",
        published="2024-01-02T09:00:00+08:00",
        regions=[region("130000", "河北省")],
        extracted_at="2999-01-01T00:00:00+00:00",
    )
    store.save_article(late)
    build_site(store, settings)
    region_pages = [settings.output_dir / "region/130000/index.html",
                    *(settings.output_dir / "region/130000/page").glob("*.html")]
    marked = [re.findall(r'article/([0-9a-f]{16})\.html">[^<]*</a> <span class="new"', p.read_text("utf-8"))
              for p in region_pages]
    assert sum(marked, []) == [late["id"]]
    ctx = generate_context(read_listed(store), {})  # no run: nothing is new
    assert ctx.new_ids == frozenset()
