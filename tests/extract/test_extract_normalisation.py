from __future__ import annotations

import pytest

from extract import normalize_text
from extract.glosses import remove_glosses


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("醫(yī)療", "医疗"),
        ("縣(xiàn)域", "县域"),
        ("醫（yī）療", "医疗"),
        ("我們的(de)工作", "我们的工作"),
        ("這是(shi)好事", "这是好事"),
        ("第一(yi)次", "第一次"),
        ("報(bào)道", "报道"),
        ("旅遊(yóu)", "旅游"),
    ],
)
def test_glosses_removed_then_t2s(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "各县(市、区)",
        "规划(2022)",
        "实行(DRG)付费",
        "重症(ICU)床位",
        "(张淑会)",
        "(原标题:郑州推进医共体)",
        "下载(app)",
        "（2021—2025年）",
        "按(DIP)",
        "(一)总体要求",
    ],
)
def test_real_parentheses_stay(kept):
    assert remove_glosses(kept) == kept
    assert normalize_text(kept).replace("（", "(").replace("）", ")") == kept.replace("（", "(").replace(
        "）", ")"
    )


def test_t2s_and_names():
    assert normalize_text("醫療") == "医疗"
    assert normalize_text("哪吒") == "哪吒"
    assert normalize_text("縣域醫療衛生共同體") == "县域医疗卫生共同体"


def test_width_normalisation():
    assert normalize_text("ＤＲＧ付费２０２３年") == "DRG付费2023年"
    assert normalize_text("医改，分级诊疗：") == "医改，分级诊疗："  # full-width punctuation stays


def test_title_goes_through_same_path():
    from extract import extract_article

    html = (
        "<html><head><title>醫(yī)療集團(tuán)揭牌</title></head><body><h1>醫(yī)療集團(tuán)揭牌</h1>"
        "<p>" + "醫(yī)療集團(tuán)今天正式揭牌成立，將推進分級診療。" * 5 + "</p></body></html>"
    )
    art = extract_article(html, "https://x.example.cn/1")
    assert art.title == "医疗集团揭牌"
    assert "(yī)" not in art.text and "医疗集团今天正式揭牌成立" in art.text
