"""HTML templates of the four sample sites: pure functions from a page description to an HTML string.

The markup imitates the structures real sites use (TRS-style government pages, a gov.cn-like national
portal, a 163-like commercial portal and a Traditional-character content farm), with all the navigation,
spam and hot-news blocks that the extractor has to throw away. Links are relative or root-relative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from yigai.sample_web.stories import Story

# Pinyin glosses that the content farm writes after these Traditional characters, e.g. 醫(yī)療.
FARM_GLOSSES: dict[str, str] = {
    "醫": "yī",
    "縣": "xiàn",
    "區": "qū",
    "頁": "yè",
    "時": "shí",
    "獨": "dú",
    "網": "wǎng",
    "當": "dāng",
    "來": "lái",
    "報": "bào",
    "衛": "wèi",
    "體": "tǐ",
    "務": "wù",
    "質": "zhì",
    "設": "shè",
    "鄉": "xiāng",
    "鎮": "zhèn",
    "資": "zī",
    "實": "shí",
    "現": "xiàn",
    "導": "dǎo",
    "進": "jìn",
    "將": "jiāng",
    "檢": "jiǎn",
    "驗": "yàn",
    "結": "jié",
    "級": "jí",
    "層": "céng",
    "責": "zé",
    "標": "biāo",
    "評": "píng",
    "確": "què",
    "編": "biān",
    "輯": "jí",
    "診": "zhěn",
    "轉": "zhuǎn",
    "員": "yuán",
    "費": "fèi",
    "聯": "lián",
    "龍": "lóng",
}

FARM_SPAM_KEYWORDS = "国产 欧美 日韩 在线 av 一区二区 无码 视频"

FARM_HOT_COUNTIES = (
    "永年区|丛台区|复兴区|峰峰矿区|肥乡区|临漳县|成安县|大名县|涉县|磁县|邱县|鸡泽县|广平县|馆陶县|魏县|曲周县|"
    "武安市|南和区|信都区|任泽区|临城县|内丘县|柏乡县|隆尧县|宁晋县|巨鹿县|新河县|广宗县|平乡县|威县|清河县|"
    "临西县|南宫市|沙河市|涞水县|阜平县|定兴县|唐县|高阳县|容城县"
)

PORTAL_HOT_HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("季后赛首轮收官 卫冕冠军主场惜败遭淘汰", "球迷之家", "2025-04-28 22:41:09"),
    ("演唱会门票开售一分钟售罄 歌迷吐槽抢票难", "娱乐快讯", "2025-04-27 19:12:33"),
    ("一季度居民人均可支配收入增长5.1%", "财经观察", "2025-04-26 10:05:48"),
    ("国产大飞机新航线首飞 旅客体验宽体客舱", "民航资讯", "2025-04-25 16:27:02"),
    ("一男子高速路上倒车被罚 交警提醒注意安全", "交通安全", "2025-04-24 08:55:17"),
    ("新能源车企四月交付量出炉 多家创新高", "汽车要闻", "2025-04-23 21:30:40"),
    ("古装剧收官 女主角发长文告别角色", "娱乐快讯", "2025-04-22 23:18:05"),
    ("中超第八轮 升班马客场爆冷取胜", "球迷之家", "2025-04-21 21:52:11"),
)

PORTAL_TOP_NEWS: tuple[tuple[str, str], ...] = (
    ("头条要闻", "多地出台措施促进消费 家电以旧换新补贴扩容"),
    ("财经要闻", "黄金价格再创新高 金饰克价突破千元"),
    ("体育要闻", "乒乓球世界杯 国乒包揽男女单打冠军"),
    ("娱乐要闻", "暑期档首部定档影片曝光预告片"),
    ("科技要闻", "国产操作系统新版本发布 适配更多应用"),
)


@dataclass(frozen=True)
class Attachment:
    name: str  # file name on the site, e.g. P020240402512345678901.pdf
    label: str  # link text shown on the page


@dataclass(frozen=True)
class PageSpec:
    """One article page of one site."""

    site: str
    story_id: str
    path: str  # root-relative URL path
    published: str  # "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DD" (date only)
    original: bool = True
    title: str | None = None  # headline variant on this site (Simplified); default: the story's title
    date_style: str = "dash"  # how the header writes the date: dash | cn
    doc_number: str | None = None  # policy document number (hbwjw)
    written_date: str | None = None  # 成文日期 of a policy document
    attachments: tuple[Attachment, ...] = ()
    charset: str = "meta"  # hbwjw: meta | none (no declaration at all)
    wrong_header: bool = False  # hbwjw: HTTP header says utf-8 while bytes are GBK
    date_trap: bool = False  # portal: no published meta, later dates in hot news
    original_title: str | None = None  # portal: "(原标题:…)"
    reporter: str | None = None  # portal: author line
    extra_must_not: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headline(self) -> str:
        return self.title or ""


# --------------------------------------------------------------------------- helpers


def _date_parts(published: str) -> tuple[str, str, str, str]:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}:\d{2}(?::\d{2})?))?", published)
    if not match:
        raise ValueError(f"bad published value {published!r}")
    year, month, day, clock = match.groups()
    return year, month, day, clock or ""


def format_header_date(published: str, style: str) -> str:
    """The date as the page header writes it."""
    year, month, day, clock = _date_parts(published)
    if style == "dash":
        return f"{year}-{month}-{day} {clock}".strip()
    if style == "cn":
        return f"{year}年{int(month)}月{int(day)}日 {clock}".strip()
    if style == "cn0":
        return f"{year}年{month}月{day}日 {clock}".strip()
    raise ValueError(f"unknown date style {style!r}")


def _paragraphs_html(paragraphs: tuple[str, ...] | list[str], indent: str = "") -> str:
    return "\n".join(f"{indent}<p>{escape(p, quote=False)}</p>" for p in paragraphs)


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def add_glosses(traditional: str) -> str:
    """Write a pinyin gloss after every character of FARM_GLOSSES, like 醫(yī)療."""
    return "".join(f"{ch}({FARM_GLOSSES[ch]})" if ch in FARM_GLOSSES else ch for ch in traditional)


def farm_text(simplified: str) -> str:
    return add_glosses(to_traditional(simplified))


# --------------------------------------------------------------------------- hbwjw (GBK government site)

HBWJW_NAV = ("首页", "机构概况", "政务公开", "新闻中心", "政策文件", "互动交流", "办事服务", "专题专栏")

HBWJW_FOOTER = """<div class="footer">
  <div class="footer-links"><a href="/hbwjw/index.html">网站地图</a> | <a href="/hbwjw/index.html">联系我们</a> | <a href="/hbwjw/index.html">使用帮助</a></div>
  <p>主办单位：河北省卫生健康委员会&nbsp;&nbsp;版权所有：河北省卫生健康委员会</p>
  <p>地址：河北省石家庄市示例路42号&nbsp;&nbsp;邮编：050051</p>
  <p>网站标识码：1300000099&nbsp;&nbsp;<a href="/hbwjw/index.html">冀ICP备05004521号</a>&nbsp;&nbsp;冀公网安备 13010202000123号</p>
