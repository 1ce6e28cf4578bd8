"""The sharded Pagefind index as the build makes it with ``[site] search_engine = "pagefind"``: deterministic,
only the shards whose pages changed indexed again, a failing Pagefind fails the build, and the site's own
n-gram index when there is no binary. (ShardIndexer and shard planning: test_search_shards.py; querying in a
browser: there and tests/browser/; the n-gram index: test_ngram_index.py.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import make_settings
from site_checks import snapshot
from site_fixtures import sample_records, save_newest_article, save_syndicated_copy

import site_builder.search_shards
from site_builder import build_site
from site_builder.ngram_index import search_files
from site_builder.search import PAGEFIND_ENV, SHARD_SIZE, SearchIndexError, find_pagefind
from tests.conftest import require_or_skip

PUBLISHED = {r["id"] for r in sample_records().values() if r["is_original"] and r["relevant"]}
PAGEFIND = {"search_engine": "pagefind"}
UI_FILES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


@pytest.fixture(autouse=True)
def _pagefind_required(monkeypatch):
    monkeypatch.delenv(PAGEFIND_ENV, raising=False)
    require_or_skip(
        find_pagefind() is not None, "the Pagefind binary", ".venv/bin/pip install 'pagefind[extended]'"
    )


@pytest.fixture
def settings(tmp_path: Path):
    """The site builder tests' settings, with Pagefind as the search engine."""
    return make_settings(tmp_path / "site" / "output", **PAGEFIND)


def _bundle(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted((out / "pagefind").rglob("*"))
        if p.is_file()
    }


def _page_counts(out: Path) -> dict[str, int]:
    """Shard name → pages in its index, in the order of pagefind/shards.json (newest first)."""
    counts = {}
    for entry in json.loads((out / "pagefind" / "shards.json").read_text("utf-8")):
        meta = json.loads((out / "pagefind" / entry / "pagefind-entry.json").read_text("utf-8"))
        counts[entry.rstrip("/")] = sum(lang["page_count"] for lang in meta["languages"].values())
    return counts


@pytest.fixture
def small_shards(monkeypatch) -> list[str]:
    """Shards of 3 pages instead of 2,000; returns the names of the shards Pagefind indexes, as it goes."""
    real_plan, real_indexer = site_builder.search_shards.plan_shards, site_builder.search_shards.ShardIndexer
    indexed: list[str] = []

    def plan(pages, size=SHARD_SIZE, version=None):
        return real_plan(pages, 3, version)

    class Recording(real_indexer):
        def __init__(self, binary, out_dir, **kwargs):
            indexed.append(Path(out_dir).name)
            super().__init__(binary, out_dir, **kwargs)

    monkeypatch.setattr(site_builder.search_shards, "plan_shards", plan)
    monkeypatch.setattr(site_builder.search_shards, "ShardIndexer", Recording)
    return indexed


def test_the_index_is_byte_identical_for_the_same_pages(store, tmp_path):
    first, second = tmp_path / "out", tmp_path / "elsewhere" / "site"
    build_site(store, make_settings(first, **PAGEFIND))
    build_site(store, make_settings(second, **PAGEFIND))
    assert _bundle(first) == _bundle(second)
    assert _page_counts(first) == {"s0001": len(PUBLISHED)}
    files = _bundle(first)
    assert {"pagefind/s0001/pagefind.js", "pagefind/s0001/pagefind-entry.json"} <= set(files)
    assert any(k.startswith("pagefind/s0001/fragment/") for k in files)
    assert not [k for k in files if k.rsplit("/", 1)[-1].startswith(UI_FILES)]  # the unused UIs
    search = (first / "search.html").read_text("utf-8")
    assert 'data-engine="pagefind"' in search and 'data-shards="pagefind/shards.json"' in search
    assert "data-index" not in search and not (first / "search").exists()  # no n-gram index beside it
    # Only the article itself is indexed, not the navigation around it.
    for aid in PUBLISHED:
        page = (first / "article" / f"{aid}.html").read_text("utf-8")
        assert page.count("data-pagefind-body") == 1
        assert page.index("data-pagefind-body") > page.index('<main id="main"')


