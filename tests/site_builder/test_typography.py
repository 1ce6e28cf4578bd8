"""Chinese typography: the font stack, line breaking, summaries and the lines of an official document."""

from __future__ import annotations

import re

from site_builder.models import join_paragraphs, summarize
from site_builder.pages import TEMPLATES_DIR
from site_builder.typography import ADDRESSEE, DOC_NUMBER, FLUSH, SIGNATURE, paragraph_classes

CSS = (TEMPLATES_DIR / "static" / "style.css").read_text("utf-8")
CJK_FACES = ("PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei")


def _font_stack() -> list[str]:
    m = re.search(r"--font:\s*([^;]+);", CSS)
    assert m
    return [f.strip().strip('"') for f in m.group(1).split(",")]


def test_font_stack_puts_chinese_faces_before_any_latin_face():
    stack = _font_stack()
    latin = [stack.index(f) for f in ("system-ui", "-apple-system", "Segoe UI") if f in stack]
    chinese = [stack.index(f) for f in CJK_FACES if f in stack]
    assert chinese and stack[0] in CJK_FACES
    assert max(chinese) < min(latin), stack
    assert stack[-1] == "sans-serif"


def test_no_break_anywhere_and_dates_never_wrap():
    assert "overflow-wrap: anywhere" not in CSS and "word-break: break-all" not in CSS
    assert re.search(r"(^|\n)time \{[^}]*white-space: nowrap", CSS)


def test_summary_joins_chinese_paragraphs_without_a_space():
    text = "近日，河北省召开会议。\n会议要求推进医共体建设。\n\n  下一步  将继续推进。"
    assert summarize(text) == "近日，河北省召开会议。会议要求推进医共体建设。下一步 将继续推进。"


def test_summary_keeps_a_space_between_latin_words_across_lines():
    assert join_paragraphs("推进 DRG\nDIP 2.0 改革\n2024\n年") == "推进 DRG DIP 2.0 改革2024年"
    assert join_paragraphs("实施DRG。\nDIP付费") == "实施DRG。DIP付费"


def test_summary_is_cut_at_the_limit_with_an_ellipsis():
    text = "甲" * 100 + "\n" + "乙" * 100
    summary = summarize(text, limit=120)
    assert summary == "甲" * 100 + "乙" * 20 + "…"


NOTICE = [
    "国卫医政发〔2023〕12号",
    "各省、自治区、直辖市及新疆生产建设兵团卫生健康委、中医药局：",
    "为深入贯彻落实党中央、国务院决策部署，现就有关事项通知如下：",
    "一、总体要求",
    "具体要求如下：",
    "国家卫生健康委",
    "国家医保局",
    "国家中医药局",
    "2023年5月6日",
    "（信息公开形式：主动公开）",
]


def test_official_document_lines_are_classed_and_prose_is_not():
    classes = paragraph_classes(NOTICE)
    assert classes == [
        DOC_NUMBER,
        ADDRESSEE,
        "",
        "",
        "",
        SIGNATURE,
        SIGNATURE,
        SIGNATURE,
        SIGNATURE,
        FLUSH,
    ]


def test_a_body_line_naming_an_agency_is_not_a_signature_without_a_closing_date():
    paragraphs = ["会议由市卫生健康委主持。", "市卫生健康委", "会后，各地开展了培训。"]
    assert paragraph_classes(paragraphs) == ["", "", ""]


def test_a_doc_number_inside_a_sentence_is_prose():
    line = "根据《通知》（国卫医政发〔2023〕12号）要求，我市开展了试点。"
    assert paragraph_classes([line]) == [""]


def test_stylesheet_sets_the_classed_lines_flush():
    compact = re.sub(r"\s+", " ", CSS)
    assert ".article-body p { margin: 0 0 1em; text-indent: 2em; }" in compact
    for cls in (DOC_NUMBER, ADDRESSEE, FLUSH):
        assert re.search(rf"\.article-body p\.{cls}[^{{]*\{{[^}}]*text-indent: 0", compact), cls
    assert re.search(r"\.article-body p\.signature \{[^}]*text-indent: 0;[^}]*text-align: right", compact)


def test_region_chips_keep_the_hierarchy(store, settings):
    """An article filed under a county and another province shows one path per place, province first — not
    a flat row in which 魏县 could belong to either province."""
    from site_fixtures import sample_records

    from site_builder import build_site

    build_site(store, settings)
    two = next(r for r in sample_records().values() if "330521" in r["regions_json"] and "130000" in r["regions_json"])
    page = (settings.output_dir / f"article/{two['id']}.html").read_text("utf-8")
    paths = re.findall(r'<span class="region-path">(.*?)</span>(?=<span class="region-path">|\s*</p>)', page)
    names = [re.findall(r'class="chip"[^>]*>([^<]+)</a>', p) for p in paths]
    assert names == [["河北省"], ["浙江省", "湖州市", "德清县"]]
    county = next(r for r in sample_records().values() if r["title"].startswith("魏县"))
    page = (settings.output_dir / f"article/{county['id']}.html").read_text("utf-8")
    chips = re.findall(r'<span class="region-path">(.*?)</span>\s*</p>', page)
    assert re.findall(r'class="chip"[^>]*>([^<]+)</a>', chips[0]) == ["河北省", "邯郸市", "魏县"]


def test_month_pages_say_their_feed_is_the_whole_sites(store, settings):
    from site_builder import build_site

    build_site(store, settings)
    month = (settings.output_dir / "archive/2024-03/index.html").read_text("utf-8")
    assert "订阅全站（本页无单独订阅）：" in month and "订阅本页" not in month
    region = (settings.output_dir / "region/130000/index.html").read_text("utf-8")
    assert "订阅本页：" in region
