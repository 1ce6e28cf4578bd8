from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from yigai.store import (
    LISTING_MIGRATION,
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


def test_pages_archive_keeps_every_distinct_fetch_compressed(store_target):
    s = Store(store_target)
    body = "医共体".encode("gb18030") * 500
    first = s.save_page(page("http://a.cn/x.html#frag", body, headers={"ETag": '"v1"'}))
    assert first is not None
    assert s.save_page(page("http://a.cn/x.html", body)) is None  # same bytes: nothing new archived
    second = s.save_page(page("http://a.cn/x.html", body + b"!", headers={"Last-Modified": "Mon, 01 Jan 2024"}))
    assert second is not None and second != first
    assert s.count_pages() == 2
    assert s.page(first).body == body  # raw bytes come back exactly
    raw = s.conn.execute("SELECT octet_length(body) FROM pages WHERE id = ?" if s.is_postgres else
                         "SELECT length(body) FROM pages WHERE id = ?", (first,)).fetchone()[0]
    assert raw < len(body) / 5  # stored compressed
    state = s.url_state("http://A.cn/x.html")
    assert state["latest_page_id"] == second and state["last_modified"] == "Mon, 01 Jan 2024"
    assert [p.id for p in s.latest_article_pages()] == [second]


def test_not_modified_keeps_latest_page(store_target):
    s = Store(store_target)
    pid = s.save_page(page("http://a.cn/list.html", b"<html>", kind="list", headers={"ETag": "e"}))
    s.record_not_modified("http://a.cn/list.html", "s", "list")
    st = s.url_state("http://a.cn/list.html")
    assert st["latest_page_id"] == pid and st["last_status"] == 304 and st["fetch_count"] == 2
    assert st["etag"] == "e"


def test_transaction_rolls_back_on_error(store_target):
    s = Store(store_target)
    with pytest.raises(RuntimeError), s.transaction() as conn:
        conn.execute("INSERT INTO runs(started_at, status, command) VALUES ('t', 'running', 'x')")
        raise RuntimeError("boom")
    assert s.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_runs_and_source_stats(store_target):
    s = Store(store_target)
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
    Store(path).close()


def test_processes_opening_a_new_store_at_once_migrate_it_once(store_target):
    """Two crawl workers start on a fresh store together: one migrates, the other sees it done."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    path = store_target
    procs = [ctx.Process(target=_open_store, args=(path, barrier)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION


# ------------------------------------------------------------------------------ both engines (SQLite, PostgreSQL)
def _article(url: str, **kw) -> dict:
    from yigai.urls import article_id

    record = {
        "id": article_id(url), "url": url, "page_id": 1, "source_id": "s", "site": "a.cn", "title": "题",
        "text": "医共体正文。", "published": "2024-03-01T08:00:00+08:00", "original_source": None, "author": None,
        "editor": None, "regions_json": "[]", "primary_code": None, "national": 0, "topics_json": "[]",
        "relevance": 0.5, "relevant": 1, "fingerprint": "00000000000000ff", "sketch": "", "meta_json": "{}",
        "group_id": None, "is_original": 1, "extracted_at": "2024-03-02T00:00:00+00:00", "extractor_version": "1",
    }
    record.update(kw)
    return record


def test_fresh_store_is_at_schema_version_on_either_engine(store_target):
    with Store(store_target) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.integrity_ok()
        assert s.is_postgres == store_target.startswith("postgresql://")
    with Store(store_target, create=False) as again:  # opened again: nothing to migrate, nothing lost
        assert again.schema_version == SCHEMA_VERSION


def test_every_article_write_bumps_its_revision_and_deletes_leave_a_tombstone(store_target):
    """The triggers of migrations 3 and 6 behave alike on both engines: insert, replace and a hand-made
    UPDATE each give the row a new revision; a deleted row leaves a tombstone, a restored one clears it."""
    with Store(store_target) as s:
        record = _article("http://a.cn/1.html")
        assert s.save_article(record) is None
        rev1 = s.article(record["id"])["rev"]
        assert s.save_article(dict(record, title="新题")) == ["title"]
        rev2 = s.article(record["id"])["rev"]
        assert rev2 > rev1 and s.article(record["id"])["title"] == "新题"
        with s.transaction() as conn:
            conn.execute("UPDATE articles SET relevant = 0 WHERE id = ?", (record["id"],))
        assert s.article(record["id"])["rev"] > rev2
        assert s.save_article(dict(record, title="新题", rev=1)) == ["relevant"]  # a given rev is not kept
        assert s.article(record["id"])["rev"] > rev2
        with s.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE id = ?", (record["id"],))
        assert s.unexplained_missing([record["id"], "unknown"]) == ["unknown"]
        assert s.conn.execute("SELECT removed_at FROM removed_articles").fetchone()[0].endswith("+00:00")
        s.save_article(record)
        assert s.conn.execute("SELECT COUNT(*) FROM removed_articles").fetchone()[0] == 0


def test_a_replaced_article_takes_the_defaults_of_the_columns_it_leaves_out(store_target):
    """save_article replaces the row, as SQLite's INSERT OR REPLACE did: a column the new record does not
    name is not carried over from the old row."""
    with Store(store_target) as s:
        record = _article("http://a.cn/2.html", sketch="00000000000000aa", group_id="g", is_original=0)
        s.save_article(record)
        s.save_article({k: v for k, v in record.items() if k not in ("sketch", "group_id", "is_original")})
        row = s.article(record["id"])
        assert (row["sketch"], row["group_id"], row["is_original"]) == ("", None, 1)


def test_rows_read_alike_on_both_engines(store_target):
    """Rows are read by name and position, ``dict(row)`` works, bodies come back as bytes, order is by code
    point (the PostgreSQL test server has the C collation, as the docs ask)."""
    with Store(store_target) as s:
        for url in ("http://a.cn/b.html", "http://a.cn/B.html", "http://a.cn/医.html", "http://a.cn/a.html"):
            s.save_article(_article(url, title=url[-6:]))
        urls = [r["url"] for r in s.conn.execute("SELECT url FROM articles ORDER BY url")]
        assert urls == sorted(urls)
        row = s.articles()[0]
        assert dict(row)["id"] == row["id"] == row[0]
        pid = s.save_page(page("http://a.cn/p.html", b"\x00\xff body"))
        assert s.page(pid).body == b"\x00\xff body"
        assert [p["body"] for p in s.archived_pages()] == [b"\x00\xff body"]
        assert [dict(r)["id"] for r in s.iter_articles()] == sorted(r["id"] for r in s.articles())


def test_a_store_that_is_not_there_is_named_not_made(store_target, tmp_path):
    from yigai.store import StoreMissing

    if store_target.startswith("postgresql://"):
        with pytest.raises(StoreMissing, match="not a yigai store"):
            Store(store_target, create=False)  # an empty database: no schema made in it
        with Store(store_target) as s:
            assert s.schema_version == SCHEMA_VERSION
        with pytest.raises(StoreMissing, match="cannot reach"):
            Store(store_target.replace("/t_", "/nosuchdb_", 1), create=False)
    else:
        with pytest.raises(StoreMissing, match="no store at"):
            Store(store_target, create=False)


def test_a_migration_with_a_python_backfill_runs_it_in_its_transaction_on_either_engine(store_target, monkeypatch):
    """How a later migration adds a derived table and fills it from existing rows with Python (build21's
    article_regions, say): portable DDL, plus a backfill given the connection and the engine's name."""
    import yigai.store as store_module
    from yigai.store_backends import Migration

    with Store(store_target) as s:
        s.save_article(_article("http://a.cn/m.html", regions_json='[{"code": "130400"}, {"code": "130408"}]'))
    seen = []

    def backfill(conn, engine: str) -> None:
        seen.append(engine)
        for aid, regions in conn.execute("SELECT id, regions_json FROM articles").fetchall():
            conn.executemany("INSERT INTO article_codes (article_id, code, rank) VALUES (?, ?, ?)",
                             [(aid, r["code"], n) for n, r in enumerate(json.loads(regions))])

    extra = Migration(sqlite="""
        CREATE TABLE article_codes (article_id TEXT NOT NULL, code TEXT NOT NULL, rank INTEGER NOT NULL,
                                    PRIMARY KEY (article_id, code));
        CREATE INDEX article_codes_code ON article_codes(code);
    """, backfill=backfill)
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, extra])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(store_target) as s:
        assert s.schema_version == SCHEMA_VERSION + 1 and seen == [("postgresql" if s.is_postgres else "sqlite")]
        rows = s.conn.execute("SELECT code, rank FROM article_codes ORDER BY rank").fetchall()
        assert [tuple(r) for r in rows] == [("130400", 0), ("130408", 1)]
    with Store(store_target) as s:  # applied once
        assert len(seen) == 1


