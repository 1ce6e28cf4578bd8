"""A throwaway PostgreSQL server for the tests: ``initdb`` in a temporary directory, listening only on a Unix
socket inside it (no TCP port to collide with another test run), stopped and removed at the end.

Debian's ``postgresql`` package puts its binaries under ``/usr/lib/postgresql/<version>/bin``. ``initdb`` and
``postgres`` refuse to run as root, so as root the server runs as the ``postgres`` user the package creates
(or ``nobody``); root's clients still reach the socket. The cluster has the C locale: text sorts by code point,
as in SQLite, so both stores order rows alike.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install postgresql"
_PORT = 5432  # only names the socket file (.s.PGSQL.5432) inside the server's own directory


def find_bin(name: str) -> str | None:
    """``initdb``/``pg_ctl`` on PATH, else the newest Debian install's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return candidates[-1] if candidates else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def available() -> bool:
    return find_bin("initdb") is not None and find_bin("pg_ctl") is not None and _psycopg_installed()


def _psycopg_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("psycopg") is not None


def _server_user() -> str | None:
    """The user the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class PostgresServer:
    """A running throwaway server; ``new_database()`` gives each test a fresh, empty database."""

    directory: Path
    user: str | None
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def socket_dir(self) -> Path:
        return self.directory

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://yigai@/{database}?host={self.socket_dir}&port={_PORT}"

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _run(self.user, [find_bin("pg_ctl") or "pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate",
                         "-w", "stop"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _run(user: str | None, cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd="/")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def start_server() -> PostgresServer:
    """initdb + pg_ctl start in a new temporary directory (fsync off: the data is thrown away)."""
    user = _server_user()
    directory = Path(tempfile.mkdtemp(prefix="yigai-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    data = directory / "data"
    try:
        _run(user, [find_bin("initdb") or "initdb", "-D", str(data), "-U", "yigai", "--auth=trust",
                    "--no-locale", "-E", "UTF8", "--no-sync"])
        options = (
            f"-k {directory} -p {_PORT} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        _run(user, [find_bin("pg_ctl") or "pg_ctl", "-D", str(data), "-l", str(directory / "server.log"),
                    "-o", options, "-w", "-t", "120", "start"])
    except BaseException:
        log = directory / "server.log"
        if log.is_file():
            logger.error("postgres log:\n%s", log.read_text(errors="replace")[-4000:])
        _run(user, [find_bin("pg_ctl") or "pg_ctl", "-D", str(data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return PostgresServer(directory=directory, user=user)
