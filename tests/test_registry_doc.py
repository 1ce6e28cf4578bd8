"""docs/sources.md is generated from the registry (``python -m yigai.registry_doc``): the committed page is what
the registry generates, sources are grouped by the province of their home region, and each source's evidence
is classified from its fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigai.config import Source
from yigai.registry_doc import DOCS_PATH, evidence, generate, main, render
from yigai.source_regions import NATIONAL, source_place

META = {
    "references": {"REF": {"cite": "a public crawler config", "year": "2020", "shows": "list pages"}},
    "families": {"trs": {"shape": "t{date}_{id}.html"}, "generic": {"shape": "anything"}},
}


def _source(sid: str, home_region: str | None, **fields) -> Source:
    fields.setdefault("list_urls", (f"https://{sid}.example.cn/news/",))
    fields.setdefault("confirmed", "list in [REF], 2020")
    fields.setdefault("notes", "Article links inferred at crawl time.")
    return Source(id=sid, name=f"name of {sid}", home_region=home_region, **fields)


def test_the_committed_page_is_what_the_registry_generates():
    assert DOCS_PATH.read_text(encoding="utf-8") == generate("default"), "run: python -m yigai.registry_doc"


def test_check_fails_on_a_stale_page_and_writing_mends_it(tmp_path: Path):
    page = tmp_path / "sources.md"
    page.write_text("# Sources\n\nhand-edited\n", encoding="utf-8")
    assert main(["--output", str(page), "--check"]) == 1
    assert main(["--output", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == generate("default")
    assert main(["--output", str(page), "--check"]) == 0


def test_source_place_gives_level_and_province():
    assert source_place(None).level == "national" and source_place(None).province == NATIONAL
    assert (source_place("河北省").level, source_place("河北省").province) == ("province", "河北省")
    assert (source_place("邯郸市").level, source_place("邯郸市").province) == ("prefecture", "河北省")
    assert (source_place("馆陶县").level, source_place("馆陶县").province) == ("county", "河北省")
    assert source_place("西城区").province == "北京市"
    with pytest.raises(ValueError, match="not a division name"):
        source_place("朝阳区")  # four divisions share it: a home region must name one


def test_sources_are_grouped_by_province_national_first_then_by_level():
    sources = [
        _source("county", "馆陶县"),
        _source("zhejiang_city", "杭州市"),
        _source("city", "邯郸市"),
        _source("media", None),
        _source("province", "河北省"),
    ]
    page = render(sources, META)
    headings = [line for line in page.splitlines() if line.startswith("### ")]
    assert headings[-3:] == [f"### {NATIONAL}", "### 河北省", "### 浙江省"]
    hebei = page[page.index("### 河北省") : page.index("### 浙江省")]
    assert hebei.index("`province`") < hebei.index("`city`") < hebei.index("`county`")
    assert "| `media` |" in page[page.index(f"### {NATIONAL}") : page.index("### 河北省")]


def test_evidence_says_what_was_seen():
    seen_list = _source("a", "河北省")
    assert evidence(seen_list).label == "list; links inferred"
    home_only = _source(
        "b", "河北省", list_urls=("https://b.example.cn/",), confirmed="domain only: b in [REF]"
    )
    assert evidence(home_only).label == "domain only; links inferred"
    inferred_home = _source(
        "c",
        "河北省",
        list_urls=("https://c.example.cn/news/",),
        extra={"inferred_lists": ["https://c.example.cn/news/"]},
    )
    assert evidence(inferred_home).label == "domain only; links inferred"
    pattern = _source(
        "d",
        "河北省",
        article_allow=(r"^https?://d\.example\.cn/news/t\d+\.html$",),
        notes="",
        extra={"example_articles": ["https://d.example.cn/news/t1.html"]},
    )
    assert evidence(pattern).label == "list + article pattern"
    assert evidence(_source("e", None, confirmed="unconfirmed")).label == "unconfirmed"


def test_summary_counts_sources_by_level_and_evidence():
    sources = [
        _source("a", "邯郸市"),
        _source("b", "邢台市"),
        _source("c", "馆陶县", list_urls=("https://c.cn/",)),
    ]
    page = render(sources, META)
    assert "| prefecture-level | 2 | 0 | 0 | 2 | 0 | 0 |" in page
    assert "| county | 1 | 0 | 0 | 0 | 1 | 0 |" in page
    assert "| **all** | 3 | 0 | 0 | 2 | 1 | 0 |" in page


def test_a_reference_or_family_missing_from_meta_is_an_error():
    with pytest.raises(ValueError, match="NOPE"):
        render([_source("a", "河北省", confirmed="list in [NOPE], 2020")], META)
    with pytest.raises(ValueError, match="hanweb"):
        render([_source("a", "河北省", family="hanweb")], META)


def test_table_cells_cannot_break_the_table():
    page = render([_source("a", "河北省", confirmed="list a|b in [REF]")], META)
    assert "list a\\|b in [REF]" in page