def test_claims_give_each_page_to_one_worker_and_a_dead_workers_pages_after_its_lease(store_target):
    with Store(store_target) as a, Store(store_target) as b:
        ids = [a.save_page(page(f"http://a.cn/{i}.html", f"<p>{i}</p>".encode())) for i in range(5)]
        first = a.claim_pages("host-a:1", 3, 60)
        second = b.claim_pages("host-b:2", 3, 60)
        assert [p.id for p in first] == ids[:3] and [p.id for p in second] == ids[3:]
        assert first[0].body == b"<p>0</p>"
        assert b.claim_pages("host-b:2", 3, 60) == [] and b.claims_running() == 5
        with a.transaction() as conn:  # host a dies; its lease runs out
            conn.execute("UPDATE extract_claims SET leased_until = ? WHERE owner = ?",
                         ("2000-01-01T00:00:00+00:00", "host-a:1"))
        assert b.claims_running() == 2
        taken = b.claim_pages("host-b:2", 10, 60)
        assert [p.id for p in taken] == ids[:3]
        b.save_articles([_article(f"http://a.cn/{i}.html", page_id=ids[i]) for i in (0, 1)])  # extracted
        b.release_claims("host-b:2", ids[:2])
        b.release_claims("host-b:2", [ids[2]], failed=True)
        b.release_claims("host-a:1", ids[3:])  # not a's any more: nothing released
        assert b.claims_running() == 2  # ids[3:] still b's; the failed page is no running claim
        assert a.claim_pages("host-c:3", 10, 60) == []  # the failed page is not tried again and again
        assert [c[0] for c in a.claims()] == ids[2:]


