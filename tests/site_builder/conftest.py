from __future__ import annotations

from pathlib import Path

import pytest
from site_fixtures import fill_store

from yigai.config import Settings, load_settings
from yigai.store import Store


def make_settings(output: Path, **site: object) -> Settings:
    return load_settings(overrides={"output_dir": str(output), "site": {"page_size": 4, **site}})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = fill_store(tmp_path / "db" / "yigai.sqlite3")
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "site" / "output")