def test_only_the_shards_whose_pages_changed_are_indexed_again(store, settings, small_shards):
    build_site(store, settings)
    out = settings.output_dir
    shards = _page_counts(out)
    assert len(shards) >= 3 and list(shards) == sorted(shards, reverse=True)  # newest first
    assert sorted(small_shards) == sorted(shards) and sum(shards.values()) == len(PUBLISHED)
    before = _bundle(out)

    small_shards.clear()
    build_site(store, settings)
    assert small_shards == []  # nothing changed: Pagefind does not run
    assert _bundle(out) == before

    save_newest_article(store)  # it goes into the last shard
    build_site(store, settings)
    after = _page_counts(out)
    newest = max(after)
    assert small_shards == [newest]  # only the last shard (or a new one) was indexed
    assert sum(after.values()) == len(PUBLISHED) + 1
    for name in shards:
        if name != newest:  # the older shards' files are the same bytes
            assert {k: v for k, v in _bundle(out).items() if k.startswith(f"pagefind/{name}/")} == {
                k: v for k, v in before.items() if k.startswith(f"pagefind/{name}/")
            }


def test_a_new_syndicated_copy_rerenders_the_original_page_but_reindexes_no_shard(store, settings, small_shards):
    """The "also carried by" list is not indexed (data-pagefind-ignore): a new copy of an old story changes
    that story's page, not its search shard."""
    build_site(store, settings)
    out = settings.output_dir
    original = min(PUBLISHED)
    page_before = (out / "article" / f"{original}.html").read_bytes()
    small_shards.clear()
    save_syndicated_copy(store, original)
    report = build_site(store, settings)
    assert report.published and small_shards == []
    page_after = (out / "article" / f"{original}.html").read_text("utf-8")
    assert page_after.encode() != page_before and "另一家转载网站" in page_after


def test_without_pagefind_the_build_falls_back_to_the_ngram_index(store, settings, monkeypatch, caplog):
    monkeypatch.setenv(PAGEFIND_ENV, "none")
    with caplog.at_level(logging.WARNING, logger="site_builder.build"):
        build_site(store, settings)
    assert 'search_engine = "pagefind" but no Pagefind binary' in caplog.text
    assert "n-gram search index instead" in caplog.text
    out = settings.output_dir
    assert not (out / "pagefind").exists() and not (out / "search-index.json").exists()
    index = json.loads((out / "search" / "index.json").read_text("utf-8"))
    assert sum(s["docs"] for s in index["segments"]) == len(PUBLISHED)
    assert (out / "search" / "s0001" / "b0.json").is_file()
    search = (out / "search.html").read_text("utf-8")
    assert 'data-engine="ngram"' in search and 'data-index="search/index.json"' in search
    assert "data-shards" not in search
    total, hits = search_files(out, "医共体")
    assert total >= 4 and all((out / h.url).is_file() for h in hits)


def test_switching_the_search_engine_replaces_the_index(store, tmp_path):
    out = tmp_path / "site" / "output"
    build_site(store, make_settings(out))  # the default: the n-gram index
    assert (out / "search" / "index.json").is_file() and not (out / "pagefind").exists()
    build_site(store, make_settings(out, **PAGEFIND))
    assert _page_counts(out) == {"s0001": len(PUBLISHED)}
    assert not (out / "search").exists()  # the other engine's files are gone
    assert 'data-engine="pagefind"' in (out / "search.html").read_text("utf-8")
    build_site(store, make_settings(out))
    assert not (out / "pagefind").exists()
    index = json.loads((out / "search" / "index.json").read_text("utf-8"))
    assert sum(s["docs"] for s in index["segments"]) == len(PUBLISHED)
    assert 'data-engine="ngram"' in (out / "search.html").read_text("utf-8")


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
    # no staging directory left behind: only the output and the builder's article cache next to it
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{out.name}.articles", f".{out.name}.lock", out.name]


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
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{out.name}.articles", f".{out.name}.lock", out.name]
