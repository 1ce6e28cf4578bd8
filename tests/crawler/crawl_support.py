"""Helpers for the crawler tests: run `python -m crawler.process` in a child process with a fast, local setup."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str


def crawl_env(**extra: str) -> dict[str, str]:
    """Environment for a test crawl: importing this checkout, and no YIGAI_* of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGAI_")}
    env.update(PYTHONPATH=str(REPO))
    env.update(extra)
    return env


# Fast on loopback: no throttle, no delay, tiny backoff (a [scrapy] table, as a user would write it).
FAST_SCRAPY = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "YIGAI_RETRY_BACKOFF_BASE": 0.05,
    "YIGAI_RETRY_BACKOFF_MAX": 0.2,
}


def scrapy_table(values: dict[str, object] | None = None) -> str:
    """A ``[scrapy]`` table in TOML: ``FAST_SCRAPY`` with ``values`` over it."""
    lines = ["[scrapy]"]
    for key, value in {**FAST_SCRAPY, **(values or {})}.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def run_crawler(args: list[str], cwd: Path, scrapy: dict[str, object] | None = None, **env: str) -> CrawlResult:
    """``python -m crawler.process ARGS``; ``scrapy`` settings are given on its command line (``-s``)."""
    sets = [f"-s{name}={value}" for name, value in (scrapy or {}).items()]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.process", *args, *sets],
        check=False,
        cwd=cwd,
        env=crawl_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr)


def write_settings(tmp: Path, **crawl: object) -> Path:
    """A yigai.toml pointing at a temp database, with [crawl] overrides and the fast [scrapy] table."""
    lines = [f'database = "{tmp / "db.sqlite3"}"', "[crawl]"]
    for key, value in crawl.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path = tmp / "yigai.toml"
    path.write_text("\n".join(lines) + "\n" + scrapy_table(), encoding="utf-8")
    return path