def _claim_all(target: str, owner: str, out: list) -> None:
    with Store(target) as store:
        while True:
            pages = store.claim_pages(owner, 2, 60)
            if not pages:
                return
            out.extend((owner, p.id) for p in pages)


def test_workers_claiming_at_once_never_get_the_same_page(store_target):
    """Four connections claim two pages at a time until none is left (FOR UPDATE SKIP LOCKED on PostgreSQL,
    the write lock on SQLite): every page is claimed exactly once."""
    import threading

    with Store(store_target) as s:
        ids = [s.save_page(page(f"http://a.cn/{i}.html", f"<p>{i}</p>".encode())) for i in range(40)]
    claimed: list = []
    threads = [threading.Thread(target=_claim_all, args=(store_target, f"w:{n}", claimed)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(pid for _, pid in claimed) == ids


def test_a_run_does_not_mark_crawl_workers_interrupted_but_their_host_marks_its_dead_ones(store_target):
    """Crawl workers take no lock: a run (holding the lock) cannot tell whether another host's worker is alive,
    so it leaves their rows alone; the next worker on the same host marks the dead ones."""
    with Store(store_target) as s:
        run = s.start_run("run", 10)
        other = s.start_run("worker crawl host-b", 11)
        dead = s.start_run("worker crawl host-a", 12)
        alive = s.start_run("worker crawl host-a", 13)
        assert s.mark_interrupted_runs() == 1
        assert s.mark_dead_worker_runs("worker crawl host-a", lambda pid: pid == 13) == 1
        status = {r["id"]: r["status"] for r in s.runs()}
        assert status == {run: "interrupted", other: "running", dead: "interrupted", alive: "running"}


# ------------------------------------------------------------------------------ the listing (migration 8)
def _store_before_the_listing(path: Path) -> None:
    """A store at the schema version before the listing tables, as an older version of the program left it."""
    from yigai.store_backends import migration_sql

    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[: LISTING_MIGRATION - 1]:
        conn.executescript(migration_sql(migration, "sqlite"))
    conn.execute(f"PRAGMA user_version = {LISTING_MIGRATION - 1}")
    conn.commit()
    conn.close()


def test_the_listing_migration_lists_the_articles_stored_before_it(tmp_path):
    """The listing tables are filled for the rows already stored, as a store write would fill them."""
    from bench.build import ArticleFactory

    rows = [ArticleFactory().row(n) for n in range(40)]
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    _store_before_the_listing(old)
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


def test_a_store_write_lists_the_article_and_a_rewrite_or_delete_unlists_it(store_target):
    from tests.site_builder.site_fixtures import WEIXIAN, YIGONGTI, make_record

    rec = make_record(
        "https://a.example/x.html", title="t", text="t", published="2024-03-01T08:00:00",
        regions=[WEIXIAN], topics=[YIGONGTI],
    )
    with Store(store_target) as store:
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


def test_a_watchlist_finds_the_listed_stories_holding_a_term_in_title_or_text(store_target):
    from tests.site_builder.site_fixtures import make_record

    def rec(name: str, title: str, text: str, day: int, **extra):
        return make_record(f"https://a.example/{name}.html", title=title, text=text,
                           published=f"2024-03-{day:02d}T08:00:00+08:00", **extra)

    records = [rec("t", "医共体签约", "正文", 1), rec("x", "标题", "推进医共体建设", 3), rec("n", "医联体", "无关", 2),
               rec("p", "100%_覆盖", "正文", 4), rec("off", "医共体", "正文", 5, relevant=0)]
    with Store(store_target) as store:
        store.insert_articles(records)
        ids = {r["title"] + r["text"]: r["id"] for r in records}
        assert store.listed_containing(["医共体"]) == [ids["标题推进医共体建设"], ids["医共体签约正文"]]
        assert store.listed_containing(["医联体", "医共体"])[1] == ids["医联体无关"]  # any term; newest first
        assert store.listed_containing(["100%_"]) == [ids["100%_覆盖正文"]]
        assert store.listed_containing(["0%覆"]) == [] and store.listed_containing([]) == []  # % and _ are literal


def test_regrouping_or_re_extraction_time_leaves_the_digest(store_target):
    """The digest covers the content columns only: a page re-extracted unchanged or a copy regrouped keeps it,
    so the builder renders nothing again."""
    from tests.site_builder.site_fixtures import make_record

    rec = make_record("https://a.example/y.html", title="t", text="t", published="2024-03-01T08:00:00+08:00")
    with Store(store_target) as store:
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
