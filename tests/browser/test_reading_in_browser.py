"""Reading on a phone, in a real browser: dates stay whole, the map's labels stay legible, search excerpts show
the article's own text (Chinese punctuation and all)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_site_in_browser import QUERY, _search

pytestmark = pytest.mark.slow

PHONE = (360, 740)  # the narrowest common phone width
MIN_LABEL_PX = 12.0


def test_dates_are_never_broken_across_lines_on_a_phone(sample_site, new_page):
    page = new_page(*PHONE)
    page.goto(sample_site.url("index.html"))
    href = page.locator("svg a[href*='region/']").first.get_attribute("href")
    for path in ("index.html", href, "archive/index.html"):
        page.goto(sample_site.url(path))
        # An inline element broken over two lines has two client rectangles.
        broken = page.evaluate(
            """() => Array.from(document.querySelectorAll("time"))
                 .filter(t => t.getClientRects().length > 1).map(t => t.textContent)"""
        )
        assert broken == [], (path, broken)
    page.goto(sample_site.url("index.html"))
    page.locator("ol.stories a.story-title").first.click()
    page.wait_for_load_state()
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll(".article-meta time, .story-meta time"))
             .map(t => t.getClientRects().length)"""
    )
    assert lines and set(lines) == {1}, lines
    assert page.errors == []


def test_map_labels_are_at_least_12px_on_a_phone(sample_site, new_page):
    page = new_page(*PHONE)
    page.goto(sample_site.url("index.html"))
    sizes = page.evaluate(
        """() => {
            const svg = document.querySelector(".tilemap svg");
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return Array.from(svg.querySelectorAll("text"))
                .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
        }"""
    )
    assert len(sizes) >= 2 * 34  # a name and a count on every province tile
    assert min(sizes) >= MIN_LABEL_PX, min(sizes)
    # and the map still fits the screen
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def _joined_body(page, url: str) -> str:
    """The article's paragraphs as the excerpt joins them: whitespace runs as one space, no space between
    Chinese paragraphs."""
    page.goto(url)
    parts = page.locator(".article-body p").all_inner_texts()
    joined = ""
    for part in (re.sub(r"\s+", " ", p).strip() for p in parts):
        if part:
            if joined and re.search(r"[A-Za-z0-9.,;:!?%)\"']$", joined) and re.match(r"[A-Za-z0-9(\"']", part):
                joined += " "
            joined += part
    return joined


def test_search_excerpts_are_the_articles_own_text(sample_site, new_page):
    page = new_page()
    found = _search(page, sample_site.base_url, QUERY)
    excerpts = page.locator("#search-results .story-summary").all_inner_texts()
    assert len(excerpts) == len(found) >= 3
    assert any(re.search(r"[，。、：；（）“”]", e) for e in excerpts), excerpts
    reader = new_page()
    for article_id, excerpt in zip(found, excerpts, strict=True):
        body = _joined_body(reader, sample_site.url(f"article/{article_id}.html"))
        text = excerpt.strip("…")
        assert text and text in body, (article_id, excerpt)
    assert page.errors == [] and reader.errors == []
