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
    """Environment for a test crawl: fast (no throttle, tiny backoff) and importing this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGAI_")}
    env.update(
        PYTHONPATH=str(REPO),
        YIGAI_AUTOTHROTTLE="0",
        YIGAI_DOWNLOAD_DELAY="0",
        YIGAI_RETRY_BACKOFF_BASE="0.05",
        YIGAI_RETRY_BACKOFF_MAX="0.2",
    )
    env.update(extra)
    return env


def run_crawler(args: list[str], cwd: Path, **env: str) -> CrawlResult:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.process", *args],
        check=False,
        cwd=cwd,
        env=crawl_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr)


def write_settings(tmp: Path, **crawl: object) -> Path:
    """A yigai.toml pointing at a temp database, with [crawl] overrides."""
    lines = [f'database = "{tmp / "db.sqlite3"}"', "[crawl]"]
    for key, value in crawl.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path = tmp / "yigai.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
