"""Generate the evaluation pages (tests/eval/pages/*.html) and tests/eval/manifest.jsonl.

Run from the repository root:  .venv/bin/python tests/eval/make_pages.py

Every page is a story from stories.py (text written for this project) dressed in the markup of a kind of
site the crawler meets: portal articles (163, sina, qq, ifeng, toutiao, thepaper, people.cn, xinhuanet),
government portals (province, city, county, the health commission's policy documents), a hospital site,
a WeChat article, and content farms that re-publish news in Traditional characters with pinyin glosses
(`醫(yī)療`) between navigation, copyright notices, county-name spam and porn-keyword spam.

Pages are written in their encodings: UTF-8, GBK/GB2312 (declared, or not declared at all), and UTF-8
bytes behind a GBK declaration (what many mirrored portal pages look like).
"""

from __future__ import annotations

import html
import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stories import STORIES

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
SHANGHAI = timezone(timedelta(hours=8))

_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")

# Content farms gloss some Traditional characters with their pinyin: 醫(yī)療 新聞(wén) 來(lái)源.
GLOSSES = {
    "醫": "yī",
    "療": "liáo",
    "頁": "yè",
    "聞": "wén",
    "時": "shí",
    "獨": "dú",
    "區": "qū",
    "網": "wǎng",
    "數": "shù",
    "當": "dāng",
    "來": "lái",
    "報": "bào",
    "編": "biān",
    "輯": "jí",
    "體": "tǐ",
    "衛": "wèi",
    "營": "yíng",
    "線": "xiàn",
    "務": "wù",
    "擴": "kuò",
    "層": "céng",
    "設": "shè",
    "應": "yīng",
    "門": "mén",
    "專": "zhuān",
    "問": "wèn",
    "標": "biāo",
    "經": "jīng",
    "權": "quán",
    "濟": "jì",
    "實": "shí",
    "現": "xiàn",
    "進": "jìn",
    "開": "kāi",
    "處": "chù",
    "與": "yǔ",
    "費": "fèi",
    "藥": "yào",
    "縣": "xiàn",
    "鄉": "xiāng",
    "診": "zhěn",
    "結": "jié",
    "餘": "yú",
}

# Segments between these markers keep their Simplified text on glossed pages (spam lines are Simplified).
KEEP_OPEN, KEEP_CLOSE = "\x02", "\x03"

PORN_SPAM = "日韩精品在线观看,国产av一区二区,无码视频免费看,精品动漫三区在线"
COUNTY_SPAM = (
    "永胜县| 阜平县| 临泉县| 石楼县| 岚皋县| 通渭县| 墨江县| 蓝田县| 汽车| 宁城县| 巴林左旗| 大余县| "
    "静乐县| 嵩明县| 扶绥县| 罗田县| 泗县| 武功县| 新源县| 和龙市| 灵丘县| 青冈县| 秀山| 建始县|"
)
HOT_TITLES = [
    "湖人主场加时惜败 詹姆斯砍下三十分",
    "多地迎来入冬首场降雪 高速部分路段临时封闭",
    "新款电动车发布 续航里程突破七百公里",
    "春运火车票今起开售 这些时间节点要记牢",
    "女子网购退货遭遇骗局 警方提醒注意防范",
    "年终奖怎么发才合理？网友吵翻了",
]


def later(day: str, days: int) -> str:
    """A date some days after the article's: the trap dates of hot-news lists."""
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def paras_p(story: dict, attrs: str = "") -> str:
    return "\n".join(f"<p{attrs}>{esc(p)}</p>" for p in story["paras"])


def hot_list(story: dict, cls: str, heading: str, with_dates: bool = True) -> str:
    items = []
    for i, title in enumerate(HOT_TITLES[:5]):
        stamp = (
            f'<span class="time">{later(story["date"], 3 + i * 11)} 1{i}:2{i}:0{i}</span>'
            if with_dates
            else ""
        )
        items.append(f'<li><a href="/news/{i + 1}.html">{esc(title)}</a>{stamp}</li>')
    return f'<div class="{cls}"><h3>{heading}</h3><ul>{"".join(items)}</ul></div>'


def cn_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def head(story: dict, charset: str | None, suffix: str, extra: str = "") -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n<title>{esc(story['title'])}{suffix}</title>\n"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{extra}\n'
        '<link rel="stylesheet" href="/css/main.css">\n'
        "<style>body{font-size:14px}.hide{display:none}</style>\n"
        "<script>var _hmt = _hmt || []; (function(){var hm=document.createElement('script');})();</script>\n"
        "</head>\n"
    )


# ---------------------------------------------------------------------------------------------- templates


def t_netease(s: dict, cs: str | None) -> str:
    iso = s.get("iso_utc") or f"{s['date']}T{s['time']}+08:00"
    extra = (
        f'<meta property="og:title" content="{esc(s["title"])}">\n'
        f'<meta property="article:published_time" content="{iso}">\n<meta name="author" content="网易">'
    )
    related = "".join(
        f'<li class="post_recommend"><a href="/dy/{i}.html"><h3>{esc(t)}</h3></a>'
        f'<p class="post_recommend_time">{later(s["date"], 2 + i)} 1{i}:05:5{i}</p></li>'
        for i, t in enumerate(HOT_TITLES)
    )
    return (
        head(s, cs, "_网易新闻", extra)
        + f"""<body>
<div class="ntes_nav_wrap" id="js_N_NTES_wrap"><div class="ntes-nav"><ul class="ntes-nav-main">
<li><a href="https://www.163.com/">网易首页</a></li><li><a href="https://news.163.com/">新闻</a></li>
<li><a href="https://sports.163.com/">体育</a></li><li><a href="https://ent.163.com/">娱乐</a></li>
<li><a href="https://money.163.com/">财经</a></li><li><a href="https://tech.163.com/">科技</a></li></ul>
<div class="ntes-nav-login"><a href="#">登录</a> <a href="#">注册免费邮箱</a></div></div></div>
<div class="post_content post_area clearfix">
<div class="post_crumb"><a href="https://www.163.com/">网易首页</a> &gt; <a href="https://news.163.com/">新闻中心</a> &gt; 正文</div>
<div class="post_content_main" id="epContentLeft">
<h1>{esc(s["title"])}</h1>
<div class="post_time_source">{s["date"]} {s["time"]}　来源: <a id="ne_article_source" href="#">{esc(s["source"])}</a>
<a href="http://jubao.aq.163.com/" class="post_jubao">举报</a></div>
<div class="post_body">
<div class="post_topshare_wrap"><ul class="post_share"><li class="share_weixin">微信</li><li class="share_weibo">微博</li>
<li class="share_qzone">QQ空间</li></ul><div class="js_qrcode_wrap"><p>用微信扫码二维码</p><p>分享至好友和朋友圈</p></div></div>
<div class="post_text" id="endText">
{paras_p(s)}
<div class="ep-source cDGray"><span class="left"><a href="https://news.163.com/"><img src="/logo.png" alt="{esc(s["source"])}"></a>
本文来源：{esc(s["source"])}</span> <span class="ep-editor">责任编辑：王晓_NN1234</span></div>
</div>
<div class="post_tie_bottom"><a href="#comments">参与跟贴</a> <span>2045</span>人参与</div>
</div>
<div class="post_next"><div class="post_recommends"><h2 class="tit">热点推荐</h2><ul>{related}</ul></div></div>
</div></div>
<div class="N-nav-bottom"><a href="#">About NetEase</a> | <a href="#">公司简介</a> | <a href="#">联系方法</a>
<p>&copy;1997-2025网易公司版权所有</p></div>
<script>window.js_share_unbind = false; var ep = {{"docid":"x"}};</script>
</body></html>"""
    )


