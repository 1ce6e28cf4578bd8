"""The delta build's promise: building the site again into the same output directory (a *delta* build when the
state beside it allows one, else a full one) gives exactly the tree a full build of the same store gives into
an empty directory — every file, byte for byte, the manifest, search index, feeds and sitemap included.

The main test applies seeded random changes to a synthetic store step by step (new and back-dated stories,
edits, re-dating, topic and region changes, deletions, regrouping of syndicated copies, off-topic marks, crawl
runs, a renamed source), and after each step compares the incremental site with a fresh full build. It also
checks that most steps really took the delta path (``BuildReport.mode == "delta"``), so the test cannot pass
by always falling back. The targeted tests cover the fallbacks and a state that no longer describes the site.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from site_builder.build import build_site
from tests.delta_helpers import REGION_POOL, StoreSim, make_store, region, state_file, tree, tree_diff
from yigai.config import Settings, load_settings
from yigai.store import Store

# A longer soak: YIGAI_DELTA_STEPS=200 YIGAI_DELTA_SEEDS=1,2,3,4,5 pytest tests/test_build_delta.py -k random
STEPS = int(os.environ.get("YIGAI_DELTA_STEPS", "25"))
SEEDS = [int(s) for s in os.environ.get("YIGAI_DELTA_SEEDS", "1,2").split(",")]
DELTA_SHARE = 0.6  # at least this share of the steps must have been delta builds


def site_settings(output: Path, **extra: Any) -> Settings:
    # Small pages, feeds and search segments: pagination, feed cut-offs and segment boundaries move with
    # nearly every change.
    site = {"page_size": 4, "feed_items": 5, **extra}
    return load_settings(overrides={"output_dir": str(output), "site": site})


def build(store: Store, output: Path, **extra: Any):
    return build_site(store, site_settings(output, **extra), output_dir=output)


def mode(report) -> str | None:
    return getattr(report, "mode", None)


class Checker:
    """Builds site A incrementally and compares it after each build with a fresh full build of the store."""

    def __init__(self, sim: StoreSim, tmp_path: Path, **site: Any) -> None:
        self.sim = sim
        self.tmp = tmp_path
        self.site = tmp_path / "a" / "site"
        self.extra = site  # more [site] settings
        self.fresh_builds = 0
        self.fresh_modes: list[str | None] = []

    def build(self):
        return build(self.sim.store, self.site, **self.extra)

    def fresh(self) -> Path:
        self.fresh_builds += 1
        out = self.tmp / f"fresh{self.fresh_builds}" / "site"
        report = build(self.sim.store, out, **self.extra)
        self.fresh_modes.append(mode(report))
        return out

    def assert_identical(self, what: str) -> None:
        fresh = self.fresh()
        try:
            problems = tree_diff(self.site, fresh)
            assert not problems, (
                f"{what}: the incremental site differs from a full build of the same store:\n  "
                + "\n  ".join(problems)
                + "\nchanges so far:\n  "
                + "\n  ".join(self.sim.log)
            )
        finally:
            shutil.rmtree(fresh.parent)

    def assert_fresh_builds_were_full(self) -> None:
        assert set(self.fresh_modes) == {"full"}, (
            f"a build into an empty directory must be full: {self.fresh_modes}"
        )


@pytest.fixture
def checker(tmp_path: Path):
    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=11)
    checker = Checker(sim, tmp_path)
    report = checker.build()
    assert mode(report) == "full", "the first build (no state yet) must be a full one"
    yield checker
    sim.store.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_random_changes_give_the_same_site_as_a_full_build(tmp_path: Path, seed: int) -> None:
    _random_changes(tmp_path, seed, STEPS)


def test_lists_read_whole_give_the_same_site(tmp_path: Path, monkeypatch) -> None:
    """A delta build reads a long list's pages by LIMIT/OFFSET, and the whole list's ids at once when a page
    far from its start is wanted (a back-dated story in a list of thousands); here every read is "far"."""
    import site_builder.delta

    monkeypatch.setattr(site_builder.delta, "FAR_SLICE", 0)
    _random_changes(tmp_path, 3, 10)


def _random_changes(tmp_path: Path, seed: int, steps: int) -> None:
    STEPS = steps  # noqa: N806  (the module's default, for this run)
    sim = make_store(tmp_path / "db" / "yigai.sqlite3", seed=seed)
    check = Checker(sim, tmp_path)
    try:
        first = check.build()
        check.assert_identical(f"seed {seed}, first build")
        modes: list[str | None] = []
        for step in range(STEPS):
            sim.step()
            report = check.build()
            modes.append(mode(report))
            check.assert_identical(f"seed {seed}, step {step} ({mode(report)} build)")
        counts = Counter(modes)
        assert mode(first) == "full", f"the first build must be full, not {mode(first)!r}"
        check.assert_fresh_builds_were_full()
        assert counts["delta"] >= DELTA_SHARE * STEPS, (
            f"seed {seed}: only {counts['delta']} of {STEPS} builds were delta builds ({dict(counts)}); "
            "changes per step:\n  " + "\n  ".join(f"{m}: {c}" for m, c in zip(modes, sim.log, strict=True))
        )
    finally:
        sim.store.close()


def _rename_by_vote(sim: StoreSim) -> None:
    """New stories naming 魏县 (130434) by another name, outnumbering every earlier mention: the name vote
    changes, so every page naming the county changes."""
    mentions = sim.store.conn.execute(
        "SELECT COUNT(*) FROM articles WHERE regions_json LIKE '%130434%'"
    ).fetchone()[0]
    renamed = region("130434", "河北省", "邯郸市", "魏 县")
    for _ in range(mentions + 2):
        sim.save(sim.record(sim.newest + sim_minutes(sim), regions=[renamed]))
    sim.log.append(f"{mentions + 2} new stories naming 130434 魏 县")


def _relabel_by_vote(sim: StoreSim) -> None:
    """New stories labelling a topic differently, outnumbering every earlier label."""
    mentions = sim.store.conn.execute(
        "SELECT COUNT(*) FROM articles WHERE topics_json LIKE '%payment_reform%'"
    ).fetchone()[0]
    for _ in range(mentions + 2):
        sim.save(
            sim.record(
                sim.newest + sim_minutes(sim),
                regions=[REGION_POOL[0]],
                topics=[{"id": "payment_reform", "label": "医保支付方式改革"}],
            )
        )
    sim.log.append(f"{mentions + 2} new stories labelling payment_reform 医保支付方式改革")


def sim_minutes(sim: StoreSim) -> timedelta:
    return timedelta(minutes=sim.rng.randint(1, 600))


@pytest.mark.parametrize("change", [_rename_by_vote, _relabel_by_vote], ids=["region-name", "topic-label"])
def test_a_changed_name_vote_falls_back_to_a_full_build(checker: Checker, change) -> None:
    checker.sim.step()  # an ordinary change first: the state is a delta build's, not only the first full one's
    checker.build()
    checker.assert_identical("before the vote changes")
    change(checker.sim)
    report = checker.build()
    checker.assert_identical("after the vote changed")
    assert mode(report) == "full", "a changed region name or topic label must fall back to a full build"
    checker.assert_fresh_builds_were_full()


def test_a_new_and_a_vanished_region_give_the_same_site(checker: Checker) -> None:
    """A region no story named before, then that region gone again (either path may build them)."""
    sim = checker.sim
    new = sim.save(
        sim.record(sim.newest + sim_minutes(sim), regions=[region("320102", "江苏省", "南京市", "玄武区")])
    )
    checker.build()
    checker.assert_identical("a new region")
    sim.store.conn.execute("DELETE FROM articles WHERE id = ?", (new["id"],))
    checker.build()
    checker.assert_identical("the new region gone again")


def test_too_many_changed_rows_fall_back_to_a_full_build(checker: Checker, monkeypatch) -> None:
    """Past the delta's row limit (lowered here: the real one is hundreds of rows) the build is a full one."""
    from site_builder import delta

    monkeypatch.setattr(delta, "DELTA_MIN_ROWS", 3)
    monkeypatch.setattr(delta, "DELTA_MAX_SHARE", 0.02)
    sim = checker.sim
    sim.apply(*["add_new"] * 6)
    report = checker.build()
    checker.assert_identical("after many new stories")
    assert mode(report) == "full", "more changed rows than the limit must fall back to a full build"
    sim.apply("edit_text")
    report = checker.build()
    checker.assert_identical("one change after")
    assert mode(report) == "delta"


