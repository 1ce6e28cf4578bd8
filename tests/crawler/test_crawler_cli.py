"""`scrapy list` from the repository root, and how `python -m crawler.process` fails when it cannot start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawl_sites import Route, Site
from crawl_support import REPO, crawl_env, run_crawler, write_settings

REGISTRY = """
[[source]]
id = "alpha_wjw"
name = "甲"
list_urls = ["http://127.0.0.1:9/a/index.html"]

[[source]]
id = "beta_news"
name = "乙"
feeds = ["http://127.0.0.1:9/rss.xml"]
"""


def _scrapy_list(registry: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    settings = write_settings(tmp)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "list", "-s", f"YIGAI_REGISTRY={registry}", "-s", f"YIGAI_CONFIG={settings}"],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=crawl_env(),
    )


def test_scrapy_list_lists_the_registry_sources(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    proc = _scrapy_list(registry, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["alpha_wjw", "beta_news"]


def test_scrapy_list_fails_with_the_config_error(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY.replace('"http://127.0.0.1:9/rss.xml"', '"ftp://nope"'), encoding="utf-8")
    proc = _scrapy_list(registry, tmp_path)
    assert proc.returncode != 0
    assert "source #2 'beta_news': field 'feeds'" in proc.stderr


def test_run_with_a_broken_registry_exits_2(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text('[[source]]\nid = "xy_news"\n', encoding="utf-8")
    result = run_crawler(["--config", str(write_settings(tmp_path)), "--registry", str(registry)], tmp_path)
    assert result.returncode == 2
    assert "source #1 'xy_news': field 'name'" in result.stderr


def test_run_with_an_unknown_source_exits_2(tmp_path: Path) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    args = ["--config", str(write_settings(tmp_path)), "--registry", str(registry), "--source", "gamma"]
    result = run_crawler(args, tmp_path)
    assert result.returncode == 2
    assert "gamma" in result.stderr


def test_a_list_page_without_article_links_fails_loudly(tmp_path: Path) -> None:
    # A redesign: the list page still answers 200 but none of its links look like articles any more.
    site = Site(
        {"/news/index.html": Route(b'<html><body><a href="/about.html">about</a></body></html>')}
    ).start()
    try:
        registry = tmp_path / "registry.toml"
        registry.write_text(
            f'[[source]]\nid = "redesigned"\nname = "改版"\nlist_urls = ["{site.url("/news/index.html")}"]\n',
            encoding="utf-8",
        )
        args = ["--config", str(write_settings(tmp_path)), "--registry", str(registry), "--run-id", "5"]
        result = run_crawler(args, tmp_path)
    finally:
        site.stop()
    assert result.returncode == 1
    assert "yielded no article links" in result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        errors = conn.execute(
            "SELECT errors_json FROM run_sources WHERE source_id = 'redesigned'"
        ).fetchone()[0]
    assert '"list_no_links": 1' in errors