</div>"""


def _hbwjw_head(title: str, charset: str, extra_meta: str = "") -> str:
    charset_meta = '<meta charset="gb2312">\n' if charset == "meta" else ""
    return f"""<!DOCTYPE html>
<html>
<head>
{charset_meta}<meta name="SiteName" content="河北省卫生健康委员会">
<meta name="SiteDomain" content="wsjkw.hebei.example">
<meta name="ColumnName" content="工作动态">
{extra_meta}<title>{escape(title)}_河北省卫生健康委员会</title>
<link rel="stylesheet" href="/hbwjw/css/style.css">
</head>"""


def _hbwjw_top() -> str:
    nav = "\n".join(f'    <li><a href="/hbwjw/index.html">{item}</a></li>' for item in HBWJW_NAV)
    return f"""<div class="top">
  <div class="top-bar">今天是：<span id="today"></span>&nbsp;&nbsp;<a href="/hbwjw/index.html">无障碍浏览</a> | <a href="/hbwjw/index.html">长者模式</a></div>
  <div class="logo"><a href="/hbwjw/index.html">河北省卫生健康委员会</a></div>
  <div class="search"><form action="/hbwjw/search.html"><input name="q" value="请输入关键字"><button>搜索</button></form></div>
  <ul class="nav">
{nav}
  </ul>
