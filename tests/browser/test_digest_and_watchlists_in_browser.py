"""The weekly digest and the watchlists as a reader uses them, in Chromium: from the navigation to a week's
digest and its neighbours, to a watchlist and its stories; no serious axe finding; their screenshots."""

from __future__ import annotations

import re
from urllib.request import urlopen

import feedparser
import pytest

from tests.browser.conftest import run_axe
from tests.browser.test_site_in_browser import SCREENSHOTS, WIDTHS, _serious

pytestmark = pytest.mark.slow
# The terms of 医共体's synonym group: what the watchlist 河北 · 医共体 finds in a title or text.
YIGONGTI = ("医共体", "医疗共同体", "医疗卫生共同体", "医疗服务共同体")


def _open(page, site, kind: str) -> None:
    """The newest week's digest, or the first watchlist, reached by the navigation as a reader would."""
    page.goto(site.url("index.html"))
    if kind == "digest":
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="周报").click()
        page.locator("main ul.months a").first.click()
    else:
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="关注").click()
        page.get_by_role("link", name="河北 · 医共体").click()
    page.wait_for_load_state("networkidle")


def test_a_reader_goes_from_the_navigation_to_a_week_and_the_week_before(sample_site, new_page):
    page = new_page()
    _open(page, sample_site, "digest")
    week = re.search(r"digest/(\d{4}-W\d\d)\.html$", page.url).group(1)
    assert page.get_by_role("heading", level=1).inner_text() == f"{week} 每周摘要"
    titles = page.locator("main a.story-title").all_inner_texts()
    assert titles and page.locator("main .lede").inner_text().endswith(f"共 {len(titles)} 篇")
    page.get_by_role("link", name=re.compile("较早一周")).click()
    older = re.search(r"digest/(\d{4}-W\d\d)\.html$", page.url).group(1)
    assert older < week
    page.get_by_role("link", name=re.compile("较新一周")).click()
    assert page.url.endswith(f"digest/{week}.html")
    feed_href = page.get_by_role("link", name="RSS").first.get_attribute("href")
    with urlopen(sample_site.url("digest/" + feed_href)) as response:
        feed = feedparser.parse(response.read())
    assert feed.entries[0].id == f"urn:yigai:digest:{week}"
    assert page.errors == []


def test_a_watchlist_shows_only_stories_of_its_keyword_and_region(sample_site, new_page):
    page = new_page()
    _open(page, sample_site, "watch")
    assert page.get_by_role("heading", level=1).inner_text() == "河北 · 医共体"
    hrefs = page.locator("main a.story-title").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "献县医共体建立中心药房统一用药目录" in page.locator("main a.story-title").all_inner_texts()
    for href in hrefs:
        html = (sample_site.root / "watch/hebei-yigongti" / href).resolve().read_text("utf-8")
        body = html[html.index("<article") : html.index("</article>")]
        assert "河北省" in body and any(term in re.sub(r"<[^>]+>", "", body) for term in YIGONGTI), href
    index = (sample_site.root / "watch/index.html").read_text("utf-8")
    assert f"河北 · 医共体</a> <span class=\"count\">{len(hrefs)} 篇" in index
    assert page.errors == []


@pytest.mark.parametrize("kind", ["digest", "watch"])
def test_digest_and_watchlist_pages_have_no_serious_accessibility_violations(sample_site, new_page, kind):
    page = new_page()
    _open(page, sample_site, kind)
    assert _serious(run_axe(page)) == []
    page.go_back()  # the index it came from
    assert _serious(run_axe(page)) == []


@pytest.mark.parametrize("width_name", sorted(WIDTHS))
def test_digest_and_watchlist_screenshots(sample_site, new_page, width_name):
    """docs/screenshots/digest-<width>.png and watch-<width>.png; rewritten only when the picture changed."""
    page = new_page(*WIDTHS[width_name])
    for kind in ("digest", "watch"):
        _open(page, sample_site, kind)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{kind} at {width_name} is {overflow}px too wide"
        png = page.screenshot(animations="disabled", caret="hide")
        target = SCREENSHOTS / f"{kind}-{width_name}.png"
        if not target.is_file() or target.read_bytes() != png:
            target.write_bytes(png)
    assert page.errors == []
