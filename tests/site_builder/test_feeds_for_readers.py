"""Feeds as a reader's feed reader shows them: who wrote the story, its regions (with their parents) and topics
as categories, a document's 文号, the full text; titles that name the whole region path; the OPML nested
province → city → county, one per province; the placeholder site address refused loudly, the demo's local."""

from __future__ import annotations

import argparse
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import make_settings
from site_fixtures import sample_records

from site_builder import build_site
from yigai.config import LOCAL_PREVIEW_URL, load_settings, placeholder_base_url_warning
from yigai.health import format_status
from yigai.run import demo_settings
from yigai.stages import run_build_stage

RECS = sample_records()
ID = {k: r["id"] for k, r in RECS.items()}
BASE = "https://news.example.net/yigai/"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def site(store, tmp_path) -> Path:
    out = tmp_path / "out"
    build_site(store, make_settings(out, base_url=BASE))
    return out


def _rss_items(path: Path) -> dict[str, ET.Element]:
    root = ET.parse(path).getroot()
    return {item.findtext("guid").rsplit(":", 1)[-1]: item for item in root.iter("item")}


def test_rss_items_say_who_wrote_them_and_carry_region_paths_and_topics(site):
    items = _rss_items(site / "feeds/all.rss.xml")
    county = items[ID["county"]]
    assert county.findtext(f"{DC}creator") == "邯郸日报"  # the 来源, not the carrier
    categories = {(c.text, c.get("domain")) for c in county.findall("category")}
    assert ("河北省/邯郸市/魏县", BASE + "region/") in categories  # RSS 2.0's hierarchic form
    topics = sorted(text for text, domain in categories if domain == BASE + "topic/")
    # its two topics, by label; a "/" in a label would read as a hierarchy in RSS, so none is left
    assert len(topics) == 2 and any("医共体" in t for t in topics) and any("分级诊疗" in t for t in topics)
    assert not any("/" in t for t in topics)
    assert not any(text in ("河北省", "河北省/邯郸市") for text, _ in categories)  # implied by the path
    national = items[ID["national"]]
    assert ("全国", BASE + "national/") in {(c.text, c.get("domain")) for c in national.findall("category")}
    assert national.findtext(f"{DC}creator") == "国家卫生健康委员会"  # no 来源 named: the site that wrote it


def test_document_items_carry_their_doc_number_and_full_text(site):
    item = _rss_items(site / "feeds/all.rss.xml")[ID["province"]]
    assert item.findtext(f"{DC}identifier") == "冀卫医政〔2024〕3号"
    atom = feedparser.parse((site / "feeds/all.atom.xml").read_bytes())
    entry = next(e for e in atom.entries if e.id.endswith(ID["province"]))
    html = entry.content[0].value
    assert "文号：冀卫医政〔2024〕3号" in html and "发文机关：河北省卫生健康委员会" in html
    assert "到2025年基本建成分级诊疗制度。" in html  # the full text, not the summary
    assert 'href="https://wsjkw.example.gov.cn/files/plan.pdf"' in html and "javascript:" not in html
    assert entry.author == "示例卫生健康委员会"
    county = next(e for e in atom.entries if e.id.endswith(ID["county"]))
    assert "来源：邯郸日报" in county.content[0].value and "刊载网站：示例卫生健康委员会" in county.content[0].value
    terms = {t.term for t in county.tags}
    assert "河北省/邯郸市/魏县" in terms and any("医共体" in t for t in terms)


def test_feed_titles_name_the_whole_region_path(site):
    county = feedparser.parse((site / "feeds/region/130434.rss.xml").read_bytes())
    assert county.feed.title == "医改观察 Yigai Watch · 河北省 · 邯郸市 · 魏县"
    dongcheng = feedparser.parse((site / "feeds/region/110101.atom.xml").read_bytes())
    assert dongcheng.feed.title == "医改观察 Yigai Watch · 北京市 · 东城区"
    page = (site / "region/130434/index.html").read_text("utf-8")
    assert 'title="河北省 · 邯郸市 · 魏县（RSS）"' in page


def _outline_tree(element: ET.Element) -> list:
    """(text, xmlUrl or None, children) for each outline, recursively."""
    return [(o.get("text"), o.get("xmlUrl"), _outline_tree(o)) for o in element.findall("outline")]


def test_opml_nests_regions_province_city_county(site):
    body = ET.parse(site / "opml.xml").getroot().find("body")
    groups = {text: children for text, _url, children in _outline_tree(body)}
    assert set(groups) == {"全部", "地区", "专题", "周报与关注"}
    assert groups["周报与关注"] == [("每周摘要", BASE + "feeds/digest.rss.xml", [])]  # and any watchlists
    provinces = {text: children for text, _url, children in groups["地区"]}
    assert {"河北省", "浙江省", "北京市", "四川省"} <= set(provinces)
    hebei = provinces["河北省"]
    assert hebei[0] == ("河北省", BASE + "feeds/region/130000.rss.xml", [])  # the folder's own feed first
    handan = next(children for text, _url, children in hebei if text == "邯郸市" and children)
    assert handan[0][1] == BASE + "feeds/region/130400.rss.xml"
    assert ("河北省 · 邯郸市 · 魏县", BASE + "feeds/region/130434.rss.xml", []) in handan
    # every region feed is listed exactly once
    urls: list[str] = []

    def collect(nodes: list) -> None:
        for _text, url, children in nodes:
            if url:
                urls.append(url)
            collect(children)

    collect(groups["地区"])
    region_feeds = sorted(BASE + p.relative_to(site).as_posix() for p in (site / "feeds/region").glob("*.rss.xml"))
    assert sorted(urls) == region_feeds


