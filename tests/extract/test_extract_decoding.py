from __future__ import annotations

from extract import decode_html

TEXT = "河北省卫生健康委员会印发通知，推进紧密型县域医疗卫生共同体建设，优化医疗资源布局。"


def page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>通知</title></head><body><p>{TEXT}</p></body></html>"


def test_gbk_with_meta_gb2312():
    text, enc = decode_html(page('<meta charset="gb2312">').encode("gbk"), None)
    assert TEXT in text and enc == "gb18030"


def test_utf8_bytes_with_meta_gbk_decode_as_utf8():
    text, enc = decode_html(
        page('<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode("utf-8")
    )
    assert TEXT in text and enc == "utf-8"


def test_gbk_without_declaration():
    text, enc = decode_html(page().encode("gbk"))
    assert TEXT in text and enc == "gb18030"


def test_header_utf8_on_gbk_bytes_is_not_trusted():
    text, _ = decode_html(page().encode("gbk"), "utf-8")
    assert TEXT in text and "\ufffd" not in text


def test_big5_without_declaration():
    traditional = "河北省衛生健康委員會印發通知，推進緊密型縣域醫療衛生共同體建設，優化醫療資源佈局。"
    body = f"<html><body><p>{traditional}</p></body></html>".encode("big5")
    text, enc = decode_html(body)
    assert traditional in text and enc.startswith("big5")


def test_big5_declared():
    traditional = "醫療衛生服務體系"
    body = f'<html><head><meta charset="big5"></head><body>{traditional}</body></html>'.encode("big5")
    assert traditional in decode_html(body)[0]


def test_gb18030_only_characters():
    rare = "㐀䶵𠀀"  # outside GBK, inside GB18030
    text, _ = decode_html(f'<meta charset="gbk"><p>{rare}{TEXT}</p>'.encode("gb18030"))
    assert rare in text


def test_garbage_bytes_never_raise():
    text, enc = decode_html(bytes(range(256)) * 3)
    assert isinstance(text, str) and enc


# Damage (issue #16 part 5): one bad byte must not turn a whole page into mojibake.


def test_utf8_with_a_stray_byte_stays_utf8_with_a_replacement_character():
    body = page('<meta charset="utf-8">').encode("utf-8").replace("。".encode(), b"\xff", 1)
    text, enc = decode_html(body, "utf-8")
    assert enc == "utf-8" and text.count("\ufffd") == 1
    assert "河北省卫生健康委员会印发通知" in text and "优化医疗资源布局" in text


def test_utf8_cut_off_mid_character_at_the_end():
    body = page().encode("utf-8") + "医共体".encode()[:-1]  # the last character loses a byte
    text, enc = decode_html(body)
    assert enc == "utf-8" and TEXT in text and text.endswith("医共\ufffd")


def test_damaged_utf8_behind_a_gbk_declaration_is_still_utf8():
    body = page('<meta charset="gbk">').encode("utf-8").replace("，".encode(), b"\x80", 1)
    text, enc = decode_html(body)
    assert enc == "utf-8" and "推进紧密型县域医疗卫生共同体建设" in text


def test_damaged_gbk_behind_a_utf8_header_is_gbk():
    body = page('<meta charset="gbk">').encode("gbk").replace("，".encode("gbk"), b"\xff", 1)
    text, enc = decode_html(body, "utf-8")
    assert enc == "gb18030" and "推进紧密型县域医疗卫生共同体建设" in text


def test_gbk_with_a_stray_byte_and_no_declaration():
    body = page().encode("gbk") + b"\xff"
    text, enc = decode_html(body)
    assert enc == "gb18030" and TEXT in text


def test_big5_declared_reads_cp950_extras_and_hkscs_characters():
    # € is in cp950 but not in Big5-HKSCS; 㗎 (Cantonese) is in HKSCS but not in cp950
    text = "醫療費用約€20，佢哋話係咁㗎。"
    body = (
        '<meta charset="big5"><p>醫療費用約'.encode("big5")
        + "€".encode("cp950")
        + "20，佢哋話係咁㗎。</p>".encode("big5hkscs")
    )
    decoded, enc = decode_html(body)
    assert text in decoded and enc.startswith("big5")
