"""Metadata fallbacks and page furniture seen on common Chinese layouts (pages written for these tests)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from extract import extract_article

SH = ZoneInfo("Asia/Shanghai")
BODY = (
    "<p>某市推进紧密型城市医疗集团建设，三家市级医院分别牵头组建医疗集团，覆盖城区全部社区卫生服务中心。</p>"
    "<p>集团内统一检查检验标准，结果互认，群众在社区就能做检查，双向转诊更加顺畅，就医负担明显减轻。</p>"
)


def page(head: str = "", header: str = "", body: str = BODY, after: str = "") -> str:
    return (
        f"<html><head><title>某市组建城市医疗集团_某某网</title>{head}</head><body>"
        f"<div class='art'><h1>某市组建城市医疗集团</h1>{header}<div class='content'>{body}</div>{after}</div>"
        "</body></html>"
    )


def test_utc_meta_time_is_shown_in_shanghai():
    html = page(head='<meta property="article:published_time" content="2023-11-05T23:10:00+00:00">')
    published = extract_article(html, "https://x.example/1").published
    assert published == datetime(2023, 11, 6, 7, 10, tzinfo=SH)
    assert published.utcoffset().total_seconds() == 8 * 3600


def test_date_and_source_from_page_data_scripts():
    script = '<script>window.DATA = {"title": "x", "pubtime": "2023-04-18 19:02:00", "media": "贵州日报"};</script>'
    art = extract_article(page(after=script), "https://x.example/2")
    assert art.published == datetime(2023, 4, 18, 19, 2, tzinfo=SH)
    assert art.original_source == "贵州日报"


def test_wechat_epoch():
    script = '<script>var nickname = "某某卫健"; var ct = "1692023400";</script>'
    art = extract_article(page(after=script), "https://mp.example/3")
    assert art.published == datetime.fromtimestamp(1692023400, tz=SH)


def test_source_from_markup_without_label():
    header = '<div class="date-source"><span class="date">2023年04月11日 07:45</span><a class="source">深圳特区报</a></div>'
    art = extract_article(page(header=header), "https://x.example/4")
    assert art.original_source == "深圳特区报"
    assert art.published == datetime(2023, 4, 11, 7, 45, tzinfo=SH)


def test_label_source_split_over_lines():
    header = "<p><span>2023年12月05日 16:04:30</span><br><span>来源：</span><span>\n<a href='#'>大众日报</a></span></p>"
    assert extract_article(page(header=header), "https://x.example/5").original_source == "大众日报"


def test_related_block_removed_even_when_heading_is_dropped():
    after = (
        "<div class='recommend'><h4>大家都在看</h4><p>某明星婚礼现场曝光</p><p>年终奖怎么发才合理</p></div>"
    )
    art = extract_article(page(after=after), "https://x.example/6")
    assert "婚礼" not in art.text and "年终奖" not in art.text
    assert "双向转诊更加顺畅" in art.text


def test_furniture_lines_dropped_and_editor_kept():
    after = (
        "<div class='tools'><p>【纠错】 责任编辑： 刘某</p><p>参与跟贴 2045人参与</p><p>举报 评论 88</p>"
        "<p>浏览次数：</p><p>关键词 >> 城市医疗</p><p>院址：某某路88号 急诊电话：120</p></div>"
    )
    art = extract_article(page(after=after), "https://x.example/7")
    for junk in ("纠错", "责任编辑", "参与跟贴", "举报", "浏览次数", "关键词", "院址", "急诊电话"):
        assert junk not in art.text, junk
    assert art.editor == "刘某"


def test_government_metadata_table():
    table = (
        "<table class='xxgk'><tr><td>索引号：</td><td>000013610/2023-00001</td><td>主题分类：</td><td>医疗卫生</td></tr>"
        "<tr><td>发文机关：</td><td>某省卫生健康委员会</td><td>成文日期：</td><td>2023-07-20</td></tr>"
        "<tr><td>发文字号：</td><td>某卫医政函〔2023〕7号</td><td>发布日期：</td><td>2023-07-25</td></tr></table>"
    )
    art = extract_article(page(body=table + BODY), "https://wsjkw.example.gov.cn/8")
    assert art.issuing_body == "某省卫生健康委员会"
    assert art.doc_number == "某卫医政函〔2023〕7号"
    for junk in ("索引号", "000013610", "主题分类", "发文机关"):
        assert junk not in art.text, junk
