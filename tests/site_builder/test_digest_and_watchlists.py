"""The weekly digest (ISO weeks in China time, policy documents first, a feed with one item a week whose id
never changes) and the watchlists of ``[[watch]]`` (checked by the config, matched in title or text, in
Simplified, with the search's synonyms, narrowed by region and topic, each with a page and feeds)."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from site_fixtures import HEBEI, WEIXIAN, YIGONGTI, YILIANTI, make_record, sample_records

from site_builder import build_site
from yigai.config import ConfigError, load_settings

RECS = sample_records()
ID = {k: r["id"] for k, r in RECS.items()}
BASE = "https://yigai.example.org/"
# A story that names 医共体 only by a synonym; two stories either side of a week's end in China time (Sunday
# 23:30 and Monday 00:30 at UTC+8 are both Sunday in UTC).
SYNONYM = make_record("https://wsjkw.example.gov.cn/2024/0324/synonym.html", title="魏县医疗卫生共同体签约",
                      text="县医院与乡镇卫生院签约。", published="2024-03-24T23:30:00+08:00", regions=[WEIXIAN],
                      topics=[YIGONGTI])
MONDAY = make_record("https://wsjkw.example.gov.cn/2024/0325/monday.html", title="河北医联体周一例会",
                     text="医联体例会。", published="2024-03-25T00:30:00+08:00", regions=[HEBEI], topics=[YILIANTI],
                     meta={"doc_type": "新闻"})  # a news story: not a policy document
DOCUMENT = make_record("https://wsjkw.example.gov.cn/2024/0325/notice.html", title="关于医联体建设的通知",
                       text="各市卫生健康委：", published="2024-03-25T00:10:00+08:00", regions=[HEBEI],
                       topics=[YILIANTI], meta={"doc_number": "冀卫〔2024〕9号", "doc_type": "通知"})
WATCHES = [
    {"name": "河北医共体", "slug": "hebei-ygt", "keywords": ["醫共體"], "regions": ["河北省"]},
    {"name": "医联体动态", "slug": "ylt", "keywords": ["医疗"], "topics": ["medical_alliance"]},
]


def settings_for(out: Path, watches: list | None = None):
    return load_settings(overrides={"output_dir": str(out), "site": {"page_size": 4}, "watch": watches or []})


@pytest.fixture
def site(store, tmp_path) -> Path:
    store.insert_articles([SYNONYM, MONDAY, DOCUMENT])
    out = tmp_path / "out"
    build_site(store, settings_for(out, WATCHES))
    return out


def story_ids(html: str) -> list[str]:
    return re.findall(r'class="story-title" href="[./]*article/([0-9a-f]{16})\.html"', html)


def test_a_watchlist_finds_its_keyword_in_simplified_with_synonyms_within_its_region(site):
    page = (site / "watch/hebei-ygt/index.html").read_text("utf-8")
    # 醫共體 is written Traditional; 医疗卫生共同体 is 医共体's synonym; 德清 and 四川 are outside 河北省.
    assert story_ids(page) == [SYNONYM["id"], ID["county"], ID["hostile"], ID["multi"]]
    assert "关键词：醫共體 · 地区：河北省" in page
    feed = feedparser.parse((site / "feeds/watch/hebei-ygt.atom.xml").read_bytes())
    assert not feed.bozo and feed.feed.title.endswith("河北医共体")
    assert [e.id.rsplit(":", 1)[-1] for e in feed.entries] == story_ids(page)


def test_a_watchlist_with_topics_keeps_only_stories_of_those_topics(site):
    page = (site / "watch/ylt/index.html").read_text("utf-8")
    # 优质医疗资源下沉 holds 医疗 but is of another topic; 东城区医联体 is of the topic but holds no 医疗
    assert story_ids(page) == [ID["national"], ID["city"]]
    index = (site / "watch/index.html").read_text("utf-8")
    assert 'href="../watch/ylt/index.html">医联体动态</a> <span class="count">2 篇' in index
    opml = (site / "opml.xml").read_text("utf-8")
    assert "feeds/watch/ylt.rss.xml" in opml and "feeds/digest.rss.xml" in opml


def test_weeks_are_iso_weeks_in_china_time(site):
    sunday = (site / "digest/2024-W12.html").read_text("utf-8")
    monday = (site / "digest/2024-W13.html").read_text("utf-8")
    assert SYNONYM["id"] in story_ids(sunday) and MONDAY["id"] not in story_ids(sunday)
    assert story_ids(monday) == [DOCUMENT["id"], MONDAY["id"]]  # the policy document first, though older
    assert "2024-03-18 至 2024-03-24" in sunday and 'href="../digest/2024-W13.html">较新一周' in sunday
    index = (site / "digest/index.html").read_text("utf-8")
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+) 篇</span>', index)]
    weeks = re.findall(r'href="../digest/(\d{4}-W\d\d)\.html"', index)
    assert weeks == sorted(weeks, reverse=True) and sum(counts) == 11 + 3  # every listed story, once


def test_a_weeks_policy_documents_come_first_then_provinces_then_topics(site):
    page = (site / "digest/2024-W13.html").read_text("utf-8")
    order = [page.index(text) for text in ("政策文件", DOCUMENT["id"], "各地报道", "<h3>河北省", MONDAY["id"], "按专题")]
    assert order == sorted(order)
    assert '<h3>医联体/城市医疗集团 <span class="count">2 篇</span></h3>' in page
    register = (site / "register/index.html").read_text("utf-8")  # one idea of a policy document, sitewide
    assert DOCUMENT["id"] in register and MONDAY["id"] not in register


def test_the_digest_feed_has_an_item_a_week_whose_id_never_changes(store, site, tmp_path):
    feed = feedparser.parse((site / "feeds/digest.rss.xml").read_bytes())
    assert not feed.bozo
    assert [e.id for e in feed.entries][:2] == ["urn:yigai:digest:2024-W13", "urn:yigai:digest:2024-W12"]
    assert MONDAY["title"] in feed.entries[0].description
    assert f'href="{BASE}article/{MONDAY["id"]}.html"' in feed.entries[0].description  # absolute links
    late = make_record("https://wsjkw.example.gov.cn/2024/0326/late.html", title="迟到的周二报道", text="医联体。",
                       published="2024-03-26T10:00:00+08:00", regions=[HEBEI], topics=[YILIANTI])
    store.insert_articles([late])
    build_site(store, settings_for(site, WATCHES))
    again = feedparser.parse((site / "feeds/digest.rss.xml").read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert late["title"] in again.entries[0].description and late["title"] not in again.entries[1].description


def test_a_new_story_rebuilds_only_its_weeks_pages(store, site):
    before = {p: p.read_bytes() for p in (site / "digest").glob("*.html")}
    late = make_record("https://wsjkw.example.gov.cn/2024/0327/late.html", title="周三报道", text="医联体。",
                       published="2024-03-27T10:00:00+08:00", regions=[HEBEI], topics=[YILIANTI])
    store.insert_articles([late])
    build_site(store, settings_for(site, WATCHES))
    changed = {p.name for p, data in before.items() if p.read_bytes() != data}
    assert changed == {"2024-W13.html", "index.html"}
    assert late["id"] in story_ids((site / "digest/2024-W13.html").read_text("utf-8"))


@pytest.mark.parametrize(
    "entry, field, says",
    [
        ('slug = "a"\nkeywords = ["医共体"]', "name", "required"),
        ('name = "甲"\nslug = "a"\nkeywords = []', "keywords", "at least one"),
        ('name = "甲"\nslug = "a"\nkeywords = ["x"]\nregions = ["火星省"]', "regions", "unknown"),
        ('name = "甲"\nslug = "a"\nkeywords = ["x"]\nregions = ["朝阳区"]', "regions", "110105, 220104"),
        ('name = "甲"\nslug = "a"\nkeywords = ["x"]\ntopics = ["nope"]', "topics", "unknown topic 'nope'"),
        ('name = "甲"\nslug = "A B"\nkeywords = ["x"]', "slug", "lower-case"),
        ('name = "甲"\nslug = "a"\nkeywords = ["x"]\ncolour = "red"', "colour", "unknown field"),
    ],
)
def test_a_bad_watch_entry_is_a_config_error_naming_file_entry_and_field(tmp_path, entry, field, says):
    path = tmp_path / "yigai.toml"
    path.write_text(f'[[watch]]\nname = "好"\nslug = "ok"\nkeywords = ["x"]\n\n[[watch]]\n{entry}\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert str(path) in message and "[[watch]] watch #2" in message and f"field '{field}'" in message
    assert says in message


def test_a_duplicate_watch_slug_is_refused_and_regions_are_kept_as_codes(tmp_path):
    path = tmp_path / "yigai.toml"
    path.write_text('[[watch]]\nname = "甲"\nslug = "a"\nkeywords = ["x"]\nregions = ["河北省", "130400"]\n', "utf-8")
    assert load_settings(path).watches[0]["regions"] == ["130000", "130400"]
    path.write_text(path.read_text("utf-8") + '[[watch]]\nname = "乙"\nslug = "a"\nkeywords = ["y"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"watch #2 '乙': field 'slug': 'a' is used by an earlier"):
        load_settings(path)
