"""The site's search index (``search_tokens``, ``search_postings``, ``search_index``, ``search_reader``): tokens
and query words (Traditional forms, synonyms), the posting lists, the tiers, what a search finds with filters
and sorts, which files a build writes again, recovery from a missing file, determinism. (The same search in
a browser, with its requests and bytes counted: tests/browser/test_search_in_browser.py.)"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_settings
from hypothesis import given
from hypothesis import strategies as st
from site_checks import snapshot
from site_fixtures import HOSTILE_TITLE, sample_records, save_newest_article, save_syndicated_copy

import site_builder.search_index as search_index
from site_builder import build_site, search_postings, search_tokens
from site_builder.search_index import (
    CHUNK,
    INDEX_DIR,
    OWN_FILE_BYTES,
    SearchDoc,
    SearchEntry,
    bucket_of,
    build_search_index,
    own_file,
    plan_tiers,
    tier_files,
)
from site_builder.search_tokens import index_tokens, synonym_keys
from tests.support.search_reader import Filters, decode, form_tokens, query_words, search_files
from yigai.config import load_settings

PUBLISHED = {r["id"] for r in sample_records().values() if r["is_original"] and r["relevant"]}

# --- tokens and query words ----------------------------------------------------------------------------------


def test_han_runs_give_their_characters_and_neighbour_pairs():
    assert index_tokens("医共体") == Counter({"医": 1, "共": 1, "体": 1, "医共": 1, "共体": 1})
    assert index_tokens("医医医") == Counter({"医": 3, "医医": 2})  # counts, for the term frequency
    assert index_tokens("") == Counter()


def test_ascii_runs_are_lower_cased_tokens_after_nfkc_and_punctuation_splits_runs():
    assert index_tokens("ＤＲＧ DRG") == Counter({"drg": 2})
    assert index_tokens("DIP付费") == Counter({"dip": 1, "付": 1, "费": 1, "付费": 1})
    tokens = index_tokens("医保，改革 试点。DIP-2.0")
    assert "保改" not in tokens and "革试" not in tokens and {"医保", "改革", "dip", "2", "0"} <= set(tokens)


def test_form_tokens_are_the_bigrams_of_each_run_distinct_in_order():
    assert form_tokens("医共体") == ["医共", "共体"]
    assert form_tokens("医") == ["医"]
    assert form_tokens("ＤＲＧ付费") == ["drg", "付费"]
    assert form_tokens("医医医") == ["医医"]
    assert form_tokens("，。") == []
    text = "县域医共体建设DRG改革，魏县"
    assert set(form_tokens(text)) <= set(index_tokens(text))  # a page always finds itself


def test_a_traditional_word_is_also_looked_up_in_its_simplified_form():
    assert query_words("分級診療") == [[["分級", "級診", "診療"], ["分级", "级诊", "诊疗"]]]
    assert query_words("醫共體") == [[["醫共", "共體"], ["s:医共体"]]]  # 医共体 is a synonym group's term
    assert query_words("著名") == [[["著名"]]]  # nothing to convert, no synonym: one form
    assert query_words("，。") == []


def test_abbreviations_find_their_full_names_and_the_reverse():
    # A page holding any term of a synonym group has the group's key; a word that is a term looks it up.
    assert synonym_keys("省卫生健康委员会印发") == Counter({"s:卫健委": 1})
    assert synonym_keys("卫健委、卫健委") == Counter({"s:卫健委": 2})
    assert query_words("卫健委") == query_words("卫生健康委员会") == [[["s:卫健委"]]]
    assert query_words("医保局") == query_words("医疗保障局") == [[["s:医保局"]]]
    assert query_words("医疗共同体") == [[["s:医共体"]]]
    # 国家卫健委 is its own group, and also a 卫健委.
    assert synonym_keys("国家卫生健康委员会") == Counter({"s:国家卫健委": 1, "s:卫健委": 1})
    assert query_words("国家卫健委") == [[["s:国家卫健委"]]]
    # Inside a longer word: the word's own tokens, or the rest of the word with the group's key.
    assert query_words("县域医共体") == [[form_tokens("县域医共体"), ["县域", "s:医共体"]]]
    # A Traditional abbreviation gets the key of its Simplified form.
    assert query_words("衛健委") == [[form_tokens("衛健委"), ["s:卫健委"]]]
    assert len(query_words("河南 医共体")) == 2  # two words (AND), each with its own forms
    assert search_tokens.synonym_groups()[0][0] == "卫健委"  # normalised, as search.js normalises them


def test_the_traditional_table_is_what_the_installed_opencc_makes():
    from scripts.build_t2s import T2S_PATH, is_han, t2s_file_text, t2s_pairs

    pairs = t2s_pairs()
    assert T2S_PATH.read_text("utf-8") == t2s_file_text(pairs), "regenerate: python scripts/build_t2s.py"
    assert len(pairs) % 2 == 0 and len(pairs) > 4000 and all(map(is_han, pairs))


# --- posting lists -----------------------------------------------------------------------------------------


@given(st.data())
def test_posting_lists_decode_to_what_was_encoded(data):
    size = data.draw(st.integers(1, 3000))
    pages = sorted(data.draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=size)))
    weighted = data.draw(st.booleans())
    weights = (
        bytes(data.draw(st.lists(st.integers(1, 15), min_size=len(pages), max_size=len(pages))))
        if weighted
        else b""
    )
    shared = data.draw(st.booleans())
    encoded = search_postings.encode(pages, weights, size, shared=shared)
    got_pages, got_weights = decode(encoded, size)
    assert list(got_pages) == pages
    if shared and weights:  # one weight, the median, for every page
        assert got_weights == bytes([sorted(weights)[len(weights) // 2]]) * len(pages)
    else:
        assert got_weights == weights


def test_a_dense_list_is_a_bitmap_and_a_sparse_one_gaps_with_varints():
    dense = search_postings.encode(list(range(0, 1000, 2)), b"", 1000)
    assert dense[0] == search_postings.BITMAP and len(dense) == 1 + 2 + 125
    sparse = search_postings.encode([5, 300, 100_000], bytes([1, 2, 15]), 200_000)
    assert sparse[0] == search_postings.GAPS | search_postings.WEIGHTED
    # df 3; gaps 5, 294 (two bytes), 99699 (three bytes); weights 1|2<<4, 15
    assert sparse == bytes([0b10, 3, 5, 0xA6, 0x02, 0xF3, 0x8A, 0x06, 0x21, 0x0F])


# --- tiers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pages", [0, 1, 1023, 1024, 5000, 40_000, 100_000, 100_100, 1_000_000])
def test_tiers_are_a_base_of_whole_units_and_a_tail_shorter_than_a_unit(pages):
    tiers = plan_tiers(pages)
    assert sum(count for _start, count in tiers) == pages
    assert [start for start, _count in tiers] == [sum(c for _s, c in tiers[:i]) for i in range(len(tiers))]
    assert len(tiers) <= 2
    if len(tiers) == 2:
        base, tail = tiers[0][1], tiers[1][1]
        unit = max(search_index.MIN_UNIT, 1 << (max(pages // search_index.TAIL_SHARE, 1) - 1).bit_length())
        assert base % unit == 0 and 0 < tail < unit
        assert tail <= max(search_index.MIN_UNIT, pages * 2 // search_index.TAIL_SHARE)


def test_a_night_of_new_pages_keeps_the_base_tier():
    # At 100,000 pages a night's 100 new ones change only the tail (of < 4,096 pages), for weeks.
    base = plan_tiers(100_000)[0]
    assert all(plan_tiers(100_000 + 100 * night)[0] == base for night in range(1, 20))
    assert plan_tiers(100_000)[1][1] < 4096


# --- tier files and the reader ----------------------------------------------------------------------------


def doc(
    n: int, title: str, text: str, *, place: str = "", date: str = "2024-03-01", regions=(), topics=()
) -> SearchDoc:
    return SearchDoc(
        f"{n:016x}", f"article/{n:016x}.html", title, date, place, tuple(regions), tuple(topics), text
    )


class FakeWriter:
    """The part of ``SiteWriter`` the index uses, writing into ``root``."""

    def __init__(self, root: Path) -> None:
        self.root, self.previous, self.staged, self.live = root, None, {}, {}
        self.made: dict[str, bytes] = {}

    def emit(self, rel: str, key: str, render) -> None:
        data = render() if callable(render) else render
        assert rel not in self.made, rel
        self.made[rel] = data
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_bytes(data)

    def write(self, rel: str, data: bytes) -> None:
        self.emit(rel, "", data)

    def discard(self, prefix: str) -> None:
        pass


def write_index(root: Path, docs: list[SearchDoc]) -> Path:
    """Build ``search/`` for ``docs`` (oldest first) under ``root`` as a build would."""
    root.mkdir(parents=True, exist_ok=True)
    by_id = {d.id: d for d in docs}
    entries = [SearchEntry(d.id, d.id + d.title, d.date) for d in docs]
    build_search_index(FakeWriter(root), entries, lambda ids: (by_id[i] for i in ids))
    return root


def urls(hits) -> list[str]:
    return [h.url for h in hits]


FILLER = "会议听取了各地工作进展情况汇报并研究部署下一阶段重点任务要求各单位认真落实"
CORPUS = [
    doc(1, "邯郸市推进医共体建设", "魏县县医院牵头组建医共体。", place="河北省 · 邯郸市", date="2024-01-05",
        regions=("130000", "130400"), topics=("county_medical_community",)),
    doc(2, "浙江德清经验", "德清县医共体改革经验获推广。", place="浙江省 · 湖州市", date="2024-01-05",
        regions=("330000", "330500"), topics=("county_medical_community",)),
    doc(3, "邯郸市召开会议", "邯郸市城市医疗集团建设。", place="河北省 · 邯郸市", date="2024-02-10",
        regions=("130000", "130400"), topics=("medical_alliance",)),
    doc(4, "医保支付方式改革", "推进DRG付费改革，国家医疗保障局部署。", place="全国", date="2024-02-11", regions=("000000",)),
    doc(5, "基层卫生", FILLER * 3 + "医共体" + FILLER * 3, date="2024-03-01", regions=("410000",)),
    doc(6, "分级诊疗", "医疗共同体与共体医疗不是同一个词。", date="2024-03-02", regions=("410000",)),
    doc(7, "ＤＲＧ改革", "按病组付费，省卫生健康委员会印发通知。", date="2024-03-02", regions=("130000",)),
]  # fmt: skip


def _holds(d: SearchDoc, keys: list[str]) -> bool:
    text = f"{d.place}\n{d.text}\n{d.title}"
    have = index_tokens(text) + synonym_keys(text)
    return all(k in have for k in keys)


def expected_urls(docs: list[SearchDoc], query: str) -> set[str]:
    return {
        d.url for d in docs if all(any(_holds(d, form) for form in forms) for forms in query_words(query))
    }


def test_tier_files_are_a_pure_function_of_the_pages_in_order():
    files = tier_files(CORPUS, len(CORPUS))
    buckets = json.loads(files["tier.json"])["buckets"]
    assert sorted(files) == sorted([*(f"b{k}.json" for k in range(buckets)), "d0.json", "tier.json"])
    assert tier_files(list(CORPUS), len(CORPUS)) == files
    assert json.loads(files["d0.json"]) == [[d.url, d.title, d.date, d.place, search_index._lead(d.text)] for d in CORPUS]
    assert json.loads(files["d0.json"])[0][4] == CORPUS[0].text  # a short first paragraph whole
    long = doc(8, "长文", "一二三四五六七八九十" * 7 + "\n第二段")
    assert json.loads(tier_files([long], 1)["d0.json"])[0][4] == "一二三四五六七八九十" * 5 + "一二三四五六七八九…"
    assert json.loads(files["tier.json"]) == {"buckets": buckets, "files": buckets + 2, "pages": 7}
    assert 1 < buckets <= 4  # buckets of ~BUCKET_BYTES: a lookup fetches one, not all the tier's small lists
    assert tier_files(CORPUS[::-1], len(CORPUS)) != files
    with pytest.raises(ValueError, match="given 6"):
        tier_files(CORPUS[:6], 7)


def test_long_lists_have_files_of_their_own_and_short_ones_share_buckets_by_hash():
    han = [chr(0x4E00 + i) for i in range(4000)]
    docs = [
        doc(n, f"第{n}号", "医改" + "".join(han[(n * 37 + i * 11) % 4000] for i in range(40)) + "，试点" * (n % 3 < 1))
        for n in range(5000)
    ]
    files = tier_files(docs, len(docs))
    tier = json.loads(files["tier.json"])
    assert tier["files"] == len(files) and tier["buckets"] > 1
    assert sorted(f for f in files if f.startswith("d")) == sorted(
        f"d{c}.json" for c in range(-(-5000 // CHUNK))
    )
    # 医改 is on every page: a bitmap with one weight for all (1 + 2 bytes of df + 625 + 1), short enough for a
    # bucket, not 2,500 bytes of weights; a character on fewer than half the pages keeps each page's weight.
    common = json.loads(files[f"b{bucket_of('医改', tier['buckets'])}.json"])["医改"]
    common = __import__("base64").b64decode(common)
    assert common[0] == search_postings.BITMAP | search_postings.SHARED and len(common) == 1 + 2 + 625 + 1
    rarer = files[own_file("试点")]  # on a third of the pages: 625 bytes of bitmap and 834 of weights
    assert rarer[0] == search_postings.BITMAP | search_postings.WEIGHTED and len(rarer) == 1 + 2 + 625 + 834
    for k in range(tier["buckets"]):
        for key, value in json.loads(files[f"b{k}.json"]).items():
            assert bucket_of(key, tier["buckets"]) == k
            assert (value == 0) == (own_file(key) in files)
            if value:
                assert len(__import__("base64").b64decode(value)) <= OWN_FILE_BYTES


def test_search_finds_exactly_the_pages_matching_every_word(tmp_path):
    root = write_index(tmp_path, CORPUS)
    for query in (
        "医共体",
        "邯郸",
        "医共体 邯郸",
        "DRG",
        "ｄｒｇ 改革",
        "共体",
        "医",
        "不存在",
        "卫健委",
        "医保局",
    ):
        expected = expected_urls(CORPUS, query)
        total, hits = search_files(root, query)
        assert set(urls(hits)) == expected and total == len(expected), query
    assert urls(search_files(root, "医共体 邯郸")[1]) == [CORPUS[0].url]
    assert urls(search_files(root, "医疗 共体")[1]) == [CORPUS[5].url]
    # 卫健委 finds the page that names 卫生健康委员会, 医保局 the one that names 医疗保障局.
    assert urls(search_files(root, "卫健委")[1]) == [CORPUS[6].url]
    assert urls(search_files(root, "医保局")[1]) == [CORPUS[3].url]
    # 医共体 finds the page that names 医疗共同体 too; 县域医共体 (or 县域医疗共同体) is on none.
    assert CORPUS[5].url in urls(search_files(root, "医共体")[1]) and search_files(root, "医共体")[0] == 4
    assert search_files(root, "县域医共体")[0] == 0
    assert search_files(root, "医疗共同体") == search_files(root, "医共体")


def test_a_title_match_ranks_above_one_mention_in_a_long_body(tmp_path):
    root = write_index(tmp_path, CORPUS)
    hits = search_files(root, "医共体")[1]
    assert hits[0].url == CORPUS[0].url  # in the title and the body
    assert hits[-1].url == CORPUS[4].url  # once, in a long body
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score > hits[-1].score > 0


def test_filters_by_region_topic_and_date_and_sort_by_date(tmp_path):
    root = write_index(tmp_path, CORPUS)
    assert urls(search_files(root, "医共体", Filters(region="130000"))[1]) == [CORPUS[0].url]
    assert urls(search_files(root, "", Filters(region="130400"), sort="date")[1]) == [
        CORPUS[2].url,
        CORPUS[0].url,
    ]
    assert urls(search_files(root, "", Filters(region="130000"), sort="date")[1]) == [
        CORPUS[6].url, CORPUS[2].url, CORPUS[0].url,
    ]  # fmt: skip
    assert urls(search_files(root, "", Filters(topic="county_medical_community"), sort="date")[1]) == [
        CORPUS[1].url, CORPUS[0].url,
    ]  # fmt: skip
    assert search_files(root, "医共体", Filters(topic="medical_alliance")) == (0, [])
    feb = Filters(date_from="2024-02-01", date_to="2024-02-29")
    assert urls(search_files(root, "", feb, sort="date")[1]) == [CORPUS[3].url, CORPUS[2].url]
    assert urls(search_files(root, "改革", Filters(date_from="2024-03-02"))[1]) == [CORPUS[6].url]
    assert urls(search_files(root, "医共体", Filters(date_to="2024-01-05"), sort="date")[1]) == [
        CORPUS[1].url, CORPUS[0].url,
    ]  # fmt: skip
    assert search_files(root, "", Filters(date_from="2025-01-01")) == (0, [])
    both = Filters(region="410000", date_from="2024-03-02")
    assert urls(search_files(root, "", both)[1]) == [CORPUS[5].url]
    # Date order: newest first whatever the scores.
    total, hits = search_files(root, "医共体", sort="date")
    assert urls(hits) == [CORPUS[5].url, CORPUS[4].url, CORPUS[1].url, CORPUS[0].url]
    assert search_files(root, "") == (0, [])  # no words, no filter: nothing


def test_two_tiers_find_what_one_tier_finds(tmp_path, monkeypatch):
    one = write_index(tmp_path / "one", CORPUS)
    monkeypatch.setattr(search_index, "MIN_UNIT", 2)
    monkeypatch.setattr(search_index, "TAIL_SHARE", 4)
    two = write_index(tmp_path / "two", CORPUS)
    tiers = json.loads((two / INDEX_DIR / "index.json").read_text("utf-8"))["tiers"]
    assert [(t["start"], t["pages"]) for t in tiers] == [(0, 6), (6, 1)]
    for query in ("医共体", "邯郸", "改革", "drg", "医共体 邯郸", "会议", "卫健委", "不存在"):
        for sort in ("relevance", "date"):
            assert search_files(one, query, sort=sort) == search_files(two, query, sort=sort), (query, sort)
    assert search_files(one, "", Filters(region="130000")) == search_files(two, "", Filters(region="130000"))


def test_exact_ties_put_the_newer_page_first(tmp_path):
    same = ("医共体建设", "县域医共体建设。")
    older, newer = doc(1, *same), doc(2, *same)
    hits = search_files(write_index(tmp_path, [older, newer]), "医共体")[1]
    assert urls(hits) == [newer.url, older.url] and hits[0].score == hits[1].score


def test_an_empty_index_finds_nothing(tmp_path):
    root = write_index(tmp_path, [])
    assert json.loads((root / INDEX_DIR / "index.json").read_text("utf-8"))["tiers"] == []
    assert search_files(root, "医共体") == (0, [])


def test_pages_out_of_date_order_are_refused(tmp_path):
    with pytest.raises(ValueError, match="out of date order"):
        write_index(tmp_path, [CORPUS[2], CORPUS[0]])


def test_the_filter_lists_come_from_the_division_table_and_the_taxonomy(tmp_path):
    root = write_index(tmp_path, CORPUS)
    facets = json.loads((root / INDEX_DIR / "facets.json").read_text("utf-8"))
    assert ["000000", "全国", ""] in facets["regions"] and ["410000", "河南省", ""] in facets["regions"]
    assert ["county_medical_community", "县域医共体"] in facets["topics"]
    henan = json.loads((root / INDEX_DIR / "regions" / "410000.json").read_text("utf-8"))
    assert ["410100", "郑州市", "410000"] in henan and all(row[0].startswith("41") for row in henan)


# --- the index as build_site makes it ----------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_NOT_INDEXED = {"article-meta", "copies"}  # the meta list and the "also carried by" copies


class _IndexedText(HTMLParser):
    """The text of a page's ``<article>`` without its meta list and copies: what the index takes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "article" and not self.stack:
            self.stack.append(False)
            return
        if not self.stack or tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append(self.stack[-1] or bool(classes & _NOT_INDEXED))
        self._in_title = tag == "h1"

    def handle_endtag(self, tag):
        if self.stack and tag not in _VOID:
            self.stack.pop()
        self._in_title = False

    def handle_data(self, data):
        if self.stack and not self.stack[-1]:
            self.parts.append(data)
            if self._in_title:
                self.title += data


