"""Which runs the about page shows, and how it names their states.

The site is built inside a run (``yigai run``: crawl → extract → build), so when the page is made the run
that makes it is still ``running``. The page shows the last *finished* run with its final state, and the
current run as 进行中 only because that is true while the page is made — saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from site_builder.models import parse_datetime

RUNNING = "running"
RUN_STATES_ZH = {
    "ok": "成功",
    "partial": "部分成功",
    "failed": "失败",
    "interrupted": "中断",
    RUNNING: "进行中",
}


def run_state_zh(status: str | None) -> str:
    return RUN_STATES_ZH.get(status or "", status or "")


@dataclass(frozen=True)
class RunLine:
    id: int
    started: datetime | None
    ended: datetime | None  # what "new since the last run" counts from
    status: str

    @property
    def state(self) -> str:
        return run_state_zh(self.status)


@dataclass(frozen=True)
class RunsShown:
    finished: RunLine | None  # the latest run that has ended, with its final state
    current: RunLine | None  # the latest run, when it was still running as the page was made


def is_finished(run: Mapping[str, Any]) -> bool:
    return str(run["status"]) != RUNNING


def runs_shown(runs: Sequence[Mapping[str, Any]]) -> RunsShown:
    newest_first = sorted(runs, key=lambda r: -int(r["id"]))
    finished = next((r for r in newest_first if is_finished(r)), None)
    current = newest_first[0] if newest_first and not is_finished(newest_first[0]) else None
    return RunsShown(_line(finished), _line(current))


def _line(run: Mapping[str, Any] | None) -> RunLine | None:
    if run is None:
        return None
    columns = run.keys()  # a store row's ``in`` looks at its values, not its column names
    ended = parse_datetime(run["ended_at"]) if "ended_at" in columns else None
    return RunLine(int(run["id"]), parse_datetime(run["started_at"]), ended, str(run["status"]))
