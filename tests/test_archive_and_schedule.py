from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yigai.archive import export_archive, import_archive
from yigai.config import ConfigError, Source, load_settings
from yigai.scheduler import make_trigger, run_command
from yigai.store import FetchedPage, Store


def test_export_import_roundtrip_keeps_raw_bytes(tmp_path, store_target):
    """Exported from SQLite, imported into a store on either engine."""
    src = Store(tmp_path / "a.sqlite3")
    src.upsert_sources([Source(id="hb", name="河北", list_urls=("http://a.cn/",))])
    gbk = "紧密型县域医共体".encode("gb18030")
    src.save_page(FetchedPage("http://a.cn/1.html", "http://a.cn/1.html", "hb", "article", 200, gbk,
                              {"Content-Type": "text/html"}))
    src.save_page(FetchedPage("http://a.cn/2.html", "http://a.cn/2.html", "hb", "article", 200, b"\x00\xff"))
    archive = tmp_path / "x.jsonl"
    assert export_archive(src, archive) == 3
    dst = Store(store_target)
    rep = import_archive(dst, archive)
    assert rep == {"sources": 1, "pages": 2, "skipped": 0, "bad": 0}
    assert sorted(p.body for p in dst.latest_article_pages()) == sorted([gbk, b"\x00\xff"])
    assert import_archive(dst, archive)["skipped"] == 2  # importing twice adds nothing
    with archive.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n" + json.dumps({"type": "page"}) + "\n")
    assert import_archive(dst, archive)["bad"] == 2
    again = tmp_path / "y.jsonl"
    assert export_archive(dst, again) == 3  # and exported from it again, the same records
    def records(path, n):  # the header line and n records, without the sources' sync time
        lines = path.read_text(encoding="utf-8").splitlines()[: n + 1]
        return [{k: v for k, v in json.loads(line).items() if k != "updated_at"} for line in lines]

    assert records(again, 3) == records(archive, 3)


def test_cron_trigger_in_shanghai():
    trig = make_trigger("30 2 * * *", "Asia/Shanghai")
    now = datetime(2026, 1, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    nxt = trig.get_next_fire_time(None, now)
    assert (nxt.day, nxt.hour, nxt.minute) == (2, 2, 30)


@pytest.mark.parametrize("cron, tz, field", [("61 2 * * *", "Asia/Shanghai", "schedule.cron"),
                                              ("30 2 * * *", "Mars/Olympus", "schedule.timezone")])
def test_bad_schedule_is_a_clear_error(cron, tz, field):
    with pytest.raises(ConfigError, match=field):
        make_trigger(cron, tz)


def test_scheduled_run_is_a_child_yigai_run(tmp_path):
    cfg = tmp_path / "yigai.toml"
    cfg.write_text("", encoding="utf-8")
    cmd = run_command(load_settings(cfg))
    assert cmd[1:4] == ["-m", "yigai.cli", "run"] and str(cfg.resolve()) in cmd