</div>"""


def render_hbwjw_article(spec: PageSpec, story: Story) -> str:
    title = spec.title or story.title
    header_date = format_header_date(spec.published, spec.date_style)
    meta = (
        f'<meta name="ArticleTitle" content="{escape(title)}">\n'
        f'<meta name="PubDate" content="{escape(spec.published)}">\n'
        f'<meta name="ContentSource" content="{escape(story.source)}">\n'
    )
    info_table = ""
    doc_line = ""
    if spec.doc_number:
        written = format_header_date(spec.written_date or spec.published, "cn0")
        year, month, day, _ = _date_parts(spec.published)
        info_table = f"""
  <table class="xxgk-info">
    <tr><td>索引号：</td><td>000014349/{year}-00{month}{day}</td><td>主题分类：</td><td>卫生、体育\\医药管理</td></tr>
    <tr><td>发文机关：</td><td>河北省卫生健康委员会</td><td>成文日期：</td><td>{written}</td></tr>
    <tr><td>标题：</td><td colspan="3">{escape(title)}</td></tr>
    <tr><td>发文字号：</td><td>{escape(spec.doc_number)}</td><td>发布日期：</td><td>{year}年{month}月{day}日</td></tr>
  </table>"""
        doc_line = f'\n      <p style="text-align:center">{escape(spec.doc_number)}</p>'
    body = _paragraphs_html(story.paragraphs, "      ")
    signature = ""
    if spec.doc_number:
        written = format_header_date(spec.written_date or spec.published, "cn")
        signature = (
            '\n      <p style="text-align:right">河北省卫生健康委员会</p>'
            f'\n      <p style="text-align:right">{written}</p>'
        )
    attachments = ""
    if spec.attachments:
        links = "\n".join(
            f'    <p><a href="./{a.name}">{index}.{escape(a.label)}</a></p>'
            for index, a in enumerate(spec.attachments, start=1)
        )
        attachments = f'\n  <div class="attachments">\n    <p>附件：</p>\n{links}\n  </div>'
    return f"""{_hbwjw_head(title, spec.charset, meta)}
<body>
{_hbwjw_top()}
<div class="position">当前位置：<a href="../index.html">首页</a> &gt; <a href="../index.html">新闻中心</a> &gt; <a href="../index.html">工作动态</a></div>
<div class="main">{info_table}
  <div class="article">
    <h1 class="title">{escape(title)}</h1>
    <div class="info">发布时间：{header_date}&nbsp;&nbsp;来源：{escape(story.source)}&nbsp;&nbsp;字号：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a></div>
    <div class="TRS_Editor">{doc_line}
{body}{signature}
    </div>
  </div>{attachments}
  <div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
{HBWJW_FOOTER}
</body>
</html>
"""


def render_hbwjw_list(items: list[tuple[str, str, str]], page: int, pages: int) -> str:
    """items: (relative link, title, date YYYY-MM-DD)."""
    rows = "\n".join(
        f'    <li><a href="{href}" target="_blank" title="{escape(title)}">{escape(title)}</a><span>{date}</span></li>'
        for href, title, date in items
    )
    links = []
    if page > 0:
        links.append(f'<a href="{"index.html" if page == 1 else f"index_{page - 1}.html"}">上一页</a>')
    if page < pages - 1:
        links.append(f'<a href="index_{page + 1}.html">下一页</a>')
    pager = " ".join(links)
    return f"""{_hbwjw_head("工作动态", "meta")}
