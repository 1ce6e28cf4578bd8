"""The policy register in a real browser (issue #18 parts 5 and 10): the first page is a table without JavaScript;
with it, the whole register is sorted by any column and filtered by keyword, 文种 and 发文机关."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def _rows(page) -> list[list[str]]:
    return page.locator("table.register tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))"
    )


def test_the_registers_first_page_works_without_javascript(sample_site, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(sample_site.url("register/index.html"))
        documents = json.loads((sample_site.root / "register/documents.json").read_bytes())["documents"]
        rows = _rows(page)
        assert [r[1] for r in rows] == [d["doc_number"] or "" for d in documents][: len(rows)]
        assert {"冀卫基层〔2024〕3号", "冀卫医政〔2023〕18号"} <= {r[1] for r in rows}
        assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)  # newest first
        assert page.locator(".register-filter").is_hidden()
    finally:
        context.close()


def test_the_register_sorts_and_filters_with_javascript(sample_site, new_page):
    documents = json.loads((sample_site.root / "register/documents.json").read_bytes())["documents"]
    page = new_page()
    page.goto(sample_site.url("register/index.html"))
    page.wait_for_selector(".register-filter:not([hidden])")
    assert len(_rows(page)) == len(documents) >= 2
    assert page.locator("output[name=shown]").inner_text() == f"显示 {len(documents)} / {len(documents)} 件"

    page.get_by_role("button", name="文号").click()  # sorted by 文号, ascending
    numbers = [r[1] for r in _rows(page)]
    filled = [n for n in numbers if n]
    assert len(filled) >= 2
    assert filled == page.evaluate("xs => [...xs].sort((a, b) => a.localeCompare(b, 'zh-CN'))", filled)
    assert numbers[: len(filled)] == filled  # documents without a 文号 last
    assert page.locator("th[data-key=doc_number]").get_attribute("aria-sort") == "ascending"
    page.get_by_role("button", name="文号").click()
    assert [r[1] for r in _rows(page)][: len(filled)] == filled[::-1]
    assert page.locator("th[data-key=doc_number]").get_attribute("aria-sort") == "descending"

    page.get_by_label("关键词").fill("冀卫医政")
    assert [r[1] for r in _rows(page)] == ["冀卫医政〔2023〕18号"]
    page.get_by_label("关键词").fill("")
    body = next(b for d in documents if d["doc_number"] == "冀卫基层〔2024〕3号" for b in d["issuing_bodies"])
    page.get_by_label("发文机关").select_option(body)
    expected = {d["doc_number"] for d in documents if body in d["issuing_bodies"]}
    assert {r[1] for r in _rows(page)} == expected and "冀卫基层〔2024〕3号" in expected
    page.locator("table.register tbody td:nth-child(3) a").first.click()  # titles link to the story pages
    page.wait_for_load_state()
    assert "/article/" in page.url
    assert page.errors == []
