"""`yigai build --as-of` and `[site] as_of`: the build date recent counts count back from; a bad one is a clear
error before anything is built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.site_builder.site_fixtures import fill_store
from yigai.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    fill_store(tmp_path / "db.sqlite3").close()
    cfg = tmp_path / "yigai.toml"
    cfg.write_text(
        f'database = "{tmp_path / "db.sqlite3"}"\noutput_dir = "{tmp_path / "out"}"\n'
        '[site]\nbase_url = "https://watch.example.net/"\n',
        encoding="utf-8",
    )
    return cfg


def _beijing(out: Path) -> str:
    return re.search(r"<title>北京：([^<]*)</title>", (out / "index.html").read_text("utf-8")).group(1)


def test_as_of_on_the_command_line_sets_the_build_date(config, tmp_path):
    assert main(["build", "--config", str(config), "--as-of", "2024-03-06"]) == 0
    home = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert "统计截至 <time" in home and ">2024-03-06</time>" in home
    assert _beijing(tmp_path / "out") == "近30天 1 篇"  # 东城区, 2024-03-05
    assert main(["build", "--config", str(config)]) == 0  # the run's start (now): nothing that recent
    assert _beijing(tmp_path / "out") == "近30天无报道"


def test_a_bad_as_of_is_a_usage_error(config, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--config", str(config), "--as-of", "2024-02-30"])
    assert exit_.value.code == 2
    assert "--as-of" in capsys.readouterr().err


def test_a_bad_as_of_setting_is_a_clear_error(config, tmp_path, capsys):
    config.write_text(config.read_text("utf-8") + 'as_of = "last tuesday"\n', encoding="utf-8")
    assert main(["build", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "site.as_of" in err and "last tuesday" in err
    assert not (tmp_path / "out").exists()