<body>
{_hbwjw_top()}
<div class="position">当前位置：<a href="./index.html">首页</a> &gt; <a href="./index.html">新闻中心</a> &gt; 工作动态</div>
<div class="main">
  <h2 class="column-title">工作动态</h2>
  <ul class="list">
{rows}
  </ul>
  <div class="page">
    <script>createPageHTML({pages}, {page}, "index", "html");</script>
    {pager} 共{pages}页 当前第{page + 1}页
  </div>
</div>
{HBWJW_FOOTER}
</body>
</html>
"""


# --------------------------------------------------------------------------- nhc (national portal, UTF-8)

NHC_NAV = ("首页", "机构", "新闻", "信息", "服务", "互动", "专题", "数据")

NHC_FOOTER = """<div class="footer">
  <ul class="related-links"><li>相关链接：</li><li><a href="/nhc/index.html">国务院部门网站</a></li><li><a href="/nhc/index.html">地方卫生健康委网站</a></li></ul>
  <p><a href="/nhc/index.html">网站地图</a> | <a href="/nhc/index.html">关于我们</a> | <a href="/nhc/index.html">联系我们</a></p>
  <p>主办单位：国家卫生健康委员会&nbsp;&nbsp;承办：国家卫生健康委统计信息中心</p>
  <p>版权所有：国家卫生健康委员会&nbsp;&nbsp;京ICP备18052910号&nbsp;&nbsp;网站标识码：bm24000006</p>
</div>"""


def _nhc_nav() -> str:
    return "\n".join(f'    <li><a href="/nhc/index.html">{item}</a></li>' for item in NHC_NAV)


def render_nhc_article(spec: PageSpec, story: Story, latest: list[tuple[str, str]]) -> str:
    """latest: (root-relative link, title) of other stories for the side column."""
    title = spec.title or story.title
    year, month, day, clock = _date_parts(spec.published)
    header_date = format_header_date(spec.published, spec.date_style)
    side = "\n".join(f'      <li><a href="{href}">{escape(t)}</a></li>' for href, t in latest)
    first_published = f"{year}-{month}-{day}-{clock or '00:00'}:00"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="firstpublishedtime" content="{first_published}">
<meta name="author" content="{escape(story.source)}">
<meta name="description" content="{escape(story.paragraphs[0][:60])}">
<title>{escape(title)}_国家卫生健康委员会</title>
</head>
<body>
<div class="header">
  <div class="logo"><a href="/nhc/index.html">国家卫生健康委员会</a></div>
  <ul class="nav">
{_nhc_nav()}
  </ul>
</div>
<div class="BreadcrumbNav">当前位置：<a href="/nhc/index.html">首页</a> &gt; <a href="/nhc/index.html">新闻</a> &gt; 正文</div>
<div class="main">
  <div class="article">
    <h1 id="ti">{escape(title)}</h1>
    <div class="pages-date">{header_date}<span class="font">来源：{escape(story.source)}</span>
      <span class="font-size">【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】</span>
      <span class="print"><a href="javascript:window.print()">打印</a></span></div>
    <div class="pages_content" id="UCAP-CONTENT">
{_paragraphs_html(story.paragraphs, "      ")}
    </div>
    <div class="editor">【我要纠错】 责任编辑：陈晓</div>
  </div>
  <div class="side">
    <h3>最新文章</h3>
    <ul>
{side}
    </ul>
  </div>
</div>
{NHC_FOOTER}
</body>
</html>
"""


# --------------------------------------------------------------------------- portal (commercial, UTF-8)

PORTAL_NAV = ("首页", "新闻", "体育", "娱乐", "财经", "汽车", "科技", "健康", "房产", "旅游")

