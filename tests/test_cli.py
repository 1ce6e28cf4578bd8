from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from yigai.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["crawl", "extract", "build", "run", "status", "inspect", "eval", "serve", "sample-web", "demo",
            "schedule", "export", "import"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"yigai {command}" in out and "--config" in out


def test_console_script_help_runs():
    r = subprocess.run([sys.executable, "-m", "yigai.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and "inspect" in r.stdout


@pytest.mark.parametrize(
    "argv",
    [["status", "--runs", "0"], ["serve", "--port", "70000"], ["serve", "--port", "x"], ["nosuch"], []],
)
def test_bad_arguments_exit_2_with_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_bad_config_file_is_a_clear_error(tmp_path, capsys):
    cfg = tmp_path / "yigai.toml"
    cfg.write_text("[site]\nbase_url = 3\n", encoding="utf-8")
    assert main(["status", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert str(cfg) in err and "site.base_url" in err


def test_unknown_source_is_a_clear_error(settings_file, capsys):
    code = main(["crawl", "--config", str(settings_file), "--registry", "sample", "--sample-web",
                 "http://127.0.0.1:1", "--source", "nosuch"])
    assert code == 2
    assert "nosuch" in capsys.readouterr().err


def test_serve_refuses_public_host_without_flag(settings_file, capsys):
    assert main(["serve", "--config", str(settings_file), "--host", "0.0.0.0"]) == 2
    assert "--public" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["status"], ["build"], ["extract"], ["export", "{tmp}/x.jsonl"]])
def test_a_missing_store_is_an_error_naming_its_path_and_none_is_made(settings_file, tmp_path, command, capsys):
    db = tmp_path / "db.sqlite3"
    assert main([*(c.format(tmp=tmp_path) for c in command), "--config", str(settings_file)]) == 4
    err = capsys.readouterr().err
    assert f"no store at {db}" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not db.exists() and not (tmp_path / "output").exists()
    assert not list(tmp_path.glob("db.sqlite3*")) and not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("content", [b"", b"this is not a database, but a file in the way" * 100])
def test_an_empty_or_foreign_file_is_no_store(settings_file, tmp_path, content, capsys):
    (tmp_path / "db.sqlite3").write_bytes(content)
    assert main(["build", "--config", str(settings_file)]) == 4
    assert "not a yigai store" in capsys.readouterr().err
    assert (tmp_path / "db.sqlite3").read_bytes() == content


def test_an_sqlite_file_without_the_tables_is_no_store(settings_file, tmp_path, capsys):
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        conn.execute("CREATE TABLE other (x)")
    assert main(["extract", "--config", str(settings_file)]) == 4
    assert f"{tmp_path / 'db.sqlite3'} is not a yigai store" in capsys.readouterr().err


def test_inspect_url_needs_one_page(tmp_path, capsys):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_text("<html></html>")
    b.write_text("<html></html>")
    assert main(["inspect", str(a), str(b), "--url", "http://x.cn/a.html"]) == 2
    assert "exactly one" in capsys.readouterr().err


def test_inspect_json_one_object_per_page_in_order(tmp_path, capsys):
    pages = []
    for i, (title, body) in enumerate([("郑州推进紧密型县域医共体建设", "河南省郑州市"), ("体育新闻", "篮球比赛")]):
        p = tmp_path / f"p{i}.html"
        p.write_text(
            f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>发布时间：2024-03-15 09:30 来源：河南日报</p><p>{body}{'相关内容。' * 30}</p></body></html>",
            encoding="utf-8",
        )
        pages.append(str(p))
    missing = str(tmp_path / "missing.html")
    code = main(["inspect", *pages, missing, "--json"])
    captured = capsys.readouterr()
    assert code == 1 and "missing.html" in captured.err
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [d["title"] for d in lines] == ["郑州推进紧密型县域医共体建设", "体育新闻"]
    for d in lines:
        for key in ("title", "published", "source", "site", "author", "text", "regions", "topics", "relevance",
                    "relevant"):
            assert key in d


def test_parser_has_all_commands():
    text = build_parser().format_help()
    for c in COMMANDS:
        assert c in text


def test_demo_reports_a_busy_port_clearly(tmp_path, monkeypatch, capsys):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = str(busy.getsockname()[1])
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["demo", "--port", port]) == 2
    finally:
        busy.close()
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err
    assert not (tmp_path / "output" / "index.html").exists()