def test_without_its_state_the_build_is_a_full_one(checker: Checker) -> None:
    sim = checker.sim
    sim.step()
    checker.build()
    state = state_file(checker.site)
    assert state.is_file(), f"a build must leave its delta state at {state}"
    state.unlink()
    sim.apply("add_new", "edit_text")
    report = checker.build()
    assert mode(report) == "full", "with no state the build must be a full one"
    checker.assert_identical("after the state was deleted")
    assert state.is_file(), "a full build writes the state anew"
    sim.apply("add_new")
    report = checker.build()
    checker.assert_identical("the build after")
    assert mode(report) == "delta", "the state a full build wrote must serve the next build"


def test_a_state_that_does_not_describe_the_published_site_is_not_trusted(checker: Checker) -> None:
    """The state from an older generation put back beside a newer site (a crash between publishing and
    committing, a restore of one file but not the other …): the build must not trust it."""
    sim = checker.sim
    state = state_file(checker.site)
    aside = checker.tmp / "state-aside.sqlite3"
    shutil.copy2(state, aside)
    sim.apply("add_new", "change_topics", "delete")
    checker.build()
    checker.assert_identical("the build after the state was copied")
    shutil.copy2(aside, state)  # the older state, beside the newer site
    sim.apply("add_new", "edit_text", "make_copy")
    report = checker.build()
    checker.assert_identical(f"with an older state put back ({mode(report)} build)")
    sim.apply("add_new")
    report = checker.build()
    checker.assert_identical(f"the build after ({mode(report)} build)")