PORTAL_FOOTER = """<div class="footer">
  <p><a href="/portal/index.html">关于云帆</a> | <a href="/portal/index.html">About Yunfan</a> | <a href="/portal/index.html">广告服务</a> | <a href="/portal/index.html">联系方式</a> | <a href="/portal/index.html">招聘信息</a> | <a href="/portal/index.html">隐私政策</a></p>
  <p>云帆公司版权所有 Copyright © 2008-2025 Yunfan. All Rights Reserved</p>
  <p>网络文化经营许可证 粤网文[2022]0123-045号&nbsp;&nbsp;增值电信业务经营许可证 粤B2-20090001</p>
  <p>无障碍浏览 进入关怀版</p>
</div>"""


def _portal_nav() -> str:
    return "\n".join(f'    <a href="/portal/index.html">{item}</a>' for item in PORTAL_NAV)


def _portal_hot_blocks(related: list[tuple[str, str]]) -> str:
    related_items = "\n".join(f'      <li><a href="{href}">{escape(t)}</a></li>' for href, t in related)
    hot_items = "\n".join(
        f'      <li><a href="/portal/index.html">{escape(t)}</a><span class="source">{escape(src)}</span>'
        f'<span class="time">{when}</span></li>'
        for t, src, when in PORTAL_HOT_HEADLINES
    )
    top_items = "\n".join(
        f'    <div class="top-news"><h4>{escape(section)}</h4><a href="/portal/index.html">{escape(t)}</a></div>'
        for section, t in PORTAL_TOP_NEWS
    )
    return f"""<div class="post_recommends">
    <h3>相关推荐</h3>
    <ul>
{related_items}
    </ul>
  </div>
  <div class="post_hot">
    <h3>热点推荐</h3>
    <ul>
{hot_items}
    </ul>
    <div class="refresh-time">2025-04-28 23:00:00</div>
  </div>
  <div class="post_side">
{top_items}
  </div>"""


def render_portal_article(spec: PageSpec, story: Story, related: list[tuple[str, str]]) -> str:
    title = spec.title or story.title
    year, month, day, clock = _date_parts(spec.published)
    published_meta = (
        ""
        if spec.date_trap
        else f'<meta property="article:published_time" content="{year}-{month}-{day}T{clock}+08:00">\n'
    )
    original_title = (
        f'\n      <p class="otitle">(原标题:{escape(spec.original_title)})</p>' if spec.original_title else ""
    )
    reporter = spec.reporter or "云帆新闻"
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
{published_meta}<meta name="keywords" content="{escape(title)}">
<title>{escape(title)}_云帆新闻</title>
</head>
<body>
<div class="ne_wrap">
  <div class="N-nav">
{_portal_nav()}
  </div>
  <div class="post_crumb"><a href="/portal/index.html">云帆首页</a> &gt; <a href="/portal/health/">云帆健康</a> &gt; 正文</div>
  <div class="post_main">
    <h1 class="post_title">{escape(title)}</h1>
    <div class="post_info">{year}-{month}-{day} {clock}　来源: <a href="/portal/index.html">{escape(story.source)}</a></div>
    <div class="post_top_share"><span>0</span> <span>分享至</span> <a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>
    <div class="post_body">{original_title}
{_paragraphs_html(story.paragraphs, "      ")}
    </div>
    <div class="post_author">本文来源：{escape(story.source)} 作者：{escape(reporter)}<br>责任编辑：李娜_NB12037</div>
  </div>
  {_portal_hot_blocks(related)}
</div>
{PORTAL_FOOTER}
</body>
</html>
"""


def render_portal_list(items: list[tuple[str, str, str]], page: int, pages: int) -> str:
    rows = "\n".join(
        f'    <div class="news_item"><h3><a href="{href}">{escape(t)}</a></h3><span class="time">{when}</span></div>'
        for href, t, when in items
    )
    pager = []
    if page > 1:
        pager.append(
            '<a href="/portal/health/">上一页</a>'
            if page == 2
            else f'<a href="/portal/health/?page={page - 1}">上一页</a>'
        )
    for number in range(1, pages + 1):
        href = "/portal/health/" if number == 1 else f"/portal/health/?page={number}"
        pager.append(f'<a href="{href}">{number}</a>')
    if page < pages:
        pager.append(f'<a href="/portal/health/?page={page + 1}">下一页</a>')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>健康_云帆新闻</title>
</head>
<body>
<div class="N-nav">
{_portal_nav()}
</div>
<div class="channel"><h2>健康</h2>
{rows}
  <div class="pager">{" ".join(pager)}</div>
</div>
{PORTAL_FOOTER}
</body>
</html>
"""


