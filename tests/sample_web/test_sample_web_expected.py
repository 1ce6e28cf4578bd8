"""expected.json agrees with the sample web's files, and the sample web meets its content requirements."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime
from functools import cache
from urllib.parse import urljoin

import lxml.html
import opencc
import pytest

from yigai.config import load_registry
from yigai.sample_web import build_sites
from yigai.sample_web.server import DEFAULT_ROOT, resolve_request_path
from yigai.sample_web.stories import STORIES

EXPECTED = json.loads((DEFAULT_ROOT.parent / "expected.json").read_text(encoding="utf-8"))
ARTICLES = EXPECTED["articles"]
GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
T2S = opencc.OpenCC("t2s")


def page_file(path: str):
    resolved = resolve_request_path(DEFAULT_ROOT, path)
    assert resolved.file is not None, f"{path} is not served"
    return resolved.file


@cache
def page_text(path: str) -> str:
    """The page as a reader sees it, normalised like the extractor does: glosses removed, Simplified."""
    article = next((a for a in ARTICLES if a["path"] == path), None)
    encoding = article["encoding"] if article else ("gb18030" if path.startswith("/hbwjw/") else "utf-8")
    text = page_file(path).read_bytes().decode("gb18030" if encoding == "gbk" else encoding)
    tree = lxml.html.fromstring(text)
    visible = tree.text_content()
    return T2S.convert(GLOSS.sub("", visible))


def raw_text(path: str) -> str:
    data = page_file(path).read_bytes()
    return data.decode("gb18030" if path.startswith("/hbwjw/") else "utf-8")


def links_on(path: str) -> set[str]:
    tree = lxml.html.fromstring(raw_text(path))
    return {urljoin(path, href).split("#")[0] for href in tree.xpath("//a/@href")}


def test_every_article_path_exists_and_is_unique():
    paths = [a["path"] for a in ARTICLES]
    assert len(paths) == len(set(paths))
    for path in paths + EXPECTED["disallowed_paths"]:
        assert page_file(path).stat().st_size > 1000


def test_content_requirements():
    assert len(ARTICLES) >= 36
    provinces = {a["primary_region"]["province"] for a in ARTICLES if a["on_topic"]} - {None}
    assert len(provinces) >= 8
    national = {a["story"] for a in ARTICLES if a["primary_region"]["national"]}
    assert len(national) >= 5
    off_topic = [a for a in ARTICLES if not a["on_topic"]]
    assert len(off_topic) >= 5
    assert {a["site"] for a in off_topic} == {"portal", "farm"}
    sites_by_story = defaultdict(set)
    for a in ARTICLES:
        sites_by_story[a["story"]].add(a["site"])
    syndicated = [s for s, sites in sites_by_story.items() if len(sites) >= 2]
    assert len(syndicated) >= 3
    assert any("farm" in sites_by_story[s] for s in syndicated)


def test_syndicated_copies_share_source_and_the_original_is_earliest():
    by_story = defaultdict(list)
    for a in ARTICLES:
        by_story[a["story"]].append(a)
    for story, copies in by_story.items():
        originals = [c for c in copies if c["original"]]
        assert len(originals) == 1, story
        assert len({c["source"] for c in copies}) == 1
        earliest = min(copies, key=lambda c: datetime.fromisoformat(c["published"]))
        assert earliest is originals[0], story
        if len(copies) > 1:
            assert len({c["published"] for c in copies}) == len(copies)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["path"])
def test_page_matches_its_expectations(article):
    text = page_text(article["path"])
    assert article["title"] in text
    assert 2 <= len(article["must_appear"]) <= 3
    for sentence in article["must_appear"]:
        assert sentence in text
    # The 来源 line names the expected source (after gloss removal and t2s on the farm).
    assert re.search(r"来源[:：]\s*" + re.escape(article["source"]), text)
    story_text = "".join(STORIES[article["story"]].paragraphs)
    for junk in article["must_not_appear"]:
        # Each trap string is really on the page (raw or normalised) and is not part of the story.
        assert junk in raw_text(article["path"]) or junk in text, junk
        assert junk not in story_text
    published = datetime.fromisoformat(article["published"])
    assert published.utcoffset().total_seconds() == 8 * 3600
    assert 2023 <= published.year <= 2025


def test_farm_pages_are_traditional_with_glosses():
    for article in ARTICLES:
        if article["site"] != "farm":
            continue
        raw = raw_text(article["path"])
        assert GLOSS.search(raw)
        assert "國产 欧美" not in raw and "国产 欧美" in raw
        assert any(junk in raw for junk in ("yī", "xiàn", "qū"))
        assert T2S.convert(raw) != raw  # there is Traditional text to convert


def test_home_region_stories_rely_on_wo_sheng():
    hbwjw = [a for a in ARTICLES if a["site"] == "hbwjw"]
    relying = [a for a in hbwjw if "我省" in page_text(a["path"]) and a["primary_region"]["city"] is None]
    assert relying
    assert all(a["primary_region"]["province"] == EXPECTED["home_regions"]["hbwjw"] for a in relying)


def test_a_page_has_later_dates_than_its_publish_date_in_hot_news():
    def later_dates(article):
        text = page_text(article["path"])
        dates = re.findall(r"(20\d\d)-(\d\d)-(\d\d)", text)
        published = article["published"][:10]
        return [d for d in dates if "-".join(d) > published]

    traps = [a for a in ARTICLES if "Copyright © 2008-2025" in page_text(a["path"]) and later_dates(a)]
    assert traps


def test_policy_documents_have_numbers_and_attachments():
    documents = [a for a in ARTICLES if a.get("doc_number")]
    assert len(documents) >= 1
    for article in documents:
        assert re.fullmatch(r"冀卫\w+〔\d{4}〕\d+号", article["doc_number"])
        assert article["doc_number"] in page_text(article["path"])
        assert set(article["attachments"]) <= links_on(article["path"])
        for attachment in article["attachments"]:
            page_file(attachment)


def test_disallowed_page_is_linked_from_a_list_page_and_looks_like_an_article():
    list_pages = [p for site in EXPECTED["listing"].values() for p in site["list_pages"]]
    linked = set().union(*(links_on(p) for p in list_pages))
    for path in EXPECTED["disallowed_paths"]:
        assert path in linked
        assert any(path.startswith(rule) for rule in EXPECTED["robots_disallow"])
        assert re.search(EXPECTED["article_patterns"]["farm"], path)
    assert not any(a["path"].startswith(tuple(EXPECTED["robots_disallow"])) for a in ARTICLES)


def test_every_article_is_reachable_from_its_sites_listing():
    reachable = defaultdict(set)
    for site, listing in EXPECTED["listing"].items():
        for path in listing["list_pages"]:
            reachable[site] |= links_on(path)
        for path in listing["sitemaps"] + listing["feeds"]:
            xml = page_file(path).read_text(encoding="utf-8")
            reachable[site] |= set(re.findall(r"__SAMPLE_WEB__(/[^<\"]+)", xml))
    for article in ARTICLES:
        assert article["path"] in reachable[article["site"]], article["path"]


def test_hbwjw_list_pages_use_relative_links_and_index_n_pagination():
    assert EXPECTED["listing"]["hbwjw"]["list_pages"] == [
        "/hbwjw/index.html",
        "/hbwjw/index_1.html",
        "/hbwjw/index_2.html",
    ]
    tree = lxml.html.fromstring(raw_text("/hbwjw/index.html"))
    hrefs = tree.xpath("//ul[@class='list']//a/@href")
    assert hrefs and all(h.startswith("./") for h in hrefs)
    assert "/hbwjw/index_1.html" in links_on("/hbwjw/index.html")


def test_registry_patterns_match_articles_and_not_list_pages():
    sources = {s.id: s for s in load_registry("sample", sample_web="http://127.0.0.1:9")}
    assert set(sources) == {"hbwjw", "nhc", "farm", "portal"}
    assert sources["hbwjw"].home_region == "河北省"
    assert sources["nhc"].feeds and sources["nhc"].sitemaps
    for site, source in sources.items():
        assert list(source.article_allow) == [EXPECTED["article_patterns"][site]]
        assert source.confirmed == "bundled sample web"
        for url in source.start_urls:
            assert resolve_request_path(DEFAULT_ROOT, url.removeprefix("http://127.0.0.1:9")).file
    for article in ARTICLES:
        url = "http://127.0.0.1:9" + article["path"]
        matching = [s for s in sources.values() if any(re.search(p, url) for p in s.article_allow)]
        assert [s.id for s in matching] == [article["site"]]
    for listing in EXPECTED["listing"].values():
        for path in listing["list_pages"] + listing["feeds"] + listing["sitemaps"]:
            url = "http://127.0.0.1:9" + path
            assert not any(re.search(p, url) for s in sources.values() for p in s.article_allow)


def test_generated_files_are_up_to_date_and_deterministic():
    files, expected = build_sites.build()
    again, _ = build_sites.build()
    assert files == again
    on_disk = {
        p.relative_to(DEFAULT_ROOT).as_posix(): p.read_bytes() for p in DEFAULT_ROOT.rglob("*") if p.is_file()
    }
    assert set(on_disk) == set(files), "run: python -m yigai.sample_web.build_sites"
    for rel, data in files.items():
        assert on_disk[rel] == data, rel
    assert (DEFAULT_ROOT.parent / "expected.json").read_text(
        encoding="utf-8"
    ) == build_sites.expected_json_text(expected)
