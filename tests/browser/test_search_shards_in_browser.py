"""Search over a sharded Pagefind index in a real browser, on a site served under a prefix."""

from __future__ import annotations

import json
import re
from pathlib import Path

from site_builder import build_site
from tests.browser.conftest import serve
from tests.site_builder.site_fixtures import fill_store
from yigai.config import load_settings


def _indexed_text(html: str) -> str:
    start = html.index("data-pagefind-body")
    return html[start : html.index("</article>", start)]


def test_a_query_finds_pages_of_every_shard_on_a_site_served_under_a_prefix(new_page, tmp_path: Path):
    """The real build with 3 pages per shard, so the browser merges several bundles; the site lives at
    /mirror/yigai/ (links must not assume the site root)."""
    www = tmp_path / "www"
    out = www / "mirror" / "yigai"
    store = fill_store(tmp_path / "db.sqlite3")
    try:
        settings = load_settings(overrides={"output_dir": str(out), "site": {"search_shard_size": 3}})
        build_site(store, settings)
    finally:
        store.close()
    assert 'data-shards="pagefind/shards.json"' in (out / "search.html").read_text("utf-8")
    listed = json.loads((out / "pagefind" / "shards.json").read_text("utf-8"))
    assert len(listed) >= 3
    for name in listed:
        entry = json.loads((out / "pagefind" / name / "pagefind-entry.json").read_text("utf-8"))
        assert sum(lang["page_count"] for lang in entry["languages"].values()) <= 3
    ids = sorted(p.stem for p in (out / "article").glob("*.html"))
    manifest = (out / ".yigai-build.tsv").read_text("utf-8")
    assert all(f"pagefind/{name}pagefind.js" in manifest for name in listed)

    query = "医共体"
    texts = {i: _indexed_text((out / "article" / f"{i}.html").read_text("utf-8")) for i in ids}
    expected = {i for i in ids if query in texts[i]}
    assert expected

    server, base = serve(www)
    try:
        page = new_page()
        page.goto(base + "mirror/yigai/search.html?q=" + query)
        page.wait_for_selector("#search-form[data-done]")
        assert page.locator("#search-form").get_attribute("data-done") == "true"
        hrefs = page.locator("#search-results a.story-title").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        found = [re.fullmatch(r"article/([0-9a-f]{16})\.html", h).group(1) for h in hrefs]
        assert sorted(found) == sorted(expected)
        assert page.locator("#search-status").inner_text() == f"找到 {len(expected)} 篇"
        oldest = min(expected)
        page.locator(f"#search-results a.story-title[href='article/{oldest}.html']").click()
        page.wait_for_load_state()
        assert page.url == f"{base}mirror/yigai/article/{oldest}.html"
        assert query in page.locator("article").inner_text()
        assert page.errors == []
    finally:
        server.shutdown()
        server.server_close()
