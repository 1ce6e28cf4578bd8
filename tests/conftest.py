from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    # Make the project importable even when pytest is run without an installed package.
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def require_or_skip(condition: bool, what: str, install: str) -> None:
    """Skip with a message saying what to install, except under CI, where a missing tool is a failure."""
    if condition:
        return
    message = f"{what} is not available: install it with `{install}`"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must have it)")
    pytest.skip(message)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    """A settings file pointing the store and output into a temp dir."""
    path = tmp_path / "yigai.toml"
    path.write_text(
        f'database = "{tmp_path / "db.sqlite3"}"\noutput_dir = "{tmp_path / "output"}"\n'
        '[site]\nbase_url = "https://yigai.test/"\n',
        encoding="utf-8",
    )
    return path
