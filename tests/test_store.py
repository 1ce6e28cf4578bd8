from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from yigai.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    FetchedPage,
    SourceStats,
    Store,
    StoreError,
)


def page(url: str, body: bytes, **kw) -> FetchedPage:
    return FetchedPage(requested_url=url, final_url=url, source_id="s", kind=kw.pop("kind", "article"),
                       status=200, body=body, **kw)


def test_fresh_store_is_wal_and_at_schema_version(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    assert s.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.integrity_ok()


def test_pages_archive_keeps_every_distinct_fetch_compressed(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    body = "医共体".encode("gb18030") * 500
    first = s.save_page(page("http://a.cn/x.html#frag", body, headers={"ETag": '"v1"'}))
    assert first is not None
    assert s.save_page(page("http://a.cn/x.html", body)) is None  # same bytes: nothing new archived
    second = s.save_page(page("http://a.cn/x.html", body + b"!", headers={"Last-Modified": "Mon, 01 Jan 2024"}))
    assert second is not None and second != first
    assert s.count_pages() == 2
    assert s.page(first).body == body  # raw bytes come back exactly
    raw = s.conn.execute("SELECT length(body) FROM pages WHERE id = ?", (first,)).fetchone()[0]
    assert raw < len(body) / 5  # stored compressed
    state = s.url_state("http://A.cn/x.html")
    assert state["latest_page_id"] == second and state["last_modified"] == "Mon, 01 Jan 2024"
    assert [p.id for p in s.latest_article_pages()] == [second]


def test_not_modified_keeps_latest_page(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    pid = s.save_page(page("http://a.cn/list.html", b"<html>", kind="list", headers={"ETag": "e"}))
    s.record_not_modified("http://a.cn/list.html", "s", "list")
    st = s.url_state("http://a.cn/list.html")
    assert st["latest_page_id"] == pid and st["last_status"] == 304 and st["fetch_count"] == 2
    assert st["etag"] == "e"


def test_transaction_rolls_back_on_error(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError), s.transaction() as conn:
        conn.execute("INSERT INTO runs(started_at, status, command) VALUES ('t', 'running', 'x')")
        raise RuntimeError("boom")
    assert s.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_runs_and_source_stats(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    rid = s.start_run("run", 123)
    stats = SourceStats(requests=3, pages_new=2)
    stats.error("http_5xx", 2)
    s.save_source_stats(rid, "hb", stats)
    assert s.mark_interrupted_runs() == 1  # a run left 'running' by a dead process
    s.finish_run(rid, "ok", {"summary": "x"})
    row = s.run_sources(rid)[0]
    assert (row["requests"], row["pages_new"], json.loads(row["errors_json"])) == (3, 2, {"http_5xx": 2})
    assert s.runs()[0]["status"] == "ok"


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_migration_from_version_1_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO runs(started_at, status, command) VALUES ('2024-01-01T00:00:00+00:00', 'ok', 'run')")
    conn.commit()
    conn.close()
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    assert s.runs()[0]["command"] == "run"
    cols = {r[1] for r in s.conn.execute("PRAGMA table_info(articles)")}
    assert "sketch" in cols


def _open_store(path: str, barrier) -> None:
    barrier.wait()
    Store(Path(path)).close()


def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path):
    """Two crawl workers start on a fresh store together: one migrates, the other sees it done."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    path = str(tmp_path / "fresh.sqlite3")
    procs = [ctx.Process(target=_open_store, args=(path, barrier)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with Store(Path(path)) as store:
        assert store.schema_version == SCHEMA_VERSION


def _v6_store(path: Path) -> None:
    """A store at schema version 6 (before the listing tables), as an older version of the program left it."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:6]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()


def test_migration_7_lists_the_articles_stored_before_it(tmp_path):
    """The listing tables are filled for the rows already stored, as a store write would fill them."""
    from bench.build import ArticleFactory

    rows = [ArticleFactory().row(n) for n in range(40)]
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    _v6_store(old)
    conn = sqlite3.connect(old)
    cols = sorted(rows[0])
    conn.executemany(
        f"INSERT INTO articles({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [[r[c] for c in cols] for r in rows],
    )
    conn.commit()
    conn.close()
    with Store(old) as migrated, Store(new) as written:
        assert migrated.schema_version == SCHEMA_VERSION
        written.insert_articles(rows)

        def listing(store):
            return (
                sorted(tuple(r) for r in store.conn.execute("SELECT id, story_at, digest FROM articles")),
                sorted(tuple(r) for r in store.conn.execute("SELECT article_id, code, ordinal FROM article_regions")),
                sorted(tuple(r) for r in store.conn.execute("SELECT article_id, slug, ordinal FROM article_topics")),
            )

        got, expected = listing(migrated), listing(written)
        assert got == expected
        assert len(got[1]) > 40 and len(got[2]) >= 40 and all(d and len(d) == 32 for _i, _t, d in got[0])


def test_a_store_write_lists_the_article_and_a_rewrite_or_delete_unlists_it(tmp_path):
    from tests.site_builder.site_fixtures import WEIXIAN, YIGONGTI, make_record

    rec = make_record(
        "https://a.example/x.html", title="t", text="t", published="2024-03-01T08:00:00",
        regions=[WEIXIAN], topics=[YIGONGTI],
    )
    with Store(tmp_path / "db.sqlite3") as store:
        store.save_article(rec)
        regions = store.conn.execute("SELECT code, ordinal FROM article_regions ORDER BY code").fetchall()
        assert [tuple(r) for r in regions] == [("130000", 0), ("130400", 1), ("130434", 2)]
        # a naive time is China time
        assert store.conn.execute("SELECT story_at FROM articles").fetchone()[0] == 1709251200.0
        digest = store.conn.execute("SELECT digest FROM articles").fetchone()[0]
        store.save_article({**rec, "regions_json": "[]", "topics_json": "[]", "title": "t2"})
        assert store.conn.execute("SELECT COUNT(*) FROM article_regions").fetchone()[0] == 0
        assert store.conn.execute("SELECT COUNT(*) FROM article_topics").fetchone()[0] == 0
        assert store.conn.execute("SELECT digest FROM articles").fetchone()[0] != digest
        store.save_article(rec)
        assert store.conn.execute("SELECT COUNT(*) FROM article_regions").fetchone()[0] == 3
        assert [r[0] for r in store.region_lists()] == ["130000", "130400", "130434"]
        with store.transaction() as conn:
            conn.execute("DELETE FROM articles")
        assert store.region_lists() == [] and store.topic_lists() == []  # a deleted story lists nothing
        store.save_article({**rec, "regions_json": "[]"})  # written again: its old listing does not come back
        assert store.region_lists() == [] and len(store.topic_lists()) == 1


def test_regrouping_or_re_extraction_time_leaves_the_digest(tmp_path):
    """The digest covers the content columns only: a page re-extracted unchanged or a copy regrouped keeps it,
    so the builder renders nothing again."""
    from tests.site_builder.site_fixtures import make_record

    rec = make_record("https://a.example/y.html", title="t", text="t", published="2024-03-01T08:00:00+08:00")
    with Store(tmp_path / "db.sqlite3") as store:
        store.save_article(rec)
        before = store.conn.execute("SELECT digest FROM articles").fetchone()[0]
        store.save_article({**rec, "extracted_at": "2025-01-01T00:00:00+00:00", "page_id": 9})
        store.set_groups({rec["id"]: (rec["id"], True)})
        assert store.conn.execute("SELECT digest FROM articles").fetchone()[0] == before


def test_the_lists_are_read_from_indexes(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        for sql in (
            "SELECT code FROM article_regions WHERE code = '130000'",
            "SELECT article_id FROM article_topics WHERE slug = 'x'",
            "SELECT id FROM articles WHERE relevant = 1 AND is_original = 1 ORDER BY story_at DESC",
        ):
            plan = " ".join(str(row[-1]) for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING" in plan and "INDEX" in plan, (sql, plan)
