"""Eleven more sites of the sample web, for article-link inference (issue #17): the list-page templates that
Chinese county and city sites, hospitals, WeChat mirrors and portals use, none like the four main sites.

Each template is markup written for this project from how such sites are built (the CMS conventions they
share: TRS's ``createPageHTML`` pager, Hanweb's ``<datastore>`` script, the 集约化 platforms' column trees and
``[YYYY-MM-DD]`` dates, ASP.NET and PHPCMS query-string pages, JSON list APIs, 信息公开 tables); no page was
copied. The article pages carry the stories of ``stories.py`` in a plain layout: they exist so a crawl of
these sites can be checked, not to test extraction.

What the truth file records for each site (``expected.json``, ``list_sites``): its list pages and, per list
page, the article paths it links (every link to an article page of that site, whatever block it is in), the
JSON API a page names, and the site's home region.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

from yigai.sample_web.stories import STORIES, Story

PER_PAGE = 8
ARTICLES_PER_SITE = 12
_FIRST_DAY = date(2025, 6, 30)


@dataclass(frozen=True)
class Item:
    path: str
    title: str
    day: date
    story: Story
    number: int  # a site-wide id (counts down: the newest has the highest)


@dataclass(frozen=True)
class ListSite:
    key: str
    name: str
    home_region: str | None
    article_path: Callable[[int, date], str]
    list_path: Callable[[int], str]  # page number → request path (what links use)
    render_list: Callable[[ListSite, list[Item], int, int], str]
    footer: str
    json_api: bool = False


def _hex(*parts: object, n: int = 32) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:n]


def _wechat_id(*parts: object) -> str:
    # WeChat's short links: 22 characters of URL-safe base64.
    import base64

    return base64.urlsafe_b64encode(hashlib.sha1("/".join(map(str, parts)).encode()).digest()).decode()[:22]


def _page(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n<title>{escape(title)}</title>\n'
        f"{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _pager_numbers(site: ListSite, page: int, pages: int, *, prev_next: bool = True) -> str:
    parts = []
    if prev_next and page > 1:
        parts.append(f'<a href="{site.list_path(1)}">首页</a> <a href="{site.list_path(page - 1)}">上一页</a>')
    for n in range(1, pages + 1):
        parts.append(f"<span class=\"current\">{n}</span>" if n == page else f'<a href="{site.list_path(n)}">{n}</a>')
    if prev_next and page < pages:
        parts.append(f'<a href="{site.list_path(page + 1)}">下一页</a> <a href="{site.list_path(pages)}">尾页</a>')
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------ templates
def _jiyue_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A county portal on a provincial 集约化 platform: a mega-menu of columns, a column tree on the left,
    rows with ``[YYYY-MM-DD]`` dates, a 领导之窗 block and the platform's footer."""
    menu = "".join(
        f'<li><a href="/jyxian/{c}/">{t}</a><div class="sub">'
        + "".join(f'<a href="/jyxian/{c}/{s}/">{u}</a>' for s, u in subs)
        + "</div></li>"
        for c, t, subs in (
            ("zwgk", "政务公开", (("zcwj", "政策文件"), ("ghjh", "规划计划"), ("rsxx", "人事信息"))),
            ("zwdt", "政务动态", (("bmdt", "部门动态"), ("xzdt", "乡镇动态"))),
            ("bsfw", "办事服务", (("grbs", "个人办事"), ("frbs", "法人办事"))),
            ("hdjl", "互动交流", (("xzxx", "县长信箱"), ("zxft", "在线访谈"))),
        )
    )
    rows = "".join(
        f'<li><a href="{i.path}" target="_blank" title="{escape(i.title)}">{escape(i.title)}</a>'
        f'<span class="date">[{i.day.isoformat()}]</span></li>\n'
        for i in items
    )
    leaders = "".join(f'<a href="/jyxian/ldzc/{n}/">{t}</a>' for n, t in (("xz", "县长"), ("fxz", "副县长")))
    body = f"""<div class="top-bar"><a href="http://www.sxzwfw.gov.cn/">政务服务网</a> <a href="/jyxian/wza/">无障碍</a> <a href="/jyxian/zhs/">长者模式</a></div>
<div class="banner"><img src="/jyxian/images/logo.png" alt="平遥县人民政府"></div>
<ul class="mega-menu"><li><a href="/jyxian/">首页</a></li>{menu}</ul>
<div class="main">
<div class="left-tree"><h3>政务动态</h3><ul><li><a href="/jyxian/zwdt/bmdt/">部门动态</a></li><li><a href="/jyxian/zwdt/xzdt/">乡镇动态</a></li><li class="on"><a href="/jyxian/zwdt/ylws/">医疗卫生</a></li></ul>
<div class="leaders"><h4>领导之窗</h4>{leaders}</div></div>
<div class="right-list"><div class="position">您现在的位置：<a href="/jyxian/">首页</a> &gt; <a href="/jyxian/zwdt/">政务动态</a> &gt; 医疗卫生</div>
<ul class="list-box">
{rows}</ul>
<div class="pagination">{_pager_numbers(site, page, pages)} 共{pages}页</div></div>
</div>
<div class="footer">{site.footer}</div>"""
    return _page(f"医疗卫生_{site.name}", body, head='<meta name="SiteName" content="平遥县人民政府">\n')


