"""The real labelled set (tests/eval/real): every label is well formed, points at its exact page, and was
written from the page as a reader sees it; and the extractor holds the set's floors.

The body check is the guard against fabricated or extractor-derived labels: every body line must be text
that the neutral dump (tools/visible_text.py) shows on the page, whitespace aside. Pages are third-party
bytes kept out of the repository: a page found neither in pages/ nor in the shared corpus is skipped here
(tools/pages.py fetch brings it).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import tomllib
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from yigai import evaluation as ev
from yigai.eval_sets import blob_sha1, load_set, read_page
from yigai.furniture import furniture_lines

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "eval" / "real"
LABEL_FILES = sorted((REAL / "labels").glob("*.json"))

KINDS = {"gov", "health_commission", "portal", "news", "hospital", "wechat", "blog", "forum", "school", "other"}
LABELLERS = {"realset-a", "realset-b", "realset-c"}
REQUIRED = {
    "id", "html", "provenance", "url", "site_name", "home_region", "kind", "year", "title", "date", "source",
    "primary_region", "relevant", "topics", "body", "must_appear", "must_not_appear", "labelled_by", "notes",
}
PROVENANCE = {"repository", "path", "commit", "blob_sha1", "original_url", "license", "retrieved"}
HEX40 = re.compile(r"[0-9a-f]{40}")
TOPIC_IDS = {
    t["id"]
    for t in tomllib.loads((REPO / "extract" / "data" / "topics.toml").read_text(encoding="utf-8"))["topic"]
}


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, REAL / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


visible_text = _load_tool("visible_text")


@cache
def labelled_set():
    return load_set(REAL)


def _label(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# ---------------------------------------------------------------------------------------------- the tools


def test_visible_text_decodes_by_evidence():
    utf8_behind_gbk = '<meta charset="gbk"><p>医共体</p>'.encode()
    assert visible_text.decode_page(utf8_behind_gbk) == ('<meta charset="gbk"><p>医共体</p>', "utf-8")
    gbk = '<meta charset="gb2312"><p>医联体</p>'.encode("gbk")
    assert visible_text.decode_page(gbk)[1] == "gb18030"
    undeclared = "<p>分级诊疗</p>".encode("gbk")
    assert visible_text.decode_page(undeclared) == ("<p>分级诊疗</p>", "gb18030")


def test_visible_text_shows_blocks_not_scripts_or_hidden_elements():
    page = """<html><head><title>标题_网站</title><style>p{}</style></head><body>
      <div>导航 <a>首页</a></div><script>var x = "脚本";</script>
      <p>第一段<b>加粗</b>。<br>换行后</p><!-- 注释 -->
      <div style="display: none">隐藏的</div><div hidden>也隐藏</div>
      <div id="js_content" style="visibility: hidden"><p>脚本显示的正文</p></div>
      <table><tr><td>单元格一</td><td>单元格二</td></tr></table><noscript>无脚本</noscript>
    </body></html>""".encode()
    assert visible_text.visible_lines(page) == [
        "导航 首页", "第一段加粗。", "换行后", "脚本显示的正文", "单元格一", "单元格二",
    ]
    with_hidden = visible_text.visible_lines(page, include_hidden=True)
    assert "[hidden] 隐藏的" in with_hidden and "[hidden] 也隐藏" in with_hidden
    assert visible_text.page_title(page) == "标题_网站"


def test_pages_tool_adds_a_page_with_its_provenance_and_fetches_it_back_by_blob_id(tmp_path):
    pages_tool = _load_tool("pages")
    origin = tmp_path / "mirrors" / "someone+saved-pages" / "repo"
    (origin / "tests").mkdir(parents=True)
    page = '<meta charset="gbk"><p>县域医共体</p>'.encode()
    (origin / "tests" / "1.html").write_bytes(page)
    git = ["git", "-C", str(origin), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "pages"], check=True)
    real = tmp_path / "real"
    (real / "labels").mkdir(parents=True)

    skeleton = pages_tool.add(real, tmp_path / "mirrors", "someone/saved-pages", "tests/1.html", "x-1")
    assert (real / "pages" / "x-1.html").read_bytes() == page
    prov = skeleton["provenance"]
    assert prov["blob_sha1"] == blob_sha1(page) and HEX40.fullmatch(prov["commit"])
    assert skeleton["body"] == "" and skeleton["title"] == ""  # the labeller writes them, not the tool

    (real / "labels" / "x-1.json").write_text(json.dumps(skeleton), encoding="utf-8")
    (real / "pages" / "x-1.html").unlink()
    assert pages_tool.fetch(real, tmp_path / "mirrors") == 0
    assert (real / "pages" / "x-1.html").read_bytes() == page
    # a label whose blob id is not what its commit holds is refused, and nothing is written
    (real / "pages" / "x-1.html").unlink()
    skeleton["provenance"]["blob_sha1"] = "0" * 40
    (real / "labels" / "x-1.json").write_text(json.dumps(skeleton), encoding="utf-8")
    assert pages_tool.fetch(real, tmp_path / "mirrors") == 1
    assert not (real / "pages" / "x-1.html").exists()


# ---------------------------------------------------------------------------------------------- the labels


def test_the_set_is_labelled_and_ids_are_unique():
    labels = [_label(p) for p in LABEL_FILES]
    assert labels, "tests/eval/real/labels/ holds no label"
    for key in ("id", "html"):
        values = [lab[key] for lab in labels]
        assert len(values) == len(set(values)), f"duplicate {key}"
    blobs = [lab["provenance"]["blob_sha1"] for lab in labels]
    assert len(blobs) == len(set(blobs)), "the same page bytes are labelled twice"
    urls = [lab["provenance"]["original_url"] for lab in labels if lab["provenance"]["original_url"]]
    assert len(urls) == len(set(urls)), "the same original URL is labelled twice"


@pytest.mark.parametrize("path", LABEL_FILES, ids=_ids(LABEL_FILES))
def test_label_is_well_formed(path: Path):
    text = path.read_text(encoding="utf-8")
    label = json.loads(text)
    assert text == json.dumps(label, ensure_ascii=False, sort_keys=True, indent=1) + "\n", (
        "write labels with json.dumps(ensure_ascii=False, sort_keys=True, indent=1) and a final newline"
    )
    assert label.keys() >= REQUIRED, f"missing fields {sorted(REQUIRED - label.keys())}"
    assert label["id"] == path.stem and re.fullmatch(r"[a-z0-9-]+", label["id"])
    assert label["html"] in (f"pages/{label['id']}.html", f"pages/{label['id']}.html.gz")
    prov = label["provenance"]
    assert prov.keys() >= PROVENANCE, f"provenance lacks {sorted(PROVENANCE - prov.keys())}"
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", prov["repository"]) and prov["path"]
    assert HEX40.fullmatch(prov["commit"]) and HEX40.fullmatch(prov["blob_sha1"])
    date.fromisoformat(prov["retrieved"])
    assert label["url"].startswith(("http://", "https://"))
    assert label["kind"] in KINDS
    assert isinstance(label["year"], int) and 1995 <= label["year"] <= 2030
    if label["date"] is not None:
        assert date.fromisoformat(label["date"]).year == label["year"]
    assert label["title"].strip() and label["body"].strip()
    assert isinstance(label["relevant"], bool)
    assert set(label["topics"]) <= TOPIC_IDS, f"unknown topics {set(label['topics']) - TOPIC_IDS}"
    assert bool(label["topics"]) == label["relevant"], "a relevant story has topics; an off-topic one none"
    region = label["primary_region"]
    if region is not None:
        assert set(region) == {"province", "city", "county", "national"}
        assert region["national"] or region["province"]
    if label["relevant"]:
        assert region is not None, "a relevant story has a primary region (or national)"
    assert label["must_appear"], "a few distinctive strings of the body"
    for s in label["must_appear"]:
        assert ev.squeeze(s) in ev.squeeze(label["body"]), s
    for s in label["must_not_appear"]:
        assert ev.squeeze(s) not in ev.squeeze(label["body"]), s
    assert furniture_lines(label["body"]) == [], "the body holds page furniture"
    assert label["labelled_by"] in LABELLERS


def page_problems(label: dict, raw: bytes) -> list[str]:
    """What is wrong between a label and its page's bytes: the label's provenance names other bytes, a body
    line is not text the page shows (fabricated, "repaired" or extractor-made), a must_not_appear string
    is nowhere on the page (hidden elements included)."""
    problems = []
    if blob_sha1(raw) != label["provenance"]["blob_sha1"]:
        problems.append("the page's bytes are not the blob the provenance names")
    shown = ev.compact("".join(visible_text.visible_lines(raw)))
    problems += [f"body line not on the page: {line[:40]}" for line in label["body"].splitlines()
                 if ev.compact(line) not in shown]
    everything = ev.compact("".join(visible_text.visible_lines(raw, include_hidden=True)))
    problems += [f"must_not_appear string not on the page: {s}" for s in label["must_not_appear"]
                 if ev.compact(s) not in everything]
    return problems


def test_page_problems_catch_other_bytes_made_up_lines_and_absent_furniture():
    raw = "<p>县医院牵头组建医共体。</p><p>乡镇卫生院纳入统一管理。</p><div hidden>责任编辑：王某</div>".encode()
    label = {
        "provenance": {"blob_sha1": blob_sha1(raw)},
        "body": "县医院牵头组建医共体。\n乡镇卫生院 纳入统一管理。",
        "must_not_appear": ["责任编辑：王某"],
    }
    assert page_problems(label, raw) == []
    made_up = {**label, "body": "县医院牵头组建医共体。\n乡镇卫生院纳入统一管理，群众满意。"}
    converted_to_traditional = {**label, "body": "縣醫院牽頭組建醫共體。"}
    assert page_problems(made_up, raw) == ["body line not on the page: 乡镇卫生院纳入统一管理，群众满意。"]
    assert len(page_problems(converted_to_traditional, raw)) == 1
    assert page_problems({**label, "must_not_appear": ["相关新闻"]}, raw) == [
        "must_not_appear string not on the page: 相关新闻"
    ]
    assert page_problems(label, raw + b" ") == ["the page's bytes are not the blob the provenance names"]


@pytest.mark.parametrize("path", LABEL_FILES, ids=_ids(LABEL_FILES))
def test_label_matches_its_page(path: Path):
    label = _label(path)
    page = labelled_set().paths.get(label["html"])
    if page is None:
        pytest.skip(f"{label['html']} is not here: python tests/eval/real/tools/pages.py fetch")
    problems = page_problems(label, read_page(page))
    assert not problems, "\n".join(problems[:5])


# ---------------------------------------------------------------------------------------------- the gate


def test_real_set_holds_its_floors():
    baseline = json.loads((REAL / "baseline.json").read_text(encoding="utf-8"))
    labelled = labelled_set()
    require_or_skip(
        bool(labelled.shared) or not labelled.missing,
        "the real set's pages (../shared/corpus beside the checkout)",
        "python tests/eval/real/tools/pages.py fetch",
    )
    report = ev.evaluate_set(labelled, trafilatura_metadata=False)
    broken, _unchecked = ev.check_baseline(report, labelled, baseline)
    assert not broken, "\n".join(broken) + "\n\n" + ev.format_report(report, verbose=True)
