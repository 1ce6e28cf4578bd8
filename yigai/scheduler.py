"""`yigai schedule`: run `yigai run` on a cron schedule, each run in a child process.

The scheduler stays small and long-lived; every run is a fresh child process, so a crash or leak in one run
(or Twisted's non-restartable reactor) cannot take the scheduler down.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yigai.config import ConfigError, Settings

logger = logging.getLogger(__name__)


def run_command(settings: Settings, extra: Sequence[str] = ()) -> list[str]:
    cmd = [sys.executable, "-m", "yigai.cli", "run"]
    if settings.path is not None:
        cmd += ["--config", str(settings.path.resolve())]
    return cmd + list(extra)


def run_child(cmd: list[str]) -> int:
    logger.info("scheduled run starting: %s", " ".join(cmd))
    rc = subprocess.run(cmd, check=False).returncode
    level = logging.INFO if rc == 0 else logging.WARNING
    logger.log(level, "scheduled run finished with exit code %d", rc)
    return rc


def make_trigger(cron: str, timezone: str):
    from apscheduler.triggers.cron import CronTrigger

    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"settings: field 'schedule.timezone': unknown time zone {timezone!r}") from None
    try:
        return CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"settings: field 'schedule.cron': {cron!r} is not a cron expression: {exc}") from None


def schedule_forever(settings: Settings, extra: Sequence[str] = ()) -> None:
    """Block, running `yigai run` at each cron time; missed runs coalesce into one within the grace time."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    conf = settings.section("schedule")
    trigger = make_trigger(conf["cron"], conf["timezone"])
    scheduler = BlockingScheduler(timezone=trigger.timezone)
    scheduler.add_job(
        run_child, trigger, args=[run_command(settings, extra)], id="nightly-run", coalesce=True,
        max_instances=1, misfire_grace_time=int(conf["misfire_grace_time"]),
    )
    next_time = trigger.get_next_fire_time(None, datetime.now(trigger.timezone))
    logger.info("scheduler started: cron %r (%s); next run at %s", conf["cron"], conf["timezone"], next_time)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopped")
