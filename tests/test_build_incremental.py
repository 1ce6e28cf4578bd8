"""Incremental by construction: a build into an output directory holding any earlier site of the store (the last
night's, one several changes behind, with or without the spare generation beside it) publishes exactly the tree
a build of the same store into an empty directory publishes — every file, byte for byte, the manifest, search
index, feeds and sitemap included — while rendering only what changed.

Seeded random changes (new and back-dated stories, edits, re-dating, topic and region changes, deletions,
regrouping of syndicated copies, off-topic marks, crawl runs, a renamed source) are applied to a synthetic store
step by step; the incremental site is built after some steps only (so it starts from sites of any age) and then
compared with a fresh build. ``YIGAI_INCREMENTAL_STEPS`` / ``YIGAI_INCREMENTAL_SEEDS`` make a longer soak.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from site_builder.build import build_site
from tests.build_changes import StoreSim, make_store, region, tree_diff
from yigai.config import Settings, load_settings
from yigai.store import Store

STEPS = int(os.environ.get("YIGAI_INCREMENTAL_STEPS", "25"))
SEEDS = [int(s) for s in os.environ.get("YIGAI_INCREMENTAL_SEEDS", "1,2").split(",")]


def site_settings(output: Path) -> Settings:
    # Small pages, feeds and search segments: pagination, feed cut-offs and segment boundaries move with
    # nearly every change.
    site = {"page_size": 4, "feed_items": 5, "search_shard_size": 32}
    return load_settings(overrides={"output_dir": str(output), "site": site})


def build(store: Store, output: Path):
    return build_site(store, site_settings(output), output_dir=output)


class Checker:
    """Builds site A incrementally and compares it with a fresh build of the store into an empty directory."""

    def __init__(self, sim: StoreSim, tmp_path: Path) -> None:
        self.sim = sim
        self.tmp = tmp_path
        self.site = tmp_path / "a" / "site"
        self.fresh_builds = 0

    def build(self):
        return build(self.sim.store, self.site)

    def assert_identical(self, what: str) -> Any:
        self.fresh_builds += 1
        fresh = self.tmp / f"fresh{self.fresh_builds}" / "site"
        report = build(self.sim.store, fresh)
        try:
            problems = tree_diff(self.site, fresh)
            assert not problems, (
                f"{what}: the incremental site differs from a build from nothing:\n  "
                + "\n  ".join(problems)
                + "\nchanges so far:\n  "
                + "\n  ".join(self.sim.log)
            )
        finally:
            shutil.rmtree(fresh.parent)
        return report


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_from_any_state_equals_built_from_nothing(tmp_path: Path, seed: int) -> None:
    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=seed)
    check = Checker(sim, tmp_path)
    try:
        check.build()
        check.assert_identical(f"seed {seed}, first build")
        rendered, fresh_rendered, built = 0, 0, 0
        for step in range(STEPS):
            sim.step()
            if sim.rng.random() < 0.3:
                continue  # not built tonight: the next build starts from an older site
            if sim.rng.random() < 0.15:  # the spare generation lost (a crash, a cleaned disk)
                shutil.rmtree(check.site.with_name(f".{check.site.name}.spare"), ignore_errors=True)
            report = check.build()
            fresh = check.assert_identical(f"seed {seed}, step {step}")
            rendered, fresh_rendered, built = rendered + report.rendered, fresh_rendered + fresh.rendered, built + 1
        assert built >= STEPS // 2
        # Incremental, not a full build each time: far fewer pages and feeds rendered than from nothing.
        assert rendered < 0.6 * fresh_rendered, (rendered, fresh_rendered)
    finally:
        sim.store.close()


def test_a_new_and_a_vanished_region_give_the_same_site(tmp_path: Path) -> None:
    """A division no story named before, then that division gone again."""
    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=5)
    check = Checker(sim, tmp_path)
    try:
        check.build()
        new = sim.save(sim.record(sim.newest, regions=[region("320102", "江苏省", "南京市", "玄武区")]))
        check.build()
        check.assert_identical("a new region")
        assert (check.site / "region" / "320100" / "index.html").is_file()  # its prefecture, from the table
        sim.store.conn.execute("DELETE FROM articles WHERE id = ?", (new["id"],))
        check.build()
        check.assert_identical("the new region gone again")
        assert not (check.site / "region" / "320102").exists()
    finally:
        sim.store.close()


def test_a_night_renders_only_what_the_new_story_touches(tmp_path: Path) -> None:
    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=7)
    check = Checker(sim, tmp_path)
    try:
        first = check.build()
        check.build()  # the spare generation now exists, as on every night after the first
        sim.save(sim.record(sim.newest, regions=[region("130434", "河北省", "邯郸市", "魏县")]))
        night = check.build()
        assert night.published and 0 < night.rendered < first.rendered / 4
        assert night.pages_written < night.files_total / 4
        check.assert_identical("after one new story")
        unchanged = check.build()
        assert unchanged.rendered == 0 and unchanged.pages_written == 0 and not unchanged.published
    finally:
        sim.store.close()


def test_a_renamed_division_or_topic_label_reaches_every_page_that_shows_it(tmp_path: Path, monkeypatch) -> None:
    """Names are joined at build time from the division table and the taxonomy: when those change (a county
    renamed in a new release of the table), every page showing the name changes, incrementally as from nothing."""
    from site_builder import models

    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=9)
    check = Checker(sim, tmp_path)
    try:
        check.build()
        check.build()
        divisions = dict(models.division_table())
        divisions["130434"] = models.RegionRef("130434", "魏州区", "county", "130400")
        labels = {**models.topic_labels(), "payment_reform": "医保支付方式改革"}
        monkeypatch.setattr(models, "division_table", lambda: divisions)
        monkeypatch.setattr(models, "topic_labels", lambda: labels)
        monkeypatch.setattr("site_builder.context.topic_labels", lambda: labels)
        report = check.build()
        assert report.published
        check.assert_identical("after the names changed")
        county = (check.site / "region" / "130434" / "index.html").read_text("utf-8")
        assert "<h1>魏州区</h1>" in county or "魏州区</h1>" in county
        assert "河北省 · 邯郸市 · 魏州区" in county  # the stories' place, in the list
        assert "医保支付方式改革" in (check.site / "topic" / "payment_reform" / "index.html").read_text("utf-8")
    finally:
        sim.store.close()