def t_sina(s: dict, cs: str | None) -> str:
    extra = f'<meta property="article:published_time" content="{s["date"]}T{s["time"]}:00+08:00">'
    return (
        head(s, cs, "|医改_新浪新闻", extra)
        + f"""<body>
<div class="top-nav"><a href="https://www.sina.com.cn/">新浪首页</a> <a href="https://news.sina.com.cn/">新闻</a>
<a href="https://sports.sina.com.cn/">体育</a> <a href="https://finance.sina.com.cn/">财经</a> <a href="#">登录</a></div>
<div class="main-content w1240">
<h1 class="main-title">{esc(s["title"])}</h1>
<div class="top-bar-wrap" id="top_bar_wrap"><div class="top-bar"><div class="top-bar-inner clearfix">
<div class="date-source"><span class="date">{cn_date(s["date"])} {s["time"]}</span>
<a href="#" class="source ent-source" rel="nofollow">{esc(s["source"])}</a></div>
<div class="page-tools"><span class="tool-icon"><a href="#">新浪财经APP</a></span>
<span class="tool-icon"><a href="#">缩小字体</a></span><span class="tool-icon"><a href="#">放大字体</a></span>
<span class="tool-icon"><a href="#">收藏</a></span><span class="tool-icon"><a href="#">微博</a></span>
<span class="tool-icon"><a href="#">微信</a></span><span class="tool-icon"><a href="#">分享</a></span></div>
</div></div></div>
<div class="article-content clearfix" id="article_content"><div class="article-content-left">
<div class="article" id="article">
{paras_p(s)}
<p class="show_author">责任编辑：张晨 </p>
</div>
<div class="article-bottom clearfix" id="article-bottom"><div class="keywords"><label>文章关键词：</label>
<a href="#">医改</a> <a href="#">新闻</a></div><div class="btns"><a href="#">我要反馈</a></div></div>
{hot_list(s, "blk-related", "热门推荐")}
<div class="comment_wrap"><p>新浪新闻公众号</p><p>更多热点资讯，尽在新浪新闻公众号</p></div>
</div></div></div>
<div class="footer"><p>新浪简介 | About Sina | 广告服务 | 联系我们 | 招聘信息</p>
<p>Copyright &copy; 1996-2025 SINA Corporation, All Rights Reserved</p></div>
</body></html>"""
    )


def t_people(s: dict, cs: str | None) -> str:
    extra = f'<meta name="publishdate" content="{s["date"]}">\n<meta name="source" content="来源：{esc(s["source"])}">'
    related = "".join(
        f'<li><a href="/n1/{i}.html">{esc(t)}</a> <em>{later(s["date"], 5 + i)}</em></li>'
        for i, t in enumerate(HOT_TITLES[:4])
    )
    return (
        head(s, cs, "--人民网", extra)
        + f"""<body>
<div class="w1000 headerbox"><div class="fl"><a href="http://www.people.com.cn/">人民网</a> &gt;&gt; 地方</div>
<div class="fr"><a href="#">手机看新闻</a> <a href="#">登录</a></div></div>
<div class="clearfix w1000_320 text_title">
<h3 class="pre"></h3>
<h1>{esc(s["title"])}</h1>
<h4 class="sub"></h4><p class="author"></p>
<div class="box01"><div class="fl">{cn_date(s["date"])}{s["time"]}&nbsp;&nbsp;来源：<a href="#">{esc(s["source"])}</a></div>
<div class="fr"><div class="fx"><div id="ops_share"><span class="ops_tit">分享到：</span>
<ul class="ops_icons"><li><a href="#" title="人民微博"><i> </i></a></li><li><a href="#" title="微信"><i> </i></a></li></ul></div></div></div></div>
</div>
<div class="clearfix w1000_320 text_con"><div class="fl text_con_left">
<div class="box_con" id="rwb_zw">
{paras_p(s, ' style="text-indent: 2em;"')}
<div class="zdfy clearfix"></div>
<div class="edit clearfix">(责编：李红、赵磊)</div>
</div>
<div class="box_news"><h2>相关新闻</h2><ul>{related}</ul></div>
<div class="message"><a href="#">发表评论</a></div>
</div>
<div class="fr text_con_right"><div class="ph_list"><h2>排行榜</h2><ol><li>{esc(HOT_TITLES[5])}</li></ol></div></div></div>
<div class="copyright"><p>人民日报社概况 | 关于人民网 | 报社招聘 | 招聘英才 | 广告服务</p>
<p>人民网版权所有，未经书面授权禁止使用</p><p>Copyright &copy; 1997-2025 by www.people.com.cn. all rights reserved</p></div>
</body></html>"""
    )


