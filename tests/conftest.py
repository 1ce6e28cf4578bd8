from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what is computed, never how fast: a busy 2-core machine must not fail them on Hypothesis's
# default 200 ms deadline or its too-slow health check.
settings.register_profile("yigai", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("yigai")

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


# ------------------------------------------------------------------------------------------ PostgreSQL
@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the session (tests/support/postgres.py); skipped (failed under CI)
    when PostgreSQL or psycopg is not installed."""
    from tests.support import postgres

    require_or_skip(postgres.find_bin("initdb") is not None, "PostgreSQL", postgres.INSTALL_HINT)
    require_or_skip(postgres._psycopg_installed(), "psycopg", "pip install -e '.[distributed]'")
    server = postgres.start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server) -> str:
    """The URL of a fresh, empty PostgreSQL database."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store on each backend: an SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite3")
    return request.getfixturevalue("pg_url")
