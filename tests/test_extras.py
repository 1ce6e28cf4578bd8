"""The optional extras: a feature whose extra is not installed says what to install (and nothing else breaks)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _without(modules: list[str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where importing any of ``modules`` fails, as if not installed."""
    block = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", block + code], capture_output=True, text=True, env=env,
                          timeout=120, cwd=REPO)


def test_the_extras_hold_the_optional_packages_and_make_test_installs_them():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = {name: " ".join(deps) for name, deps in project["optional-dependencies"].items()}
    assert all(p in extras["distributed"] for p in ("psycopg", "scrapy-redis", "redis"))
    assert all(p in extras["browser"] for p in ("playwright", "scrapy-playwright"))
    core = " ".join(project["dependencies"])
    assert not any(p in core for p in ("psycopg", "redis", "playwright"))
    assert ".[dev,distributed,browser]" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_a_postgresql_store_without_psycopg_names_the_extra():
    proc = _without(["psycopg"], (
        "from yigai.store import Store, StoreError\n"
        "try:\n    Store('postgresql://u@localhost/db')\nexcept StoreError as exc:\n    print(exc)\n"
    ))
    assert proc.returncode == 0, proc.stderr
    assert "yigai-watch[distributed]" in proc.stdout


def test_a_shared_frontier_without_scrapy_redis_names_the_extra(tmp_path):
    cfg = tmp_path / "yigai.toml"
    cfg.write_text('[crawl]\nfrontier = "redis://127.0.0.1:1/0"\n', encoding="utf-8")
    proc = _without(["scrapy_redis", "scrapy_redis.scheduler", "scrapy_redis.dupefilter"], (
        "from crawler.config import yigai_scrapy_settings\nfrom yigai.config import ConfigError\n"
        f"try:\n    yigai_scrapy_settings(config_path={str(cfg)!r}, registry='sample', sample_web=None, run_id=None,"
        " env={})\nexcept ConfigError as exc:\n    print(exc)\n"
    ))
    assert proc.returncode == 0, proc.stderr
    assert "yigai-watch[distributed]" in proc.stdout


def test_the_sqlite_store_and_a_plain_crawl_need_no_extra(tmp_path):
    proc = _without(["psycopg", "redis", "scrapy_redis", "playwright", "scrapy_playwright"], (
        "from yigai.store import Store\nfrom crawler.config import yigai_scrapy_settings\n"
        f"Store({str(tmp_path / 's.sqlite3')!r}).close()\n"
        "s = yigai_scrapy_settings(config_path=None, registry='sample', sample_web=None, run_id=None, env={})\n"
        "print('ok', 'YIGAI_BROWSER_SETTINGS' in s)\n"
    ))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", "False"]
