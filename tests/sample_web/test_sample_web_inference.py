"""Article-link inference on every list page of the sample web (issue #17 part 4): the four main sites and the
eleven list-page templates of ``yigai/sample_web/list_sites.py``, served over HTTP as a crawl sees them.

Truth: for the list-page templates the article paths ``expected.json`` records per list page (every link to an
article page of that site); for the four main sites the links of the page that match the site's hand-written
pattern (``article_patterns``). Precision and recall over all pages must be at least 0.95, with no per-template
code in ``crawler.inference``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.inference import infer_list, list_links
from yigai.sample_web import SampleWeb
from yigai.source_regions import infer_home_region
from yigai.source_tool import site_identity

EXPECTED = json.loads((Path(__file__).resolve().parents[2] / "yigai/sample_web/expected.json").read_text("utf-8"))
LIST_SITES = EXPECTED["list_sites"]


@pytest.fixture(scope="module")
def web():
    with SampleWeb() as running:
        yield running


def _get(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.headers.get("Content-Type")


def _charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type or "")
    return m.group(1) if m else None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pages(web) -> list[tuple[str, str, set[str]]]:
    """(site, list page URL, the article paths it links) for every list page of the sample web."""
    out = []
    for key, site in LIST_SITES.items():
        for path, articles in site["articles"].items():
            out.append((key, web.base_url + path, set(articles)))
    for key, listing in EXPECTED["listing"].items():
        pattern = EXPECTED["article_patterns"][key]
        for path in listing["list_pages"]:
            url = web.base_url + path
            body, ctype = _get(url)
            linked = {_path(x.url) for x in list_links(body, url, _charset(ctype)) if re.search(pattern, x.url)}
            out.append((key, url, linked))
    return out


def test_at_least_ten_list_templates_unlike_the_main_four() -> None:
    assert len(LIST_SITES) >= 10
    assert not set(LIST_SITES) & set(EXPECTED["listing"])


def test_precision_and_recall_over_every_list_page(web) -> None:
    tp = fp = fn = 0
    misses = []
    for key, url, wanted in _pages(web):
        body, ctype = _get(url)
        found = {_path(u) for u in infer_list(body, url, _charset(ctype)).article_urls}
        tp, fp, fn = tp + len(found & wanted), fp + len(found - wanted), fn + len(wanted - found)
        if found != wanted:
            misses.append((key, _path(url), sorted(found - wanted)[:3], sorted(wanted - found)[:3]))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, misses)
    assert tp >= 150


@pytest.mark.parametrize("key", sorted(LIST_SITES))
def test_each_template_lists_its_articles_and_next_page(web, key: str) -> None:
    site = LIST_SITES[key]
    for shell, api in site["json_api"].items():
        # the HTML page names its JSON API, and has no article links of its own
        body, ctype = _get(web.base_url + shell)
        found = infer_list(body, web.base_url + shell, _charset(ctype))
        assert web.base_url + api in found.json_apis and not found.articles
    first = site["list_pages"][0]
    body, ctype = _get(web.base_url + first)
    found = infer_list(body, web.base_url + first, _charset(ctype))
    assert {_path(u) for u in found.article_urls} == set(site["articles"][first])
    later = [p for p in site["list_pages"][1:] if p not in site["json_api"]]
    assert {web.base_url + p for p in later} <= {u for u, _ in found.list_pages}, found.list_pages


@pytest.mark.parametrize("key", sorted(k for k, s in LIST_SITES.items() if s["home_region"]))
def test_home_region_of_the_government_templates(web, key: str) -> None:
    site = LIST_SITES[key]
    body, ctype = _get(web.base_url + site["list_pages"][0])
    name, title, footer = site_identity(body.decode("utf-8"))
    assert infer_home_region(site_name=name, title=title, footer=footer).home_region == site["home_region"]
