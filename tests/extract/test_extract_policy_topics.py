from __future__ import annotations

import pytest

from extract import extract_article
from extract.policy import find_doc_number, find_doc_type, find_issuing_body
from extract.topics import is_relevant, score_topics


@pytest.mark.parametrize(
    "text, expected",
    [
        ("国卫基层发〔2023〕12号", "国卫基层发〔2023〕12号"),
        ("冀卫医政函[2022]5号", "冀卫医政函〔2022〕5号"),
        ("冀卫医政函［2022］5号", "冀卫医政函〔2022〕5号"),
        ("国办发(2017)32号文件", "国办发〔2017〕32号"),
        ("2023年12号", None),
    ],
)
def test_doc_number(text, expected):
    assert find_doc_number(text) == expected


def test_doc_type_and_issuer():
    assert find_doc_type("河北省卫生健康委员会关于印发紧密型县域医共体建设实施方案的通知") == "通知"
    assert find_doc_type("关于推进城市医疗集团建设的指导意见") == "意见"
    assert find_doc_type("《关于推进医共体建设的意见》政策解读") == "解读"
    assert find_doc_type("郑州组建医共体") == "新闻"
    assert find_issuing_body("河北省卫生健康委员会关于印发实施方案的通知") == "河北省卫生健康委员会"
    assert find_issuing_body("关于印发方案的通知") is None


def test_policy_page_fields_and_attachments():
    html = """<html><head><title>关于印发紧密型县域医共体建设评判标准的通知_国家卫生健康委员会</title></head><body>
    <h1>国家卫生健康委办公厅关于印发紧密型县域医共体建设评判标准的通知</h1>
    <div class="info">发布时间：2023年3月15日 来源：基层卫生健康司</div>
    <div class="con"><p>国卫办基层函〔2023〕41号</p>
    <p>各省、自治区、直辖市卫生健康委：为推进紧密型县域医疗卫生共同体建设，我们制定了评判标准，现印发给你们，请结合实际贯彻落实。</p>
    <p>各地要以评判标准为指引，完善医共体管理体制和运行机制，推动县域医疗卫生服务能力提升，促进分级诊疗。</p>
    <p>附件：<a href="/files/standard.pdf">1.评判标准</a> <a href="../files/table.XLSX">2.监测指标表</a>
    <a href="https://other.example.cn/d.docx?x=1">3.说明</a> <a href="/page.html">不是附件</a></p></div></body></html>"""
    art = extract_article(html, "https://www.example.gov.cn/jcwsjks/s/20230315.shtml")
    assert art.doc_number == "国卫办基层函〔2023〕41号"
    assert art.doc_type == "通知"
    assert art.issuing_body == "国家卫生健康委办公厅"
    assert [(a.url, a.kind) for a in art.attachments] == [
        ("https://www.example.gov.cn/files/standard.pdf", "pdf"),
        ("https://www.example.gov.cn/jcwsjks/files/table.XLSX", "xlsx"),
        ("https://other.example.cn/d.docx?x=1", "docx"),
    ]
    assert art.attachments[0].title == "1.评判标准"
    assert art.published.isoformat() == "2023-03-15T00:00:00+08:00"
    assert art.regions[0].national


OFF_TOPIC = {
    "sports": (
        "湖人客场击败勇士 詹姆斯砍下三十分",
        "比赛第三节，詹姆斯扭伤脚踝，赛后前往医院接受检查，球队表示并无大碍。" * 3
        + "湖人队本赛季战绩提升到西部第五，下一场将回到主场迎战快船。",
    ),
    "finance": (
        "A股三大指数集体收涨 医药板块领涨",
        (
            "今日沪指上涨百分之一，医药股表现活跃，多家医院概念股涨停。"
            "分析人士认为市场情绪回暖，成交额放大至九千亿元。"
        ),
    ),
    "tech": (
        "新款手机发布 搭载自研芯片",
        "发布会上，厂商介绍了新款手机的影像系统和续航表现，还展示了与某医院合作的健康监测功能。",
    ),
    "entertainment": (
        "春节档票房突破五十亿",
        "多部影片强势吸金，《哪吒2》领跑。一位演员因拍戏受伤住进医院，引发粉丝关注。",
    ),
}