def indexed_text(page: Path) -> tuple[str, str]:
    parser = _IndexedText()
    parser.feed(page.read_text("utf-8"))
    parser.close()
    return parser.title.strip(), "".join(parser.parts)


def _hit_id(hit) -> str:
    return hit.url[len("article/") : -len(".html")]


def _tiers(out: Path) -> list[dict]:
    return json.loads((out / INDEX_DIR / "index.json").read_text("utf-8"))["tiers"]


def _tier_files(out: Path) -> dict[str, tuple[bytes, int, int]]:
    return {k: v for k, v in snapshot(out).items() if k.startswith(f"{INDEX_DIR}/t")}


@pytest.fixture
def small_tiers(monkeypatch):
    monkeypatch.setattr(search_index, "MIN_UNIT", 4)
    monkeypatch.setattr(search_index, "TAIL_SHARE", 2)


def test_the_built_index_finds_exactly_the_pages_that_mention_the_query(store, settings):
    build_site(store, settings)
    out = settings.output_dir
    ids = sorted(p.stem for p in (out / "article").glob("*.html"))
    assert set(ids) == PUBLISHED
    pages = {i: indexed_text(out / "article" / f"{i}.html") for i in ids}
    for query in ("医共体", "魏县 医共体", "城市医疗集团", "实施方案全文", "不存在的词"):
        expected = {i for i, (_title, text) in pages.items() if all(w in text for w in query.split())}
        total, hits = search_files(out, query, limit=100)
        assert {_hit_id(h) for h in hits} == expected and total == len(expected), query
        for hit in hits:
            assert hit.title == pages[_hit_id(hit)][0] and (out / hit.url).is_file()
    hostile = [h for h in search_files(out, "script alert")[1] if h.title == HOSTILE_TITLE]
    assert [_hit_id(h) for h in hostile] == ["00000000000000aa"]
    # The meta list and the syndicated copies are not indexed (a copy must not change the index).
    assert search_files(out, "另一新闻网")[0] == 0 and search_files(out, "张三")[0] == 0
    # A province filter finds the stories of its cities and counties too (魏县 is in 邯郸市, 河北省).
    hebei = {_hit_id(h) for h in search_files(out, "", Filters(region="130000"), limit=100)[1]}
    wei = {_hit_id(h) for h in search_files(out, "", Filters(region="130434"), limit=100)[1]}
    assert wei and wei < hebei
    assert {i for i in wei if "魏县" in pages[i][1]} == wei


