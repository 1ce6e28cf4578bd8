"""What a reader sees, in a real browser (Debian chromium via Playwright): the site built by `yigai run` from the
bundled sample web, served on 127.0.0.1. Also saves the screenshots the README shows (docs/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import run_axe
from tests.conftest import REPO

SCREENSHOTS = REPO / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
QUERY = "医共体"

pytestmark = pytest.mark.slow


def _indexed_text(html: str) -> str:
    """An article page's ``<article>`` element (the search indexes its text but for the meta list and copies)."""
    start = html.index("<article")
    return html[start : html.index("</article>", start)]


def _article_ids_mentioning(root: Path, word: str) -> set[str]:
    return {p.stem for p in (root / "article").glob("*.html") if word in _indexed_text(p.read_text("utf-8"))}


def _title_of(root: Path, article_id: str) -> str:
    html = (root / "article" / f"{article_id}.html").read_text("utf-8")
    m = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return m.group(1).strip() if m else ""


def _search(page, base_url: str, query: str) -> list[str]:
    """Type a query into the search page like a reader; the article ids of all its results."""
    page.goto(base_url + "search.html")
    page.get_by_label(re.compile("搜索")).first.fill(query)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_selector("#search-form[data-done]")
    more = page.get_by_role("button", name="更多结果")
    while more.is_visible():  # 10 results a screen: show them all
        shown = page.locator("#search-results li").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('#search-results li').length > {shown}")
    hrefs = page.locator("#search-results a.story-title").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return [re.fullmatch(r"article/([0-9a-f]{16})\.html", h).group(1) for h in hrefs]


def _province_tile(page):
    """The first province tile that links to a page (tiles without stories have no link)."""
    return page.locator("svg a[href*='region/']").first


def _serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_home_map_tile_leads_to_its_province_page(sample_site, new_page):
    page = new_page()
    page.goto(sample_site.url("index.html"))
    assert page.locator("h1").inner_text() == "医改观察 Yigai Watch"
    tiles = page.locator("svg a[href*='region/']")
    assert tiles.count() >= 5  # the sample web covers several provinces
    tile = _province_tile(page)
    label = tile.get_attribute("aria-label").split(" ")[0]
    href = tile.get_attribute("href")
    tile.click()
    page.wait_for_load_state()
    assert page.url == sample_site.url(href)
    heading = page.locator("h1").inner_text()
    assert heading.startswith(label), (label, heading)
    assert page.locator("#stories-heading").is_visible()
    stories = page.locator("ol.stories a.story-title")
    assert stories.count() >= 1
    stories.first.click()
    page.wait_for_load_state()
    assert re.search(r"/article/[0-9a-f]{16}\.html$", page.url)
    assert page.locator("article .article-body p").count() >= 1
    assert page.errors == []


def test_search_for_yigongti_finds_exactly_the_articles_that_mention_it(sample_site, new_page):
    expected = _article_ids_mentioning(sample_site.root, QUERY)
    assert 3 <= len(expected) < len(list((sample_site.root / "article").glob("*.html")))
    page = new_page()
    found = _search(page, sample_site.base_url, QUERY)
    assert set(found) == expected and len(found) == len(expected)
    assert page.locator("#search-status").inner_text() == f"找到 {len(expected)} 篇"
    assert page.locator("#search-results mark").count() >= 1  # the match is highlighted in the titles
    # The result links work from the page's location (relative links).
    page.locator("#search-results a.story-title").first.click()
    page.wait_for_load_state()
    assert QUERY in page.locator("article").inner_text()
    assert page.errors == []


def test_a_traditional_query_finds_what_its_simplified_form_finds(sample_site, new_page):
    """The texts are Simplified; a reader pasting 醫共體 gets the results of 医共体, the match highlighted."""
    page = new_page()
    simplified = _search(page, sample_site.base_url, QUERY)
    traditional = _search(page, sample_site.base_url, "醫共體")
    assert traditional == simplified and len(traditional) >= 3
    assert page.locator("#search-results mark").first.inner_text() == QUERY
    assert page.errors == []


def test_search_shows_hostile_titles_as_text(synthetic_site, new_page):
    page = new_page()
    found = _search(page, synthetic_site.base_url, "县域医共体")
    assert "00000000000000aa" in found  # the hostile article of the synthetic store
    titles = page.locator("#search-results a.story-title").all_inner_texts()
    assert any(t.startswith("<script>alert(1)</script>") for t in titles)
    assert page.locator("#search-results img, #search-results script").count() == 0
    assert page.errors == []  # no alert() dialog, no script error


KINDS = ("home", "province", "province-topic", "province-month", "article", "search", "register")


@pytest.mark.parametrize("kind", KINDS)
def test_pages_have_no_serious_accessibility_violations(sample_site, new_page, kind):
    page = new_page()
    _open(page, sample_site, kind)
    problems = _serious(run_axe(page))
    assert problems == [], problems


def _open(page, site, kind: str) -> None:
    """Open one of the pages the screenshots show, in a deterministic state."""
    if kind == "home":
        page.goto(site.url("index.html"))
    elif kind.startswith("province"):
        page.goto(site.url("index.html"))
        page.goto(site.url(_province_tile(page).get_attribute("href")))
        if kind != "province":  # its first topic, or its newest month
            chips = page.locator("section", has=page.get_by_role("heading", name={"province-topic": "按专题"}.get(kind, "按月")))
            chips.locator("ul.chips a").first.click()
    elif kind == "article":
        page.goto(site.url("search.html"))
        # Ids hash the URL, which holds the sample web's ephemeral port: choose by title, which is stable.
        ids = sorted(_article_ids_mentioning(site.root, QUERY), key=lambda i: (_title_of(site.root, i), i))
        page.goto(site.url(f"article/{ids[0]}.html"))
    elif kind == "register":
        page.goto(site.url("register/index.html"))
        page.wait_for_selector(".register-filter:not([hidden])")
    else:
        page.goto(site.url("search.html?q=" + QUERY))
        page.wait_for_selector("#search-form[data-done]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("width_name", sorted(WIDTHS))
def test_screenshots(sample_site, new_page, width_name):
    """docs/screenshots/<page>-<width>.png; rewritten only when the picture changed."""
    width, height = WIDTHS[width_name]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(width, height)
    for kind in KINDS:
        _open(page, sample_site, kind)
        # Nothing may overflow sideways on a phone.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{kind} at {width}px is {overflow}px too wide"
        png = page.screenshot(animations="disabled", caret="hide")
        target = SCREENSHOTS / f"{kind}-{width_name}.png"
        if not target.is_file() or target.read_bytes() != png:
            target.write_bytes(png)
    assert page.errors == []
