"""Source health reads publication times in SQL; the results are those of parsing every string in Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yigai.config import load_settings
from yigai.health import _parse, source_health
from yigai.store import Store


def _store(tmp_path, published: dict[str, list[str | None]]) -> Store:
    store = Store(tmp_path / "store.sqlite3")
    with store.transaction() as conn:
        for sid, stamps in published.items():
            conn.execute(
                "INSERT INTO sources(id, name, home_region, config_json, updated_at) VALUES (?, ?, NULL, '{}', ?)",
                (sid, sid, "2025-01-01T00:00:00+00:00"),
            )
            for n, value in enumerate(stamps):
                conn.execute(
                    "INSERT INTO articles(id, url, page_id, source_id, title, text, published, regions_json,"
                    " topics_json, relevance, relevant, fingerprint, meta_json, extracted_at, extractor_version)"
                    " VALUES (?, ?, ?, ?, 't', 'x', ?, '[]', '[]', 1, 1, '0', '{}', '2025-01-01', '1')",
                    (f"{sid}{n:04d}", f"https://{sid}.example/{n}", n, sid, value),
                )
    return store


def test_publication_times_in_any_offset_count_as_python_reads_them(tmp_path):
    mixed = [
        "2025-03-01T10:00:00+08:00",
        "2025-03-02 02:00:00",  # no offset: UTC
        "2025-03-03T10:00:00.750+08:00",
        "2025-03-04T02:00:00Z",
        "2025-03-05T10:00:00+0800",  # an offset SQLite does not read: parsed in Python
        "not a date",  # skipped, as before
        None,
    ]
    store = _store(tmp_path, {"mixed": mixed, "nothing": ["garbage"]})
    settings = load_settings(None, overrides={"database": str(store.path)})
    now = datetime(2025, 3, 6, tzinfo=UTC)
    by_id = {h.source_id: h for h in source_health(store, settings, now=now)}
    mixed_health = by_id["mixed"]
    assert mixed_health.articles == 5
    # the newest keeps the offset it was published with
    assert mixed_health.newest == _parse("2025-03-05T10:00:00+0800")
    assert mixed_health.newest.utcoffset() == timedelta(hours=8)
    assert by_id["nothing"].articles == 0 and by_id["nothing"].newest is None


def test_a_source_silent_for_longer_than_its_cadence_is_flagged(tmp_path):
    daily = [f"2025-03-{day:02d}T09:00:00+08:00" for day in range(1, 11)]
    store = _store(tmp_path, {"daily": daily})
    settings = load_settings(None, overrides={"database": str(store.path)})
    on_time = source_health(store, settings, now=datetime(2025, 3, 11, 12, tzinfo=UTC))[0]
    assert not any(flag.startswith("silent") for flag in on_time.flags)
    late = source_health(store, settings, now=datetime(2025, 3, 14, 12, tzinfo=UTC))[0]
    assert any(flag.startswith("silent for 4 days") and "~1.0 days" in flag for flag in late.flags)
    stale = source_health(store, settings, now=datetime(2025, 4, 30, tzinfo=UTC))[0]
    assert any("days old (limit 14)" in flag for flag in stale.flags)


def test_sources_taken_out_of_the_registry_leave_status_and_the_about_page(tmp_path, capsys):
    from tests.site_builder.site_fixtures import SOURCES, fill_store
    from yigai.cli import main

    cfg = tmp_path / "yigai.toml"
    cfg.write_text(f'database = "{tmp_path / "db.sqlite3"}"\noutput_dir = "{tmp_path / "output"}"\n', encoding="utf-8")
    store = fill_store(tmp_path / "db.sqlite3")
    kept, removed = SOURCES[:-1], SOURCES[-1]
    store.upsert_sources(kept, registry=True)  # what a run does with the registry it crawls
    assert [r["id"] for r in store.sources()] == sorted(s.id for s in kept)
    assert removed.id in {r["id"] for r in store.sources(include_retired=True)}  # its pages stay explained
    store.close()
    assert main(["status", "--config", str(cfg)]) == 0
    status = capsys.readouterr().out
    assert f"sources: {len(kept)} " in status and removed.id not in status
    assert main(["build", "--config", str(cfg)]) == 0
    about = (tmp_path / "output" / "about.html").read_text(encoding="utf-8")
    assert all(s.name in about for s in kept if "<" not in s.name) and "未运行的来源" not in about
    with Store(tmp_path / "db.sqlite3") as store:
        store.upsert_sources([removed])  # back in the registry: listed again
        assert removed.id in {r["id"] for r in store.sources()}