def test_only_the_tail_tier_is_written_again_for_a_newer_story(store, tmp_path, caplog, small_tiers):
    settings = make_settings(tmp_path / "site" / "output")
    out = settings.output_dir
    build_site(store, settings)
    tiers = _tiers(out)
    assert [(t["start"], t["pages"]) for t in tiers] == [(0, 8), (8, len(PUBLISHED) - 8)]
    before = _tier_files(out)
    base = f"{INDEX_DIR}/{tiers[0]['name']}/"

    save_newest_article(store)
    with caplog.at_level(logging.INFO, logger="site_builder.search_index"):
        build_site(store, settings)
    assert f"{len(PUBLISHED) + 1} pages in 2 tiers, 1 indexed" in caplog.text
    after = _tier_files(out)
    assert _tiers(out)[0] == tiers[0]
    for path, (data, mtime, inode) in before.items():
        if path.startswith(base):  # the same file: bytes, mtime and inode
            assert after[path] == (data, mtime, inode), path
    total, hits = search_files(out, "信息化")
    assert total == 1 and hits[0].title == "某市推进紧密型县域医共体信息化建设"

    # A new syndicated copy of an old story changes its page, not one file of the index.
    before = snapshot(out)
    original = min(PUBLISHED)
    save_syndicated_copy(store, original)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="site_builder.search_index"):
        report = build_site(store, settings)
    assert report.published and "2 tiers, 0 indexed" in caplog.text
    after = snapshot(out)
    search = {p for p in set(before) | set(after) if p.startswith(f"{INDEX_DIR}/")}
    assert search and all(before.get(p) == after.get(p) for p in search)