def t_xinhua(s: dict, cs: str | None) -> str:
    extra = f'<meta name="pubdate" content="{s["date"]} {s["time"]}">\n<meta name="source" content="{esc(s["source"])}">'
    related = "".join(f'<li><a href="/{i}.htm">{esc(t)}</a></li>' for i, t in enumerate(HOT_TITLES[:4]))
    return (
        head(s, cs, "-新华网", extra)
        + f"""<body>
<div class="header"><div class="nav"><a href="http://www.news.cn/">新华网</a> <a href="#">时政</a> <a href="#">地方</a>
<a href="#">国际</a> <a href="#">财经</a></div></div>
<div class="header-cont clearfix"><div class="header-news">
<div class="h-news"><div class="h-title">{esc(s["title"])}</div>
<div class="h-info"><span class="h-time">{s["date"]} {s["time"]}</span> <span>来源：<em id="source">{esc(s["source"])}</em></span></div></div>
</div></div>
<div class="main"><div class="part part1 clearfix">
<div class="fllow1-wap left"><div class="p-left left" id="fllow1"><div class="s-ewm"><div>关注新华网</div></div>
<div class="s-item">微信</div><div class="s-item">微博</div><div class="s-item">Qzone</div>
<a class="s-bottom" href="#news-com-location"><div class="s-num"></div>评论</a></div></div>
<div class="p-right left"><div id="p-detail">
{paras_p(s)}
<div class="tadd"><div class="zan-wap"><a href="#" class="zan"></a><div class="zan-i">+1</div></div>
<div class="share"><div class="bdsharebuttonbox"><a href="#" title="分享到微信"></a></div></div></div>
<div class="p-jc"><span class="jc-img"></span><a href="#">【纠错】</a> <span class="editor">责任编辑： 刘阳</span></div>
</div></div></div>
<div class="part part2"><div class="xglj"><h3>相关新闻</h3><ul>{related}</ul></div></div></div>
<div class="foot"><p>Copyright &copy; 2000-2025 XINHUANET.com All rights reserved.</p><p>制作单位：新华网股份有限公司</p></div>
</body></html>"""
    )


def t_thepaper(s: dict, cs: str | None) -> str:
    body = '<br><div class="contheight"></div>'.join(esc(p) for p in s["paras"])
    related = "".join(
        f'<div class="news_li"><h2><a href="/newsDetail_forward_{i}">{esc(t)}</a></h2>'
        f'<div class="pdtt_trbs"><span>{later(s["date"], 1 + i)}</span></div></div>'
        for i, t in enumerate(HOT_TITLES[:4])
    )
    return (
        head(s, cs, "_澎湃新闻-The Paper")
        + f"""<body>
<div class="head_banner"><a href="/">澎湃新闻</a> <a href="#">要闻</a> <a href="#">深度</a> <a href="#">视频</a> <a href="#">下载客户端</a></div>
<div class="newscontent"><div class="news_path"><a href="/">首页</a> &gt; 城市政库</div>
<h1 class="news_title">{esc(s["title"])}</h1>
<div class="news_about"><div class="index_left"><div>记者 陈思远</div>
<div class="ant-space"><span>{s["date"]} {s["time"]}</span><span>来源：{esc(s["source"])}</span></div></div>
<div class="font_size"><span>字号</span></div></div>
<div class="news_txt" data-size="standard">{body}<br><div class="contheight"></div></div>
<div class="news_editor">责任编辑：汤琳 图片编辑：金洁</div><div class="news_editor">校对：张艳</div>
<div class="news_keyword">关键词 &gt;&gt; 城市医疗</div>
<div class="news_love"><a href="#">点赞</a> <a href="#">收藏</a></div>
<div class="news_tit3">相关推荐</div>{related}
<div class="comment_que"><h2>评论(12)</h2><p>网友：说得好</p></div></div>
<div class="foot"><a href="#">澎湃新闻报料</a>：021-962866 <p>&copy; 2014-2025 上海东方报业有限公司</p></div>
</body></html>"""
    )


def t_ifeng(s: dict, cs: str | None) -> str:
    hot = "".join(
        f'<li><a href="/c/{i}">{esc(t)}</a><span>{later(s["date"], 1)} 0{i}:30</span></li>'
        for i, t in enumerate(HOT_TITLES[:5])
    )
    data = json.dumps(
        {"docData": {"newsTime": f"{s['date']} {s['time']}", "source": s["source"]}}, ensure_ascii=False
    )
    return (
        head(s, cs, "_凤凰网")
        + f"""<body>
<div class="header-3uKB1kPn"><a href="https://www.ifeng.com/">凤凰网首页</a> <a href="#">资讯</a> <a href="#">财经</a>
<a href="#">娱乐</a> <a href="#">体育</a></div>
<div class="artical-25JfwmD5"><div class="title_box-2G4Gm6n9">
<h1 class="topic-3bY8Hw-9">{esc(s["title"])}</h1>
<div class="info-3ivibuHH clearfix"><p class="time-hm3v7ddj"><span>{cn_date(s["date"])} {s["time"]}</span><br>
<span style="vertical-align:bottom">来源：</span><span class="publisher-26PKOCqr"><span class="source-2pXi2vGI">
<a href="#" target="_blank">{esc(s["source"])}</a></span></span></p>
<div class="share_box-1oLcdMMp"><a class="sina-z-uX6cR5" data-item="sina"></a><a class="wechat-dlUI8JZw" data-item="wechat"></a></div>
<div class="comment_box-1xBARdZg"><a href="#">评论</a> <span>36</span></div></div></div>
<div class="main_content-LcrEruCc"><div><div class="text-3zQ3cZD4">
{paras_p(s)}
</div></div></div>
<div class="articleBottom-1Vd9y_G-"><p>[责任编辑：钟文 PN011]</p></div>
<div class="hotNews-2b5b2Wl"><h4>24小时热点</h4><ul>{hot}</ul></div>
<div class="recommend-3A7j3v"><h4>大家都在看</h4><p>{esc(HOT_TITLES[5])}</p></div></div>
<div class="footer-1X8nt9Ry"><p>凤凰网版权所有 &copy; 1998-2025 Phoenix New Media Limited</p></div>
<script>var allData = {data};</script>
</body></html>"""
    )


def t_qq(s: dict, cs: str | None) -> str:
    y, m, d = s["date"].split("-")
    hh, mm = s["time"].split(":")[:2]
    data = json.dumps(
        {"title": s["title"], "pubtime": f"{s['date']} {s['time']}:00", "media": s["source"]},
        ensure_ascii=False,
    )
    return (
        head(s, cs, "_腾讯新闻")
        + f"""<body>
<div class="qq_header"><a href="https://www.qq.com/">腾讯网</a> <a href="#">新闻</a> <a href="#">视频</a> <a href="#">图片</a></div>
<div class="qq_conent clearfix"><div class="LEFT">
<h1>{esc(s["title"])}</h1>
<div class="content clearfix">
<div id="LeftTool" class="LeftTool"><div class="left-stick-wp"><div class="year through"><span>{y}</span></div>
<div class="md">{m}/{d}</div><div class="time">{hh}:{mm}</div>
<div data-bossirs="ly"><a class="author" href="#"><div>{esc(s["source"])}</div><span class="qiehao">企鹅号</span></a></div>
<div class="share-title through"><span>分享</span></div><div class="share"><p>扫一扫分享到微信</p></div></div></div>
<div class="content-article">
{paras_p(s, ' class="one-p"')}
</div>
<div id="Status"></div></div></div>
<div class="RIGHT"><div class="hotnews"><h2>热点精选</h2><ul>
{"".join(f'<li><a href="#">{esc(t)}</a><span>{later(s["date"], 4)}</span></li>' for t in HOT_TITLES[:4])}</ul></div></div></div>
<div class="qq_footer"><p>Copyright &copy; 1998 - 2025 Tencent. All Rights Reserved</p><p>腾讯公司 版权所有</p></div>
<script>window.DATA = {data};</script>
</body></html>"""
    )


