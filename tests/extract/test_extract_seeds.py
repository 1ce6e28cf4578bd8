"""Pages in the structure of each seed page: clean text, original source, primary region."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from extract import ExtractedArticle, SourceHint, extract_article

PAGES = Path(__file__).parent / "pages"
SH = ZoneInfo("Asia/Shanghai")

CASES = {
    "seed000_content_farm.html": {
        "source": "河北日报",
        "region": ("河北省", None, None),
        "title": "河北：今年将有三成县建成紧密型县域医共体",
        "published": datetime(2022, 5, 9, 9, 22, 43, tzinfo=SH),
        "editor": "王芳芳",
        "must": ["医疗资源扩容下沉", "县(市、区)", "(李明华)", "结余留用"],
        "must_not": [
            "(xiàn)",
            "(yī)",
            "醫",
            "首页",
            "新闻中心",
            "权威发布.jpg",
            "编辑",
            "扫码",
            "关注@",
            "版权声明",
            "不得转载",
            "人妻",
            "无码",
            "91社区",
            "客户端",
        ],
    },
    "seed001_portal.html": {
        "source": "人民网",
        "region": "national",
        "title": "我国加快推动优质医疗资源扩容下沉",
        "published": datetime(2023, 4, 14, 10, 30, 48, tzinfo=SH),
        "editor": None,
        "must": ["国家卫生健康委日前召开新闻发布会", "云南省设立的分中心"],
        "must_not": [
            "设为首页",
            "收藏本站",
            "您现在的位置",
            "阅读量",
            "声明",
            "上一篇",
            "下一篇",
            "返回列表",
            "网罗天下",
            "三文鱼",
            "皮卡",
            "Copyright",
            "ICP",
            "首页 | 新闻",
        ],
    },
    "seed002_traditional_repost.html": {
        "source": "中国网",
        "region": ("河北省", "邯郸市", "永年区"),
        "title": "河北邯郸永年区医疗集团正式揭牌成立",
        "published": datetime(2022, 12, 31, 22, 51, tzinfo=SH),
        "editor": "孔某某",
        "must": ["河北省邯郸市永年区医疗集团揭牌成立", "双向转诊", "(图文 张伟 刘洋)"],
        "must_not": [
            "建材有限公司",
            "新华通讯社主办",
            "责任编辑",
            "热门推荐",
            "西畴县",
            "故城县",
            "克拉玛依",
            "醫",
            "區",
        ],
    },
    "seed003_provincial_portal.html": {
        "source": "人民网",
        "region": ("湖北省", None, None),
        "title": "湖北县域医共体建设全面推开 三年后群众看病九成不出县",
        "published": datetime(2019, 4, 30, 16, 47, 27, tzinfo=SH),
        "editor": "苏某某",
        "must": ["湖北省政府办公厅近日印发实施意见", "村卫生室将逐步纳入医共体一体化管理"],
        "must_not": ["频道导航", "新闻热线", "雷神山", "核酸检测", "来源:人民网", "责编"],
    },
    "seed004_netease.html": {
        "source": "郑州晚报",
        "region": ("河南省", "郑州市", None),
        "title": "大病不出县！郑州每个县(市)将组建1~3个医共体",
        "published": datetime(2022, 1, 17, 8, 44, 7, tzinfo=SH),
        "editor": None,
        "must": ["(原标题:郑州每个县(市)将组建1~3个医共体)", "医共体是什么", "本报讯(郑州晚报记者 张红)"],
        "must_not": [
            "网易首页",
            "分享至",
            "相关推荐",
            "热点推荐",
            "全明星",
            "哪吒",
            "头条要闻",
            "湖人",
            "无障碍浏览",
            "2025-01-31",
        ],
    },
}


@pytest.fixture(scope="module")
def articles() -> dict[str, ExtractedArticle]:
    return {
        name: extract_article((PAGES / name).read_bytes(), f"https://news.example.cn/{name}")
        for name in CASES
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_keeps_article_and_drops_junk(articles, name):
    art, case = articles[name], CASES[name]
    for s in case["must"]:
        assert s in art.text, s
    for s in case["must_not"]:
        assert s not in art.text, s
    assert "\n" in art.text  # paragraphs are kept as lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_metadata(articles, name):
    art, case = articles[name], CASES[name]
    assert art.original_source == case["source"]
    assert art.title == case["title"]
    assert art.published == case["published"]
    assert art.published.utcoffset().total_seconds() == 8 * 3600
    assert art.editor == case["editor"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_primary_region(articles, name):
    art, case = articles[name], CASES[name]
    primary = art.regions[0]
    if case["region"] == "national":
        assert primary.national and primary.code == "000000"
    else:
        assert not primary.national
        assert (primary.province, primary.city, primary.county) == case["region"]


def test_codes_match_primary_regions(articles):
    assert articles["seed002_traditional_repost.html"].regions[0].code == "130408"
    assert articles["seed004_netease.html"].regions[0].code == "410100"
    assert articles["seed000_content_farm.html"].regions[0].code == "130000"


@pytest.mark.parametrize("name", sorted(CASES))
def test_reform_stories_are_relevant(articles, name):
    art = articles[name]
    assert art.relevant
    # topics by salience (title, lead, repetition): seed002 names the 医共体 once, in its second paragraph,
    # and repeats 分级诊疗/基层首诊/双向转诊 — its topic is tiered care
    assert set(art.topics) & {"county_medical_community", "resource_sinking", "tiered_care"}


def test_to_dict_is_json_ready(articles):
    import json

    d = articles["seed004_netease.html"].to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["published"] == "2022-01-17T08:44:07+08:00"
    assert d["source"] == "郑州晚报"
    assert (
        len(d["fingerprint"]) == 16
        and int(d["fingerprint"], 16) == articles["seed004_netease.html"].fingerprint
    )
    assert d["regions"][0] == {
        "code": "410100",
        "province": "河南省",
        "city": "郑州市",
        "county": None,
        "national": False,
        "weight": d["regions"][0]["weight"],
    }
    assert d["encoding"] == "utf-8"  # meta says gbk, bytes are UTF-8


def test_site_comes_from_hint_then_og_then_host(articles):
    body = (PAGES / "seed001_portal.html").read_bytes()
    assert extract_article(body, "https://a.example.cn/x").site == "时讯资讯网"
    hinted = extract_article(body, "https://a.example.cn/x", source=SourceHint(name="某某网"))
    assert hinted.site == "某某网"
    assert articles["seed003_provincial_portal.html"].site == "news.example.cn"


def test_home_region_hint_resolves_we_province():
    html = (
        "<html><head><title>我省推进家庭医生签约服务</title></head><body><h1>我省推进家庭医生签约服务</h1>"
        "<p>记者从省卫生健康委获悉，今年我省将扩大家庭医生签约服务覆盖面，全省每个乡镇卫生院至少组建两支团队，"
        "重点人群签约率稳步提高，签约服务质量持续改善，群众获得感不断增强。</p>"
        "<p>全省各地将把家庭医生签约与医保支付衔接起来，探索按人头付费，引导群众到基层首诊。</p></body></html>"
    )
    art = extract_article(html, "https://wsjkw.example.cn/1.html", source=SourceHint(home_region="湖南省"))
    assert art.regions[0].province == "湖南省"
    plain = extract_article(html, "https://wsjkw.example.cn/1.html")
    assert plain.regions == []


def test_date_never_from_hot_news_or_copyright():
    html = (PAGES / "seed004_netease.html").read_text(encoding="utf-8")
    no_meta = html.replace('<meta property="article:published_time" content="2022-01-17T08:44:07+08:00">', "")
    art = extract_article(no_meta, "https://news.example.cn/x")
    assert art.published == datetime(2022, 1, 17, 8, 44, 7, tzinfo=SH)
    undated = (
        "<html><head><title>郑州推进医共体建设</title></head><body><h1>郑州推进医共体建设</h1>"
        "<p>郑州将推进紧密型县域医共体建设，完善分级诊疗制度，让群众在家门口看好病，县域就诊率持续提高。</p>"
        "<p>各县(市)将组建医共体，推行医保基金打包付费，推动优质医疗资源下沉到乡镇卫生院。</p>"
        "<h3>热点推荐</h3><ul><li><a href='/1'>某球星砍下三十分</a> 2025-01-31 11:45:53</li></ul>"
        "<div>Copyright © 2012-2024 版权所有</div></body></html>"
    )
    assert extract_article(undated, "https://news.example.cn/y").published is None


def test_gbk_page_end_to_end():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>邯郸推进医共体建设_邯郸新闻网</title></head><body><h1>邯郸推进医共体建设</h1>"
        "<div>发布时间：2024年3月15日 来源：邯郸日报</div>"
        "<p>邯郸市卫生健康委日前印发方案，推进紧密型县域医共体建设，推动优质医疗资源下沉，完善分级诊疗。</p>"
        "<p>永年区、肥乡区率先完成医共体组建，实现人财物统一管理，医保基金打包付费，群众就医更方便。</p>"
        "</body></html>"
    )
    art = extract_article(html.encode("gbk"), "https://hd.example.cn/1", http_encoding="gbk")
    assert art.encoding == "gb18030"
    assert art.title == "邯郸推进医共体建设"
    assert art.original_source == "邯郸日报"
    assert art.published == datetime(2024, 3, 15, tzinfo=SH)
    assert (art.regions[0].province, art.regions[0].city) == ("河北省", "邯郸市")
