"""The Pagefind search bundle: built over the staged pages, deterministic, reused when the pages did not change,
and the JSON fallback when there is no binary. (Querying it in a browser: tests/browser/.)"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from conftest import make_settings
from site_checks import snapshot
from site_fixtures import make_record, sample_records

import site_builder.search
from site_builder import build_site
from site_builder.search import PAGEFIND_ENV, SearchIndexError, find_pagefind, pagefind_bundle
from tests.conftest import require_or_skip

PUBLISHED = {r["id"] for r in sample_records().values() if r["is_original"] and r["relevant"]}


@pytest.fixture(autouse=True)
def _pagefind_required(monkeypatch):
    monkeypatch.delenv(PAGEFIND_ENV, raising=False)
    require_or_skip(
        find_pagefind() is not None, "the Pagefind binary", ".venv/bin/pip install 'pagefind[extended]'"
    )


def _bundle(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted((out / "pagefind").rglob("*"))
        if p.is_file()
    }


def test_pagefind_output_is_byte_identical_for_the_same_pages(store, tmp_path):
    out = tmp_path / "out"
    build_site(store, make_settings(out))
    copy = tmp_path / "elsewhere" / "site"
    shutil.copytree(out, copy)
    binary = find_pagefind()
    first = dict(pagefind_bundle(out, binary))
    second = dict(pagefind_bundle(copy, binary))
    assert first == second
    published = _bundle(out)
    assert published.pop("pagefind/yigai-input.sha256")
    assert first == published  # the build's own run gave the same bytes too
    assert any(k.startswith("pagefind/fragment/") for k in first) and "pagefind/pagefind.js" in first


def test_index_is_reused_when_the_article_pages_did_not_change(store, settings, monkeypatch):
    build_site(store, settings)
    out = settings.output_dir
    before = snapshot(out / "pagefind")

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("pagefind ran although no article page changed")

    monkeypatch.setattr(site_builder.search, "pagefind_bundle", must_not_run)
    report = build_site(store, settings)
    assert not report.published
    assert snapshot(out / "pagefind") == before  # bytes, mtimes and inodes
    monkeypatch.undo()

    store.save_article(
        make_record(
            "https://wsjkw.example.gov.cn/xwzx/2024/0322/new.html",
            title="某市推进紧密型县域医共体信息化建设",
            text="某市推进医共体信息化建设。",
            published="2024-03-22T09:00:00+08:00",
        )
    )
    build_site(store, settings)
    after = _bundle(out)
    assert after["pagefind/yigai-input.sha256"] != before["yigai-input.sha256"][0]
    entry = json.loads(after["pagefind/pagefind-entry.json"])
    assert [lang["page_count"] for lang in entry["languages"].values()] == [len(PUBLISHED) + 1]


def test_without_pagefind_the_build_falls_back_to_the_json_index(store, settings, monkeypatch, caplog):
    monkeypatch.setenv(PAGEFIND_ENV, "none")
    with caplog.at_level(logging.WARNING, logger="site_builder.build"):
        build_site(store, settings)
    assert "falling back to the JSON substring search" in caplog.text
    out = settings.output_dir
    assert not (out / "pagefind").exists()
    index = json.loads((out / "search-index.json").read_text("utf-8"))
    assert {e["id"] for e in index} == PUBLISHED
    for e in index:
        assert (out / e["url"]).is_file()
    search = (out / "search.html").read_text("utf-8")
    assert 'data-engine="json"' in search and 'data-index="search-index.json"' in search


def test_a_failing_pagefind_fails_the_build_and_keeps_the_live_site(store, settings, monkeypatch, tmp_path):
    build_site(store, settings)
    out = settings.output_dir
    before = snapshot(out)
    broken = tmp_path / "pagefind_extended"
    broken.write_text(
        "#!/bin/sh\n[ \"$1\" = --version ] && echo 'pagefind 0.0.0' && exit 0\necho boom >&2\nexit 3\n"
    )
    broken.chmod(0o755)
    monkeypatch.setenv(PAGEFIND_ENV, str(broken))
    with pytest.raises(SearchIndexError, match=r"exit 3.*boom"):
        build_site(store, settings)
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no staging directory left behind


def test_a_misconfigured_binary_path_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(PAGEFIND_ENV, str(tmp_path / "missing"))
    with pytest.raises(SearchIndexError, match=PAGEFIND_ENV):
        find_pagefind()


def test_a_killed_builds_pagefind_scratch_is_removed_by_the_next_build(store, settings):
    out = settings.output_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    leftover = out.parent / f".{out.name}.staging-abc123-pagefind-xyz"
    (leftover / "bundle").mkdir(parents=True)
    build_site(store, settings)
    assert [p.name for p in out.parent.iterdir()] == [out.name]