@pytest.mark.parametrize("spare", [True, False])
def test_a_kept_tier_missing_a_file_is_indexed_again(store, tmp_path, caplog, small_tiers, spare):
    settings = make_settings(tmp_path / "site" / "output")
    out = settings.output_dir
    build_site(store, settings)
    if spare:
        build_site(store, settings)  # now the previous generation is kept as the next staging tree
    complete = {k: v[0] for k, v in _tier_files(out).items()}
    expected = search_files(out, "医共体")
    victim = f"{INDEX_DIR}/{_tiers(out)[0]['name']}/d0.json"
    for tree in (out, out.parent / f".{out.name}.spare"):
        if (tree / victim).exists():
            os.unlink(tree / victim)
    with caplog.at_level(logging.INFO, logger="site_builder.search_index"):
        build_site(store, settings)
    assert "2 tiers, 1 indexed" in caplog.text
    assert {k: v[0] for k, v in _tier_files(out).items()} == complete
    assert search_files(out, "医共体") == expected


def test_the_same_store_builds_byte_identical_indexes(store, tmp_path, small_tiers):
    trees = []
    for where in ("a", "b/elsewhere"):
        out = tmp_path / where / "output"
        build_site(store, make_settings(out))
        trees.append({k: v[0] for k, v in snapshot(out).items() if k.startswith(f"{INDEX_DIR}/")})
    assert trees[0] == trees[1] and f"{INDEX_DIR}/index.json" in trees[0]


def test_a_retired_search_setting_is_ignored_with_a_warning(tmp_path, caplog):
    config = tmp_path / "yigai.toml"
    config.write_text('[site]\nsearch_engine = "pagefind"\nsearch_shard_size = 3\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="yigai.config"):
        site = load_settings(config).section("site")
    assert "search_engine" not in site and "search_shard_size" not in site
    assert "'site.search_engine' is ignored" in caplog.text and "Pagefind was removed" in caplog.text