@pytest.mark.parametrize("kind", sorted(OFF_TOPIC))
def test_off_topic_news_below_threshold(kind):
    title, text = OFF_TOPIC[kind]
    topics, relevance = score_topics(title, text)
    assert not is_relevant(relevance), (topics, relevance)


def test_reform_story_above_threshold_and_title_counts_more():
    text = "今年将推进紧密型县域医共体建设，完善分级诊疗制度，开展医保支付方式改革，实行DRG付费。"
    _, in_title = score_topics("郑州推进医共体建设", text)
    _, not_in_title = score_topics("郑州推进卫生工作", text)
    assert is_relevant(in_title) and in_title > not_in_title
    topics, _ = score_topics("郑州推进医共体建设", text)
    assert topics[0] == "county_medical_community" and "payment_reform" in topics


def test_latin_terms_need_boundaries():
    assert score_topics("", "ADIPOSE tissue")[1] == 0
    assert score_topics("", "实行DRG付费")[1] > 0


# Topics by salience (issue #16 part 6): title, lead and repetition decide; a passing mention does not tag.

DRG_STORY = "\n".join([
    "日照市自今年起对全市二级以上定点医院全面实行按疾病诊断相关分组（DRG）付费，同一病组支付标准相同。",
    "实行DRG付费后，医院通过缩短住院日、合理用药控制成本，住院次均费用增速明显回落。",
    "市医保局表示，下一步将完善DRG分组和权重，建立医保基金结余留用机制。",
    "此外，该市今年还将继续推进医共体建设，提升基层服务能力。",  # the passing mention
])


def test_a_passing_mention_does_not_tag_a_topic():
    from extract.topics import score_topics

    topics, relevance = score_topics("日照全面实行DRG付费 住院费用增速回落", DRG_STORY)
    assert topics == ["payment_reform"]
    assert relevance >= 4.0  # the mention still counts for relevance


def test_a_topic_in_the_lead_or_repeated_is_tagged():
    from extract.topics import score_topics

    lead_first = "\n".join([DRG_STORY.split("\n")[3].replace("此外，", ""), *DRG_STORY.split("\n")[:3]])
    assert "county_medical_community" in score_topics("日照全面实行DRG付费", lead_first)[0]
    repeated = DRG_STORY + "\n医共体内统一管理。\n医共体牵头医院派出专家。"
    assert "county_medical_community" in score_topics("日照全面实行DRG付费", repeated)[0]


def test_telemedicine_services_are_terms():
    from extract.topics import score_topics

    text = "近日，全县15家乡镇卫生院实现远程会诊全覆盖，群众在家门口就能请县医院专家会诊。"
    assert score_topics("我县远程会诊全覆盖", text)[0] == ["telemedicine"]
    assert score_topics("远程心电诊断中心投用", text)[0] == ["telemedicine"]
    assert score_topics("远程影像诊断中心投用", text)[0] == ["telemedicine"]


def test_every_topic_cites_the_national_documents_of_its_terms():
    import re
    import tomllib
    from importlib import resources

    data = tomllib.loads(resources.files("extract").joinpath("data/topics.toml").read_text(encoding="utf-8"))
    for topic in data["topic"]:
        assert topic["sources"], topic["id"]
        for src in topic["sources"]:
            assert src["document"] and src["issuer"], topic["id"]
            assert re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", src["date"]), src
            # a 文号 like 国办发〔2017〕32号, or "" where none was published
            assert src["number"] == "" or re.fullmatch(r"\S+〔(19|20)\d\d〕\d+号", src["number"]), src
            if src["number"]:
                assert src["number"][src["number"].index("〔") + 1 :][:4] == src["date"][:4], src