# --------------------------------------------------------------------------- farm (Traditional + glosses)

FARM_NAV = (
    "首页",
    "新闻中心",
    "即时新闻",
    "时政",
    "独家",
    "县区",
    "小记者",
    "教育",
    "医疗健康",
    "美食",
    "金融",
    "旅游",
    "数字报刊",
)

FARM_COPYRIGHT = (
    "1.本网稿件下“稿件来源”项标注为本网的，其文字、图片稿件之网络版权均属本网所有，未经协议授权，不得转载、链接、转贴或以其他方式复制发表。",
    "2.本网其他转载稿件涉及版权等问题，请作者或版权所有者在一周内来电或来函。联系电话：0311-12345678。",
)


def _farm_nav() -> str:
    return " ".join(f'<a href="/farm/list.html">{farm_text(item)}</a>' for item in FARM_NAV)


def _farm_frame(title_html: str, inner: str) -> str:
    copyright_lines = "\n".join(f"    <p>{farm_text(line)}</p>" for line in FARM_COPYRIGHT)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title_html}</title>
</head>
<body>
<div class="topbar">天津毫纠建材有限公司</div>
<div class="nav">{_farm_nav()}</div>
{inner}
<div class="copyright">
  <p>【{farm_text("版权声明")}】</p>
{copyright_lines}
</div>
<div class="hot-county">{farm_text("热门推荐")}：{FARM_HOT_COUNTIES}</div>
<div class="tags">{FARM_SPAM_KEYWORDS}</div>
<div class="foot">Copyright © 2015-2025 All Rights Reserved</div>
</body>
</html>
"""


def render_farm_article(spec: PageSpec, story: Story) -> str:
    title = spec.title or story.title
    header_date = format_header_date(spec.published, spec.date_style)
    body = "\n".join(f"    <p>{escape(farm_text(p), quote=False)}</p>" for p in story.paragraphs)
    date_label = farm_text("时间:") if spec.date_style != "dash" else ""
    inner = f"""<div class="position">{farm_text("您当前的位置")}:{farm_text("首页")} &gt; {farm_text("新闻中心")} &gt; {farm_text("医疗健康")}</div>
<div class="article">
  <h1>{escape(farm_text(title))}</h1>
  <div class="info">{date_label}{farm_text(header_date)}  {farm_text("来源")}:{escape(farm_text(story.source))}</div>
  <div class="content">
{body}
  </div>
  <div class="editor">{farm_text("编辑")}:{farm_text("李雯")}</div>
</div>"""
    return _farm_frame(escape(farm_text(title)), inner)


def render_farm_list(items: list[tuple[str, str, str]], page: int, pages: int) -> str:
    rows = "\n".join(
        f'  <li><a href="{href}">{escape(farm_text(t))}</a> <span>{when}</span></li>'
        for href, t, when in items
    )
    pager = []
    if page > 1:
        pager.append(
            f'<a href="{"list.html" if page == 2 else f"list_{page - 1}.html"}">{farm_text("上一页")}</a>'
        )
    if page < pages:
        pager.append(f'<a href="list_{page + 1}.html">{farm_text("下一页")}</a>')
    inner = f"""<div class="position">{farm_text("您当前的位置")}:{farm_text("首页")} &gt; {farm_text("医疗健康")}</div>
<ul class="list">
{rows}
</ul>
<div class="pager">{" ".join(pager)}</div>"""
    return _farm_frame(farm_text("医疗健康"), inner)
