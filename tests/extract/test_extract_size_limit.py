"""Bounded extraction (issue #16 part 7): a page over the size limit is cut to it, said and counted."""

from __future__ import annotations

import json

from extract import extract_article
from yigai.cli import main

STORY = "县医院牵头组建紧密型县域医共体，乡镇卫生院纳入统一管理，群众就近看病更方便。"


def _big_page(filler_bytes: int) -> bytes:
    head = f"<html><head><title>医共体</title></head><body><h1>某县推进医共体建设</h1><p>{STORY}</p>".encode()
    filler = ("<div>" + "数据" * 50 + "</div>").encode()
    return head + filler * (filler_bytes // len(filler) + 1) + b"</body></html>"


def test_a_page_over_the_limit_is_cut_and_says_so():
    body = _big_page(300_000)
    art = extract_article(body, "http://example.cn/a.html", max_bytes=100_000)
    assert art.truncated_from == len(body)
    assert STORY in art.text
    assert extract_article(body, "http://example.cn/a.html").truncated_from is None  # under the default


def test_the_cut_may_split_a_character_without_mojibake():
    body = _big_page(200_000)
    cut = 100_000
    while body[cut - 1] < 0x80:  # make sure the cut falls inside a multibyte character
        cut += 1
    art = extract_article(body, "http://example.cn/a.html", max_bytes=cut)
    assert art.encoding == "utf-8" and STORY in art.text


def test_inspect_cuts_and_reports_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no yigai.toml of the checkout
    page = tmp_path / "big.html"
    page.write_bytes(_big_page(300_000))
    assert main(["inspect", "--json", "--max-bytes", "100000", str(page)]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["truncated_from"] == page.stat().st_size
    assert "over the limit of 100000" in captured.err
    assert STORY in data["text"]