def t_toutiao(s: dict, cs: str | None) -> str:
    related = "".join(
        f'<div class="feed-card-article"><a href="/article/{i}/">{esc(t)}</a>'
        f'<div class="feed-card-footer"><span>{esc("热门作者")}</span><span>{later(s["date"], i + 1)} 08:0{i}</span></div></div>'
        for i, t in enumerate(HOT_TITLES)
    )
    return (
        head(s, cs, " - 今日头条")
        + f"""<body>
<div class="toutiao-header"><a href="/">今日头条</a> <a href="#">下载头条APP</a> <a href="#">登录</a></div>
<div class="main"><div class="article-content">
<h1>{esc(s["title"])}</h1>
<div class="article-meta mt-4"><span class="name"><a href="#">{esc(s["source"])}</a></span>
<span>来源：{esc(s["source"])}</span><span>{s["date"]} {s["time"]}</span></div>
<article class="syl-article-base tt-article-content syl-page-article syl-device-pc">
{paras_p(s)}
</article>
<div class="detail-action"><a href="#">举报</a> <span>评论 88</span></div></div>
<div class="detail-side"><div class="related"><h2>相关推荐</h2>{related}</div></div></div>
<div class="footer"><p>&copy; 2025 今日头条 www.toutiao.com</p></div>
</body></html>"""
    )


def t_provgov(s: dict, cs: str | None) -> str:
    sub = f"<h3>{esc(s['subtitle'])}</h3>" if s.get("subtitle") else "<h3></h3>"
    return (
        head(s, cs, " - 山西省人民政府")
        + f"""<body>
<div class="header"><h1><a href="/"><span class="hide">山西省人民政府网站</span></a></h1>
<div class="search"><p class="search-hotwd">热门搜索： <a href="#">转型</a> <a href="#">招商引资</a> <a href="#">旅游</a></p></div></div>
<div class="main-nav-box"><ul class="main-nav"><li><a href="#">省政府</a></li><li><a href="#">要闻</a></li>
<li><a href="#">政策</a></li><li><a href="#">服务</a></li><li><a href="#">互动</a></li></ul></div>
<div class="main-content oflow-hd group">
<ul class="breadcrumb"><li><a href="../../../">首页</a></li><li class="path-cur"><span>&gt;</span> <a href="../../">要闻</a></li>
<li class="path-cur"><span>&gt;</span> 山西要闻</li></ul>
<div class="common-detail-page-printer">
<div class="detail-article-title oflow-hd"><h3></h3><h2>{esc(s["title"])}</h2>{sub}</div>
<ul class="detail-article-infos oflow-hd"><li class="article-infos-source left">
<span alt="时间：2017-11-08 20:26"><i>时间：</i>{s["date"]} {s["time"]}</span>
<span alt="来源：省政府办公厅"><i>来源：</i> {esc(s["source"])} </span></li>
<li class="article-infos-func right"><span id="myPrint">打印</span>
<span class="article-zoom"><i>字体：</i> <a href="#">放大</a> <a href="#">正常</a> <a href="#">缩小</a></span>
<span class="article-share">分享</span></li></ul>
<div class="detail-article-content oflow-hd" id="detail-article-content">
{paras_p(s)}
</div></div></div>
<div class="footer"><p>主办单位：山西省人民政府办公厅 &nbsp; 承办：山西省政务信息管理局</p>
<p>网站标识码：1400000014 &nbsp; 晋ICP备05001622号 &nbsp; 晋公网安备 14010502000123号</p></div>
</body></html>"""
    )


def t_hospital(s: dict, cs: str | None) -> str:
    name = s["site_name"]
    return (
        head(s, cs, f"-{name}")
        + f"""<body>
<div class="top"><div class="logo"><img src="/logo.png" alt="{esc(name)}"></div>
<ul class="nav"><li>医院首页</li><li>医院概况</li><li>新闻动态</li><li>科室导航</li><li>专家介绍</li><li>就医指南</li></ul></div>
<div class="left_menu"><div class="title">新闻动态 <span> </span></div><ul><li>医院新闻</li><li>通知公告</li><li>媒体报道</li></ul></div>
<div style="float:right;width:938px;">
<table id="MyPosition02_248669"><tr><td class="f9">位置：<a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="#">新闻动态</a></td></tr></table>
<div id="ArticleContentBlockTitle_909025"><div class="title">{esc(s["title"])}</div>
<div class="blow_line"></div>
<div class="title_blow">来源：{esc(s["source"])}&nbsp;&nbsp;作者：宣传科<br>时间：{cn_date(s["date"])} {s["time"]}&nbsp;&nbsp;浏览：
<span class="font12" id="span_click_15070">33</span></div></div>
<div id="ArticleContentBlock_909026"><div class="ArticleContent">
{paras_p(s, ' style="text-indent:2em;"')}
</div></div>
<div class="prenext"><p>上一篇：我院开展世界卒中日义诊活动</p><p>下一篇：没有了</p></div></div>
<div class="bottom"><p>院址：{esc(name)}南门路88号 &nbsp; 急诊电话：120</p>
<p>版权所有 &copy; 2015-2025 {esc(name)} &nbsp; 闽ICP备15001234号</p></div>
</body></html>"""
    )


