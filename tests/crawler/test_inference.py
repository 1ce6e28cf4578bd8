"""Article-link inference (crawler.inference) on small pages built here; precision and recall over whole
list pages are checked in tests/families/test_family_inference.py and tests/sample_web."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlsplit

from crawler.discovery import guess_family, robots_sitemaps
from crawler.inference import infer_list, patterns_for, url_shape
from crawler.list_reading import json_list_links

BASE = "http://127.0.0.1:8765"


def _page(rows: str, extra: str = "", head: str = "") -> bytes:
    nav = "".join(f'<li><a href="/col/c{i}/index.html">栏目{i}</a></li>' for i in range(8))
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body><ul class='nav'>{nav}</ul>"
        f"<div class='list'><ul>{rows}</ul></div>{extra}"
        "<div class='footer'><a href='/wzdt/'>网站地图</a> <a href='http://www.gov.cn/'>中国政府网</a></div>"
        "</body></html>"
    ).encode()


def _rows(paths: list[str], dated: bool = True) -> str:
    return "".join(
        f'<li><a href="{p}">第{i}条关于推进紧密型县域医共体建设的工作动态</a>'
        + (f"<span>2024-03-{10 + i:02d}</span>" if dated else "")
        + "</li>"
        for i, p in enumerate(paths)
    )


# ------------------------------------------------------------------------------------------ units
def test_shapes_abstract_numbers_and_opaque_ids_but_keep_words() -> None:
    assert url_shape(f"{BASE}/art/2024/3/18/art_7290_4123456.html") == url_shape(
        f"{BASE}/art/2023/12/1/art_7290_99.html"
    )
    assert url_shape(f"{BASE}/s/Xh3kF9aQz1bLmN2pQ8wYw") == url_shape(f"{BASE}/s/a9Bc8dE7fG6hI5jK4lM3n")
    assert url_shape(f"{BASE}/xwzx/202403/t20240315_1.html") != url_shape(f"{BASE}/tzgg/202403/t20240315_1.html")


def test_slugs_share_a_shape_whatever_their_words_but_column_names_do_not() -> None:
    # News sites name articles by their title's words (/world/trump-says-he-knows-2977546): every article would
    # be a shape of its own, so the rows of a list could never be told from navigation by their number.
    assert url_shape(f"{BASE}/world/india-wedding-snatch-chips-2977571") == url_shape(
        f"{BASE}/world/death-toll-from-floods-rises-to-334-2977396"
    )
    assert url_shape(f"{BASE}/world/a-b-c-1") != url_shape(f"{BASE}/videos/a-b-c-1")
    assert url_shape(f"{BASE}/xwdt/zwyw-sjdt/index.html") != url_shape(f"{BASE}/xwdt/tzgg-gsgg/index.html")


def test_an_undated_list_of_slug_articles_is_found_whole() -> None:
    words = ["india-wedding-snatch-chips", "trump-says-he-knows-who", "three-minors-among-four-dead",
             "sri-lanka-floods-rise-to-334", "korean-student-suicide-case", "climate-protest-in-sydney"]
    rows = "".join(f'<li><a href="/world/{w}-{297000 + i}">第{i}条国际新闻的标题文字足够长</a></li>' for i, w in enumerate(words))
    found = infer_list(_page(rows), f"{BASE}/world").article_urls
    assert found == [f"{BASE}/world/{w}-{297000 + i}" for i, w in enumerate(words)]


def test_patterns_generalise_digits_so_next_months_urls_match() -> None:
    urls = [f"{BASE}/xwzx/202403/t20240315_3612345.html", f"{BASE}/xwzx/202403/t20240302_3600001.html"]
    (pattern,) = patterns_for(urls)
    assert re.search(pattern, f"{BASE}/xwzx/202512/t20251201_4000000.html")
    assert not re.search(pattern, f"{BASE}/tzgg/202512/t20251201_4000000.html")
    assert not re.search(pattern, f"{BASE}/xwzx/index_1.html")
    assert not re.search(pattern, "http://other.example/xwzx/202403/t20240315_3612345.html")


def test_list_rows_are_articles_navigation_and_footer_are_not() -> None:
    paths = [f"/xwzx/2024031{i}/t2024031{i}_{i}00.html" for i in range(6)]
    found = infer_list(_page(_rows(paths)), f"{BASE}/xwzx/index.html")
    assert [urlsplit(u).path for u in found.article_urls] == paths
    assert found.articles[0].date == date(2024, 3, 10)


def test_undated_lists_with_opaque_ids_are_found_by_their_block_and_titles() -> None:
    paths = [f"/s/{x}" for x in ("Xh3kF9aQz1bLmN2pQ8wYw", "a9Bc8dE7fG6hI5jK4lM3n", "Qw2Er3Ty4Ui5Op6As7Df8")]
    found = infer_list(_page(_rows(paths, dated=False)), f"{BASE}/list/")
    assert sorted(urlsplit(u).path for u in found.article_urls) == sorted(paths)


def test_a_box_of_stories_beside_the_list_joins_it_whatever_the_shapes_of_its_links() -> None:
    # A 热门 box mixes sections (/news/society/paper/1 beside /news/politics/breakingnews/2): no shape of its
    # own is frequent, but the box holds the list's own articles too, so it is a list of articles.
    hot = [f"/news/society/breakingnews/{900 + i}" for i in range(4)] + [
        "/news/consumer/paper/838704", "/news/opinion/paper/838720", "/news/life/paper/838760"]
    box = "".join(f"<li><a href='{p}'>热门新闻第{i}条的标题足够长</a></li>" for i, p in enumerate(hot))
    rows = _rows([f"/news/society/breakingnews/{800 + i}" for i in range(6)])
    found = infer_list(_page(rows, f"<div class='hot'><ul>{box}</ul></div>"), f"{BASE}/list/BreakingNews")
    assert {f"{BASE}{p}" for p in hot} <= set(found.article_urls)


def test_an_undated_box_of_one_shape_is_a_list_of_its_own_but_repeated_more_links_are_not() -> None:
    box = "".join(
        f"<li><a href='/newsView.{2471170 + i}'>第{i}条即时新闻的标题文字</a> <a href='/klist.aspx?p={i}'>看更多相关新闻>></a></li>"
        for i in range(5)
    )
    found = infer_list(_page(_rows([f"/xwzx/202403/t2024031{i}_{i}.html" for i in range(6)]),
                             f"<div class='side'><ul>{box}</ul></div>"), f"{BASE}/news")
    assert {f"{BASE}/newsView.{2471170 + i}" for i in range(5)} <= set(found.article_urls)
    assert not any("klist" in u for u in found.article_urls)


def test_a_thumbnail_link_takes_its_text_from_the_picture_title() -> None:
    slides = "".join(
        f"<div><a href='/cts/general/201412/20141213{i:05d}.html'><img src='/p/{i}.jpg' title='图片新闻第{i}条标题'></a></div>"
        for i in range(5)
    )
    found = infer_list(_page(_rows([f"/xwzx/202403/t2024031{i}_{i}.html" for i in range(6)]),
                             f"<div id='slides'>{slides}</div>"), f"{BASE}/real")
    slide_links = [a for a in found.articles if "/cts/" in a.url]
    assert len(slide_links) == 5 and slide_links[0].text == "图片新闻第0条标题"


def test_day_archives_and_pages_named_lists_are_no_articles_even_when_dated() -> None:
    days = "".join(f"<li><a href='/history/2014-12-0{i}'>那天的头条新闻标题文字第{i}条</a></li>" for i in range(1, 6))
    lists = "".join(f"<li><a href='/discussion_list.php?oid={i}'>讨论专题第{i}个栏目名称</a></li>" for i in range(5))
    found = infer_list(_page(_rows([f"/xwzx/202403/t2024031{i}_{i}.html" for i in range(6)]),
                             f"<ul class='days'>{days}</ul><ul class='topics'>{lists}</ul>"), f"{BASE}/")
    assert found.article_urls and not any("history" in u or "list" in u for u in found.article_urls)


def _portal(rows: str, side: str = "") -> bytes:
    return (
        "<html><body><ul class='nav'><li><a href='/col/col9/index.html'>政务公开</a></li></ul>"
        f"<div class='list'><ul>{rows}</ul></div><div class='side'><ul>{side}</ul></div>"
        "<div class='footer'><a href='https://www.gov.cn/'>中国政府网</a>"
        "<a href='https://www.zj.gov.cn/col/col1/index.html'>浙江省人民政府</a></div></body></html>"
    ).encode()


def test_rows_of_the_list_on_other_sites_are_articles_other_links_there_are_not() -> None:
    # A county's list carries its own articles and, in the same rows, documents published on www.gov.cn and on
    # the provincial platform: the list's block is the evidence. The footer's and a side box's links to the
    # same sites are no rows of it.
    own = [f"/art/2024/3/1{i}/art_1_{i}.html" for i in range(4)]
    elsewhere = ["https://www.gov.cn/zhengce/content/202403/content_6940001.htm",
                 "https://www.zj.gov.cn/art/2024/3/12/art_1229_5012345.html"]
    rows = _rows(own) + "".join(
        f"<li><a href='{u}'>国务院办公厅关于进一步完善医疗卫生服务体系的意见第{i}件</a><span>2024-03-1{i}</span></li>"
        for i, u in enumerate(elsewhere))
    side = "<li><a href='https://www.gov.cn/zhengce/content/202401/content_6920000.htm'>国务院关于加强基层医疗卫生的通知</a></li>"
    found = infer_list(_portal(rows, side), "http://www.yuhang.gov.cn/col/col1/index.html")
    assert set(found.article_urls) == {f"http://www.yuhang.gov.cn{p}" for p in own} | set(elsewhere)
    assert any(p.startswith("^https?://www\\.gov\\.cn/") for p in found.patterns)


def test_links_to_the_same_registrable_domain_are_the_sites_own() -> None:
    # www.hz.gov.cn's column lists documents kept on xxgk.hz.gov.cn: one site (hz.gov.cn), so they count as its
    # own links even though no row is on the page's host. A list wholly on another site (a portal linking a
    # stories host elsewhere) gives no evidence and yields nothing.
    paths = [f"http://xxgk.hz.gov.cn/art/2024/3/1{i}/art_1229_{i}.html" for i in range(5)]
    found = infer_list(_portal(_rows(paths)), "http://www.hz.gov.cn/col/col2/index.html")
    assert found.article_urls == paths
    assert infer_list(_portal(_rows(paths)), "http://www.example.cn/news/index.html").article_urls == []


def test_dates_in_separate_cells_count_for_the_row() -> None:
    rows = "".join(
        f"<tr><td><a href='/zwgk/{i}.jhtml'>某县卫生健康局关于第{i}批医共体建设的通知</a></td><td>2024-0{i}-01</td></tr>"
        for i in range(1, 5)
    )
    body = f"<html><body><table class='t'>{rows}</table><a href='/zwgk/'>更多</a></body></html>".encode()
    found = infer_list(body, f"{BASE}/zwgk/index.jhtml")
    assert len(found.articles) == 4 and all(a.date and a.date.day == 1 for a in found.articles)


def test_pagination_numbered_next_page_slash_page_and_javascript() -> None:
    pager = (
        "<div class='page'><a href='/news/page/2/'>2</a> <a href='/news/page/3/'>3</a>"
        "<a href='/news/page/2/'>下一页</a></div>"
    )
    found = infer_list(_page(_rows([f"/news/2024/03/{i}/story-{i}.html" for i in range(10, 15)]), pager),
                       f"{BASE}/news/")
    assert found.list_pages == ((f"{BASE}/news/page/2/", 2), (f"{BASE}/news/page/3/", 3))
    assert not set(found.article_urls) & {u for u, _ in found.list_pages}
    js = "<script>createPageHTML(4, 0, \"index\", \"shtml\");</script>"
    found = infer_list(_page(_rows([f"/a/202403/t2024031{i}_{i}.shtml" for i in range(5)]), js),
                       f"{BASE}/a/index.shtml")
    assert [n for _, n in found.list_pages] == [2, 3, 4] and found.pager == "javascript pager"


def test_feeds_named_by_the_page_and_sitemaps_named_by_robots() -> None:
    head = '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
    found = infer_list(_page(_rows([f"/n/{i}1234.html" for i in range(4)]), head=head), f"{BASE}/n/")
    assert found.feeds == (f"{BASE}/rss.xml",)
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://example.gov.cn/sitemap.xml\nsitemap: /s2.xml\n"
    assert robots_sitemaps(robots, "https://example.gov.cn/robots.txt") == [
        "https://example.gov.cn/sitemap.xml",
        "https://example.gov.cn/s2.xml",
    ]


def test_a_json_list_is_read_like_a_page() -> None:
    data = {"code": 0, "data": {"list": [
        {"title": f"医共体建设第{i}篇报道的标题文字", "url": f"/detail/{i}00{i}.html", "pubDate": f"2024-05-0{i}"}
        for i in range(1, 6)
    ], "total": 5}, "nav": [{"name": "首页", "url": "/"}]}
    body = json.dumps(data, ensure_ascii=False).encode()
    assert len(json_list_links(body, f"{BASE}/api/list?page=1")) == 6
    found = infer_list(body, f"{BASE}/api/list?page=1")
    assert [urlsplit(u).path for u in found.article_urls] == [f"/detail/{i}00{i}.html" for i in range(1, 6)]
    assert found.articles[-1].date == date(2024, 5, 5)


def test_hanweb_datastore_rows_inside_a_script_are_read() -> None:
    rows = "".join(
        f"<record><![CDATA[<li><a href='/art/2024/3/{i}/art_7290_{i}000.html'>全省医共体建设第{i}次推进会召开</a>"
        f"<span>2024-03-{i:02d}</span></li>]]></record>"
        for i in range(1, 4)
    )
    body = f"<html><body><div><script type='text/xml'><datastore><recordset>{rows}</recordset></datastore></script></div></body></html>"
    found = infer_list(body.encode(), f"{BASE}/col/col7290/index.html")
    assert len(found.articles) == 3
    assert guess_family(found.article_urls)[0] == "hanweb"


def test_a_page_of_navigation_only_yields_nothing() -> None:
    body = _page("").replace(b"<div class='list'><ul></ul></div>", b"")
    assert infer_list(body, f"{BASE}/").articles == ()


# ------------------------------------------------------------------------------------------ home region
def test_home_region_from_name_title_footer_and_domain() -> None:
    from yigai.source_regions import infer_home_region

    assert infer_home_region(site_name="馆陶县人民政府").home_region == "馆陶县"
    assert infer_home_region(title="新闻动态_邯郸市卫生健康委员会").home_region == "邯郸市"
    # a name shared by two divisions is read in the province of the site code
    beijing = infer_home_region(site_name="朝阳区卫生健康委员会", footer="网站标识码：1101050012")
    assert beijing.home_region == "朝阳区" and "site name" in beijing.why
    assert infer_home_region(title="健康频道", footer="网站标识码：1304240001").home_region == "成安县"
    assert infer_home_region(title="健康频道", footer="粤ICP备05001234号").home_region == "广东省"
    known = {"wjw.handan.gov.cn": "邯郸市"}
    assert infer_home_region(title="首页", host="www.handan.gov.cn", known_hosts=known).home_region == "邯郸市"
    assert infer_home_region(title="国家卫生健康委员会").home_region is None


def test_a_json_list_proposes_its_next_page_only_while_there_is_one() -> None:
    def body(page: int) -> bytes:
        rows = [{"title": f"医共体第{page}-{i}篇报道的标题", "url": f"/d/{page}{i}0.html", "date": "2024-05-01"} for i in range(3)]
        return json.dumps({"data": {"list": rows, "total": 7, "pageSize": 3}}, ensure_ascii=False).encode()

    assert infer_list(body(1), f"{BASE}/api/list?page=1").list_pages == ((f"{BASE}/api/list?page=2", 2),)
    assert infer_list(body(3), f"{BASE}/api/list?page=3").list_pages == ()


def test_links_built_by_script_strings_are_no_addresses() -> None:
    script = (
        "<script>var html = ''; for (var i = 0; i < navs.length; i++) { html += '<li><a href=\"' + navs[i].url + "
        "'\">' + navs[i].name + '</a></li>'; html += '<a href=\"/c/${x.id}.html\">' + '2024-01-01 这是一段很长的脚本文字"
        "足以冒充标题' + '</a>'; }</script>"
    )
    body = _page(_rows([f"/n/2024/{i}1234.html" for i in range(4)]), script)
    found = infer_list(body, f"{BASE}/n/")
    assert len(found.articles) == 4 and not [u for u in found.article_urls if "navs" in u or "$" in u]
