"""`yigai build` never replaces the published site with a smaller one the store cannot account for: a moved
or mistyped store is an error naming its path, and stories leave the site only when the store knows why."""

from __future__ import annotations

import shutil

import pytest

from tests.site_builder.site_fixtures import fill_store
from yigai.cli import main
from yigai.stages import published_story_ids
from yigai.store import Store


@pytest.fixture
def built(settings_file, tmp_path, capsys):
    """A store with the fixture stories and the site built from it."""
    fill_store(tmp_path / "db.sqlite3").close()
    assert main(["build", "--config", str(settings_file)]) == 0
    capsys.readouterr()
    out = tmp_path / "output"
    with Store(tmp_path / "db.sqlite3") as store:
        published = {r["id"] for r in store.articles() if r["relevant"] and r["is_original"]}
    assert published and published_story_ids(out) == published  # what the guard reads is what was built
    return out, published


def _index(out) -> bytes:
    return (out / "index.html").read_bytes()


def test_a_store_moved_away_is_an_error_and_the_site_stays(built, settings_file, tmp_path, capsys):
    out, published = built
    before = _index(out)
    shutil.move(tmp_path / "db.sqlite3", tmp_path / "elsewhere.sqlite3")
    assert main(["build", "--config", str(settings_file)]) == 4
    err = capsys.readouterr().err
    assert f"no store at {tmp_path / 'db.sqlite3'}" in err and "Traceback" not in err
    assert not (tmp_path / "db.sqlite3").exists()
    assert _index(out) == before and published_story_ids(out) == published


def test_another_store_with_fewer_stories_is_refused_unless_allowed(built, settings_file, tmp_path, capsys):
    out, published = built
    before = _index(out)
    other = tmp_path / "other.sqlite3"
    Store(other).close()  # a new, empty store (e.g. made by `yigai crawl --database` with a typo)
    assert main(["build", "--config", str(settings_file), "--database", str(other)]) == 4
    err = capsys.readouterr().err
    assert f"{len(published)} of the {len(published)} stories" in err and str(other) in err
    assert "--allow-shrink" in err and "Traceback" not in err
    assert _index(out) == before and published_story_ids(out) == published
    assert main(["build", "--config", str(settings_file), "--database", str(other), "--allow-shrink"]) == 0
    assert published_story_ids(out) == set()


def test_stories_really_removed_may_leave_the_site(built, settings_file, tmp_path):
    out, published = built
    gone, off_topic, *_ = sorted(published)
    with Store(tmp_path / "db.sqlite3") as store:
        store.conn.execute("DELETE FROM articles WHERE id = ?", (gone,))  # taken down: a tombstone is kept
        store.conn.execute("UPDATE articles SET relevant = 0 WHERE id = ?", (off_topic,))  # the store knows it
        assert store.unexplained_missing(published) == []
    assert main(["build", "--config", str(settings_file)]) == 0
    assert published_story_ids(out) == published - {gone, off_topic}


def test_a_removed_story_that_comes_back_loses_its_tombstone(built, tmp_path):
    _out, published = built
    aid = sorted(published)[0]
    with Store(tmp_path / "db.sqlite3") as store:
        row = dict(store.article(aid))
        store.conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
        assert store.conn.execute("SELECT COUNT(*) FROM removed_articles").fetchone()[0] == 1
        store.save_article({k: v for k, v in row.items() if k != "rev"})
        assert store.conn.execute("SELECT COUNT(*) FROM removed_articles").fetchone()[0] == 0
        store.save_article({k: v for k, v in row.items() if k != "rev"})  # a replace is no removal
        assert store.conn.execute("SELECT COUNT(*) FROM removed_articles").fetchone()[0] == 0
