from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from extract import hamming, simhash
from extract.syndication import SyndicationCandidate, choose_original, group_near_duplicates

SH = ZoneInfo("Asia/Shanghai")
STORY = (
    "郑州将高质量推进紧密型县域医疗卫生共同体建设，年底前建成互联互通的医共体信息平台。"
    "每个县(市)将组建一至三个医共体，全面推行医保基金打包付费，推动实现大病不出县。"
) * 3


def test_simhash_is_stable_and_whitespace_free():
    assert simhash(STORY) == simhash(STORY)
    assert simhash(STORY) == simhash(STORY.replace("，", "， \n "))
    # value pinned: a salted hash() would change it between interpreter runs
    assert simhash("医共体") == simhash("医 共 体") != 0
    assert 0 <= simhash(STORY) < 2**64
    assert simhash("") == 0


def test_near_duplicates_are_close_and_others_far():
    near = STORY + "（责任编辑：张三）"
    other = "湖人客场击败勇士，詹姆斯砍下三十分，球队取得三连胜，下一场将回到主场迎战快船队。" * 3
    assert hamming(simhash(STORY), simhash(near)) <= 3
    assert hamming(simhash(STORY), simhash(other)) > 10


def test_group_near_duplicates_is_deterministic():
    a, b, c = (
        simhash(STORY),
        simhash(STORY + "一句话"),
        simhash("完全不同的一篇文章，讲的是体育比赛和票房。" * 4),
    )
    items = [("z", a), ("c", c), ("b", b)]
    assert group_near_duplicates(items) == [["b", "z"], ["c"]]
    assert group_near_duplicates(list(reversed(items))) == [["b", "z"], ["c"]]


def test_choose_original_prefers_site_named_in_source_then_earliest_then_id():
    t1, t2 = datetime(2022, 1, 17, 8, tzinfo=SH), datetime(2022, 1, 17, 9, tzinfo=SH)
    cands = [
        SyndicationCandidate("a", "网易", "郑州晚报", t1, "https://163.example/a"),
        SyndicationCandidate("b", "郑州晚报", "郑州晚报", t2, "https://zzwb.example/b"),
    ]
    assert choose_original(cands) == "b"
    cands = [
        SyndicationCandidate("x", "网易", None, t2, "https://1"),
        SyndicationCandidate("y", "新浪", None, t1, "https://2"),
        SyndicationCandidate("w", "搜狐", None, None, "https://3"),
    ]
    assert choose_original(cands) == "y"
    tie = [SyndicationCandidate("m", "甲", None, t1, "u1"), SyndicationCandidate("k", "乙", None, t1, "u2")]
    assert choose_original(tie) == "k" == choose_original(list(reversed(tie)))


def test_copy_with_an_added_line_groups_by_sketch_but_other_stories_do_not():
    from extract.fingerprint import fingerprints, resemblance

    base = STORY
    copy = "(原标题:国家卫生健康委：紧密型县域医共体建设全面推开)\n" + STORY
    other = "体育新闻：某市马拉松比赛昨日鸣枪开跑，三万名选手参赛，赛事组织有序。" * 3
    (h1, s1), (h2, s2), (h3, s3) = fingerprints(base), fingerprints(copy), fingerprints(other)
    assert resemblance(s1, s2) >= 0.6 > resemblance(s1, s3)
    groups = group_near_duplicates([("a", h1, s1), ("b", h2, s2), ("c", h3, s3)])
    assert groups == [["a", "b"], ["c"]]
    # the same call without sketches falls back to SimHash alone, which keeps apart what differs by > 3 bits
    assert len(group_near_duplicates([("a", h1), ("c", h3)])) == 2
