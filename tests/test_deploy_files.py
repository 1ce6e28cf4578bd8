"""The container trial (deploy/compose.yaml) cannot be run here (no container engine): what can be checked is
that it is valid YAML of the shape compose reads, that each yigai role it starts is a command line yigai's own
parser accepts, and that its settings file loads."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from yigai.cli import build_parser
from yigai.config import load_settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def _compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _yigai_argv(service: dict) -> list[str]:
    if "command" in service:
        return list(service["command"])
    script = service["entrypoint"][-1]  # a shell loop: the yigai command in it
    return shlex.split(next(part for part in script.split(";") if "yigai " in part).replace("do ", "", 1))


def test_the_compose_file_has_every_role_and_yigai_accepts_their_commands():
    services = _compose()["services"]
    assert {"postgres", "redis", "crawl-1", "crawl-2", "extract-1", "extract-2", "builder"} <= set(services)
    parser = build_parser()
    roles = set()
    for name, service in services.items():
        if name in ("postgres", "redis", "web"):
            continue
        argv = _yigai_argv(service)
        assert argv[0] == "yigai", name
        args = parser.parse_args(argv[1:])  # exits (fails the test) on a command yigai does not know
        roles.add(getattr(args, "role", None) or args.command)
    assert roles == {"crawl", "extract", "build", "sample-web"}


def test_the_trial_settings_load_and_name_postgresql_and_redis():
    settings = load_settings(DEPLOY / "yigai.toml")
    assert settings.store.startswith("postgresql://")
    assert settings.section("crawl")["frontier"].startswith("redis://")
