"""Where an article is listed: its story time, its region codes and its topic slugs (pure; migration 8).

The store keeps these in indexed columns and tables (``articles.story_at``, ``article_regions``,
``article_topics``) so that the site's lists are SQL queries, and the names shown for a code or a slug are
joined at build time from the division table and the topic taxonomy — never copied into rows, never voted.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# China has one time zone and no DST: a naive time in an article is China time.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
REGION_CODE = re.compile(r"^[1-9][0-9]{5}$")
TOPIC_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Listing:
    """One article's listing: ``story_at`` (seconds since the epoch of its publish time, else its extraction
    time; None when neither parses), ``regions`` — (code, rank) for every division it is listed under: the
    divisions it names, in its order (rank 0 is the primary region's province), then their ancestors in the
    division table (rank None) — and ``topics``, its topic slugs in its order."""

    story_at: float | None
    regions: tuple[tuple[str, int | None], ...]
    topics: tuple[str, ...]


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 → aware datetime (naive values are China time); None when missing or invalid."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=CHINA_TZ) if when.tzinfo is None else when


def _json_list(value: Any) -> list[Any]:
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return []
    return parsed if isinstance(parsed, list) else []


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def named_codes(items: Iterable[Any]) -> list[str]:
    """The division codes a list of region items (``regions_json``) names, primary first: for each item its
    province, its prefecture when it names one (not for the districts of 北京/上海/天津/重庆 or a
    province-administered city such as 仙桃) and its county — each code once."""
    out: list[str] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("national"):
            continue
        code = str(item.get("code") or "")
        if not REGION_CODE.match(code):
            continue
        province, city, county = (_text(item.get(k)) for k in ("province", "city", "county"))
        if city and (city == province or "直辖" in city):
            city = None
        codes = [code[:2] + "0000"] if province else []
        if city and code[2:4] != "00":
            codes.append(code[:4] + "00")
        if county and code[4:] != "00":
            codes.append(code)
        out.extend(c for c in codes if c not in out)
    return out


@dataclass(frozen=True)
class Division:
    """One row of the division table: a 6-digit GB/T 2260 code's name, level (province, prefecture, county)
    and parent (a province's own code)."""

    code: str
    level: str
    name: str
    parent: str


def _extract_data(name: str) -> Path:
    # The extractor's data files, found without importing the package (its import loads trafilatura: a build
    # or a store write needs two tables, not the extractor).
    spec = importlib.util.find_spec("extract")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the extract package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


@lru_cache(maxsize=1)
def division_table() -> dict[str, Division]:
    """The division table (``extract/data/divisions.tsv``, the one the extractor tags regions with)."""
    table: dict[str, Division] = {}
    for line in _extract_data("divisions.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, level, name, _short, parent, _province = line.split("\t")
            table[code] = Division(code, level, name, parent)
    return table


@lru_cache(maxsize=1)
def topic_labels() -> dict[str, str]:
    """Topic slug → label, from the taxonomy (``extract/data/topics.toml``)."""
    data = tomllib.loads(_extract_data("topics.toml").read_text(encoding="utf-8"))
    return {str(t["id"]): str(t["label"]) for t in data["topic"]}


def division_ancestors(code: str) -> list[str]:
    """The division's parents in the division table, nearest first ([] for an unknown code)."""
    table = division_table()
    out: list[str] = []
    current = table.get(code)
    while current is not None and current.parent and current.parent != current.code and current.parent not in out:
        out.append(current.parent)
        current = table.get(current.parent)
    return out


def topic_slugs(items: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        slug = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(slug, str) and TOPIC_SLUG.match(slug) and slug not in out:
            out.append(slug)
    return out


def article_listing(row: Mapping[str, Any]) -> Listing:
    """The listing of one ``articles`` row (a mapping keyed like the table)."""
    when = parse_time(row.get("published")) or parse_time(row.get("extracted_at"))
    named = named_codes(_json_list(row.get("regions_json")))
    ranked: dict[str, int | None] = {code: rank for rank, code in enumerate(named)}
    for code in named:
        for parent in division_ancestors(code):
            ranked.setdefault(parent, None)
    return Listing(
        story_at=when.timestamp() if when is not None else None,
        regions=tuple(ranked.items()),
        topics=tuple(topic_slugs(_json_list(row.get("topics_json")))),
    )
