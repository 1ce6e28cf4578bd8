"""Project-specific cleaning of the main text that trafilatura (or the fallback) lets through.

Works on normalised lines and only ever drops lines or cuts a known plug off a line's end (a staff credit,
a site's "(本文来自…下载APP)", a "返回…，查看更多" link), so it never adds text.
Returns the kept lines plus the editor names moved out of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .chinese import count_cjk, normalize_text

# A heading that opens a block of other stories: everything after it is not the article.
_STOP_HEADINGS = re.compile(
    r"^[※●■▲◆]?[【\[]?\s*(你可能(还|也)?(想看|喜欢|感兴趣)|相关推荐|热点推荐|热门推荐|精彩推荐|为你推荐|为您推荐|今日推荐|推荐阅读|相关阅读|延伸阅读|相关新闻|相关文章|"
    r"相关稿件|相关链接|头条要闻|热门博文|推荐新闻|新闻推荐|推荐文章|编辑推荐|网罗天下|猜你喜欢|热门文章|热门排行|热门新闻|热点新闻|热文排行|点击排行|排行榜|24小时热文|"
    r"更多精彩|更多新闻|往期回顾|图片新闻|热点关注|大家都在看|看了又看|本地新闻|财经要闻|体育要闻|娱乐要闻|科技要闻|"
    r"汽车要闻|房产要闻)\s*[】\]]?\s*[:：>»]*$"
)
_COPYRIGHT_HEAD = re.compile(r"^[【\[]?.{0,16}(版权声明|免责声明|特别声明|版权所有)\s*[】\]]?$")
_COPYRIGHT = re.compile(
    r"(版权声明|免责声明|版权所有|Copyright|©|All Rights Reserved|ICP备|ICP证|公网安备|"
    r"(未经|非经).{0,12}(授权|许可|允许|同意).{0,10}(转载|复制|使用)|(谢绝|禁止|严禁|请勿|不得)(任何)?(形式的?)?转载|"
    r"不代表本(网|站)观点|转载请注明|本网站转自其它媒体|如有侵权|联系电话[:：]|举报电话|违法和不良信息|"
    r"刊用本(网|站|网站)稿件|本(网|站|网站)所刊载)",
    re.IGNORECASE,
)
_PREV_NEXT = re.compile(
    r"^(上一篇|下一篇|上一条|下一条|上一页|下一页|返回列表|返回顶部|打印本页|关闭窗口|【?打印】?|【?关闭】?)"
)
_SHARE = re.compile(
    r"(分享到|分享至|扫码|扫一扫|二维码|关注@|官方微博|官方微信|微信公众号|公众号|客户端|抖音|下载APP|微信“|"
    r"收藏本站|设为首页|加入收藏|字号|【大 中 小】)",
    re.IGNORECASE,
)
_SHARE_WORDS = frozenset(
    {
        "分享",
        "分享至",
        "分享到",
        "微信",
        "微博",
        "QQ",
        "QQ空间",
        "朋友圈",
        "新浪微博",
        "腾讯微博",
        "复制链接",
        "打印",
        "关闭",
        "收藏",
        "点赞",
        "评论",
        "举报",
        "纠错",
        "大",
        "中",
        "小",
        "字号",
    }
)
_SPAM = re.compile(
    r"(无码|人妻|av一区|av在线|一区二区|欧美|日韩|国产精品|精品国产|在线观看|成人视频|成人网|色情|黄色网站|午夜|福利视频|"
    r"博彩|赌场|百家乐|六合彩|时时彩|太阳城|葡京|威尼斯人|真人娱乐|娱乐城|彩票网|老虎机|网赌|91社区|伦理片|三级片|爆乳|巨乳)",
    re.IGNORECASE,
)
# Short lines that are page furniture: comment/read counters, toolbars, tag lines, footers, the label
# cells of government metadata tables. Matched at line start and followed by a non-Han character.
_FURNITURE = re.compile(
    r"^[【\[]?(参与跟贴|跟贴|举报|评论|在看|阅读原文|阅读|功能介绍|点赞|收藏|浏览次数|阅读次数|点击数|点击量|访问量|纠错|"
    r"制作单位|关键词|关键字|标签|热门搜索|热搜|索引号|发文机关|主题分类|成文日期|生成日期|发布日期|生效日期|发文字号|公开方式|"
    r"人民日报社概况|关于人民网|报社简介|院址|地址|邮编|急诊电话|咨询电话|联系电话|联系我们|网站地图|技术支持|主办单位|"
    r"承办单位|运行维护|网站标识码|原创|字体|大中小)[】\]]?(?=$|[\s:：>》\d|｜]|[A-Za-z])"
)
_LABEL_ONLY = re.compile(
    r"^(索引号|主题分类|发文机关|发布机构|成文日期|生成日期|发布日期|发文字号|文号|标题|名称|公开方式|有效性|生效日期|功能介绍|"
    r"微信号|公众号)\s*[:：]?$"
)
_BREADCRUMB = re.compile(r"^(您|你)?(当前|现在)?(的)?(所在)?(位置|所在位置)\s*[:：]|^首页\s*[>»/]")
_IMAGE_FILE = re.compile(r"\S+\.(jpg|jpeg|png|gif|webp|bmp)$", re.IGNORECASE)
_EDITOR = re.compile(
    r"^[\[【(（]?\s*(?:责任编辑|责编|编辑|网络编辑|值班编辑|审核|审校|校对|编审|终审|监制|统筹)\s*[:：]\s*([^\]】)）|｜]{1,40}?)?\s*[\]】)）]?$"
)
_EDITOR_NAME = re.compile(r"(?:责任编辑|编辑)\s*[:：]\s*([\u4e00-\u9fffA-Za-z·]{2,12})")
_META_LINE = re.compile(r"(来源|稿源|作者|发布时间|发布日期|时间|浏览|阅读|点击|字号|编辑|责编)\s*[:：]?")
_DATE = re.compile(r"(19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


# Lines a site puts around every story, whatever the story: disclaimers, staff credit lines, calls to
# like/subscribe/submit, comment-box and feedback notices, WeChat reply keywords and tipping chrome, Q&A-site
# counters. Each is line-shaped (a story may mention 投稿 or 立场; it does not open a line with 编辑|姓名).
_DISCLAIMER = re.compile(
    # the notice ends with its 立场/观点; a story's sentence goes on ("不代表…的立场发生变化")
    r"仅代表[^，。]{0,10}(观点|看法|立场)([。！.，,]|$)|(不|并不)(代表|表明|反映)[^，。]{0,10}(立场|观点)([。！.，,]|$)|"
    r"不构成.{0,6}(投资)?建议|^[【\[]?(特别|免责|版权)?声明[】\]]?[:：]|赞赏功能|二维码转账|【点击[\u4e00-\u9fff]{1,6}】|"
    # a headline of another story signed with its site: "…为儿子比赛加油【北京新浪网】"
    r"^[^。！？；]{4,60}【[\u4e00-\u9fff]{2,10}(网|报|社|台|新闻)】$"
)
_CREDIT_ROLE = r"(责任编辑|责编|编辑|校对|审核|审校|摄影|摄像|供稿|语音|剪辑|制图|美编|排版|投稿|合作|监制|统筹|策划|视觉|设计|出品)"
_CREDIT_START = re.compile(rf"^{_CREDIT_ROLE}\s*[|｜/]")
_CREDIT_PAIR = re.compile(rf"{_CREDIT_ROLE}\s*[|｜/:：]?\s*[\u4e00-\u9fffA-Za-z0-9@.]")
_CREDIT_SUFFIX = re.compile(rf"(?<=[。！？!?”])\s*{_CREDIT_ROLE}\s*[|｜:：/]\s*[\u4e00-\u9fff·]{{2,4}}$")
_PROMO = re.compile(
    r"请.{0,6}(按个?赞|点个?赞|点赞|转发|分享|关注我们)|回复[【「“\"][^】」”\"]{1,12}[】」”\"]|"
    r"更多.{0,8}(详情|新闻|内容|资讯).{0,4}请(上|见|看|登录|关注|点击|访问)|^相关(资讯|新闻|报道|阅读)请|"
    r"(没有|暂无|还没有)(人)?(发表)?(意见|评论)|减少此类.{0,6}推荐|不感兴趣|新闻信|"
    r"^(查看全部)?\s*\d+\s*(个|条)(回答|评论)$|^\d+\s*人关注|等人赞同$|"
    r"^\S{0,8}(专线|热线)[:：]|^tags?[:：]|^[【\[](转载|原创|转)[】\]]$|投稿|"
    r"^(阅读原文|在看|点赞|写留言|留言|赞赏|喜欢此内容的人还喜欢|预览时标签不可点|微信扫一扫.{0,12})$",
    re.IGNORECASE,
)
# A parenthetical that closes a paragraph with the site's own plug: "(本文来自澎湃新闻，更多原创资讯请下载…APP)".
_PLUG_SUFFIX = re.compile(r"\s*[（(][^（()）]{0,40}(下载|APP|客户端)[^（()）]{0,20}[)）]$", re.IGNORECASE)
# "返回搜狐，查看更多": the link a portal puts at the very end of a story; what follows is not the story.
_BACK_LINK = re.compile(r"\s*返回[\u4e00-\u9fffA-Za-z]{1,8}[，,]\s*查看更多$")


_STORY_TOLD = 150  # CJK characters kept before an editor/credit line for it to mark the story's end
_BULLET = re.compile(r"(?:^|\s)[·•]\s*")


def _is_bullet_list(line: str) -> bool:
    # "·雷人！乡下女人也祛斑 ·美女“OUT”斑有绝招 ·偷拍明星…": headlines run together by bullets
    starts = _BULLET.findall(line)
    if len(starts) < 3 or not line.lstrip().startswith(("·", "•")):
        return False
    segments = [seg for seg in _BULLET.split(line) if seg.strip()]
    return sum(len(seg) <= 40 for seg in segments) >= 0.7 * len(segments)


def _is_credit_line(line: str) -> bool:
    if len(line) > 60 or _SENTENCE_END.search(line):
        return False
    return bool(_CREDIT_START.match(line)) or len(_CREDIT_PAIR.findall(line)) >= 2


def _is_promo(line: str) -> bool:
    return (len(line) <= 100 and bool(_DISCLAIMER.search(line))) or (len(line) <= 40 and bool(_PROMO.search(line)))


def _trim_plugs(line: str) -> tuple[str, bool]:
    """The line without a closing site plug, back link or staff credit; and whether the story ends there."""
    back = _BACK_LINK.search(line)
    if back:
        return line[: back.start()].rstrip(), True
    line = _PLUG_SUFFIX.sub("", line)
    return _CREDIT_SUFFIX.sub("", line), False


def is_stop_heading(text: str) -> bool:
    """Whether a short text is a related/hot/recommended heading (after normalisation)."""
    return bool(_STOP_HEADINGS.match(normalize_text(text).strip()))


@dataclass
class CleanResult:
    lines: list[str]
    editors: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # metadata-table values: 发文机关, 发文字号 …


def _is_pipe_list(line: str) -> bool:
    # "西畴县| 故城县| …" or "首页 | 新闻 |财经": several short segments joined by bars.
    segments = [s.strip() for s in re.split(r"[|｜]", line)]
    segments = [s for s in segments if s]
    if line.count("|") + line.count("｜") < 3 or len(segments) < 3:
        return False
    return sum(len(s) <= 8 for s in segments) >= 0.7 * len(segments)


_ROW_SEPARATORS = frozenset({"|", "｜", ">", "»", "/", "·", "-"})


def _is_link_row(line: str, link_texts: frozenset[str]) -> bool:
    # "首页 机构概况 新闻动态 政务公开": a navigation row of links joined by spaces (table-layout pages,
    # where trafilatura renders the whole row as one cell); every word is the text of a link of the page.
    if not link_texts or _SENTENCE_END.search(line):
        return False
    words = [w for w in line.split() if w not in _ROW_SEPARATORS]
    return len(words) >= 3 and all(w in link_texts for w in words)


def _is_spam(line: str) -> bool:
    hits = _SPAM.findall(line)
    return len(hits) >= 2 or (len(hits) == 1 and count_cjk(line) < 40)


def _is_share_bar(line: str) -> bool:
    if len(line) <= 30 and _SHARE.search(line):
        return True
    if len(line) <= 80 and re.search(r"(二维码|扫码|扫一扫|扫描)", line) and "关注" in line:
        return True
    words = line.replace("|", " ").split()
    return bool(words) and all(w in _SHARE_WORDS for w in words)


def is_meta_line(line: str) -> bool:
    """A header line with date/来源/作者 labels rather than prose (moved to metadata, not kept in text)."""
    if len(line) > 90 or "。" in line:
        return False
    has_date = bool(_DATE.search(line))
    labels = len(_META_LINE.findall(line))
    return (
        (has_date and (labels >= 1 or count_cjk(line) <= 4))
        or labels >= 2
        or line.startswith(("来源:", "来源："))
    )


def clean_lines(
    lines: Iterable[str], title: str | None = None, link_texts: frozenset[str] = frozenset()
) -> CleanResult:
    """Drop junk lines; stop at a related/hot-news heading or a copyright block; move editor lines out."""
    kept: list[str] = []
    editors: list[str] = []
    norm_title = _compact(title or "")
    link_run: list[int] = []
    pending_label: str | None = None
    fields: dict[str, str] = {}
    story_ended = False
    for raw in lines:
        if story_ended:
            break
        line, back_link = _trim_plugs(raw.strip())
        # the portal's back link, or the staff credits once the story is told, close the story
        story_ended = back_link or (
            line != raw.strip() and sum(count_cjk(k) for k in kept) >= _STORY_TOLD
        )
        if not line:
            continue
        if _STOP_HEADINGS.match(line) or _COPYRIGHT_HEAD.match(line):
            # A "related" heading above the article (before any real text) is a widget, not the end.
            if sum(count_cjk(k) for k in kept) >= 60:
                break
            continue
        editor = _EDITOR.match(line)
        if editor or _is_credit_line(line):
            name = _EDITOR_NAME.search(line)
            if name:
                editors.append(name.group(1))
            story_ended = sum(count_cjk(k) for k in kept) >= _STORY_TOLD
            continue
        if len(line) <= 80 and _EDITOR_NAME.search(line) and (is_meta_line(line) or len(line) <= 40):
            editors.append(_EDITOR_NAME.search(line).group(1))  # type: ignore[union-attr]
            continue
        if pending_label is not None:
            label_name, pending_label = pending_label, None
            if len(line) <= 40 and not _is_prose(line) and not _LABEL_ONLY.match(line):
                fields.setdefault(label_name, line)
                continue
        label = _LABEL_ONLY.match(line)
        if label:
            # a label cell of a metadata table ("发文机关：") or profile ("功能介绍"); its value is the next line
            pending_label = label.group(1)
            continue
        compact = _compact(line)
        if norm_title and (
            compact == norm_title
            or (len(compact) <= len(norm_title) + 6 and norm_title in compact and not kept)
        ):
            continue
        if (
            _COPYRIGHT.search(line)
            or _PREV_NEXT.match(line)
            or _is_share_bar(line)
            or _is_spam(line)
            or _is_pipe_list(line)
            or _is_bullet_list(line)
            or _is_promo(line)
            or _is_link_row(line, link_texts)
            or _BREADCRUMB.match(line)
            or (len(line) <= 40 and _FURNITURE.match(line))
            or _IMAGE_FILE.fullmatch(line)
            or (count_cjk(line) == 0 and len(line) <= 3)
            or (is_meta_line(line) and len(kept) < 3)
        ):
            if is_meta_line(line) and kept and len(kept) < 3 and _account_name(kept[-1], [line]):
                kept.pop()  # the author's account name right above the date/来源 line
            continue
        kept.append(line)
        # Runs of lines that are whole link texts are link lists (related stories, navigation).
        if link_texts and line in link_texts and count_cjk(line) >= 4:
            link_run.append(len(kept) - 1)
        else:
            _drop_link_run(kept, link_run)
            link_run = []
    _drop_link_run(kept, link_run)
    return CleanResult(lines=_trim_edges(kept, link_texts), editors=editors, fields=fields)


_SENTENCE_END = re.compile(r"[。！？；]")
_BYLINE = re.compile(
    r"^(记者|作者|文|撰稿|通讯员|特约记者)\s*[:：/]?\s*[\u4e00-\u9fff·]{2,4}(\s+[\u4e00-\u9fff·]{2,4}){0,3}$"
    # "记者潘照文、张逸民／台北报导": a reporter line with its place
    r"|^(本报)?(记者|特派员)\s*[\u4e00-\u9fff·、]{2,20}\s*[/／]\s*[\u4e00-\u9fff]{0,8}报[导道]$"
)


# "公视新闻网 / 医疗": a site and its sections (a breadcrumb) at the story's edge
_CRUMBS = re.compile(r"[^\s，。；！？、]{2,12}(\s*[/>»›]\s*[^\s，。；！？、/>»›]{0,12})+")


def _is_prose(line: str) -> bool:
    return len(line) >= 30 and bool(_SENTENCE_END.search(line))


def _edge_junk(line: str, link_texts: frozenset[str]) -> bool:
    return (
        line in link_texts
        or line.startswith((">", "»", "›"))
        or is_meta_line(line)
        or bool(_BYLINE.match(line))
        or bool(_CRUMBS.fullmatch(line))
        or bool(re.fullmatch(r"(来源|稿源|作者|编辑|时间|发布时间)\s*[:：]?", line))
    )


def _trim_edges(lines: list[str], link_texts: frozenset[str]) -> list[str]:
    """Before the first and after the last line of prose, drop navigation links, bylines and header
    fragments (what trafilatura keeps around the article); short headings between stay."""
    prose = [i for i, line in enumerate(lines) if _is_prose(line)]
    if not prose:
        return lines
    first, last = prose[0], prose[-1]
    head_lines = lines[:first]
    head = [
        ln
        for i, ln in enumerate(head_lines)
        if not _edge_junk(ln, link_texts) and not _account_name(ln, head_lines[i + 1 : i + 2])
    ]
    tail = [ln for ln in lines[last + 1 :] if not _edge_junk(ln, link_texts) and ln not in link_texts]
    return head + lines[first : last + 1] + tail


def _account_name(line: str, following: list[str]) -> bool:
    """A short name right above the date/来源 line of the header: the author's account, not text."""
    return (
        len(line) <= 16 and not _SENTENCE_END.search(line) and bool(following) and is_meta_line(following[0])
    )


def find_editor(lines: Iterable[str]) -> str | None:
    """First 责任编辑/编辑 name on a short line (for pages whose editor line sits outside the main text)."""
    for line in lines:
        if len(line) <= 80:
            m = _EDITOR_NAME.search(line)
            if m and (_EDITOR.match(line) or is_meta_line(line)):
                return m.group(1)
    return None


def _drop_link_run(kept: list[str], run: list[int]) -> None:
    if len(run) >= 3 and run == list(range(run[0], run[0] + len(run))):
        del kept[run[0] : run[-1] + 1]
    run.clear()


def _compact(s: str) -> str:
    return re.sub(r"\s+", "", s)