def _countygov_like(s: dict, cs: str | None, maketime: str) -> str:
    return (
        head(
            s,
            cs,
            "",
            f'<meta name="Maketime" content="{maketime}">\n<meta name="SiteName" content="{esc(s["site_name"])}">\n'
            f'<meta name="ColumnName" content="部门动态">\n<meta name="ArticleTitle" content="{esc(s["title"])}">',
        )
        + f"""<body>
<div class="top"><img src="/images/banner.jpg" alt="{esc(s["site_name"])}"><div class="nav"><a href="#">首页</a> <a href="#">政务公开</a>
<a href="#">政务服务</a> <a href="#">互动交流</a> <a href="#">走进本县</a></div></div>
<div class="main"><div class="position">当前位置：<a href="#">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">部门动态</a></div>
<div class="main-title">{esc(s["title"])}</div>
<div class="main-fbxx"><span>发布日期：{s["date"]} {s["time"]}</span> <span>信息来源：<!--<$[信息来源]>begin-->{esc(s["source"])}<!--<$[信息来源]>end--></span>
<span>浏览次数：<script>document.write(512)</script></span></div>
<div style="clear: both;"></div>
<div class="main-txt" id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{paras_p(s)}
<p>&nbsp;</p><meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>
<div class="main-word"><div class="main-word-left"><span class="bdsharebuttonbox"><a class="bds_qzone" title="分享到QQ空间"></a>
<a class="bds_weixin" title="分享到微信"></a></span></div><div class="main-word-right"><a href="#">【打印本页】</a> <a href="#">【关闭窗口】</a></div></div></div>
<div class="footer"><p>主办单位：{esc(s["site_name"])}办公室 &nbsp; 联系电话：0572-8051234</p>
<p>网站标识码：3305210001 &nbsp; 浙ICP备10002186号-1</p></div>
</body></html>"""
    )


def t_countygov(s: dict, cs: str | None) -> str:
    # Maketime is when the CMS rebuilt the page, not when the story was published: a date trap.
    return _countygov_like(s, cs, f"{later(s['date'], 131)} 12:28:37")


def t_citygov(s: dict, cs: str | None) -> str:
    return (
        head(s, cs, f"_{s['site_name']}")
        + f"""<body>
<div class="header"><div class="logo">{esc(s["site_name"])}</div><div class="nav"><a href="#">首页</a> <a href="#">机构概况</a>
<a href="#">信息公开</a> <a href="#">卫健动态</a> <a href="#">办事服务</a></div></div>
<div class="container"><div class="location">您的位置：<a href="#">首页</a> &gt; <a href="#">卫健动态</a> &gt; <a href="#">工作动态</a></div>
<div class="article"><h1 class="article-title">{esc(s["title"])}</h1>
<div class="article-info">发布时间：{s["date"]} {s["time"]} &nbsp; 来源：{esc(s["source"])} &nbsp; 浏览次数：<span id="hits">186</span>
&nbsp; 字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div class="article-content" id="zoom">
{paras_p(s)}
</div>
<div class="article-tools"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭窗口</a></div></div>
<div class="side"><h3>通知公告</h3><ul><li>关于{later(s["date"], 40)[:4]}年度医师定期考核的通知 <span>{later(s["date"], 40)}</span></li>
<li>市卫生健康委行政许可公示 <span>{later(s["date"], 60)}</span></li></ul></div></div>
<div class="footer"><p>主办：{esc(s["site_name"])} &nbsp; 陕ICP备05004321号 &nbsp; 网站标识码：6103000012</p></div>
</body></html>"""
    )


def t_provhealth(s: dict, cs: str | None) -> str:
    return (
        head(s, cs, f"- {s['site_name']}")
        + f"""<body>
<div class="header"><div class="logo">{esc(s["site_name"])}</div><ul class="menu"><li>首页</li><li>机构概况</li>
<li>政务公开</li><li>工作动态</li><li>政务服务</li><li>公众参与</li></ul></div>
<div class="wrap"><div class="crumbs">您现在的位置：<a href="#">首页</a> &gt; <a href="#">工作动态</a> &gt; <a href="#">卫生健康要闻</a></div>
<div class="contMain"><div class="contTit">{esc(s["title"])}</div>
<div class="contInfo"><span>来源：{esc(s["source"])}</span><span>发布时间：{s["date"]} {s["time"]}</span><span>【字体：大 中 小】</span></div>
<div class="contText" id="cmsArticleContent">
{paras_p(s)}
</div>
<div class="contShare"><span>分享到：</span><a href="#">微信</a><a href="#">微博</a></div></div></div>
<div class="footer"><p>版权所有：{esc(s["site_name"])} &nbsp; 蜀ICP备13001234号</p><p>网站标识码：5100000080</p></div>
</body></html>"""
    )


def t_govdoc(s: dict, cs: str | None) -> str:
    paras = "\n".join(
        f'<p style="text-align: {"center" if i == 0 else ("right" if i >= len(s["paras"]) - 2 else "left")};">{esc(p)}</p>'
        for i, p in enumerate(s["paras"])
    )
    return (
        head(s, cs, "_国家卫生健康委员会")
        + f"""<body>
<div class="header"><div class="logo">中华人民共和国国家卫生健康委员会</div><div class="nav"><a href="#">首页</a>
<a href="#">机构</a> <a href="#">新闻</a> <a href="#">信息</a> <a href="#">服务</a> <a href="#">互动</a></div></div>
<div class="w1100"><div class="index_title">您现在所在位置：<a href="#">首页</a> &gt; <a href="#">医政司</a> &gt; <a href="#">工作通知</a></div>
<table class="xxgk_table"><tr><td>索引号：</td><td>000013610/2023-00588</td><td>主题分类：</td><td>医疗卫生</td></tr>
<tr><td>发文机关：</td><td>国家卫生健康委办公厅</td><td>成文日期：</td><td>{s["written"]}</td></tr>
<tr><td>标题：</td><td colspan="3">{esc(s["title"])}</td></tr>
<tr><td>发文字号：</td><td>{esc(s["doc_number"])}</td><td>发布日期：</td><td>{s["date"]}</td></tr></table>
<div class="list"><div class="tit">{esc(s["title"])}</div>
<div class="source"><span>发布时间：{s["date"]}</span> <span>来源: {esc(s["source"])}</span></div>
<div class="con" id="xw_box">
{paras}
</div>
<div class="fujian"><p>相关附件：</p><p><a href="/yzygj/s3594q/202307/file1.pdf">1.紧密型城市医疗集团试点中期评估指标.pdf</a></p>
<p><a href="/yzygj/s3594q/202307/file2.docx">2.试点城市自评报告提纲.docx</a></p></div>
<div class="ewm">扫一扫在手机打开当前页</div></div></div>
<div class="footer"><p>主办：国家卫生健康委员会 &nbsp; 京ICP备18052910号 &nbsp; 网站标识码：bm24000006</p></div>
</body></html>"""
    )


