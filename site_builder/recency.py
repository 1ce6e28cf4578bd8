"""The build date: what "recent" (the map's 近30天, a region's recent count) counts back from.

Not the wall clock (the same store must build byte-identical files) and not the newest story (a site whose
newest story is 21 months old is not "recent" about it): a fact of the store. In order:

1. ``[site] as_of`` (``yigai build --as-of YYYY-MM-DD``): the end of that day in China;
2. the start of the latest run recorded in the store — the run this build is part of when ``yigai run``
   builds, else the last one that crawled;
3. with no run recorded (a store filled by an import), the newest story's date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from site_builder.models import CHINA_TZ, parse_datetime

RECENT_DAYS = 30

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadAsOf(ValueError):
    """``as_of`` is not a date (YYYY-MM-DD) or an ISO 8601 time."""


def parse_as_of(value: str) -> datetime:
    """``YYYY-MM-DD`` → the last moment of that day in China; an ISO time as given (naive: China time)."""
    text = value.strip()
    if _DAY.match(text):
        try:
            day = datetime.strptime(text, "%Y-%m-%d")
        except ValueError as exc:
            raise BadAsOf(f"as_of: {value!r} is not a date (YYYY-MM-DD)") from exc
        return day.replace(tzinfo=CHINA_TZ) + timedelta(days=1, microseconds=-1)
    parsed = parse_datetime(text)
    if parsed is None:
        raise BadAsOf(f"as_of: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time")
    return parsed


def build_date(
    site: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], newest: datetime | None
) -> datetime | None:
    """The build date (see the module's docstring); None only for an empty store with no run."""
    configured = str(site.get("as_of") or "").strip()
    if configured:
        return parse_as_of(configured)
    latest = max(runs, key=lambda r: int(r["id"]), default=None)
    started = parse_datetime(latest["started_at"]) if latest is not None else None
    return started or newest


def recent_since(as_of: datetime | None) -> datetime | None:
    """The first moment that counts as recent."""
    return as_of - timedelta(days=RECENT_DAYS) if as_of is not None else None