def test_a_site_and_state_restored_from_a_backup_give_the_same_site(checker: Checker) -> None:
    """The published site and its state put back together from a backup (a consistent pair, but older than
    the row cache and the kept previous generation beside them, and than the store)."""
    sim = checker.sim
    site, state = checker.site, state_file(checker.site)
    backup = checker.tmp / "backup"
    shutil.copytree(site, backup / "site", symlinks=True)
    shutil.copy2(state, backup / "state")
    for _ in range(3):
        sim.step()
        checker.build()
    shutil.rmtree(site)
    shutil.copytree(backup / "site", site, symlinks=True)
    shutil.copy2(backup / "state", state)
    sim.step()
    report = checker.build()
    checker.assert_identical(f"after the site and state were restored ({mode(report)} build)")
    sim.step()
    report = checker.build()
    checker.assert_identical(f"the build after ({mode(report)} build)")


def test_a_store_restored_from_a_backup_gives_the_same_site(checker: Checker, tmp_path: Path) -> None:
    """The store put back from a backup (its revision counter goes back): the rows changed since are
    re-extracted (new extraction time and SimHash), new stories are found again."""
    sim = checker.sim
    db = sim.store.path
    backup = tmp_path / "db-backup.sqlite3"
    with Store(backup) as copy:
        sim.store.conn.backup(copy.conn)
    for _ in range(2):
        sim.step()
        checker.build()
    sim.store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy2(backup, db)
    sim.store = Store(db)
    # Only re-extraction (new extracted_at, new SimHash) is realistic for rows that went back in time.
    done = [sim.edit_text("reextract"), sim.add_new(), sim.edit_text("reextract"), sim.add_new()]
    sim.log.append("store restored; then " + "; ".join(done))
    report = checker.build()
    checker.assert_identical(f"after the store was restored ({mode(report)} build)")


def test_nothing_changed_leaves_the_published_site_untouched(checker: Checker) -> None:
    sim = checker.sim
    sim.step()
    checker.build()
    before, inodes = tree(checker.site), inodes_and_mtimes(checker.site)
    report = checker.build()
    assert mode(report) == "delta", "with nothing changed and a good state, the build is a delta build"
    assert not report.published, "nothing changed: the published site must be left as it is"
    assert tree(checker.site) == before
    assert inodes_and_mtimes(checker.site) == inodes, "a file of the published site was replaced"
    checker.assert_identical("after a build with nothing changed")


def inodes_and_mtimes(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }
