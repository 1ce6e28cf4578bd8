"""Syndication compares stories, not templates (issue #16 part 4), and picks the original by authority
(issue #18 part 6)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from extract import SourceHint, extract_article
from extract.fingerprint import fingerprints
from extract.syndication import (
    CONTENT_FARM,
    GOVERNMENT,
    OFFICIAL_MEDIA,
    OTHER,
    PORTAL,
    StoryText,
    SyndicationCandidate,
    authority,
    choose_original,
    group_near_duplicates,
    same_story,
    template_lines,
)
from yigai.eval_sets import load_set, read_page

SH = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]

TEMPLATE_TOP = "本市卫生健康委员会发布最新情况通报，现将有关信息公布如下，请广大市民做好个人防护。"
TEMPLATE_END = (
    "市卫生健康委提醒：广大市民要坚持戴口罩、勤洗手、常通风、保持社交距离，如出现发热、干咳、乏力等症状，"
    "应及时到就近的发热门诊就诊，就诊途中全程佩戴口罩，避免乘坐公共交通工具，并主动告知旅行史和接触史。"
) * 4
STORIES = [
    ("河东区新增两家社区卫生服务中心", "3月18日，河东区新增两家社区卫生服务中心投入使用，服务居民12万人。"),
    ("西城县医共体开通双向转诊通道", "3月19日，西城县医共体开通双向转诊绿色通道，首月转诊患者346人次。"),
    ("南湖区启动家庭医生签约服务月", "3月21日，南湖区启动家庭医生签约服务月活动，签约率提高到58%。"),
    ("北山县乡镇卫生院完成标准化建设", "4月2日，北山县27家乡镇卫生院全部完成标准化建设并通过验收。"),
]


def _text(lead: str) -> str:
    return "\n".join([TEMPLATE_TOP, lead, TEMPLATE_END])


def _items(texts: list[str]) -> list[tuple[str, int, tuple[int, ...]]]:
    return [(str(i), *fingerprints(t)) for i, t in enumerate(texts)]


def test_one_template_carrying_four_stories_gives_four_stories():
    texts = [_text(lead) for _, lead in STORIES]
    items = _items(texts)
    # the fingerprints alone take the shared template for one story: this is what must not happen
    assert len(group_near_duplicates(items)) == 1
    stories = [StoryText(site="某市卫生健康委员会", title=t, lead=x) for (t, _), x in zip(STORIES, texts, strict=True)]
    template = template_lines(stories)
    assert (TEMPLATE_TOP.replace("，", "").replace("。", "")) in {line for _, line in template}
    groups = group_near_duplicates(items, same_story=lambda a, b: same_story(stories[a], stories[b], template))
    assert groups == [["0"], ["1"], ["2"], ["3"]]


def test_a_copy_on_another_site_still_groups_by_title_or_lead():
    title, lead = STORIES[1]
    original = StoryText(site="西城县人民政府", title=title, lead=_text(lead))
    retitled = StoryText(site="某某新闻网", title="双向转诊开通了！首月346人次受益", lead=lead + "\n" + TEMPLATE_END)
    same_title = StoryText(site="内容农场", title=title + "(图)", lead="转载\n" + TEMPLATE_END)
    assert same_story(original, retitled) and same_story(original, same_title)
    # the next bulletin on the same template: its title and lead differ in their numbers
    bulletin = "3月18日（0-24时）本市各区确诊病例、无症状感染者居住地信息"
    first = StoryText("市卫健委", bulletin, "3月18日，新增本土确诊病例8例和无症状感染者366例。")
    second = StoryText("市卫健委", bulletin.replace("18", "19"), "3月19日，新增本土确诊病例17例和无症状感染者492例。")
    assert not same_story(first, second)


def test_authority_ranks_and_the_original():
    assert authority("国家卫生健康委员会", "http://www.nhc.gov.cn/a.html") == GOVERNMENT
    assert authority(None, "http://wsjkw.hebei.gov.cn/a.html") == GOVERNMENT
    assert authority("新华网", "http://www.news.cn/a.html") == OFFICIAL_MEDIA
    assert authority("河北日报", "http://hbrb.example.cn/a.html") == OFFICIAL_MEDIA
    assert authority("网易新闻", "https://www.163.com/a.html") == PORTAL
    assert authority("好久建材网", "http://www.haojiu-jiancai.cn/a.html") == OTHER
    assert authority("某站", "http://x.cn/a.html", content_farm=True) == CONTENT_FARM
    t1, t2, t3 = (datetime(2024, 3, d, 9, tzinfo=SH) for d in (15, 16, 17))
    farm_first = [
        SyndicationCandidate("f", "某转载站", "河北日报", t1, "http://farm.example.cn/1.html", content_farm=True),
        SyndicationCandidate("p", "网易新闻", "河北日报", t2, "https://www.163.com/2.html"),
        SyndicationCandidate("g", "邯郸市卫生健康委员会", None, t3, "http://wjw.handan.gov.cn/3.html"),
    ]
    assert choose_original(farm_first) == "g"  # authority first, then date
    assert choose_original(farm_first[:2]) == "p"  # never a content farm while another copy exists
    assert choose_original(farm_first[:1]) == "f"


def test_content_farm_marks_are_read_from_the_text():
    glossed = "<html><body><h1>醫(yī)共體</h1><p>" + "縣域醫(yī)療衛(wèi)生共(gòng)同體建設。" * 5 + "</p></body></html>"
    plain = glossed.replace("(yī)", "").replace("(wèi)", "").replace("(gòng)", "")
    assert extract_article(glossed, "http://farm.example.cn/1.html").content_farm
    assert not extract_article(plain, "http://gov.example.cn/1.html").content_farm


def _group_labelled(pages: list[tuple[str, str, bytes, str | None]]) -> list[list[str]]:
    arts = [
        (pid, extract_article(raw, url, source=SourceHint(name=site) if site else None))
        for pid, url, raw, site in pages
    ]
    stories = [StoryText(site=a.site, title=a.title, lead=a.text[:400]) for _, a in arts]
    template = template_lines(stories)
    return group_near_duplicates(
        [(pid, a.fingerprint, a.sketch) for pid, a in arts],
        same_story=lambda i, j: same_story(stories[i], stories[j], template),
    )


def test_every_syndicated_copy_of_the_sample_web_is_still_grouped_and_nothing_else():
    # the eval sets carry no syndicated pairs (the real set's template pages are tested below); the sample
    # web's copies are re-posts by a portal, a content farm (Traditional, pinyin glosses) and the NHC
    web = ROOT / "yigai/sample_web"
    expected = json.loads((web / "expected.json").read_text(encoding="utf-8"))["articles"]
    names = {"hbwjw": "河北省卫生健康委员会", "nhc": "国家卫生健康委员会", "farm": "内容农场", "portal": "云帆新闻 健康频道"}
    pages = [
        (e["path"], "http://127.0.0.1:8765" + e["path"], (web / "sites" / e["path"].lstrip("/")).read_bytes(),
         names[e["site"]])
        for e in expected
    ]
    got = {frozenset(g) for g in _group_labelled(pages)}
    stories: dict[str, set[str]] = defaultdict(set)
    for e in expected:
        stories[e["story"]].add(e["path"])
    assert any(len(paths) > 1 for paths in stories.values())
    assert got == {frozenset(paths) for paths in stories.values()}


@pytest.mark.parametrize("prefix", ["shcovid-wsjkw-", "shcovid-shfb-", "nd-cna-"])
def test_real_pages_on_one_template_stay_apart(prefix):
    real = load_set(ROOT / "tests/eval/real")
    labels = [lab for lab in real.labels if Path(lab.html).name.startswith(prefix)]
    found = [lab for lab in labels if real.paths.get(lab.html)]
    if len(found) < 2:
        pytest.skip(f"the {prefix}* pages are not here: tests/eval/real/tools/pages.py fetch")
    pages = [(lab.html, lab.url, read_page(real.paths[lab.html]), None) for lab in found]
    assert len(_group_labelled(pages)) == len(found)
