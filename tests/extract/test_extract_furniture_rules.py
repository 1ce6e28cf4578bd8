"""Furniture that sites put around every story (issue #16 part 2), dropped by general, line-shaped rules.

Each case is a shape seen on real pages of the labelled set (tests/eval/real), written here with made-up
names; story lines that merely mention the same words must stay.
"""

from __future__ import annotations

import pytest

from extract.cleaning import clean_lines
from yigai.furniture import furniture_lines

STORY = [
    "县医院牵头组建紧密型县域医共体，乡镇卫生院和村卫生室纳入统一管理，人财物实行一体化运营。" * 2,
    "医共体内推行医保基金总额付费，结余留用，合理超支分担，群众在家门口就能看上好医生。" * 2,
]


@pytest.mark.parametrize(
    "junk",
    [
        "网友评论仅供其表达个人看法，并不表明本网立场。",  # disclaimers
        "本文仅代表作者个人观点。",
        "声明：本报力求信息真实、准确，文章提及内容仅供参考，不构成实质性投资建议。",
        "本文为某某网原创文章，未经允许不得转载",  # reprint notices
        "本文系博主原创，谢绝转载。",
        "※本网站之文字、图片及影音，非经授权，不得转载、公开播送或公开传输及利用。",
        "编辑 王小明 校对 李四",  # staff credits
        "医务科供稿 摄影/张三 编辑/李四",
        "投稿|news@example.com 合作|example01(微信)",
        "1、回复【医共体】查看最新消息",  # WeChat reply keywords, tipping chrome
        "受苹果公司新规定影响，微信 iOS 版的赞赏功能被关闭，可通过二维码转账支持公众号。",
        "如果您喜欢我们的报导，请帮我们按个赞！",  # calls to like, submit, read more
        "【更多新闻详情请上 - 某某新闻网 】",
        "相关资讯请关注:医改专区",
        "目前没有发表意见!!",  # comment box and feedback widgets
        "感谢您的反馈，我们将会减少此类文章的推荐",
        "查看全部 621 个回答",  # Q&A-site counters
        "4427 人关注该问题",
        "Tag:医共体",
        "某地举行义诊活动 专家下基层【北京某某网】",  # another story's headline signed by its site
        "·头条一 ·头条二很长一些 ·头条三！ ·头条四",  # headlines run together by bullets
    ],
)
def test_furniture_line_is_dropped_wherever_it_stands(junk):
    for lines in ([junk, *STORY], [STORY[0], junk, STORY[1]], [*STORY, junk]):
        assert junk not in clean_lines(lines).lines


def test_the_portal_back_link_closes_the_story():
    lines = [*STORY, "最后一段话说完了。返回某某，查看更多", "责任编辑：", "另一条新闻的标题：某地开展义诊活动", "摘要…"]
    kept = clean_lines(lines).lines
    assert kept == [*STORY, "最后一段话说完了。"]


def test_staff_credits_after_the_story_close_it():
    lines = [*STORY, "开始实施了！！！编辑|王小明", "责编|李四", "往期内容一", "1、公众号菜单说明文字"]
    assert clean_lines(lines).lines == [*STORY, "开始实施了！！！"]


def test_a_closing_site_plug_is_trimmed_from_its_paragraph():
    last = "此前，症状不明显的人可能无意中传播病毒。(本文来自某某新闻，更多原创资讯请下载“某某新闻”APP)"
    kept = clean_lines([*STORY, last]).lines
    assert kept[-1] == "此前，症状不明显的人可能无意中传播病毒。"
    assert furniture_lines("\n".join(kept)) == []


def test_a_breadcrumb_at_the_edge_is_dropped():
    assert clean_lines(["某某新闻网 / 医疗", *STORY]).lines == STORY


def test_story_lines_that_mention_the_same_words_stay():
    story = [
        "座谈会上，专家表示，这一改革不代表医保基金的立场发生变化，而是支付方式的技术调整，群众负担不会增加。",
        "该县设立了医共体投稿平台和患者反馈渠道，方便群众反映就医中的问题，卫健局编辑整理后定期公开回复。",
        "据介绍，全县开通了12320卫生热线，为群众提供预约挂号和政策咨询服务，全年共受理来电三万余次。",
    ]
    assert clean_lines([*STORY, *story]).lines == [*STORY, *story]
