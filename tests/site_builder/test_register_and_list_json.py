"""The policy register (issue #18 part 5: every document in one table, CSV and JSON downloads, a feed of new
documents; the first page works without JavaScript) and every list published as JSON beside its pages."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import feedparser
import pytest
from conftest import make_settings
from site_fixtures import HEBEI, fill_store, make_record, sample_records

from site_builder import build_site

BASE = "https://news.example.net/yigai/"
BODIES = ["国家卫生健康委", "国家发展改革委", "财政部", "人力资源社会保障部", "国家医保局"]


def _document(n: int, **meta) -> dict:
    return make_record(
        f"https://wsjkw.example.gov.cn/zcwj/2024/{n:02d}.html",
        title=f"关于印发第{n}号医共体建设方案的通知",
        text="各地要完善医共体管理体制。",
        published=f"2024-01-{n:02d}T09:00:00+08:00",
        regions=[HEBEI],
        meta={"doc_number": f"冀卫基层发〔2024〕{n}号", "doc_type": "通知", **meta},
    )


JOINT = _document(
    20,
    issuing_body="、".join(BODIES),
    issuing_bodies=BODIES,
    written_date="2024-01-18",
    attachments=[{"title": "实施方案", "url": "https://wsjkw.example.gov.cn/files/plan.pdf", "kind": "pdf"}],
)
OPINION = _document(21, doc_number=None, doc_type="意见")  # a document without a 文号
NEWS = _document(22, doc_number=None, doc_type="新闻")  # the extractor's 文种 of a news story: not a document
DOCS = [_document(n, issuing_body="河北省卫生健康委员会") for n in range(1, 10)] + [JOINT, OPINION]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("register")
    with fill_store(tmp / "db.sqlite3") as store:
        store.save_articles([*DOCS, NEWS])
        build_site(store, make_settings(tmp / "out", base_url=BASE))  # page_size 4
    return tmp / "out"


def _register_ids(out: Path) -> list[str]:
    """The documents the register's HTML pages list, first page first, following the 较早 links."""
    ids, page = [], out / "register/index.html"
    while True:
        html = page.read_text("utf-8")
        table = html[html.index('<table class="register">') : html.index("</table>")]
        ids += re.findall(r'article/([0-9a-f]{16})\.html', table)
        older = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not older:
            return ids
        page = (page.parent / older.group(1)).resolve()


def test_the_register_lists_every_document_newest_first_without_javascript(site):
    metas = {r["id"]: json.loads(r["meta_json"]) for r in sample_records().values()}
    sample_docs = [  # a 文号, or a document's 文种 (not a news story's 新闻 or an interpretation's 解读)
        r for r in sample_records().values()
        if r["relevant"] and (metas[r["id"]]["doc_number"] or metas[r["id"]]["doc_type"] not in (None, "新闻", "解读"))
    ]
    expected = sorted(DOCS + sample_docs, key=lambda r: r["published"], reverse=True)
    assert _register_ids(site) == [r["id"] for r in expected]
    assert OPINION["id"] in _register_ids(site) and NEWS["id"] not in _register_ids(site)
    first = (site / "register/index.html").read_text("utf-8")
    row = first[: first.index(f"article/{JOINT['id']}.html")].rsplit("<tr>", 1)[1] + first.split(JOINT["id"])[1]
    row = row.split("</tr>")[0]
    assert "、".join(BODIES) in row and "冀卫基层发〔2024〕20号" in row and ">2024-01-18<" in row
    assert '<a href="https://wsjkw.example.gov.cn/files/plan.pdf"' in row
    assert '<form class="register-filter" hidden' in first  # the filters appear only with the script
    assert 'href="../register/documents.csv" download' in first
    assert "政策文件" in (site / "index.html").read_text("utf-8")  # in the site's navigation


def test_the_register_downloads_hold_every_document(site):
    raw = (site / "register/documents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    data = json.loads((site / "register/documents.json").read_bytes())
    assert data["schema"] == "yigai-register-1"
    assert [d["doc_number"] or "" for d in data["documents"]] == [r["文号"] for r in rows]
    assert len(rows) == len(_register_ids(site))
    joint = next(d for d in data["documents"] if d["doc_number"] == "冀卫基层发〔2024〕20号")
    assert joint["issuing_bodies"] == BODIES and joint["written_date"] == "2024-01-18"
    assert joint["published"] == "2024-01-20T09:00:00+08:00" and joint["path"] == f"article/{JOINT['id']}.html"
    assert joint["attachments"] == [{"title": "实施方案", "url": "https://wsjkw.example.gov.cn/files/plan.pdf"}]
    assert next(r for r in rows if r["文号"] == "冀卫基层发〔2024〕20号")["发文机关"] == "、".join(BODIES)


def test_the_register_feed_carries_new_documents(site):
    for kind in ("rss", "atom"):
        feed = feedparser.parse((site / f"feeds/register.{kind}.xml").read_bytes())
        assert not feed.bozo, kind
        assert [e.id.rsplit(":", 1)[1] for e in feed.entries] == _register_ids(site)  # newest first
    assert "feeds/register.rss.xml" in (site / "opml.xml").read_text("utf-8")


def test_every_list_is_published_as_json_page_by_page(site):
    """Each list page has its JSON beside it, linked with rel=alternate; following ``older`` from the first
    page gives the whole list once, in the HTML's order."""
    for directory in ("", "region/130000/", "topic/county_medical_community/", "national/", "register/"):
        html = (site / directory / "index.html").read_text("utf-8")
        assert '<link rel="alternate" type="application/json" title="本页报道（JSON）" href="index.json">' in html
        page = json.loads((site / directory / "index.json").read_bytes())
        assert page["schema"] == "yigai-list-1"
        total, stories = page["total"], list(page["stories"])
        while page["older"]:
            assert page["older"].startswith(BASE + directory + "page/")
            page = json.loads((site / page["older"][len(BASE) :]).read_bytes())
            assert page["total"] is None
            stories += page["stories"]
        assert len(stories) == total == len({s["id"] for s in stories}) > 0
        assert [s["date"] for s in stories] == sorted((s["date"] for s in stories), reverse=True)
        listed = re.findall(r'href="(?:\.\./)*article/([0-9a-f]{16})\.html"', html)
        assert [s["url"].rsplit("/", 1)[-1][:-5] for s in stories[: len(listed)]][:1] == listed[:1]
