"""Recency counts from the build date (a fact of the store), not from the newest story, nor the wall clock."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import make_settings

from site_builder import build_site
from site_builder.models import CHINA_TZ
from site_builder.recency import BadAsOf, build_date, parse_as_of, recent_since
from yigai.store import Store


def _home(output: Path) -> str:
    return (output / "index.html").read_text("utf-8")


def _tile(html: str, name: str) -> str:
    m = re.search(rf"<title>{name}：([^<]*)</title>", html)
    assert m, name
    return m.group(1)


def _set_run_start(store: Store, started_at: str) -> None:
    store.conn.execute("UPDATE runs SET started_at = ?", (started_at,))
    store.conn.commit()


def test_parse_as_of_takes_the_end_of_a_day_in_china():
    assert parse_as_of("2024-03-20") == datetime(2024, 3, 20, 23, 59, 59, 999999, tzinfo=CHINA_TZ)
    assert parse_as_of("2024-03-20T08:00:00+00:00") == datetime(2024, 3, 20, 16, 0, tzinfo=CHINA_TZ)
    for bad in ("2024-02-30", "yesterday", "20240320x"):
        with pytest.raises(BadAsOf):
            parse_as_of(bad)


def test_build_date_prefers_the_setting_then_the_latest_run_then_the_newest_story():
    runs = [{"id": 1, "started_at": "2024-01-01T00:00:00+00:00"}, {"id": 2, "started_at": "2025-12-01T00:00:00+00:00"}]
    newest = datetime(2023, 5, 1, tzinfo=CHINA_TZ)
    assert build_date({"as_of": "2024-03-20"}, runs, newest) == parse_as_of("2024-03-20")
    assert build_date({}, runs, newest) == datetime.fromisoformat("2025-12-01T00:00:00+00:00")
    assert build_date({"as_of": ""}, [], newest) == newest
    assert build_date({}, [], None) is None
    assert recent_since(parse_as_of("2024-03-31")) == parse_as_of("2024-03-01")


def test_map_counts_back_from_the_last_run_not_from_the_newest_story(store, settings):
    """The newest sample story is from March 2024; a run in December 2025 finds nothing recent (the issue saw
    北京 "2 in the last 30 days" on a site whose newest story was 21 months old)."""
    _set_run_start(store, "2025-12-01T20:00:00+00:00")
    build_site(store, settings)
    html = _home(settings.output_dir)
    assert _tile(html, "北京") == "近30天无报道"
    assert _tile(html, "河北") == "近30天无报道"
    assert "统计截至 <time datetime=\"2025-12-02\">2025-12-02</time>" in html
    quiet = re.search(r"近30天无报道的省份（(\d+) 个）：([^。]*)。", html)
    assert quiet and int(quiet.group(1)) == 34 and "北京" in quiet.group(2).split("、")
    region = (settings.output_dir / "region" / "130000" / "index.html").read_text("utf-8")
    assert "近30天无报道" in region


def test_a_run_in_the_stories_month_counts_them(store, settings):
    _set_run_start(store, "2024-03-21T00:00:00+08:00")
    build_site(store, settings)
    html = _home(settings.output_dir)
    hebei = _tile(html, "河北")
    assert re.fullmatch(r"近30天 \d+ 篇", hebei) and int(hebei.split()[1]) >= 5
    assert _tile(html, "北京") == "近30天 1 篇"  # 东城区, 2024-03-05
    assert _tile(html, "四川") == "近30天无报道"  # its story is from 2023-12-01
    assert "北京" not in re.search(r"近30天无报道的省份[^。]*。", html).group(0)


def test_as_of_setting_overrides_the_run_and_ignores_later_stories(store, tmp_path):
    _set_run_start(store, "2025-12-01T20:00:00+00:00")
    output = tmp_path / "asof"
    build_site(store, make_settings(output, as_of="2024-03-06"))
    html = _home(output)
    assert _tile(html, "北京") == "近30天 1 篇"  # 2024-03-05 is within 30 days of 2024-03-06
    hebei = int(_tile(html, "河北").split()[1])
    build_site(store, make_settings(tmp_path / "later", as_of="2024-03-21"))
    assert int(_tile(_home(tmp_path / "later"), "河北").split()[1]) > hebei  # stories after 03-06 not counted


def test_the_same_store_builds_the_same_home_page_whenever_it_is_built(store, tmp_path):
    _set_run_start(store, "2024-03-21T00:00:00+08:00")
    build_site(store, make_settings(tmp_path / "a"))
    build_site(store, make_settings(tmp_path / "b"))
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()
