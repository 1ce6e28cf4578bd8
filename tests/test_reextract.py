"""`yigai extract --all` re-extracts the archive with the current extractor and reports what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigai.cli import main
from yigai.store import FetchedPage, Store


@pytest.fixture(params=["sqlite", "postgresql"])
def settings_file(request, tmp_path: Path) -> Path:
    """Settings naming a store on each engine (store_url for PostgreSQL)."""
    store_line = ""
    if request.param == "postgresql":
        store_line = f'store_url = "{request.getfixturevalue("pg_url")}"\n'
    path = tmp_path / "yigai.toml"
    path.write_text(
        f'database = "{tmp_path / "db.sqlite3"}"\n{store_line}output_dir = "{tmp_path / "output"}"\n'
        '[site]\nbase_url = "https://yigai.test/"\n',
        encoding="utf-8",
    )
    return path

PAGE = (
    "<html><head><meta charset='utf-8'><title>郑州推进紧密型县域医共体建设</title></head><body>"
    "<h1>郑州推进紧密型县域医共体建设</h1><p>发布时间：2024-03-15 09:30 来源：河南日报</p>"
    "<p>河南省郑州市推进紧密型县域医共体建设，县域内就诊率达到九成以上，分级诊疗格局基本形成。</p>"
    "<p>医共体牵头医院向乡镇卫生院派驻专家，双向转诊更加顺畅，群众看病就医更加方便。</p></body></html>"
)


def test_extract_all_reports_changes_and_keeps_pages(settings_file, capsys):
    from yigai.config import load_settings

    settings = load_settings(settings_file)
    with Store(settings.store) as store:
        store.save_page(FetchedPage("http://x.cn/a/t20240315_1.html", "http://x.cn/a/t20240315_1.html", "x",
                                    "article", 200, PAGE.encode()))
    assert main(["extract", "--config", str(settings_file)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["extract", "--config", str(settings_file)]) == 0  # nothing left to extract
    assert "extracted 0 of 0 pages" in capsys.readouterr().out
    with Store(settings.store) as store:  # simulate an older extractor's output
        store.conn.execute("UPDATE articles SET title = '旧标题', relevance = 0")
    assert main(["extract", "--all", "--config", str(settings_file)]) == 0
    out = capsys.readouterr().out
    assert "1 changed" in out and "changed:" in out and "title" in out and "relevance" in out
    with Store(settings.store) as store:
        assert store.count_pages() == 1
        assert store.conn.execute("SELECT title FROM articles").fetchone()[0] == "郑州推进紧密型县域医共体建设"


COPY = PAGE.replace("来源：河南日报", "来源：河南日报 转载").replace("<title>", "<title>转载：")


def test_copies_are_grouped_even_when_the_run_that_saved_them_died_before_grouping(settings_file, monkeypatch):
    """Articles are saved one by one and grouped after the last. A run killed in between leaves the copy marked
    as an original; the next run, with nothing new to extract, still groups it — and, once grouped, a run
    with nothing new does not group again."""
    import yigai.stages as pipeline
    from yigai.config import load_settings

    settings = load_settings(settings_file)
    with Store(settings.store) as store:
        for url, body in (("http://x.cn/a/t20240315_1.html", PAGE), ("http://y.cn/b/t20240316_2.html", COPY)):
            store.save_page(FetchedPage(url, url, "x", "article", 200, body.encode()))
        group = pipeline.group_syndicated

        def killed(store):
            raise KeyboardInterrupt("killed before grouping")

        monkeypatch.setattr(pipeline, "group_syndicated", killed)
        try:
            pipeline.run_extract_stage(store, settings)
        except KeyboardInterrupt:
            pass
        originals = "SELECT COUNT(*) FROM articles WHERE is_original = 1"
        assert store.conn.execute(originals).fetchone()[0] == 2  # saved, not grouped
        monkeypatch.setattr(pipeline, "group_syndicated", group)
        report = pipeline.run_extract_stage(store, settings)
        assert report.extracted == 0 and report.duplicates == 1
        assert store.conn.execute(originals).fetchone()[0] == 1
        monkeypatch.setattr(pipeline, "group_syndicated", killed)  # nothing changed since: not grouped again
        assert pipeline.run_extract_stage(store, settings).duplicates == 1
        with store.transaction() as conn:
            conn.execute("UPDATE articles SET is_original = 1")  # any change to the articles: due again
        assert store.grouping_due()


def test_stored_answers_that_are_no_page_are_counted_not_extracted(settings_file, capsys):
    # An archive from before the crawler refused them: a binary body and an empty one, stored as article pages.
    import os

    from yigai.config import load_settings

    settings = load_settings(settings_file)
    with Store(settings.store) as store:
        for name, body in (("bin", os.urandom(5000)), ("empty", b"  \n"), ("ok", PAGE.encode())):
            url = f"http://x.cn/a/t20240315_{name}.html"
            store.save_page(FetchedPage(url, url, "x", "article", 200, body, {"Content-Type": "text/html"}))
    assert main(["extract", "--config", str(settings_file)]) == 0
    out = capsys.readouterr().out
    assert "extracted 1 of 3 pages" in out and "not pages: binary×1, empty_body×1" in out
    with Store(settings.store) as store:
        assert [r["url"] for r in store.articles()] == ["http://x.cn/a/t20240315_ok.html"]