def t_wechat(s: dict, cs: str | None) -> str:
    hh, mm = (int(x) for x in s["time"].split(":")[:2])
    y, mo, d = (int(x) for x in s["date"].split("-"))
    ct = int(datetime(y, mo, d, hh, mm, tzinfo=SHANGHAI).timestamp())
    sections = "".join(
        '<section style="margin-left: 16px; margin-right: 16px; line-height: 1.75em;">'
        f'<span style="font-size: 15px;">{esc(p)}</span></section>'
        for p in s["paras"]
    )
    return (
        head(s, cs, "", f'<meta property="og:title" content="{esc(s["title"])}">')
        + f"""<body id="activity-detail" class="zh_CN">
<div class="rich_media_wrp"><div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<h2 class="rich_media_title" id="activity-name"> {esc(s["title"])} </h2>
<div id="meta_content" class="rich_media_meta_list"><span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name"> {esc(s["site_name"])} </a>
<div id="js_profile_qrcode" class="profile_container" style="display:none;"><strong class="profile_nickname">{esc(s["site_name"])}</strong>
<p class="profile_meta"><label class="profile_meta_label">功能介绍</label><span class="profile_meta_value">发布权威信息，服务百姓健康</span></p></div></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em></div>
<div class="rich_media_content " id="js_content" style="visibility: visible;">
<section style="display: none;" data-tools="新媒体管家"><br></section>{sections}
</div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source" href="#">阅读原文</a> <span>阅读 1024</span> <span>在看 12</span></div>
<div class="qr_code_pc_outer"><div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div></div>
</div></div></div>
<script>var nickname = "{esc(s["site_name"])}"; var ct = "{ct}"; var user_name = "gh_0a1b2c3d4e5f"; var msg_title = "";</script>
</body></html>"""
    )


def t_shixun(s: dict, cs: str | None) -> str:
    farm = "".join(f'<li><a href="#">{esc(t)}</a> {esc(t[:8])}</li>' for t in HOT_TITLES)
    return (
        head(s, cs, "-时讯中国网")
        + f"""<body>
<ul class="topbar"><li>时讯中国网</li><li><a href="#">设为首页</a></li><li><a href="#">收藏本站</a></li></ul>
<div class="nav">健康</div>
<div class="position">您现在的位置: <a href="/">首页</a> &gt; <a href="#">健康</a> &gt; {esc(s["title"])}</div>
<div class="content"><h1>{esc(s["title"])}</h1>
<div class="info">发布时间:{s["date"]} {s["time"]}&nbsp;&nbsp;来源:{esc(s["source"])}&nbsp;&nbsp;阅读量:8860&nbsp;&nbsp;</div>
<div class="text">
{paras_p(s, ' style="text-indent:2em"')}
</div>
<div class="shengming">声明：以上内容为本网站转自其它媒体，相关信息仅为传递更多信息之目的，不代表本网观点。</div>
<div class="updown"><p>上一篇：推进医学中心和区域医疗中心建设</p><p>下一篇：返回列表</p></div>
<div class="update">更新时间:{s["updated"]}</div></div>
<div class="wltx"><h3>网罗天下</h3><ul>{farm}</ul></div>
<div class="foot"><p>首页 | 新闻 | 财经 | 娱乐 | 汽车 | 时尚 | 房产 | 健康</p>
<p>Copyright @ 2012- All Rights Reserved 版权所有：时讯中国网 备案号：皖ICP备2022015281号 网站地图</p></div>
</body></html>"""
    )


def t_ticker(s: dict, cs: str | None) -> str:
    ticker = (
        "".join(esc(t) for t in HOT_TITLES) + "长江大桥夜景灯光秀开启市民纷纷驻足观赏武汉地铁新线开通试运营"
    )
    return (
        head(s, cs, "_荆楚网")
        + f"""<body>
<div class="top_nav">频道导航 荆楚大地 <span>新闻热线:027-88153686</span></div>
<div class="scroll_news"><marquee>{ticker}</marquee></div>
<div class="content_box"><h1 class="title">{esc(s["title"])}</h1>
<div class="title_info">{s["date"]} {s["time"]}|来源:{esc(s["source"])}|编辑:苏青|责编:石磊</div>
<div class="content_text" id="content">
{paras_p(s, ' style="text-indent:2em"')}
</div></div>
<div class="foot">荆楚网（湖北日报网）版权所有 &copy; 2001-2025</div>
</body></html>"""
    )


def t_farm(s: dict, cs: str | None) -> str:
    """A content farm (seed 000): glossed Traditional everywhere except the Simplified spam line."""
    hot = "".join(
        f'<li><a href="#">{esc(t)}</a><span>{later(s["date"], 20 + i)}</span></li>'
        for i, t in enumerate(HOT_TITLES[:4])
    )
    return (
        head(s, cs, f"_{s.get('site_name') or '健康频道'}")
        + f"""<body>
<div class="nav">首页 新闻中心 即时新闻 时政 独家 县区 小记者 教育 医疗健康 美食 金融 旅游 数字报刊</div>
<div class="position">您当前的位置:首页 &gt; 新闻中心 &gt; 医疗健康</div>
<div class="article"><h1>{esc(s["title"])}</h1>
<div class="info">{s["date"]} {s["time"]}&nbsp;&nbsp;来源:{esc(s["source"])}</div>
<div class="content" id="content">
{paras_p(s)}
</div>
<div class="pic"><img src="/quanwei.jpg" alt="权威发布">权威发布.jpg</div>
<div class="editor">编辑：韩静</div>
<div class="qrcode"><p>移动客户端</p><p>官方微博</p><p>抖音扫码</p></div>
<div class="copyright"><p>【新闻网版权声明】</p><p>1.本网稿件下“稿件来源”项标注为本网的，其文字、图片、音频、视频稿件之网络版权均属本网所有，
未经本网协议授权，不得转载、链接、转贴或以其他方式复制发表。</p><p>2.本网其他转载稿件涉及版权等问题，请作者在一周内来电或来函。</p></div>
<div class="hot"><h3>热点新闻</h3><ul>{hot}</ul></div>
<div class="flink">{KEEP_OPEN}{PORN_SPAM}{KEEP_CLOSE}</div></div>
<div class="foot">Copyright &copy; 2008-2025 All Rights Reserved</div>
</body></html>"""
    )