def _trs_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A city health commission on TRS: relative ``./YYYYMM/tYYYYMMDD_id.html`` links, a 图片新闻 sidebar
    (links to the same articles, by picture), the JavaScript pager."""
    rows = "".join(
        f'<li><span>{i.day.isoformat()}</span><a href=".{i.path[len("/trscity/xwzx/gzdt"):]}" target="_blank">'
        f"{escape(i.title)}</a></li>\n"
        for i in items
    )
    pictures = "".join(
        f'<a href=".{i.path[len("/trscity/xwzx/gzdt"):]}"><img src="./{i.day:%Y%m}/W0{i.number}.jpg" alt="{escape(i.title)}"></a>'
        for i in items[:2]
    )
    body = f"""<div class="head"><div class="logo">洛阳市卫生健康委员会</div>
<ul class="nav"><li><a href="../../">首页</a></li><li><a href="../../jgzn/">机构职能</a></li><li><a href="../">新闻中心</a></li><li><a href="../../zwgk/">政务公开</a></li><li><a href="../../bsfw/">办事服务</a></li></ul></div>
<div class="content"><div class="side"><div class="tpxw"><h3>图片新闻</h3>{pictures}</div>
<ul class="col"><li><a href="./">工作动态</a></li><li><a href="../tzgg/">通知公告</a></li><li><a href="../mtbd/">媒体报道</a></li></ul></div>
<div class="list"><h2>工作动态</h2><ul>
{rows}</ul>
<div class="page"><script type="text/javascript">var currentPage = {page - 1};var countPage = {pages};
createPageHTML({pages}, {page - 1}, "index", "html");</script></div></div></div>
<div class="foot">{site.footer}</div>"""
    return _page(f"工作动态-{site.name}", body, head=f'<meta name="SiteName" content="{site.name}">\n<meta name="ColumnName" content="工作动态">\n')


def _hanweb_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A city health commission on Hanweb: the rows ship inside a ``<script type="text/xml">`` datastore that
    jpage.js turns into markup; pages after the first come from dataproxy.jsp (not followed)."""
    records = "".join(
        f"<record><![CDATA[\n<li><a href=\"{i.path}\" target=\"_blank\" title=\"{escape(i.title)}\">{escape(i.title)}</a>"
        f"<span class=\"bt-data\">{i.day.isoformat()}</span></li>\n]]></record>\n"
        for i in items
    )
    body = f"""<div class="header"><a href="/hwcity/">首页</a> <a href="/hwcity/col/col3101/index.html">机构概况</a> <a href="/hwcity/col/col3102/index.html">卫健要闻</a> <a href="/hwcity/col/col3103/index.html">公示公告</a> <a href="/hwcity/col/col3104/index.html">政务公开</a></div>
<div class="main"><div class="left"><a href="/hwcity/col/col3102/index.html">卫健要闻</a><a href="/hwcity/col/col3105/index.html">基层动态</a><a href="/hwcity/col/col3106/index.html">媒体关注</a></div>
<div class="right"><div id="3501">
<script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=41&path=/&columnid=3102&unitid=3501"></a>]]></nextgroup>
<recordset>
{records}</recordset></datastore></script>
<script language="javascript" src="/module/jslib/jpage/jpage.js"></script>
<script>var totalRecord = {ARTICLES_PER_SITE}; var perPage = {PER_PAGE};</script>
</div></div></div>
<div class="footer">{site.footer}</div>"""
    return _page(f"{site.name} 卫健要闻", body, head=f'<meta name="SiteName" content="{site.name}">\n')


