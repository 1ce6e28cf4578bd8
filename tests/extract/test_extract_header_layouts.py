"""Header layouts of Chinese government CMSs and news templates (pages written for these tests): site names
around <title>, titles in h2/h3, 来源 run together with the next label, dates split over spans or only in
the URL, date/来源 lines above the title, navigation rows of table layouts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from extract import SourceHint, extract_article
from extract.metadata import date_from_url, find_source, strip_site_affixes

SH = ZoneInfo("Asia/Shanghai")
SITE = "某某省卫生健康委员会"
TITLE = "我省推进县域医共体医保打包付费改革"
PARAS = (
    "<p>某某省医疗保障局近日印发方案，在全省县域医共体推行医保基金打包付费，结余部分用于医共体内医务人员的绩效奖励。</p>"
    "<p>试点县的乡镇卫生院门诊量明显回升，县级医院下沉到乡镇坐诊的专家人数增加，群众在家门口看病更方便了。</p>"
    "<p>下一步将完善打包付费的考核办法，防止推诿病人，保障参保群众的就医权益不受影响。</p>"
)
LAST_WORDS = "保障参保群众的就医权益不受影响"


# ------------------------------------------------------------------------------------------------ titles
def _table_page(head: str) -> str:
    """A table-layout (Hanweb-style) article: a navigation row, a td title cell, no h1."""
    return (
        f"<html><head><title>{SITE} 工作动态 {TITLE}</title>{head}</head><body>"
        "<table class='nav'><tr><td><a href='/'>首页</a> <a href='/col/1/'>机构设置</a> "
        "<a href='/col/2/'>工作动态</a> <a href='/col/3/'>信息公开</a></td></tr></table>"
        "<table><tr><td>"
        f"<table><tr><td class='title'>{TITLE}</td></tr>"
        f"<tr><td>发布日期：2024-06-11 09:00 信息来源：{SITE}</td></tr>"
        f"<tr><td id='zoom'>{PARAS}</td></tr></table>"
        "</td></tr></table></body></html>"
    )


def test_article_title_meta_wins_over_a_prefixed_page_title():
    html = _table_page(f'<meta name="ArticleTitle" content="{TITLE}">')
    art = extract_article(
        html, "https://wjw.example/art/2024/6/11/art_1_2.html", source=SourceHint(name=SITE)
    )
    assert art.title == TITLE
    assert LAST_WORDS in art.text
    assert TITLE not in art.text.split("\n")
    for nav in ("首页", "机构设置", "信息公开"):
        assert nav not in art.text


def test_site_and_column_prefix_stripped_without_the_meta():
    # no ArticleTitle: <title> is "site column title"; the column is a link of the page
    art = extract_article(_table_page(""), "https://wjw.example/a.html", source=SourceHint(name=SITE))
    assert art.title == TITLE
    assert "工作动态" not in art.text


def test_site_name_from_meta_when_no_hint():
    html = _table_page(f'<meta name="SiteName" content="{SITE}">')
    assert extract_article(html, "https://wjw.example/a.html").title == TITLE


def _h_page(title_tag: str, heading: str, head: str = "") -> str:
    return (
        f"<html><head><title>{title_tag}</title>{head}</head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/zwdt/'>政务动态</a></div>"
        f"<div class='main'><h3>政务动态</h3>{heading}<div class='info'>发布日期：2024-06-12 来源：某某省医疗保障局</div>"
        f"<div class='content'>{PARAS}</div></div></body></html>"
    )


def test_h2_title_and_space_joined_site_name():
    html = _h_page(f"{TITLE} {SITE}", f"<h2 class='title'>{TITLE}</h2>")
    art = extract_article(html, "https://wjw.example/b.html", source=SourceHint(name=SITE))
    assert art.title == TITLE
    assert art.original_source == "某某省医疗保障局"


def test_space_joined_site_name_from_og_site_name():
    html = _h_page(f"{TITLE} {SITE}", "", head=f'<meta property="og:site_name" content="{SITE}">')
    assert extract_article(html, "https://wjw.example/b.html").title == TITLE


def test_h2_with_a_label_gives_the_page_title():
    # the heading carries a "原创" badge: the page title is the cleaner of the two
    html = _h_page(f"{TITLE}_{SITE}", f"<h2><span>原创</span>{TITLE}</h2>")
    assert extract_article(html, "https://wjw.example/b.html").title == TITLE


def test_section_heading_is_not_taken_for_the_title():
    html = _h_page(f"{TITLE}_政务动态_{SITE}", "")
    art = extract_article(html, "https://wjw.example/b.html", source=SourceHint(name=SITE))
    assert art.title == TITLE


@pytest.mark.parametrize(
    ("title", "names", "columns", "expected"),
    [
        (f"{SITE} 工作动态 {TITLE}", [SITE], {"工作动态"}, TITLE),
        (f"{SITE}_工作动态_{TITLE}", [SITE], {"工作动态"}, TITLE),
        (f"{SITE}|{TITLE}", [SITE], set(), TITLE),
        (f"{TITLE} {SITE}", [SITE], set(), TITLE),
        (f"{TITLE} - {SITE}门户网站", [SITE], set(), TITLE),
        (f"{TITLE}_工作动态_{SITE}", [SITE], set(), TITLE),
        # a site name that is part of the title's own words (no separator) stays
        (f"{SITE}召开医共体建设推进会", [SITE], set(), f"{SITE}召开医共体建设推进会"),
        # a "——" subtitle is not a site suffix once the real site name was found
        (f"医共体改革观察——访某县卫健局长 - {SITE}", [SITE], set(), "医共体改革观察——访某县卫健局长"),
        # never strip down to nothing
        (f"{SITE} 医改", [SITE], set(), f"{SITE} 医改"),
        ("某某县推进分级诊疗_某某新闻网", [], set(), "某某县推进分级诊疗"),
    ],
)
def test_strip_site_affixes(title, names, columns, expected):
    assert strip_site_affixes(title, names, frozenset(columns)) == expected


# ------------------------------------------------------------------------------------------------ 来源
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源：某某省卫生健康委员会字体：[大 中 小]", "某某省卫生健康委员会"),
        ("来源：某某日报作者：张三", "某某日报"),
        ("来源：某某日报浏览次数：35", "某某日报"),
        ("来源：某某市医保局【打印】【关闭】", "某某市医保局"),
        ("来源：某某市医保局审稿：李四", "某某市医保局"),
        ("来源：人民网-福建频道", "人民网-福建频道"),
    ],
)
def test_source_cut_at_the_next_label(line, expected):
    assert find_source([line]) == expected


def test_source_in_adjacent_spans():
    header = (
        "<div class='info'><span>发布时间：2024-06-13 08:30</span><span>来源：某某市医疗保障局</span>"
        "<span>字体：[<a href='#'>大</a> <a href='#'>中</a> <a href='#'>小</a>]</span></div>"
    )
    html = (
        f"<html><head><title>{TITLE}</title></head><body><div class='article'><h1>{TITLE}</h1>{header}"
        f"<div class='content'>{PARAS}</div></div></body></html>"
    )
    art = extract_article(html, "https://x.example/c.html")
    assert art.original_source == "某某市医疗保障局"
    assert art.published == datetime(2024, 6, 13, 8, 30, tzinfo=SH)


# ------------------------------------------------------------------------------------------------ dates
def _news_page(time_html: str, url_title: str = TITLE) -> str:
    """news.cn-style: time and 来源 stand ABOVE the h1."""
    return (
        f"<html><head><title>{url_title}-某某网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/local/'>地方</a> <a href='/health/'>健康</a></div>"
        f"<div class='header-cont'>{time_html}<div class='source'>来源：某某日报</div>"
        f"<div class='head-line'><h1><span class='title'>{TITLE}</span></h1></div></div>"
        f"<div class='main'><div id='detail'>{PARAS}</div></div></body></html>"
    )


def test_time_split_over_spans_and_source_above_the_title():
    time_html = (
        "<div class='header-time'><span class='year'><em> 2024</em></span>"
        "<span class='day'><em> 06</em>/<em>14</em></span><span class='time'> 07:05:09</span></div>"
    )
    art = extract_article(_news_page(time_html), "https://news.example/health/c.html")
    assert art.published == datetime(2024, 6, 14, 7, 5, 9, tzinfo=SH)
    assert art.original_source == "某某日报"
    assert LAST_WORDS in art.text


def test_time_split_over_block_elements():
    time_html = "<div class='t'><div>2024</div><div>06/14</div><div>07:05</div></div>"
    art = extract_article(_news_page(time_html), "https://news.example/health/c.html")
    assert art.published == datetime(2024, 6, 14, 7, 5, tzinfo=SH)


def test_date_lines_above_the_title_do_not_override_the_header_below():
    html = (
        f"<html><head><title>{TITLE}</title></head><body><div class='a'>"
        f"<div>2023-01-02</div><h1>{TITLE}</h1><div>发布时间：2024-06-15 10:00 来源：某某日报</div>"
        f"<div class='content'>{PARAS}</div></div></body></html>"
    )
    assert extract_article(html, "https://x.example/d.html").published == datetime(2024, 6, 15, 10, tzinfo=SH)


def test_date_from_the_url_as_last_resort():
    html = _news_page("")
    art = extract_article(html, "https://news.example/health/20240616/abcdef/c.html")
    assert art.published == datetime(2024, 6, 16, tzinfo=SH)
    assert extract_article(html, "https://news.example/health/abcdef/c.html").published is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.news.example/health/20240520/6d8e0a2c/c.html", (2024, 5, 20)),
        ("http://www.example.gov.cn/xwfb/202403/t20240315_3612345.html", (2024, 3, 15)),
        ("https://news.example/2024-05/23/content_37340001.htm", (2024, 5, 23)),
        ("https://health.example/n1/2024/0516/c14739-40237654.html", (2024, 5, 16)),
        ("https://wsjkw.example/2024/04-15/2960001.html", (2024, 4, 15)),
        ("https://wjw.example/art/2024/3/8/art_7290_4123456.html", (2024, 3, 8)),
        ("https://tv.example/2024/06/03/ARTIq3Xk8vL2mN5pR7tY9wZ1b240603.shtml", (2024, 6, 3)),
        ("https://news.example/gd/202405/20/a_1.html", (2024, 5, 20)),
        ("https://news.example/a/2024-06-01/b.html", (2024, 6, 1)),
    ],
)
def test_date_from_url(url, expected):
    assert date_from_url(url) == datetime(*expected, tzinfo=SH)


@pytest.mark.parametrize(
    "url",
    [
        "https://wsjkw.example/zwyw/content/post_4380001.html",
        "https://news.example/2024/13/45/a.html",  # not a date
        "https://wjw.example/xwfb/202403/index.html",  # a month folder only
        "https://x.example/a.html?d=20240520",  # the query is not the path
    ],
)
def test_no_date_from_url(url):
    assert date_from_url(url) is None


# ------------------------------------------------------------------------------------------------ text
def test_a_row_of_links_is_dropped_but_prose_with_links_stays():
    body = (
        "<table><tr><td><a href='/a'>政策解读</a> <a href='/b'>工作动态</a> <a href='/c'>图片新闻</a></td></tr>"
        f"<tr><td>{PARAS}"
        "<p>详见<a href='/d'>政策解读</a>和<a href='/b'>工作动态</a>栏目的有关文件，各地要认真贯彻落实，确保改革平稳推进。</p>"
        "</td></tr></table>"
    )
    html = f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>{body}</body></html>"
    text = extract_article(html, "https://x.example/e.html").text
    assert "政策解读 工作动态 图片新闻" not in text
    assert "各地要认真贯彻落实" in text
    assert LAST_WORDS in text