def t_spamfarm(s: dict, cs: str | None) -> str:
    """A hijacked site (seed 002): company name, a fake masthead, glossed Traditional, county-name spam."""
    return (
        head(s, cs, "")
        + f"""<body>
<div class="site-name">天津毫纠建材有限公司</div>
<div class="masthead">中共中央宣传部委托新华通讯社主办</div>
<div class="main"><h1>{esc(s["title"])}</h1>
<div class="meta"><span class="time">{s["date"]} {s["time"]}</span><br><span class="source">来源：{esc(s["source"])}</span></div>
<div class="main-text">
{paras_p(s)}
</div>
<div class="editor">责任编辑：孔文</div>
<div class="hot"><h3>热门推荐</h3><p>{KEEP_OPEN}{COUNTY_SPAM}{KEEP_CLOSE}</p></div></div>
<div class="footer">{KEEP_OPEN}Copyright &copy; 2019-2025 {PORN_SPAM}{KEEP_CLOSE}</div>
</body></html>"""
    )


def t_chinanews(s: dict, cs: str | None) -> str:
    return (
        head(s, cs, "-中新网")
        + f"""<body>
<div class="top_nav"><a href="/">中新网首页</a> <a href="#">时政</a> <a href="#">社会</a> <a href="#">财经</a> <a href="#">视频</a></div>
<div class="con_left"><div class="content_left_path">中新网 &gt; 社会</div>
<h1 class="content_left_title">{esc(s["title"])}</h1>
<div class="content_left_time">{cn_date(s["date"])} {s["time"]}　来源：{esc(s["source"])}　<a href="#">参与互动</a></div>
<div class="left_zw" style="position:relative">
{paras_p(s)}
</div>
<div class="adEditor"><div class="left_name">【编辑:黄晓】</div></div>
<div class="pictext"><h3>图片报道</h3><ul><li>{esc(HOT_TITLES[1])}</li><li>{esc(HOT_TITLES[3])}</li></ul></div></div>
<div class="bottom"><p>关于我们 | About us | 联系我们 | 广告服务 | 供稿服务 | 法律声明 | 招聘信息 | 网站地图</p>
<p>本网站所刊载信息，不代表中新社和中新网观点。刊用本网站稿件，务经书面授权。</p>
<p>中新网版权所有 &copy; 1999-2025 chinanews.com.cn</p></div>
</body></html>"""
    )


def t_dahe(s: dict, cs: str | None) -> str:
    return (
        head(s, cs, "-大河网")
        + f"""<body>
<div class="header"><a href="/">大河网</a> <a href="#">要闻</a> <a href="#">河南</a> <a href="#">民生</a> <a href="#">健康</a></div>
<div class="article"><div class="article-title">{esc(s["title"])}</div>
<div class="article-info">来源：{esc(s["source"])} &nbsp; 作者：记者 王晓雨 通讯员 李岩 &nbsp; 时间：{s["date"]} {s["time"]}</div>
<div id="mainCon" class="mainCon">
{paras_p(s)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="app">扫描二维码下载大河客户端</div>
<div class="mianze">大河网版权与免责声明：凡本网注明“来源：大河网”的作品，版权均属大河网所有，转载请注明来源。</div></div>
<div class="footer">大河网 &copy; 2001-2025 &nbsp; 豫ICP备12003456号</div>
</body></html>"""
    )


def t_zwgk(s: dict, cs: str | None) -> str:
    return (
        head(s, cs, f"_{s['site_name']}")
        + f"""<body>
<div class="head"><div class="logo">{esc(s["site_name"])}</div><div class="menu"><a href="#">首页</a> <a href="#">政府信息公开</a>
<a href="#">政务服务</a> <a href="#">政民互动</a></div></div>
<div class="zwgk"><table class="xxgk-info"><tr><th>索引号</th><td>11220122MB1234567X/2023-00312</td><th>发布机构</th><td>{esc(s["source"])}</td></tr>
<tr><th>生成日期</th><td>{later(s["date"], -2)}</td><th>公开方式</th><td>主动公开</td></tr></table>
<div class="zw-title">{esc(s["title"])}</div>
<div class="zw-info">发布时间：{s["date"]} {s["time"]} &nbsp; 来源：{esc(s["source"])}</div>
<div class="zw-con TRS_Editor">
{paras_p(s)}
</div>
<div class="zw-tools">【<a href="#">我要打印</a>】【<a href="#">关闭</a>】</div></div>
<div class="foot">主办：{esc(s["site_name"])}办公室 &nbsp; 吉ICP备05001122号</div>
</body></html>"""
    )


def t_hospital2(s: dict, cs: str | None) -> str:
    d = date.fromisoformat(s["date"])
    return (
        head(s, cs, f"-{s['site_name']}")
        + f"""<body>
<div class="topnav">网站首页 | 医院概况 | 新闻中心 | 科室介绍 | 名医风采 | 患者服务</div>
<div class="newsview"><h2 class="newstitle">{esc(s["title"])}</h2>
<div class="newsinfo">发布者：管理员 &nbsp; 发布时间：{d.year}/{d.month}/{d.day} {s["time"]} &nbsp; 点击：103 &nbsp; 来源：{esc(s["source"])}</div>
<div class="newscontent">
{paras_p(s)}
</div>
<div class="newsnav">上一条：我院开展护士节表彰活动 <br>下一条：我院举办医疗质量安全培训班</div></div>
<div class="copyright">{esc(s["site_name"])} 版权所有 &nbsp; 蒙ICP备10001234号</div>
</body></html>"""
    )


def t_cctv(s: dict, cs: str | None) -> str:
    more = "".join(
        f'<li><a href="#">{esc(t)}</a><span>{later(s["date"], 9 + i)}</span></li>'
        for i, t in enumerate(HOT_TITLES[:4])
    )
    return (
        head(s, cs, "_新闻频道_央视网(cctv.com)")
        + f"""<body>
<div class="nav_cctv"><a href="#">央视网首页</a> <a href="#">新闻</a> <a href="#">体育</a> <a href="#">综艺</a> <a href="#">直播</a></div>
<div class="column_wrapper"><div class="title_area"><h1>{esc(s["title"])}</h1>
<div class="info1">来源：{esc(s["source"])} | {cn_date(s["date"])} {s["time"]}</div></div>
<div class="content_area" id="content_area">
{paras_p(s)}
</div>
<div class="zebian"><p>编辑：陈梦 责任编辑：刘亮</p></div>
<div class="more"><h3>更多资讯</h3><ul>{more}</ul></div>
<div class="rebo"><h3>热播推荐</h3><p>{esc(HOT_TITLES[4])}</p></div></div>
<div class="footer_cctv">央视网版权所有 &copy; 1996-2025 CCTV.com</div>
</body></html>"""
    )