def test_each_province_has_its_own_opml_linked_from_its_page(site):
    tree = ET.parse(site / "opml/130000.xml").getroot()
    assert tree.findtext("head/title") == "医改观察 Yigai Watch · 河北省"
    urls = [o.get("xmlUrl") for o in tree.iter("outline") if o.get("xmlUrl")]
    assert sorted(urls) == sorted(
        BASE + f"feeds/region/{code}.rss.xml" for code in ("130000", "130400", "130434")
    )
    assert not any("330000" in u or "topic" in u or "all" in u for u in urls)
    assert (site / "opml/330000.xml").is_file() and not (site / "opml/130400.xml").exists()
    province = (site / "region/130000/index.html").read_text("utf-8")
    assert 'href="../../opml/130000.xml" download' in province
    city = (site / "region/130400/index.html").read_text("utf-8")
    assert "opml/" not in city.split("<footer")[0]


def test_a_build_with_the_placeholder_address_warns_loudly(store, tmp_path, caplog):
    settings = make_settings(tmp_path / "out")  # base_url left at the packaged placeholder
    assert placeholder_base_url_warning(settings)
    with caplog.at_level(logging.WARNING):
        run_build_stage(store, settings)
    assert any(r.levelno == logging.WARNING and "placeholder" in r.getMessage() for r in caplog.records)
    assert "WARNING: [site] base_url is the placeholder" in format_status(store, settings)
    own = make_settings(tmp_path / "own", base_url=BASE)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        run_build_stage(store, own)
    assert not any("placeholder" in r.getMessage() for r in caplog.records)
    assert "WARNING" not in format_status(store, own)


def test_the_demo_publishes_for_the_local_preview_unless_an_address_is_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(database=None, output=None)
    demo = demo_settings(load_settings(), args)
    assert demo.section("site")["base_url"] == LOCAL_PREVIEW_URL == "http://127.0.0.1:8000/"
    assert demo.section("site")["title"] == load_settings().section("site")["title"]  # the rest kept
    config = tmp_path / "yigai.toml"
    config.write_text('[site]\nbase_url = "https://watch.example.net/"\n', encoding="utf-8")
    assert demo_settings(load_settings(config), args).section("site")["base_url"] == "https://watch.example.net/"


def test_a_joint_documents_bodies_and_written_date_reach_its_page_and_feed_item(store, tmp_path):
    from site_fixtures import HEBEI, make_record

    record = make_record(
        "https://wsjkw.example.gov.cn/xwzx/2024/0105/joint.html",
        title="国家卫生健康委等5部门关于印发紧密型县域医共体建设实施方案的通知",
        text="各地要完善医共体管理体制。",
        published="2024-01-05T09:00:00+08:00",
        regions=[HEBEI],
        meta={
            "doc_number": "国卫基层发〔2023〕41号",
            "doc_type": "通知",
            "issuing_body": "国家卫生健康委、国家发展改革委、财政部、人力资源社会保障部、国家医保局",
            "issuing_bodies": ["国家卫生健康委", "国家发展改革委", "财政部", "人力资源社会保障部", "国家医保局"],
            "written_date": "2023-12-29",
        },
    )
    store.save_article(record)
    out = tmp_path / "out"
    build_site(store, make_settings(out, base_url=BASE))
    page = (out / f"article/{record['id']}.html").read_text("utf-8")
    assert "<dt>成文日期</dt><dd><time datetime=\"2023-12-29\">2023-12-29</time></dd>" in page
    assert "国家卫生健康委、国家发展改革委、财政部、人力资源社会保障部、国家医保局" in page
    atom = feedparser.parse((out / "feeds/all.atom.xml").read_bytes())
    html = next(e for e in atom.entries if e.id.endswith(record["id"])).content[0].value
    assert "成文日期：2023-12-29" in html and "发文机关：国家卫生健康委、国家发展改革委、财政部" in html


def test_lists_show_who_wrote_a_story_apart_from_who_carried_it(site):
    region = (site / "region/130434/index.html").read_text("utf-8")
    meta = region[region.index(f"article/{ID['county']}.html") :].split("</p>")[0]
    assert "来源：邯郸日报" in meta and "刊载：示例卫生健康委员会" in meta
    national = (site / "national/index.html").read_text("utf-8")
    meta = national[national.index(f"article/{ID['national']}.html") :].split("</p>")[0]
    assert "来源：国家卫生健康委员会" in meta and "刊载：" not in meta  # wrote and carried it itself
    page = (site / f"article/{ID['county']}.html").read_text("utf-8")
    assert "（原文）" not in page  # the carrier's page is not "the original" unless it wrote the story
