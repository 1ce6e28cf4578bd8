"""A generic detector of page furniture left in an extracted body, for the evaluation.

It is the evaluation's own judge, kept apart from the extractor's cleaning rules on purpose: if it reused
them it would be blind to exactly what they miss. It looks at each body line for what Chinese sites put
around a story — site footers (主办/承办/网站标识码/ICP备/技术支持, 版权所有), share bars, 打印本页/关闭窗口,
责任编辑 lines, related-news and hot-list headings, app-download prompts and WeChat's page chrome — and is
line-shaped where a word alone could be story text (a story may say 技术支持 or 主办, but not open a line
with `主办单位：`). Every labelled body of the real set is checked to contain none of it (tests/test_real_set.py),
so a pattern that would flag story text fails the tests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from extract.chinese import to_simplified

# (kind, pattern over one line with its whitespace removed). Colons are NFKC-folded to ":" first.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("footer", r"^(主办|承办|协办|主管|运营|维护)(单位)?:"),
        ("footer", r"网站标识码|ICP备|ICP证|公网安备|网站地图.*联系我们|联系我们.*网站地图"),
        ("footer", r"^技术支持:|^(建议|推荐)(使用|采用).{0,30}(浏览器|分辨率)"),
        ("copyright", r"版权所有|版权归.{0,20}所有|copyright©|©\d{4}|\(c\)\d{4}|未经.{0,12}授权.{0,12}(转载|复制)"),
        ("share", r"^分享到|^分享:|一键分享"),
        ("print", r"打印本页|关闭窗口|【打印】|【关闭】|\[打印\]|\[关闭\]|打印此页|【收藏】|字号:?\[?大"),
        ("editor", r"责任编辑|^[(（【\[]?(责编|编辑|审核|审校|校对|终审|初审|复审|值班编辑|监制)[:：]"),
        (
            "related",
            r"^[【\[<《]?(相关(新闻|阅读|文章|链接|推荐|报道|稿件)|热(点|门)(新闻|推荐|文章|排行)|推荐阅读"
            r"|猜你喜欢|精彩推荐|往期(推荐|回顾|精选)|更多精彩|点击排行|阅读排行|最新(文章|资讯))[】\]>》:]?$",
        ),
        ("app", r"下载.{0,8}客户端|客户端下载|扫码下载|打开.{0,6}APP|下载.{0,6}APP|APP内打开"),
        (
            "wechat",
            r"预览时标签不可点|微信扫一扫|关注该公众号|继续滑动看下一个|向上滑动看下一个|轻触阅读原文|使用小程序"
            r"|长按(识别)?二维码|^(阅读原文|在看|点赞|写留言|留言|赞赏|喜欢此内容的人还喜欢)$",
        ),
    )
)


@dataclass(frozen=True)
class FurnitureLine:
    kind: str
    line: str  # the offending line as found (shortened)

    def __str__(self) -> str:
        return f"{self.kind}: {self.line}"


def _squeezed(line: str) -> str:
    # read in Simplified characters, as the patterns are written: a Traditional page's 版權所有 is furniture too
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", line)))


def furniture_lines(text: str | None) -> list[FurnitureLine]:
    """The lines of an extracted body that are page furniture, each with the kind that matched first."""
    found = []
    for line in (text or "").splitlines():
        squeezed = _squeezed(line)
        if not squeezed:
            continue
        for kind, pattern in _PATTERNS:
            if pattern.search(squeezed):
                found.append(FurnitureLine(kind, line.strip()[:60]))
                break
    return found


__all__ = ["FurnitureLine", "furniture_lines"]
