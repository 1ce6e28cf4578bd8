"""`yigai store copy SRC DST`: an archive moves between SQLite and PostgreSQL without loss, both ways, and the
site built from either store is the same, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from yigai.cli import main
from yigai.config import load_settings
from yigai.store import FetchedPage, SourceStats, Store, StoreError
from yigai.store_copy import CopyMismatch, copy_store, verify

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "yigai" / "sample_web" / "sites"


def _fill(target: str) -> None:
    """A store with every kind of row: sources, pages (GBK and binary bodies), urls, a run with per-source
    counts, articles (extracted and grouped), a deleted article's tombstone, a failed page's claim."""
    from yigai import stages

    settings = load_settings(None, {"database": "/nonexistent/unused.sqlite3"})
    with Store(target) as store:
        run = store.start_run("run", 1)
        store.add_source_record({"id": "sample", "name": "样例站", "home_region": "130000",
                                 "config_json": "{}", "updated_at": "2024-03-01T00:00:00+00:00"})
        for path in sorted(SITES.rglob("*.htm*")):
            url = f"http://sample.test/{path.relative_to(SITES).as_posix()}"
            store.save_page(FetchedPage(url, url, "sample", "article", 200, path.read_bytes(), run_id=run,
                                        headers={"ETag": '"e"'}))
        store.save_page(FetchedPage("http://sample.test/x.bin", "http://sample.test/x.bin", "sample", "article",
                                    200, bytes(range(256)) * 8))
        store.record_discovered(["http://sample.test/pending.html"], "sample", "article")
        store.save_source_stats(run, "sample", SourceStats(requests=3, pages_new=2, seconds=1.25))
        store.finish_run(run, "ok", {"summary": "x"})
        stages.run_extract_stage(store, settings)
        gone = store.articles()[0]["id"]
        with store.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE id = ?", (gone,))
        store.claim_pages("host:1", 1, 60)


def _site(tmp: Path, target: str, name: str) -> dict[str, str]:
    out = tmp / name
    cfg = tmp / f"{name}.toml"
    line = f'store_url = "{target}"\n' if target.startswith("postgresql://") else f'database = "{target}"\n'
    cfg.write_text(line + f'output_dir = "{out}"\n[site]\nbase_url = "https://yigai.test/"\n', encoding="utf-8")
    assert main(["build", "--config", str(cfg)]) == 0
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_sqlite_to_postgresql_and_back_loses_nothing_and_builds_the_same_site(tmp_path, pg_url, capsys):
    first = str(tmp_path / "first.sqlite3")
    back = str(tmp_path / "back.sqlite3")
    _fill(first)
    assert main(["store", "copy", first, pg_url]) == 0
    out = capsys.readouterr().out
    assert "content hashes equal in both" in out and "pages" in out
    assert main(["store", "copy", pg_url, back]) == 0
    with Store(first) as a, Store(pg_url) as b, Store(back) as c:
        report = verify(a, c)  # raises on any difference
        assert {t.table for t in report.tables} >= {"pages", "articles", "urls", "runs", "removed_articles",
                                                    "extract_claims", "article_revision"}
        assert all(t.rows for t in report.tables if t.table not in ("syndication_grouped",))
        assert [dict(r) for r in a.articles()] == [dict(r) for r in b.articles()]  # revisions kept too
        assert b.start_run("next", 2) == a.start_run("next", 2)  # ids continue after the copied ones
        assert b.save_page(FetchedPage("http://n.cn/1", "http://n.cn/1", "s", "article", 200, b"n")) \
            == a.save_page(FetchedPage("http://n.cn/1", "http://n.cn/1", "s", "article", 200, b"n"))
    assert _site(tmp_path, first, "from-sqlite") == _site(tmp_path, pg_url, "from-postgresql")


def test_a_copy_into_a_store_that_has_rows_is_refused(tmp_path, store_target):
    src = str(tmp_path / "src.sqlite3")
    with Store(src) as store:
        store.start_run("run", 1)
    with Store(store_target) as store:
        store.start_run("mine", 2)
    with pytest.raises(StoreError, match="not empty"):
        copy_store(src, store_target)
    with Store(store_target) as store:
        assert [r["command"] for r in store.runs()] == ["mine"]


def test_the_check_sees_a_changed_byte(tmp_path, store_target):
    src = str(tmp_path / "src.sqlite3")
    with Store(src) as store:
        store.save_page(FetchedPage("http://a.cn/1", "http://a.cn/1", "s", "article", 200, b"abc"))
    copy_store(src, store_target)
    with Store(src) as a, Store(store_target) as b:
        with b.transaction() as conn:
            conn.execute("UPDATE pages SET sha1 = 'x'")
        with pytest.raises(CopyMismatch, match=r"pages: 1 rows .*\(same count, different content\)"):
            verify(a, b)