def _hospital_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A county hospital's news site on PHPCMS: query-string pages, each row a thumbnail link and a title link
    to the same article, a summary and a ``YYYY/MM/DD`` date; department links in the menu."""
    rows = "".join(
        f'<div class="news-item"><a class="thumb" href="{i.path}"><img src="/hospital/uploadfile/{i.day:%Y/%m%d}/{i.number}.jpg"></a>'
        f'<div class="txt"><h3><a href="{i.path}">{escape(i.title)}</a></h3><p>{escape(i.story.paragraphs[0][:60])}……</p>'
        f'<span class="time">{i.day:%Y/%m/%d}</span> <a class="more" href="{i.path}">详细&gt;&gt;</a></div></div>\n'
        for i in items
    )
    depts = "".join(
        f'<a href="/hospital/index.php?m=content&amp;c=index&amp;a=lists&amp;catid={c}">{t}</a>'
        for c, t in ((21, "心内科"), (22, "骨科"), (23, "儿科"), (24, "妇产科"), (25, "急诊科"))
    )
    body = f"""<div class="top"><span>咨询电话：0571-1234567</span> <a href="/hospital/index.php?m=content&amp;c=index&amp;a=lists&amp;catid=30">预约挂号</a></div>
<div class="nav"><a href="/hospital/">医院首页</a> <a href="/hospital/index.php?m=content&amp;c=index&amp;a=lists&amp;catid=6">医院概况</a> <a href="/hospital/index.php?m=content&amp;c=index&amp;a=lists&amp;catid=8">新闻中心</a> <a href="/hospital/index.php?m=content&amp;c=index&amp;a=lists&amp;catid=9">医共体专栏</a></div>
<div class="depts"><h4>科室导航</h4>{depts}</div>
<div class="news-list">
{rows}</div>
<div id="pages">{_pager_numbers(site, page, pages)}</div>
<div class="footer">{site.footer}</div>"""
    return _page(f"新闻中心 - {site.name}", body)


def _wechat_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A WeChat-mirror site: article cards with the account's name, a read count and an ``MM-DD`` date (the
    year only on older cards), ids that are random-looking strings; a 热门公众号 block; 加载更多 for page 2."""
    cards = "".join(
        f'<div class="card"><a class="title" href="{i.path}">{escape(i.title)}</a>'
        f'<div class="meta"><a class="account" href="/wxmirror/gzh/{_hex(i.story.source, n=10)}">{escape(i.story.source)}</a>'
        f' <span>阅读 {i.number % 97 + 3}千</span> <span class="time">{i.day:%m-%d}</span></div>'
        f'<p class="digest">{escape(i.story.paragraphs[0][:40])}</p></div>\n'
        for i in items
    )
    hot = "".join(f'<a href="/wxmirror/gzh/{_hex(n, n=10)}">{n}</a>' for n in ("健康中国", "基层卫生", "医改观察员"))
    more = f'<a class="load-more" href="{site.list_path(page + 1)}">加载更多</a>' if page < pages else ""
    body = f"""<div class="hd"><a href="/wxmirror/">微信文章精选</a> <a href="/wxmirror/tag/yiliao/">医疗</a> <a href="/wxmirror/tag/jiankang/">健康</a> <a href="/wxmirror/about.html">关于</a></div>
<div class="feed">
{cards}{more}</div>
<div class="aside"><h4>热门公众号</h4>{hot}</div>
<div class="ft">{site.footer}</div>"""
    return _page(f"医疗 - {site.name}", body)


def _api_shell(site: ListSite) -> str:
    """The HTML list page of a portal whose list is filled from a JSON API (nothing to read without it)."""
    body = f"""<div class="nav"><a href="/apiportal/">首页</a> <a href="/apiportal/yw/">要闻</a> <a href="/apiportal/jk/">健康</a></div>
<ul id="news-list"></ul><div id="loading">加载中……</div>
<script>
var api = "/apiportal/api/news/?page=1";
fetch(api).then(function (r) {{ return r.json(); }}).then(function (data) {{
  document.getElementById("news-list").innerHTML = data.data.list.map(function (x) {{
    return '<li><a href="' + x.url + '">' + x.title + '</a><span>' + x.publishTime + '</span></li>';
  }}).join("");
}});
</script>
<div class="footer">{site.footer}</div>"""
    return _page(f"健康 - {site.name}", body)


