"""End to end: the bundled sample web on an ephemeral loopback port, `yigai run` against the sample registry."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from site_builder.writer import MANIFEST_NAME
from yigai.sample_web.server import SampleWeb
from yigai.store import Store

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "yigai" / "sample_web" / "expected.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow


def yigai(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "yigai.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_runs(request, tmp_path_factory):
    """Two runs on the store named in yigai.toml: an SQLite file, or a PostgreSQL database (store_url)."""
    tmp = tmp_path_factory.mktemp("e2e")
    cfg = tmp / "yigai.toml"
    target = str(tmp / "db.sqlite3")
    store_line = ""
    if request.param == "postgresql":
        target = request.getfixturevalue("postgres_server").new_database("e2e")
        store_line = f'store_url = "{target}"\n'
    cfg.write_text(f'database = "{tmp / "db.sqlite3"}"\n{store_line}output_dir = "{tmp / "output"}"\n'
                   '[site]\nbase_url = "https://yigai.test/"\n[crawl]\ndownload_timeout = 10\n', encoding="utf-8")
    with SampleWeb() as web:
        first = yigai("run", "--config", str(cfg), "--registry", "sample", "--sample-web", web.base_url, cwd=tmp)
        out = Path(tmp / "output")
        digest_1 = tree_digest(out)
        mtimes_1 = {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
        store = Store(target)
        counts_1 = (store.count_pages(), store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        store.close()
        requested_first = list(web.requested_paths)
        second = yigai("run", "--config", str(cfg), "--registry", "sample", "--sample-web", web.base_url, cwd=tmp)
        requested_second = list(web.requested_paths)[len(requested_first):]
        log_second = list(web.request_log)[len(requested_first):]
    store = Store(target)
    if request.param == "postgresql":  # the run used the PostgreSQL store, and no SQLite file was made
        assert store.count_pages() > 0 and not (tmp / "db.sqlite3").exists()
    yield {
        "tmp": tmp, "first": first, "second": second, "store": store, "out": out, "digest_1": digest_1,
        "mtimes_1": mtimes_1, "counts_1": counts_1, "requested": requested_first + requested_second,
        "requested_second": requested_second, "log_second": log_second, "base": web.base_url,
    }
    store.close()


def _articles_by_path(store: Store, base: str) -> dict[str, dict]:
    return {row["url"][len(base):]: dict(row) for row in store.conn.execute("SELECT * FROM articles")}


def test_first_run_succeeds(two_runs):
    r = two_runs["first"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "published articles:" in r.stdout


def test_every_on_topic_story_published_once_under_its_region(two_runs):
    arts = _articles_by_path(two_runs["store"], two_runs["base"])
    stories: dict[str, list[dict]] = {}
    for page in EXPECTED["articles"]:
        stories.setdefault(page["story"], []).append(page)
    for story, pages in stories.items():
        rows = [arts.get(p["path"]) for p in pages]
        assert all(rows), f"story {story}: not all copies were extracted: {[p['path'] for p in pages]}"
        published = [r for r in rows if r["relevant"] and r["is_original"]]
        if not pages[0]["on_topic"]:
            assert not any(r["relevant"] for r in rows), f"off-topic story {story} would be published"
            continue
        assert len(published) == 1, f"story {story} published {len(published)} times"
        original = next(p for p in pages if p.get("original", True))
        row = published[0]
        assert row["url"].endswith(original["path"]), f"story {story}: published a copy, not the original"
        region = json.loads(row["regions_json"])[0]
        want = original["primary_region"]
        got = {k: region.get(k) for k in ("province", "city", "county", "national")}
        assert got == {k: want.get(k) for k in got}, f"story {story}: region {got} != {want}"


def test_text_free_of_navigation_spam_and_glosses(two_runs):
    arts = _articles_by_path(two_runs["store"], two_runs["base"])
    for page in EXPECTED["articles"]:
        row = arts[page["path"]]
        for s in page["must_appear"]:
            assert s in row["text"], f"{page['path']}: missing {s!r}"
        for s in page["must_not_appear"]:
            assert s not in row["text"], f"{page['path']}: junk {s!r} in text"


def test_disallowed_page_never_requested(two_runs):
    for path in EXPECTED["disallowed_paths"]:
        assert path not in two_runs["requested"]


def test_feeds_parse_and_articles_are_built(two_runs):
    out = two_runs["out"]
    feeds = sorted((out / "feeds").rglob("*.xml"))
    assert feeds, "no feeds built"
    for f in feeds:
        parsed = feedparser.parse(f.read_bytes())
        assert not parsed.bozo, f"{f}: {parsed.get('bozo_exception')}"
    published = two_runs["store"].conn.execute(
        "SELECT id FROM articles WHERE relevant = 1 AND is_original = 1").fetchall()
    assert published
    for (aid,) in published:
        assert (out / "article" / f"{aid}.html").is_file()


def test_second_run_adds_nothing_and_output_is_byte_identical(two_runs):
    r = two_runs["second"]
    assert r.returncode == 0, r.stdout + r.stderr
    store = two_runs["store"]
    counts_2 = (store.count_pages(), store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    assert counts_2 == two_runs["counts_1"]
    out = two_runs["out"]
    # Only the about page changes: it shows the last *finished* run, which is now the first one (while the
    # first run built the site, none had finished), and names the run going on as it is built.
    changed = {k for k, v in tree_digest(out).items() if two_runs["digest_1"].get(k) != v}
    assert changed <= {"about.html", MANIFEST_NAME} and "about.html" in changed  # (the manifest lists its key)
    assert set(tree_digest(out)) == set(two_runs["digest_1"])
    about = (out / "about.html").read_text("utf-8")
    assert "最近一次已完成的运行：第 1 次" in about and "第 2 次运行" in about
    mtimes_2 = {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    mtimes_1 = two_runs["mtimes_1"]
    rewritten = {k for k in mtimes_2 if k not in changed and mtimes_2[k] != mtimes_1.get(k)}
    assert not rewritten, f"unchanged files were rewritten: {sorted(rewritten)}"


def test_second_run_sends_only_conditional_listing_requests(two_runs):
    article_paths = {p["path"] for p in EXPECTED["articles"]}
    again = [p for p in two_runs["requested_second"] if p in article_paths]
    assert not again, f"articles fetched again: {again}"
    for entry in two_runs["log_second"]:
        if entry["path"] == "/robots.txt":
            continue
        headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
        assert "if-none-match" in headers or "if-modified-since" in headers, entry
