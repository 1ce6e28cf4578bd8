"""Issue #18 parts 1, 2 and 10 in a real browser: a province filtered by topic, a topic broken down by province,
a province's month with the month before and after (the sample web's site, served on 127.0.0.1)."""

from __future__ import annotations

import re

import feedparser
import pytest

from tests.browser.test_site_in_browser import _province_tile

pytestmark = pytest.mark.slow


def _chips(page, heading: str):
    """The links under a list page's chip section named ``heading`` (下级地区, 按专题, 按月, 按省份)."""
    return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True)).locator("ul.chips a")


def _story_titles(page) -> list[str]:
    return page.locator("ol.stories a.story-title").all_inner_texts()


def _province(page, site) -> tuple[str, str]:
    page.goto(site.url("index.html"))
    href = _province_tile(page).get_attribute("href")
    page.goto(site.url(href))
    return href, page.locator("h1").inner_text()


def test_a_province_filtered_by_topic_shows_its_stories_on_that_topic_and_their_feed(sample_site, new_page):
    page = new_page()
    _href, province = _province(page, sample_site)
    on_province = set(_story_titles(page))
    chip = _chips(page, "按专题").first
    topic, count = chip.inner_text().rsplit(" ", 1)
    chip.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"{province} · {topic}"
    titles = _story_titles(page)
    assert len(titles) == int(count) and set(titles) <= on_province  # the province's, on this topic only
    pair_url = page.url
    feed_href = page.get_by_role("link", name="RSS").first.get_attribute("href")
    feed = feedparser.parse(page.request.get(re.sub(r"[^/]*$", "", pair_url) + feed_href).body())
    assert feed.feed.title.endswith(f"{province} · {topic}")
    assert [e.title for e in feed.entries] == titles
    # The topic's own page breaks it down by province and links back to this page.
    page.goto(sample_site.url("index.html"))
    page.locator("section[aria-labelledby='topics-heading'] a", has_text=re.compile(rf"^{re.escape(topic)} \d+$")).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == topic
    by_province = _chips(page, "按省份").filter(has_text=province)
    assert by_province.inner_text() == f"{province} {count}"
    by_province.click()
    page.wait_for_load_state()
    assert page.url == pair_url
    assert page.errors == []


def test_a_provinces_months_walk_back_and_forth(sample_site, new_page):
    page = new_page()
    _href, province = _province(page, sample_site)
    months = _chips(page, "按月")
    assert months.count() >= 1
    newest = months.first.inner_text().split(" ")[0]
    months.first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"{province} · {newest}"
    assert all(t for t in _story_titles(page))
    assert page.get_by_text("订阅本地区").is_visible()
    older = page.locator("nav[aria-label='按月'] a[rel='prev']")
    if older.count():
        label = older.inner_text()
        older.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == f"{province} · {label.split(' ')[1]}"
        page.locator("nav[aria-label='按月'] a[rel='next']").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == f"{province} · {newest}"
    assert page.errors == []