def _api_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    data: dict[str, Any] = {
        "code": 200,
        "msg": "success",
        "data": {
            "total": ARTICLES_PER_SITE,
            "pageNo": page,
            "pageSize": PER_PAGE,
            "list": [
                {
                    "id": i.number,
                    "title": i.title,
                    "url": i.path,
                    "publishTime": f"{i.day.isoformat()} 09:{i.number % 60:02d}:00",
                    "source": i.story.source,
                    "cover": f"/apiportal/img/{i.number}.jpg",
                }
                for i in items
            ],
        },
        "channels": [{"name": "要闻", "url": "/apiportal/yw/"}, {"name": "健康", "url": "/apiportal/jk/"}],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _celldate_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A list laid out as a table: 序号 | 标题 | 发布日期, each date in its own cell."""
    rows = "".join(
        f'<tr><td class="num">{(page - 1) * PER_PAGE + n + 1}</td><td class="title"><a href="{i.path}" target="_blank">'
        f'{escape(i.title)}</a></td><td class="date">{i.day.isoformat()}</td></tr>\n'
        for n, i in enumerate(items)
    )
    body = f"""<table class="top"><tr><td><a href="/celldate/">首页</a></td><td><a href="/celldate/jgsz/">机构设置</a></td><td><a href="/celldate/gzdt/">工作动态</a></td><td><a href="/celldate/tzgg/">通知公告</a></td></tr></table>
<table class="list" width="100%"><tr><th>序号</th><th>标题</th><th>发布日期</th></tr>
{rows}</table>
<table class="pager"><tr><td>{_pager_numbers(site, page, pages)}</td><td>第{page}页/共{pages}页</td></tr></table>
<table class="bottom"><tr><td>{site.footer}</td></tr></table>"""
    return _page(f"{site.name}-工作动态", body)


def _mixed_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A county health bureau's page mixing a news list with a 信息公开 table (索引号, 文号, 标题, 日期) whose
    documents have URLs of another shape."""
    news = [i for i in items if i.number % 3]
    docs = [i for i in items if not i.number % 3]
    rows = "".join(
        f'<li><a href="{i.path}">{escape(i.title)}</a><em>{i.day:%m-%d}</em></li>\n' for i in news
    )
    table = "".join(
        f'<tr><td>11410122MB1{i.number:05d}/{i.day.year}-{i.number:05d}</td><td>中卫基〔{i.day.year}〕{i.number % 40 + 1}号</td>'
        f'<td><a href="{i.path}" title="{escape(i.title)}">{escape(i.title)}</a></td><td>{i.day.isoformat()}</td></tr>\n'
        for i in docs
    )
    body = f"""<div class="nav"><a href="/mixgk/">首页</a> <a href="/mixgk/news/">卫健动态</a> <a href="/mixgk/xxgk/">信息公开</a> <a href="/mixgk/xxgk/zn/">公开指南</a> <a href="/mixgk/xxgk/nb/">公开年报</a> <a href="/mixgk/ysqgk/">依申请公开</a></div>
<div class="block news"><h3>卫健动态 <a class="more" href="/mixgk/news/">更多</a></h3><ul>
{rows}</ul></div>
<div class="block xxgk"><h3>政府信息公开</h3>
<table><tr><th>索引号</th><th>文号</th><th>标题</th><th>发布日期</th></tr>
{table}</table></div>
<div class="pages">{_pager_numbers(site, page, pages)}</div>
<div class="footer">{site.footer}</div>"""
    return _page(f"{site.name}", body, head=f'<meta name="SiteName" content="{site.name}">\n')


def _blog_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A WordPress-style site (a medical association's): articles are directories ``/YYYY/MM/DD/slug/``,
    pages ``/page/N/``, a tag cloud and category links, "Read more" links to the same article."""
    posts = "".join(
        f'<article class="post"><h2 class="entry-title"><a href="{i.path}" rel="bookmark">{escape(i.title)}</a></h2>'
        f'<div class="entry-meta"><time datetime="{i.day.isoformat()}T08:00:00+08:00">{i.day.year}年{i.day.month}月{i.day.day}日</time> '
        f'<a href="/blog/category/news/">协会动态</a></div><p>{escape(i.story.paragraphs[0][:50])}</p>'
        f'<a class="more-link" href="{i.path}#more">阅读全文</a></article>\n'
        for i in items
    )
    tags = "".join(f'<a href="/blog/tag/{t}/">{n}</a>' for t, n in (("ygt", "医共体"), ("fjzl", "分级诊疗"), ("yb", "医保")))
    nav = []
    if page > 1:
        nav.append(f'<a class="prev" href="{site.list_path(page - 1)}">« 较新文章</a>')
    if page < pages:
        nav.append(f'<a class="next" href="{site.list_path(page + 1)}">较早文章 »</a>')
    nav += [f'<a class="page-numbers" href="{site.list_path(n)}">{n}</a>' for n in range(1, pages + 1) if n != page]
    body = f"""<header><a href="/blog/">县域卫生健康协会</a><nav><a href="/blog/about/">关于协会</a> <a href="/blog/category/news/">协会动态</a> <a href="/blog/contact/">联系我们</a></nav></header>
<main>
{posts}<nav class="pagination">{" ".join(nav)}</nav></main>
<aside><h3>标签</h3>{tags}</aside>
<footer>{site.footer}</footer>"""
    return _page(f"协会动态 – {site.name}", body)


def _aspnet_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A county portal on ASP.NET: ``<dl>`` rows (title in ``<dt>``, summary and date in ``<dd>``),
    ``show.aspx?id=N`` articles and ``list.aspx?classid=5&page=N`` pages, __VIEWSTATE and all."""
    rows = "".join(
        f'<dl><dt><a href="{i.path}">{escape(i.title)}</a></dt><dd>{escape(i.story.paragraphs[1][:50])}…… '
        f"<span>发布时间：{i.day.year}年{i.day.month}月{i.day.day}日</span></dd></dl>\n"
        for i in items
    )
    body = f"""<form method="post" action="./list.aspx?classid=5" id="form1"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRk">
<div class="menu"><a href="/aspnet/default.aspx">首页</a> <a href="/aspnet/list.aspx?classid=1">县情概况</a> <a href="/aspnet/list.aspx?classid=5">卫生健康</a> <a href="/aspnet/list.aspx?classid=7">公告公示</a></div>
<div class="lists">
{rows}</div>
<div class="pagelist">{_pager_numbers(site, page, pages)}</div>
<div class="copyright">{site.footer}</div></form>"""
    return _page(f"卫生健康--{site.name}", body)


def _media_list(site: ListSite, items: list[Item], page: int, pages: int) -> str:
    """A provincial newspaper's health channel: a headline with a picture, rows with time stamps, a 热点排行
    block linking the channel's other articles (same URL shape, no dates), and picture links whose only text
    is the image's alt."""
    head, rest = items[0], items[1:]
    rows = "".join(
        f'<li><a href="{i.path}" target="_blank">{escape(i.title)}</a><span class="time">{i.day.isoformat()} 10:{i.number % 60:02d}</span></li>\n'
        for i in rest
    )
    ranking = "".join(f'<li><em>{n + 1}</em><a href="{i.path}">{escape(i.title)}</a></li>' for n, i in enumerate(items[2:6]))
    body = f"""<div class="channel-nav"><a href="/media/">首页</a> <a href="/media/news/">新闻</a> <a href="/media/jk/">健康</a> <a href="/media/jy/">教育</a> <a href="/media/ty/">体育</a> <a href="/media/epaper/">数字报</a></div>
<div class="headline"><a href="{head.path}"><img src="/media/pic/{head.number}.jpg" alt="{escape(head.title)}"></a>
<h2><a href="{head.path}">{escape(head.title)}</a></h2><span class="time">{head.day.isoformat()} 08:00</span></div>
<ul class="news-list">
{rows}</ul>
<div class="rank"><h4>热点排行</h4><ol>{ranking}</ol></div>
<div class="page">{_pager_numbers(site, page, pages)}</div>
<div class="footer">{site.footer}</div>"""
    return _page(f"健康频道_{site.name}", body)


def _footer(owner: str, code: str, icp: str) -> str:
    return (
        f'<p>主办单位：{owner} <a href="/wzdt.html">网站地图</a> | <a href="/lxwm.html">联系我们</a></p>'
        f"<p>网站标识码：{code} {icp}</p>"
    )


SITES: tuple[ListSite, ...] = (
    ListSite(
        "jyxian", "平遥县人民政府", "平遥县",
        lambda n, d: f"/jyxian/zwdt/ylws/{d:%Y%m}/t{d:%Y%m%d}_{3300000 + n}.shtml",
        lambda p: "/jyxian/zwdt/ylws/" if p == 1 else f"/jyxian/zwdt/ylws/index_{p - 1}.shtml",
        _jiyue_list, _footer("平遥县人民政府办公室", "1407280001", "晋ICP备06001234号"),
    ),
    ListSite(
        "trscity", "洛阳市卫生健康委员会", "洛阳市",
        lambda n, d: f"/trscity/xwzx/gzdt/{d:%Y%m}/t{d:%Y%m%d}_{1580000 + n}.html",
        lambda p: "/trscity/xwzx/gzdt/index.html" if p == 1 else f"/trscity/xwzx/gzdt/index_{p - 1}.html",
        _trs_list, _footer("洛阳市卫生健康委员会", "4103000012", "豫ICP备05012345号"),
    ),
    ListSite(
        "hwcity", "温州市卫生健康委员会", "温州市",
        lambda n, d: f"/hwcity/art/{d.year}/{d.month}/{d.day}/art_3102_{710000 + n}.html",
        lambda p: "/hwcity/col/col3102/index.html",
        _hanweb_list, _footer("温州市卫生健康委员会", "3303000031", "浙ICP备05067890号"),
    ),
    ListSite(
        "hospital", "长兴县人民医院", None,
        lambda n, d: f"/hospital/index.php?m=content&c=index&a=show&catid=8&id={2000 + n}",
        lambda p: f"/hospital/index.php?m=content&c=index&a=lists&catid=8&page={p}",
        _hospital_list, "<p>版权所有：长兴县人民医院 地址：长兴县某某路1号</p>",
    ),
    ListSite(
        "wxmirror", "健康号精选", None,
        lambda n, d: f"/wxmirror/s/{_wechat_id('wx', n)}",
        lambda p: "/wxmirror/tag/yiliao/" if p == 1 else f"/wxmirror/tag/yiliao/?page={p}",
        _wechat_list, "<p>本站内容来自微信公众平台，版权归原作者所有</p>",
    ),
    ListSite(
        "apiportal", "江城网", None,
        lambda n, d: f"/apiportal/detail/{d:%Y/%m%d}/{_hex('api', n, n=12)}.html",
        lambda p: f"/apiportal/api/news/?page={p}",
        _api_list, "<p>江城网 版权所有</p>", json_api=True,
    ),
    ListSite(
        "celldate", "毕节市卫生健康局", "毕节市",
        lambda n, d: f"/celldate/gzdt/{d:%Y}/{d:%m%d}/{5100 + n}.html",
        lambda p: "/celldate/gzdt/" if p == 1 else f"/celldate/gzdt/?page={p}",
        _celldate_list, _footer("毕节市卫生健康局", "5205000007", "黔ICP备12003456号"),
    ),
    ListSite(
        "mixgk", "中牟县卫生健康委员会", "中牟县",
        lambda n, d: (f"/mixgk/news/{d:%Y%m%d}/{_hex('mix', n, n=16)}.html" if n % 3
                      else f"/mixgk/xxgk/zcwj/{d.year}/{n:05d}.html"),
        lambda p: "/mixgk/" if p == 1 else f"/mixgk/?page={p}",
        _mixed_list, _footer("中牟县卫生健康委员会", "4101220003", "豫ICP备10004567号"),
    ),
    ListSite(
        "blog", "县域卫生健康协会", None,
        lambda n, d: f"/blog/{d:%Y/%m/%d}/xianyu-weisheng-{n}/",
        lambda p: "/blog/category/news/" if p == 1 else f"/blog/category/news/page/{p}/",
        _blog_list, "<p>© 2025 县域卫生健康协会 · 由 WordPress 驱动</p>",
    ),
    ListSite(
        "aspnet", "安吉县人民政府", "安吉县",
        lambda n, d: f"/aspnet/show.aspx?id={8800 + n}",
        lambda p: f"/aspnet/list.aspx?classid=5&page={p}",
        _aspnet_list, _footer("安吉县人民政府办公室", "3305230001", "浙ICP备05045678号"),
    ),
    ListSite(
        "media", "楚天健康网", None,
        lambda n, d: f"/media/jk/{d:%Y-%m}/{d:%d}/content_{26400000 + n}.htm",
        lambda p: "/media/jk/" if p == 1 else f"/media/jk/index_{p}.htm",
        _media_list, "<p>楚天健康网 版权所有 鄂ICP备09012345号</p>",
    ),
)


def _items(index: int, site: ListSite) -> list[Item]:
    stories = [s for s in STORIES.values() if s.on_topic]
    out = []
    for k in range(ARTICLES_PER_SITE):
        story = stories[(index * 5 + k) % len(stories)]
        day = _FIRST_DAY - timedelta(days=index + 4 * k)
        number = ARTICLES_PER_SITE - k
        out.append(Item(site.article_path(number, day), story.title, day, story, number))
    return out


def _article(site: ListSite, item: Item) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in item.story.paragraphs)
    body = (
        f'<div class="nav"><a href="{site.list_path(1)}">返回列表</a></div>\n<div class="article"><h1>{escape(item.title)}</h1>\n'
        f'<div class="info">发布时间：{item.day.isoformat()} 来源：{escape(item.story.source)}</div>\n'
        f'<div class="content">\n{paragraphs}</div></div>\n<div class="footer">{site.footer}</div>'
    )
    return _page(f"{item.title}_{site.name}", body)


def file_path(request_path: str) -> str:
    """The file a request path is served from (``yigai.sample_web.server``): ``dir/`` → ``dir/index.html``,
    ``dir/?page=N`` → ``dir/index_pageN.html``, ``name?query`` → ``name@query`` (``&`` written ``,``)."""
    path, _, query = request_path.partition("?")
    if path.endswith("/"):
        page = int(query.split("page=", 1)[1]) if query.startswith("page=") else 1
        return path + ("index.html" if page == 1 else f"index_page{page}.html")
    return f"{path}@{query.replace('&', ',')}" if query else path


def _html_type(file: str) -> dict[str, str]:
    # The server types files by extension; dynamic pages (name@query), .shtml and extension-less ids are HTML.
    return {} if file.endswith((".html", ".htm")) else {"content_type": "text/html; charset=utf-8"}


def build(add: Callable[..., None]) -> dict[str, Any]:
    """Write the sites through ``add(path, bytes, last_modified, **headers)``; return their truth."""
    truth: dict[str, Any] = {}
    for index, site in enumerate(SITES):
        items = _items(index, site)
        pages = (len(items) + PER_PAGE - 1) // PER_PAGE
        list_truth: dict[str, list[str]] = {}
        if site.key == "hwcity":
            pages = 1  # later pages come from dataproxy.jsp, which the sample web does not have
        for page in range(1, pages + 1):
            chunk = items if site.key == "hwcity" else items[(page - 1) * PER_PAGE : page * PER_PAGE]
            html = site.render_list(site, chunk, page, pages)
            headers = {"content_type": "application/json; charset=utf-8"} if site.json_api else _html_type(
                file_path(site.list_path(page))
            )
            add(file_path(site.list_path(page)), html.encode("utf-8"), f"{chunk[0].day.isoformat()}T09:00:00+08:00",
                **headers)
            list_truth[site.list_path(page)] = [i.path for i in chunk]
        shells: dict[str, str] = {}
        if site.json_api:
            shell = "/apiportal/jk/"
            add(file_path(shell), _api_shell(site).encode("utf-8"))
            list_truth[shell] = []
            shells[shell] = site.list_path(1)
        for item in items:
            headers = _html_type(file_path(item.path))
            add(file_path(item.path), _article(site, item).encode("utf-8"), f"{item.day.isoformat()}T09:00:00+08:00",
                **headers)
        truth[site.key] = {
            "name": site.name,
            "home_region": site.home_region,
            "list_pages": list(list_truth),
            "articles": list_truth,
            "json_api": shells,
        }
    return truth
