"""Synthetic articles for the site builder tests: full ``articles`` rows written with ``store.save_article``.

All text is invented for the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from site_builder.context import SiteContext, generate_context
from site_builder.models import read_listed
from yigai.config import Source
from yigai.store import SourceStats, Store
from yigai.urls import article_id

HOSTILE_TITLE = "<script>alert(1)</script>县域医共体<img src=x onerror=alert(1)>建设进展"
HOSTILE_TEXT = (
    "某县推进紧密型县域医共体建设。<script>alert(1)</script>\n"
    "<img src=x onerror=alert(1)>县医院牵头，乡镇卫生院参与。\n"
    "\"引号\" 与 'apostrophe' & 符号。"
)


def region(
    code: str,
    province: str | None,
    city: str | None = None,
    county: str | None = None,
    *,
    national: bool = False,
    weight: float = 1.0,
) -> dict[str, Any]:
    return {
        "code": code,
        "province": province,
        "city": city,
        "county": county,
        "national": national,
        "weight": weight,
    }


NATIONAL = region("000000", None, national=True)
WEIXIAN = region("130434", "河北省", "邯郸市", "魏县")
HANDAN = region("130400", "河北省", "邯郸市")
HEBEI = region("130000", "河北省")
DEQING = region("330521", "浙江省", "湖州市", "德清县")
DONGCHENG = region("110101", "北京市", None, "东城区")
SICHUAN = region("510000", "四川省")

YIGONGTI = {"id": "county_medical_community", "label": "县域医共体"}
YILIANTI = {"id": "medical_alliance", "label": "医联体/城市医疗集团"}
FENJI = {"id": "tiered_care", "label": "分级诊疗/双向转诊"}


def make_record(
    url: str,
    *,
    title: str,
    text: str,
    published: str | None,
    site: str = "示例卫生健康委员会",
    source_id: str = "sample_hebei",
    regions: list[dict[str, Any]] | None = None,
    topics: list[dict[str, str]] | None = None,
    meta: dict[str, Any] | None = None,
    relevant: int = 1,
    group_id: str | None = None,
    is_original: int = 1,
    original_source: str | None = None,
    author: str | None = None,
    editor: str | None = None,
    extracted_at: str = "2024-04-01T00:00:00+00:00",
    page_id: int = 1,
    aid: str | None = None,
) -> dict[str, Any]:
    """A complete ``articles`` row (every column)."""
    regions = regions or []
    aid = aid or article_id(url)
    full_meta = {
        "doc_number": None,
        "doc_type": None,
        "issuing_body": None,
        "attachments": [],
        "encoding": "utf-8",
    }
    full_meta.update(meta or {})
    return {
        "id": aid,
        "url": url,
        "page_id": page_id,
        "source_id": source_id,
        "site": site,
        "title": title,
        "text": text,
        "published": published,
        "original_source": original_source,
        "author": author,
        "editor": editor,
        "regions_json": json.dumps(regions, ensure_ascii=False, sort_keys=True),
        "primary_code": regions[0]["code"] if regions else None,
        "national": int(bool(regions and regions[0]["national"])),
        "topics_json": json.dumps(topics or [], ensure_ascii=False, sort_keys=True),
        "relevance": 2.5 if relevant else 0.1,
        "relevant": relevant,
        "fingerprint": f"{abs(hash(url)) % (1 << 63):016x}",
        "meta_json": json.dumps(full_meta, ensure_ascii=False, sort_keys=True),
        "group_id": group_id or aid,
        "is_original": is_original,
        "extracted_at": extracted_at,
        "extractor_version": "1",
    }


BASE = "https://wsjkw.example.gov.cn/xwzx"


def save_syndicated_copy(store: Store, original: str) -> None:
    """Store a new copy of article ``original``, carried by another site (a night's syndicated repost)."""
    row = store.article(original)
    store.save_article(
        make_record(
            "https://other.example.gov.cn/repost/copy.html",
            title=row["title"],
            text=row["text"],
            published=row["published"],
            site="另一家转载网站",
            is_original=0,
            group_id=original,
        )
    )


def save_newest_article(store: Store) -> None:
    """A story newer than every sample one, so it belongs to the newest search segment (or Pagefind shard)."""
    store.save_article(
        make_record(
            "https://wsjkw.example.gov.cn/xwzx/2024/1231/new.html",
            title="某市推进紧密型县域医共体信息化建设",
            text="某市推进医共体信息化建设。",
            published="2024-12-31T09:00:00+08:00",
        )
    )


def sample_records() -> dict[str, dict[str, Any]]:
    """Named records: county/city/province/national stories, a syndicated group, a hostile article …"""
    syn_url = f"{BASE}/2024/0312/syndicated.html"
    syn_id = article_id(syn_url)
    recs = {
        "county": make_record(
            f"{BASE}/2024/0315/weixian.html",
            title="魏县紧密型县域医共体实现乡镇全覆盖",
            text="魏县推进紧密型县域医共体建设。\n县医院与乡镇卫生院统一管理。\n群众在家门口看病。",
            published="2024-03-15T09:30:00+08:00",
            regions=[WEIXIAN],
            topics=[YIGONGTI, FENJI],
            original_source="邯郸日报",
            author="张三",
            editor="李四",
        ),
        "city": make_record(
            f"{BASE}/2024/0310/handan.html",
            title="邯郸市城市医疗集团建设工作会议召开",
            text="邯郸市召开城市医疗集团建设工作会议。\n会议部署下一步工作。",
            published="2024-03-10T15:00:00+08:00",
            regions=[HANDAN],
            topics=[YILIANTI],
        ),
        "province": make_record(
            f"{BASE}/2024/0301/hebei.html",
            title="河北省印发分级诊疗制度建设实施方案",
            text="河北省卫生健康委印发实施方案。\n到2025年基本建成分级诊疗制度。",
            published="2024-03-01T10:00:00+08:00",
            regions=[HEBEI],
            topics=[FENJI],
            meta={
                "doc_number": "冀卫医政〔2024〕3号",
                "doc_type": "通知",
                "issuing_body": "河北省卫生健康委员会",
                "attachments": [
                    {
                        "url": "https://wsjkw.example.gov.cn/files/plan.pdf",
                        "title": "实施方案全文",
                        "kind": "pdf",
                    },
                    {"url": "javascript:alert(1)", "title": "恶意附件", "kind": "doc"},
                ],
            },
        ),
        "national": make_record(
            "https://www.nhc.example.gov.cn/yzygj/2024/0320/national.html",
            title="国家卫生健康委部署推进紧密型城市医疗集团建设",
            source_id="sample_nhc",
            site="国家卫生健康委员会",
            text="国家卫生健康委召开会议。\n部署城市医疗集团建设试点工作。",
            published="2024-03-20T08:00:00+08:00",
            regions=[NATIONAL],
            topics=[YILIANTI],
        ),
        "zhejiang": make_record(
            "https://wsjkw.zj.example.gov.cn/art/2024/3/18/deqing.html",
            title="德清县医共体改革经验获推广",
            text="德清县医共体改革经验获推广。\n县域就诊率持续提高。",
            source_id="sample_zhejiang",
            site="浙江省卫生健康委员会",
            published="2024-03-18T11:20:00+08:00",
            regions=[DEQING],
            topics=[YIGONGTI],
        ),
        "beijing": make_record(
            "https://wjw.bj.example.gov.cn/xwzx/2024/0305/dongcheng.html",
            title="东城区医联体双向转诊平台上线",
            text="东城区医联体双向转诊平台正式上线。",
            source_id="sample_beijing",
            site="北京市卫生健康委员会",
            published="2024-03-05T09:00:00+08:00",
            regions=[DONGCHENG],
            topics=[YILIANTI],
        ),
        "syndicated": make_record(
            syn_url,
            title="优质医疗资源下沉基层见闻",
            text="优质医疗资源持续下沉。\n专家定期到基层坐诊。",
            published="2024-03-12T09:00:00+08:00",
            regions=[HEBEI],
            topics=[FENJI],
            group_id=syn_id,
        ),
        "copy1": make_record(
            "https://news.example.com/a/copy1.html",
            title="优质医疗资源下沉基层见闻",
            site="某新闻网",
            source_id="sample_news",
            text="优质医疗资源持续下沉。\n专家定期到基层坐诊。",
            published="2024-03-13T09:00:00+08:00",
            regions=[HEBEI],
            topics=[FENJI],
            group_id=syn_id,
            is_original=0,
        ),
        "copy2": make_record(
            "https://other.example.com/copy2.html",
            title="优质医疗资源下沉基层见闻",
            site="另一新闻网",
            source_id="sample_news",
            text="优质医疗资源持续下沉。\n专家定期到基层坐诊。",
            published="2024-03-14T09:00:00+08:00",
            regions=[HEBEI],
            topics=[FENJI],
            group_id=syn_id,
            is_original=0,
        ),
        "hostile": make_record(
            "javascript:alert(1)",
            aid="00000000000000aa",
            title=HOSTILE_TITLE,
            text=HOSTILE_TEXT,
            site="<b onmouseover=alert(1)>恶意站点</b>",
            original_source="<script>alert(1)</script>",
            published="2024-03-08T08:00:00+08:00",
            regions=[WEIXIAN],
            topics=[YIGONGTI, {"id": "../../etc", "label": "<script>alert(1)</script>"}],
        ),
        "undated": make_record(
            f"{BASE}/undated.html",
            title="医保支付方式改革问答",
            text="什么是按病种付费？\n答：……",
            published=None,
            extracted_at="2024-03-21T02:00:00+00:00",
            regions=[HEBEI],
            topics=[FENJI],
        ),
        "old": make_record(
            "https://wsjkw.sc.example.gov.cn/2023/1201/old.html",
            title="四川省县域医共体建设试点启动",
            text="四川省启动县域医共体建设试点。",
            source_id="sample_sichuan",
            site="四川省卫生健康委员会",
            published="2023-12-01T10:00:00+08:00",
            regions=[SICHUAN],
            topics=[YIGONGTI],
        ),
        "multi": make_record(
            f"{BASE}/2024/0222/multi.html",
            title="冀浙两地医共体建设交流活动举行",
            text="河北与浙江两地开展医共体建设交流。",
            published="2024-02-22T14:00:00+08:00",
            regions=[HEBEI, DEQING],
            topics=[YIGONGTI],
        ),
        "offtopic": make_record(
            f"{BASE}/2024/0316/offtopic.html",
            title="春季植树活动通知",
            text="机关开展植树活动。",
            published="2024-03-16T09:00:00+08:00",
            regions=[HEBEI],
            relevant=0,
        ),
    }
    return recs


SOURCES = [
    Source(
        id="sample_hebei",
        name="河北省卫生健康委员会",
        home_region="河北省",
        list_urls=("https://x.example/",),
    ),
    Source(id="sample_nhc", name="国家卫生健康委员会", list_urls=("https://x.example/",)),
    Source(
        id="sample_zhejiang",
        name="浙江省卫生健康委员会",
        home_region="浙江省",
        list_urls=("https://x.example/",),
    ),
    Source(id="sample_quiet", name="<i>未运行的来源</i>", list_urls=("https://x.example/",)),
]


def fill_store(path: Path) -> Store:
    store = Store(path)
    store.upsert_sources(SOURCES)
    for record in sample_records().values():
        store.save_article(record)
    run_id = store.start_run("run")
    store.save_source_stats(run_id, "sample_hebei", SourceStats(requests=12, pages_new=3, not_modified=7))
    store.save_source_stats(
        run_id, "sample_zhejiang", SourceStats(requests=5, pages_new=0, errors={"timeout": 2, "http_404": 1})
    )
    store.finish_run(run_id, "partial", {})
    return store


def listed_context(records: list[dict[str, Any]], db: Path, site: dict[str, Any] | None = None) -> SiteContext:
    """The site context of a store holding ``records`` (written with ``Store.insert_articles``)."""
    store = Store(db)
    try:
        store.insert_articles(records)
        return generate_context(read_listed(store), site or {})
    finally:
        store.close()
