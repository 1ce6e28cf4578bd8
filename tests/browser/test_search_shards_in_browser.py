"""Search in a real browser over an index in several parts — the site's own n-gram segments — on a site served
under a prefix."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from site_builder import build_site
from site_builder.ngram_index import search_files
from tests.browser.conftest import serve
from tests.site_builder.site_fixtures import HOSTILE_TITLE, fill_store
from yigai.config import load_settings


class _ArticleText(HTMLParser):
    """The text of a page's ``<article>`` without its ``data-pagefind-ignore`` parts (the meta list and the
    syndicated copies): what the n-gram index takes from the page."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article" and not self.stack:
            self.stack.append(False)
        elif self.stack and tag not in self.VOID:
            self.stack.append(self.stack[-1] or "data-pagefind-ignore" in dict(attrs))

    def handle_endtag(self, tag):
        if self.stack and tag not in self.VOID:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and not self.stack[-1]:
            self.parts.append(data)


def _ngram_text(html: str) -> str:
    parser = _ArticleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _build(tmp_path: Path, **site: object) -> tuple[Path, Path]:
    """Build the synthetic store with 3 pages per segment into www/mirror/yigai/; (www, output)."""
    www = tmp_path / "www"
    out = www / "mirror" / "yigai"
    store = fill_store(tmp_path / "db.sqlite3")
    try:
        settings = load_settings(overrides={"output_dir": str(out), "site": {"search_shard_size": 3, **site}})
        build_site(store, settings)
    finally:
        store.close()
    return www, out


def _results(page) -> list[str]:
    hrefs = page.locator("#search-results a.story-title").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return [re.fullmatch(r"article/([0-9a-f]{16})\.html", h).group(1) for h in hrefs]


def test_the_ngram_index_finds_pages_of_every_segment_on_a_site_served_under_a_prefix(
    new_page, tmp_path: Path
):
    """The default engine with 3 pages per segment: static/search.js fetches a bucket of every segment per
    token and ranks over all of them, exactly as the Python reader (``ngram_index.search_files``) does."""
    www, out = _build(tmp_path)
    search_html = (out / "search.html").read_text("utf-8")
    assert 'data-engine="ngram"' in search_html and 'data-index="search/index.json"' in search_html
    assert not (out / "pagefind").exists()
    segments = json.loads((out / "search" / "index.json").read_text("utf-8"))["segments"]
    assert len(segments) >= 3 and all(s["docs"] <= 3 for s in segments)
    ids = sorted(p.stem for p in (out / "article").glob("*.html"))
    assert sum(s["docs"] for s in segments) == len(ids)
    texts = {i: _ngram_text((out / "article" / f"{i}.html").read_text("utf-8")) for i in ids}

    server, base = serve(www)
    try:
        page = new_page()
        for query, words in (
            ("医共体", ["医共体"]),
            ("魏县 医共体", ["魏县", "医共体"]),
            ("ＳＣＲＩＰＴ", ["script"]),
        ):
            expected = {i for i in ids if all(w in texts[i].lower() for w in words)}
            assert expected, query
            page.goto(base + "mirror/yigai/search.html?q=" + query)
            page.wait_for_selector("#search-form[data-done]")
            assert page.locator("#search-form").get_attribute("data-done") == "true", query
            found = _results(page)
            assert set(found) == expected and len(found) == len(expected), query
            # The same ranking as the Python reader of the same files (hash, tokens, BM25, ties).
            _total, hits = search_files(out, query)
            assert found == [h.url[len("article/") : -len(".html")] for h in hits], query
            assert page.locator("#search-status").inner_text() == f"找到 {len(expected)} 篇", query
        # The hostile title is shown as text.
        titles = page.locator("#search-results a.story-title").all_inner_texts()
        assert HOSTILE_TITLE in titles
        assert page.locator("#search-results img, #search-results script").count() == 0

        page.goto(base + "mirror/yigai/search.html?q=不存在的词语")
        page.wait_for_selector("#search-form[data-done]")
        assert page.locator("#search-status").inner_text() == "没有找到相关报道。"
        assert page.locator("#search-results li").count() == 0

        query = "医共体"
        page.goto(base + "mirror/yigai/search.html?q=" + query)
        page.wait_for_selector("#search-form[data-done]")
        assert page.locator("#search-results mark").count() >= 1  # the excerpts, from the article pages
        marks = page.locator("#search-results mark").all_inner_texts()
        assert set(marks) == {query}
        first = _results(page)[0]
        page.locator("#search-results a.story-title").first.click()
        page.wait_for_load_state()
        assert page.url == f"{base}mirror/yigai/article/{first}.html"
        assert query in page.locator("article").inner_text()
        assert page.errors == []
    finally:
        server.shutdown()
        server.server_close()


def test_the_ngram_index_in_several_bucket_files_is_read_with_the_same_hash(new_page, tmp_path: Path):
    """A segment big enough for several bucket files: the browser must hash each token to the same bucket
    file as the builder (FNV-1a in static/search.js and in ngram_index), or it finds nothing."""
    import random

    from tests.site_builder.site_fixtures import make_record

    rng = random.Random(7)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    store = fill_store(tmp_path / "db.sqlite3")
    bodies = []
    try:
        for n in range(150):
            body = "".join(rng.choice(han) for _ in range(60))
            bodies.append(body)
            store.save_article(
                make_record(
                    f"https://gen.example.gov.cn/{n}.html",
                    title=f"第{n}号通知" + "".join(rng.choice(han) for _ in range(6)),
                    text=body,
                    published=f"2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00+08:00",
                )
            )
        out = tmp_path / "www" / "output"
        build_site(store, load_settings(overrides={"output_dir": str(out)}))
    finally:
        store.close()
    segments = json.loads((out / "search" / "index.json").read_text("utf-8"))["segments"]
    assert len(segments) == 1 and segments[0]["buckets"] >= 4
    texts = {p.stem: _ngram_text(p.read_text("utf-8")) for p in (out / "article").glob("*.html")}
    # Words of the generated pages (each in its own bucket, most likely not bucket 0) and of the fixture's.
    words = [body[n % 50 : n % 50 + 2] for n, body in enumerate(bodies[:80:8])] + ["医共体", "第12号"]

    server, base = serve(tmp_path / "www")
    try:
        page = new_page()
        for word in words:
            page.goto(base + "output/search.html?q=" + word)
            page.wait_for_selector("#search-form[data-done]")
            found = _results(page)
            total, hits = search_files(out, word)
            assert found == [h.url[len("article/") : -len(".html")] for h in hits], word
            assert found and total == len(found), word
            assert all(word in texts[i] for i in found), word
        assert page.errors == []
    finally:
        server.shutdown()
        server.server_close()
