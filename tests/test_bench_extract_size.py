"""bench/extract_size.py runs and reports the cut (a small page, so the smoke test stays quick)."""

from __future__ import annotations

from bench import extract_size


def test_the_size_bench_measures_each_page_with_and_without_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("extract.core.MAX_HTML_BYTES", 50_000)  # the bench reads the default from here
    rows = extract_size.measure([0.1], max_unlimited=0.1, timeout=600)
    assert [r["limit"] for r in rows] == ["0.0477 MiB", "none"]
    assert all(r["ok"] and r["peak_mb"] > 0 for r in rows)
    table = extract_size.format_rows(rows)
    assert table.startswith("| page | limit |") and table.count("\n") == 3
    page = tmp_path / "p.html"
    assert extract_size.write_page(page, 0.05) >= 0.05 * 1024 * 1024
