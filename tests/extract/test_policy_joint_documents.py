"""A joint notice names every 发文机关 and its 成文日期 (the issue saw a joint notice of five departments listed
with one body and no date). The pages here are written for the test, in the layout gov sites use."""

from __future__ import annotations

import pytest

from extract import extract_article
from extract.policy import find_issuing_bodies, find_written_date, split_bodies

FIVE = ["国家卫生健康委", "国家发展改革委", "财政部", "人力资源社会保障部", "国家医保局"]

JOINT_PAGE = """<html><head><title>关于印发方案的通知</title></head><body>
<h1>{title}</h1>
<div class="info">发布时间：2024年1月5日 来源：基层司</div>
<div class="con"><p>国卫基层发〔2023〕41号</p>
<p>各省、自治区、直辖市卫生健康委、发展改革委、财政厅（局）、人力资源社会保障厅（局）、医保局：</p>
<p>为推进紧密型县域医疗卫生共同体建设，我们制定了实施方案，现印发给你们，请结合实际贯彻落实。各地要完善医共体管理体制和运行机制，推动县域医疗卫生服务能力提升，促进分级诊疗。</p>
<p>各地要以评判标准为指引，完善医共体管理体制和运行机制，推动县域医疗卫生服务能力提升，促进分级诊疗。</p>
<p style="text-align:right">国家卫生健康委　　国家发展改革委</p>
<p style="text-align:right">财政部　　人力资源社会保障部</p>
<p style="text-align:right">国家医保局</p>
<p style="text-align:right">2023年12月29日</p>
<p>（信息公开形式：主动公开）</p>
</div></body></html>"""


@pytest.mark.parametrize(
    "title",
    [
        "国家卫生健康委等5部门关于印发紧密型县域医共体建设实施方案的通知",
        "国家卫生健康委等五部门关于印发紧密型县域医共体建设实施方案的通知",
        "国家卫生健康委 国家发展改革委 财政部 人力资源社会保障部 国家医保局关于印发紧密型县域医共体建设实施方案的通知",
        "关于印发紧密型县域医共体建设实施方案的通知",
    ],
)
def test_joint_notice_lists_every_issuing_body_and_its_written_date(title):
    art = extract_article(JOINT_PAGE.format(title=title), "https://www.example.gov.cn/a/20240105.shtml")
    assert art.issuing_bodies == FIVE
    assert art.issuing_body == "、".join(FIVE)
    assert art.written_date == "2023-12-29"
    assert art.published.date().isoformat() == "2024-01-05"  # 发布日期 stays apart from 成文日期
    record = art.to_dict()
    assert record["issuing_bodies"] == FIVE and record["written_date"] == "2023-12-29"


def test_title_listing_bodies_gives_them_in_order():
    title = "国家卫生健康委 国家中医药局 国家疾控局关于做好2024年基层卫生健康工作的通知"
    assert find_issuing_bodies(title) == ["国家卫生健康委", "国家中医药局", "国家疾控局"]


def test_single_body_documents_keep_one_body():
    assert find_issuing_bodies("河北省卫生健康委员会关于印发实施方案的通知") == ["河北省卫生健康委员会"]
    assert find_issuing_bodies("关于印发方案的通知") == []
    assert find_issuing_bodies("郑州召开医共体建设推进会关于下一步工作作出部署") == []


def test_metadata_table_field_wins_and_names_every_body():
    assert find_issuing_bodies("关于印发方案的通知", "", "中共中央 国务院") == ["中共中央", "国务院"]
    assert find_issuing_bodies("x", "", "国家卫生健康委、国家医保局") == ["国家卫生健康委", "国家医保局"]


def test_signature_with_fewer_bodies_than_the_title_does_not_replace_it():
    text = "正文内容。\n国家医保局\n2024年3月1日"
    title = "国家卫生健康委 国家医保局关于推进医保支付方式改革的通知"
    assert find_issuing_bodies(title, text) == ["国家卫生健康委", "国家医保局"]


def test_written_date_from_field_or_closing_line():
    assert find_written_date("", "2023年05月06日") == "2023-05-06"
    assert find_written_date("", "2023-5-6") == "2023-05-06"
    assert find_written_date("正文。\n国家卫生健康委\n（2023年5月6日）\n（此件主动公开）") == "2023-05-06"
    # A date inside a sentence is not the document's date; nor one far above the end.
    assert find_written_date("会议于2023年5月6日召开。\n会议要求加强医共体建设。") is None
    assert find_written_date("2023年5月6日\n" + "\n".join(["正文一段。"] * 20)) is None
    assert find_written_date("正文。\n2023年13月6日") is None


def test_split_bodies_ignores_what_is_not_a_body():
    assert split_bodies("国家卫生健康委　 财政部 / 国家医保局") == ["国家卫生健康委", "财政部", "国家医保局"]
    assert split_bodies("各地要加强管理，确保落实") == []
