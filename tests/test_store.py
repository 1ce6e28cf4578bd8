from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from yigai.store import (
    ARTICLE_TOKENS_SQL,
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


def test_article_tokens_come_from_the_covering_index_as_python_would_write_them(tmp_path):
    """Every build reads every article's token: from the index of migration 4 (not the table, whose rows hold
    the texts), each token the revision, SimHash and extraction time as text, and a changed row changes it."""
    from bench.build import ArticleFactory, insert_articles

    db = tmp_path / "s.sqlite3"
    factory = ArticleFactory()
    insert_articles(db, [factory.row(n) for n in range(30)])
    with Store(db) as store:
        expected = [
            (str(aid), f"{rev}:{fingerprint}:{extracted}")
            for aid, rev, fingerprint, extracted in store.conn.execute(
                "SELECT id, rev, fingerprint, extracted_at FROM articles NOT INDEXED"
            )
        ]
        tokens = store.article_tokens()
        assert sorted(tokens) == sorted(expected) and len(tokens) == 30
        assert all(type(t) is tuple for t in tokens)  # plain tuples, not Row objects
        plan = " ".join(str(row[-1]) for row in store.conn.execute(f"EXPLAIN QUERY PLAN {ARTICLE_TOKENS_SQL}"))
        assert "COVERING INDEX articles_tokens" in plan
        aid = tokens[0][0]
        with store.transaction() as conn:
            conn.execute("UPDATE articles SET title = title || '!' WHERE id = ?", (aid,))
        changed = dict(store.article_tokens())
        assert changed[aid] != dict(tokens)[aid] and len(changed) == 30