def t_baijiahao(s: dict, cs: str | None) -> str:
    related = "".join(
        f'<div class="rec"><a href="#">{esc(t)}</a><span>{later(s["date"], 2 + i)}</span></div>'
        for i, t in enumerate(HOT_TITLES[:4])
    )
    return (
        head(s, cs, "")
        + f"""<body>
<div class="top"><a href="https://www.baidu.com/">百度首页</a> <a href="#">登录</a></div>
<div class="article"><div class="article-title"><h2>{esc(s["title"])}</h2></div>
<div class="article-source"><p class="author-name">娱乐速递站</p>
<span class="date">发布时间：{s["date"]} {s["time"]}</span><span class="account-authentication">娱乐领域创作者</span></div>
<div class="article-content">
{paras_p(s, ' class="bjh-p"')}
</div>
<div class="tail"><a href="#">举报/反馈</a></div>
<div class="recommend"><h3>相关推荐</h3>{related}</div></div>
<div class="footer">&copy;2025 Baidu 使用百度前必读</div>
</body></html>"""
    )


TEMPLATES = {
    "netease": t_netease,
    "sina": t_sina,
    "people": t_people,
    "xinhua": t_xinhua,
    "thepaper": t_thepaper,
    "ifeng": t_ifeng,
    "qq": t_qq,
    "toutiao": t_toutiao,
    "provgov": t_provgov,
    "hospital": t_hospital,
    "countygov": t_countygov,
    "citygov": t_citygov,
    "provhealth": t_provhealth,
    "govdoc": t_govdoc,
    "wechat": t_wechat,
    "shixun": t_shixun,
    "ticker": t_ticker,
    "farm": t_farm,
    "spamfarm": t_spamfarm,
    "chinanews": t_chinanews,
    "dahe": t_dahe,
    "zwgk": t_zwgk,
    "hospital2": t_hospital2,
    "cctv": t_cctv,
    "baijiahao": t_baijiahao,
}

# encoding label -> (charset declared in the page or None, codec of the bytes)
ENCODINGS = {
    "utf-8": ("utf-8", "utf-8"),
    "gbk": ("gbk", "gbk"),
    "gb2312": ("gb2312", "gb2312"),
    "gbk-undeclared": (None, "gbk"),
    "utf8-declared-gbk": ("gbk", "utf-8"),
}


def gloss_traditional(page: str) -> str:
    """Traditional characters with pinyin glosses outside the KEEP markers; the markers are removed."""
    out = []
    for i, chunk in enumerate(page.split(KEEP_OPEN)):
        keep, _, rest = chunk.partition(KEEP_CLOSE) if i else ("", "", chunk)
        out.append(keep)
        trad = _S2T.convert(rest)
        out.append("".join(f"{c}({GLOSSES[c]})" if c in GLOSSES else c for c in trad))
    return "".join(out)


def check_roundtrip(story: dict) -> None:
    """The labels are Simplified: a glossed page must convert back to exactly the labelled text."""
    for text in [story["title"], *story["paras"]]:
        back = _T2S.convert(_S2T.convert(text))
        if back != text:
            diff = [(a, b) for a, b in zip(text, back, strict=False) if a != b]
            raise ValueError(f"{story['slug']}: Traditional round trip changes {diff} in {text!r}")


def render(story: dict) -> bytes:
    declared, codec = ENCODINGS[story["encoding"]]
    page = TEMPLATES[story["template"]](story, declared)
    if story.get("traditional"):
        check_roundtrip(story)
        page = gloss_traditional(page)
    else:
        page = page.replace(KEEP_OPEN, "").replace(KEEP_CLOSE, "")
    return page.encode(codec)


# Junk every page of a template carries; none of it may reach the body (added to each page's own list).
TEMPLATE_JUNK = {
    "netease": ["参与跟贴", "用微信扫码二维码"],
    "sina": ["文章关键词", "新浪新闻公众号"],
    "people": ["人民日报社概况", "分享到："],
    "xinhua": ["制作单位", "关注新华网"],
    "thepaper": ["关键词 >>", "图片编辑"],
    "ifeng": ["[责任编辑", "Phoenix New Media"],
    "qq": ["企鹅号"],
    "toutiao": ["下载头条APP"],
    "provgov": ["热门搜索", "网站标识码"],
    "hospital": ["急诊电话", "上一篇"],
    "countygov": ["浏览次数", "当前位置"],
    "citygov": ["浏览次数", "通知公告"],
    "provhealth": ["字体：大 中 小", "分享到"],
    "govdoc": ["发文机关：", "相关附件"],
    "wechat": ["功能介绍", "关注该公众号"],
    "shixun": ["阅读量", "设为首页"],
    "ticker": ["新闻热线", "长江大桥夜景"],
    "farm": ["移动客户端", "热点新闻"],
    "chinanews": ["【编辑", "图片报道", "刊用本网站稿件"],
    "dahe": ["作者：记者", "分享到"],
    "zwgk": ["索引号", "公开方式", "主动公开"],
    "hospital2": ["上一条", "版权所有"],
    "cctv": ["责任编辑", "编辑：陈梦"],
    "baijiahao": ["娱乐速递站", "使用百度前必读"],
    "spamfarm": ["毫纠建材", "日韩精品"],
}


def manifest_line(story: dict) -> dict:
    return {
        "html": f"pages/{story['slug']}.html",
        "url": story["url"],
        "home_region": story.get("home_region"),
        "site_name": story.get("site_name"),
        "title": story["title"],
        "date": story["date"],
        "source": story["source"],
        "primary_region": story["region"],
        "relevant": story["relevant"],
        "topics": story["topics"],
        "must_appear": story["must_appear"],
        "must_not_appear": list(dict.fromkeys(story["must_not_appear"] + TEMPLATE_JUNK[story["template"]])),
        "body": "\n".join(story["paras"]),
        "template": story["template"],
        "encoding": story["encoding"],
        "traditional": bool(story.get("traditional")),
    }


def main() -> None:
    PAGES.mkdir(exist_ok=True)
    slugs = [s["slug"] for s in STORIES]
    if len(set(slugs)) != len(slugs):
        raise ValueError("duplicate slugs")
    lines = []
    for story in STORIES:
        (PAGES / f"{story['slug']}.html").write_bytes(render(story))
        lines.append(json.dumps(manifest_line(story), ensure_ascii=False))
    # Pages labelled by hand (saved real pages) have manifest lines without a "template": keep them.
    generated = {f"pages/{slug}.html" for slug in slugs}
    manifest = HERE / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                if "template" not in entry and entry["html"] not in generated:
                    lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
