from __future__ import annotations

from extract.regions import gazetteer, tag_regions


def primary(title: str, text: str = "", **kw):
    regions = tag_regions(title, text, **kw)
    return regions[0] if regions else None


def test_names_inside_words_do_not_count():
    assert primary("", "推动优质医疗资源下沉，提升县级医院能力。") is None  # 资源县, 和县 not matched
    assert primary("", "加强医院和县级医疗机构协作") is None
    r = primary("", "河北区域医疗中心建设加快")
    assert r is not None and (r.province, r.county) == ("河北省", None)  # 河北区域 is 河北 + 区域, not 河北区
    r = primary("", "天津市河北区推进医联体")
    assert (r.province, r.county) == ("天津市", "河北区")


def test_two_char_county_names_need_a_boundary():
    r = primary("", "安徽省和县推进紧密型医共体建设")
    assert (r.province, r.county) == ("安徽省", "和县")


def test_ambiguous_district_resolved_by_other_places():
    r = primary("朝阳区推进医联体建设", "北京朝阳区今年将组建两个城市医疗集团。")
    assert (r.code, r.province, r.city, r.county) == ("110105", "北京市", None, "朝阳区")
    r = primary("朝阳区推进医联体建设", "长春市朝阳区今年将组建两个城市医疗集团。")
    assert (r.code, r.province, r.city, r.county) == ("220104", "吉林省", "长春市", "朝阳区")
    assert primary("朝阳区推进医联体建设", "今年将组建两个城市医疗集团。") is None  # nothing decides


def test_we_province_from_home_region_and_paper():
    assert primary("", "今年我省将推进医共体建设。", home_region="河北省").province == "河北省"
    assert primary("", "今年我省将推进医共体建设。", original_source="湖北日报").province == "湖北省"
    assert primary("", "今年我省将推进医共体建设。") is None
    r = primary("", "今年我市将推进医联体建设。", home_region="邯郸市")
    assert (r.province, r.city) == ("河北省", "邯郸市")


def test_county_counts_for_prefecture_and_province():
    r = primary("永年区医疗集团揭牌", "邯郸市永年区医疗集团成立，永年医疗集团由区医院牵头。")
    assert (r.code, r.province, r.city, r.county) == ("130408", "河北省", "邯郸市", "永年区")


def test_county_short_name_needs_parent():
    assert primary("", "永年医疗集团成立。") is None
    assert primary("", "邯郸永年医疗集团成立。").county == "永年区"


def test_renamed_division_alias():
    r = primary("永年县推进医共体", "")
    assert r.county == "永年区" and r.code == "130408"


def test_national_bodies_make_story_national_unless_region_dominates():
    r = tag_regions(
        "国家卫生健康委：全国推进分级诊疗", "国家卫健委介绍，全国已有多地开展试点，云南省进展较快。"
    )
    assert r[0].national and r[0].code == "000000"
    assert any(x.province == "云南省" for x in r[1:])
    r = tag_regions(
        "河南郑州推进医共体", "郑州市将落实国务院部署，郑州各县(市)全面推开医共体，郑州市卫健委牵头。"
    )
    assert not r[0].national and r[0].city == "郑州市"


def test_several_regions_one_primary():
    r = tag_regions("湖北推进医共体", "湖北省将学习浙江经验，湖北省各县全面推开。")
    assert r[0].province == "湖北省" and [x.province for x in r[1:]] == ["浙江省"]


def test_table_is_complete_and_aliases_resolve():
    g = gazetteer()
    levels = [d.level for d in g.by_code.values()]
    assert (
        levels.count("province") == 34 and levels.count("prefecture") > 330 and levels.count("county") > 2800
    )
    for code in ("130408", "110105", "220104", "410100", "429004"):
        assert code in g.by_code
    assert g.by_code["429004"].parent == "420000"  # 仙桃市: province-administered
