"""The site's own n-gram search index (``site_builder.ngram_index``): its tokens and hash, the segment files and
the reader that searches them the way ``static/search.js`` does, and the index as ``build_site`` makes it —
what it finds, which segments a build writes again, recovery from a missing file, determinism. (The browser
side: tests/browser/test_search_shards_in_browser.py.)"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_settings
from site_checks import snapshot
from site_fixtures import (
    HOSTILE_TITLE,
    sample_records,
    save_newest_article,
    save_syndicated_copy,
)

import site_builder.ngram_index as ngram
from site_builder import build_site
from site_builder.ngram_index import (
    DOC_CHUNK,
    INDEX_DIR,
    INDEX_FILE,
    SearchDoc,
    bucket_count,
    bucket_of,
    index_list,
    index_tokens,
    query_forms,
    query_tokens,
    search_files,
    segment_files,
)
from yigai.config import ConfigError, load_settings

PUBLISHED = {r["id"] for r in sample_records().values() if r["is_original"] and r["relevant"]}

# --- tokens -------------------------------------------------------------------------------------------------


def test_han_runs_give_their_characters_and_neighbour_pairs():
    assert index_tokens("医共体") == Counter({"医": 1, "共": 1, "体": 1, "医共": 1, "共体": 1})
    assert index_tokens("医医医") == Counter({"医": 3, "医医": 2})  # counts, for the term frequency
    assert index_tokens("医") == Counter({"医": 1})
    assert index_tokens("") == Counter()


def test_ascii_runs_are_lower_cased_tokens_after_nfkc():
    assert index_tokens("DRG") == Counter({"drg": 1})
    assert index_tokens("ＤＲＧ") == Counter({"drg": 1})  # full-width letters: NFKC
    assert index_tokens("Covid19 covid19") == Counter({"covid19": 2})
    # An ASCII run and a Han run next to each other are separate runs: no mixed pair.
    assert index_tokens("DIP付费") == Counter({"dip": 1, "付": 1, "费": 1, "付费": 1})


def test_punctuation_and_spaces_split_runs():
    tokens = index_tokens("医保，改革 试点。DIP-2.0")
    assert "保改" not in tokens and "革试" not in tokens
    assert {"医保", "改革", "试点", "dip", "2", "0"} <= set(tokens)
    assert not [t for t in tokens if not t.isalnum()]
    assert index_tokens("，。！<script>") == Counter({"script": 1})


def test_a_traditional_query_is_also_looked_up_in_its_simplified_form():
    assert query_forms("醫共體") == [["醫共", "共體"], ["医共", "共体"]]
    assert query_forms("医共体") == [["医共", "共体"]]  # nothing to convert: one form
    assert query_forms("分級診療")[1] == query_tokens("分级诊疗")
    assert query_forms("ＤＲＧ付費") == [["drg", "付費"], ["drg", "付费"]]
    assert query_forms("著名")[0] == ["著名"]  # as typed first: 著 is a Simplified character too
    assert query_forms("，。") == []


def test_the_traditional_table_is_what_the_installed_opencc_makes():
    """templates/static/t2s.json is generated (python -m site_builder.t2s): it must match OpenCC, and hold
    only pairs of characters the search tokenises (one UTF-16 unit each, as search.js reads them)."""
    from site_builder.t2s import T2S_PATH, _is_han, t2s_file_text, t2s_pairs

    pairs = t2s_pairs()
    assert T2S_PATH.read_text("utf-8") == t2s_file_text(pairs), "regenerate: python -m site_builder.t2s"
    assert len(pairs) % 2 == 0 and len(pairs) > 4000 and all(map(_is_han, pairs))
    assert ("醫医" in pairs) and ("療疗" in pairs)


def test_query_tokens_are_the_bigrams_of_each_word_distinct_in_order():
    assert query_tokens("医共体") == ["医共", "共体"]
    assert query_tokens("医") == ["医"]
    assert query_tokens("医共体 邯郸") == ["医共", "共体", "邯郸"]
    assert query_tokens("ＤＲＧ付费") == ["drg", "付费"]
    assert query_tokens("医共体 医共体，共体") == ["医共", "共体"]
    assert query_tokens("医医医") == ["医医"]
    assert query_tokens("  ，。 ") == []
    # Every query token of a text is one of the text's index tokens: a page always finds itself.
    text = "县域医共体建设DRG改革，魏县"
    assert set(query_tokens(text)) <= set(index_tokens(text))


# --- the hash -----------------------------------------------------------------------------------------------

FNV1A_A = 0xE40C292C  # FNV-1a 32 bit of "a" (the published test vectors)
FNV1A_FOOBAR = 0xBF9CF968  # … of "foobar"
FNV1A_EMPTY = 0x811C9DC5  # … of "": the offset basis


@pytest.mark.parametrize("k", range(13))
def test_bucket_of_is_fnv1a_modulo_a_power_of_two(k):
    mask = (1 << k) - 1
    assert bucket_of("a", 1 << k) == FNV1A_A & mask
    assert bucket_of("foobar", 1 << k) == FNV1A_FOOBAR & mask
    assert bucket_of("", 1 << k) == FNV1A_EMPTY & mask


def test_bucket_of_with_2_to_the_32_buckets_is_the_whole_hash():
    assert bucket_of("a", 1 << 32) == FNV1A_A
    assert bucket_of("foobar", 1 << 32) == FNV1A_FOOBAR
    # A Han character is one UTF-16 code unit: hashed as that unit (the same as in static/search.js).
    h = FNV1A_EMPTY
    for unit in (ord("医"), ord("共")):
        h = ((h ^ unit) * 0x01000193) & 0xFFFFFFFF
    assert bucket_of("医共", 1 << 32) == h


def test_bucket_count_grows_in_powers_of_two_with_the_postings():
    per = ngram._BUCKET_POSTINGS
    assert bucket_count(0) == bucket_count(1) == bucket_count(per) == 1
    assert bucket_count(per + 1) == bucket_count(2 * per) == 2
    assert bucket_count(2 * per + 1) == 4
    assert bucket_count(100 * per) == 128
    counts = [bucket_count(n) for n in range(0, 40 * per, per // 3)]
    assert all(c & (c - 1) == 0 for c in counts)  # powers of two
    assert counts == sorted(counts)  # never fewer for more postings
    assert bucket_count(10**12) == ngram._MAX_BUCKETS  # capped


# --- segment files and the reader ---------------------------------------------------------------------------


def doc(n: int, title: str, text: str, *, place: str = "", date: str = "2024-03-01") -> SearchDoc:
    return SearchDoc(f"article/{n:016x}.html", title, date, place, text)


def write_index(root: Path, segments: list[list[SearchDoc]]) -> Path:
    """Write the segments (oldest first) and search/index.json under ``root`` as a build would."""
    sizes = []
    for number, docs in enumerate(segments, 1):
        name = f"s{number:04d}"
        files = segment_files(docs)
        folder = root / INDEX_DIR / name
        folder.mkdir(parents=True)
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        sizes.append((name, len(docs), sum(1 for f in files if f.startswith("b"))))
    rel, data = index_list(sizes)
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    return root


def urls(hits) -> list[str]:
    return [h.url for h in hits]


FILLER = "会议听取了各地工作进展情况汇报并研究部署下一阶段重点任务要求各单位认真落实"

CORPUS = [
    doc(1, "邯郸市推进医共体建设", "魏县县医院牵头组建医共体。", place="河北省 · 邯郸市"),
    doc(2, "浙江德清经验", "德清县医共体改革经验获推广。", place="浙江省 · 湖州市"),
    doc(3, "邯郸市召开会议", "邯郸市城市医疗集团建设。", place="河北省 · 邯郸市"),
    doc(4, "医保支付方式改革", "推进DRG付费改革。", place="全国"),
    doc(5, "基层卫生", FILLER * 3 + "医共体" + FILLER * 3),
    doc(6, "分级诊疗", "医疗共同体与共体医疗不是同一个词。"),  # 医疗…共体: no 医共 pair
    doc(7, "ＤＲＧ改革", "按病组付费。"),
]


def test_segment_files_are_buckets_and_doc_chunks_and_deterministic():
    files = segment_files(CORPUS)
    assert sorted(files) == ["b0.json", "d0.json"]  # a small segment: one bucket, one chunk
    assert segment_files(list(CORPUS)) == files  # a pure function of the pages in order
    chunk = json.loads(files["d0.json"])
    assert chunk == [[d.url, d.title, d.date, d.place] for d in CORPUS]
    bucket = json.loads(files["b0.json"])
    # A posting list is [doc gap, weight, …]: 医共体 is in docs 0, 1 and 4.
    values = bucket["医共"]
    docs, at = [], 0
    for i in range(0, len(values), 2):
        at += values[i]
        docs.append(at)
        assert isinstance(values[i + 1], int) and values[i + 1] >= 1
    assert docs == [0, 1, 4]
    assert "drg" in bucket and bucket["drg"][0] == 3  # doc 3 (body) and doc 6 (full-width title)
    assert files["b0.json"].endswith(b"\n") and b" " not in files["b0.json"]  # fixed separators
    # Another order of the same pages is another numbering: other bytes.
    assert segment_files(CORPUS[::-1]) != files


def test_doc_chunks_hold_chunk_size_pages_and_buckets_split_by_hash():
    # Pages with many distinct tokens, so the segment needs more than one bucket file.
    han = [chr(0x4E00 + i) for i in range(4000)]
    docs = [doc(n, f"第{n}号", "".join(han[(n * 37 + i * 11) % 4000] for i in range(40))) for n in range(250)]
    files = segment_files(docs)
    chunks = sorted(f for f in files if f.startswith("d"))
    assert chunks == ["d0.json", "d1.json", "d2.json"]
    assert [len(json.loads(files[c])) for c in chunks] == [DOC_CHUNK, DOC_CHUNK, 50]
    buckets = sorted((f for f in files if f.startswith("b")), key=lambda f: int(f[1:-5]))
    assert len(buckets) > 1 and len(buckets) & (len(buckets) - 1) == 0
    assert buckets == [f"b{k}.json" for k in range(len(buckets))]
    postings = sum(len(index_tokens(f"\n{d.text}") | index_tokens(d.title)) for d in docs)
    assert len(buckets) == bucket_count(postings)
    for k, name in enumerate(buckets):
        for token in json.loads(files[name]):
            assert bucket_of(token, len(buckets)) == k, (token, name)


def test_search_finds_exactly_the_pages_holding_every_query_token(tmp_path):
    root = write_index(tmp_path, [CORPUS])
    for query in ("医共体", "邯郸", "医共体 邯郸", "DRG", "ｄｒｇ 改革", "共体", "医", "不存在"):
        tokens = query_tokens(query)
        expected = {
            d.url for d in CORPUS if all(t in index_tokens(f"{d.place}\n{d.text}\n{d.title}") for t in tokens)
        }
        total, hits = search_files(root, query)
        assert set(urls(hits)) == expected, query
        assert total == len(hits) == len(expected), query
    # AND across words: the 邯郸 pages without 医共体 are not found, nor the 医共体 pages without 邯郸.
    assert urls(search_files(root, "医共体 邯郸")[1]) == [CORPUS[0].url]
    assert urls(search_files(root, "医疗 共体")[1]) == [CORPUS[5].url]
    assert search_files(root, "，。") == (0, [])


def test_a_title_match_ranks_above_one_mention_in_a_long_body(tmp_path):
    root = write_index(tmp_path, [CORPUS])
    total, hits = search_files(root, "医共体")
    assert total == 3
    assert hits[0].url == CORPUS[0].url  # 医共体 in the title and the body
    assert hits[-1].url == CORPUS[4].url  # once, in a long body
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score > hits[-1].score > 0
    first = hits[0]
    assert (first.title, first.date, first.place) == (CORPUS[0].title, CORPUS[0].date, CORPUS[0].place)


def test_the_limit_cuts_the_list_but_not_the_count(tmp_path):
    root = write_index(tmp_path, [CORPUS])
    total, hits = search_files(root, "医共体", limit=2)
    assert total == 3 and len(hits) == 2
    assert urls(hits) == urls(search_files(root, "医共体")[1])[:2]


def test_exact_ties_put_the_newer_page_first(tmp_path):
    same = ("医共体建设", "县域医共体建设。")
    older, newer = doc(1, *same), doc(2, *same)
    one = write_index(tmp_path / "one", [[older, newer]])
    hits = search_files(one, "医共体")[1]
    assert urls(hits) == [newer.url, older.url] and hits[0].score == hits[1].score
    # Across segments: the later segment is newer.
    two = write_index(tmp_path / "two", [[older], [newer]])
    hits = search_files(two, "医共体")[1]
    assert urls(hits) == [newer.url, older.url] and hits[0].score == hits[1].score


def test_several_segments_find_what_one_segment_finds(tmp_path):
    one = write_index(tmp_path / "one", [CORPUS])
    three = write_index(tmp_path / "three", [CORPUS[:3], CORPUS[3:6], CORPUS[6:]])
    index = json.loads((three / INDEX_DIR / INDEX_FILE).read_text("utf-8"))
    assert [(s["name"], s["docs"]) for s in index["segments"]] == [("s0001", 3), ("s0002", 3), ("s0003", 1)]
    assert index["chunk"] == DOC_CHUNK and index["format"] == ngram.FORMAT
    for query in ("医共体", "邯郸", "改革", "drg", "医共体 邯郸", "会议", "不存在"):
        total_one, hits_one = search_files(one, query)
        total_three, hits_three = search_files(three, query)
        assert total_one == total_three, query
        assert sorted(urls(hits_one)) == sorted(urls(hits_three)), query
    # Ranked over all segments: the title match of the oldest segment before the body match of a newer one.
    assert urls(search_files(three, "医共体")[1]) == urls(search_files(one, "医共体")[1])
    assert search_files(three, "医共体")[1][0].url == CORPUS[0].url


def test_an_index_without_segments_finds_nothing(tmp_path):
    root = write_index(tmp_path, [])
    assert json.loads((root / INDEX_DIR / INDEX_FILE).read_text("utf-8"))["segments"] == []
    assert search_files(root, "医共体") == (0, [])


# --- the index as build_site makes it -----------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _IndexedText(HTMLParser):
    """The text of a page's ``<article>`` without its ``data-pagefind-ignore`` parts (the meta list, the
    syndicated copies): what the search index takes from the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element inside <article>: is it ignored
        self.parts: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "article" and not self.stack:
            self.stack.append(False)
            return
        if not self.stack or tag in _VOID:
            return
        self.stack.append(self.stack[-1] or "data-pagefind-ignore" in names)
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
    """(title, indexed text) of a built article page."""
    parser = _IndexedText()
    parser.feed(page.read_text("utf-8"))
    parser.close()
    return parser.title.strip(), "".join(parser.parts)


def _article_ids(out: Path) -> list[str]:
    return sorted(p.stem for p in (out / "article").glob("*.html"))


def _hit_id(hit) -> str:
    assert hit.url.startswith("article/") and hit.url.endswith(".html"), hit.url
    return hit.url[len("article/") : -len(".html")]


def _segments(out: Path) -> list[dict]:
    return json.loads((out / INDEX_DIR / INDEX_FILE).read_text("utf-8"))["segments"]


def _segment_files(out: Path) -> dict[str, tuple[bytes, int, int]]:
    return {k: v for k, v in snapshot(out).items() if k.startswith(f"{INDEX_DIR}/s")}


def test_the_built_index_finds_exactly_the_pages_that_mention_the_query(store, settings):
    build_site(store, settings)
    out = settings.output_dir
    ids = _article_ids(out)
    assert set(ids) == PUBLISHED
    pages = {i: indexed_text(out / "article" / f"{i}.html") for i in ids}
    for query in ("医共体", "魏县 医共体", "城市医疗集团", "实施方案全文", "不存在的词"):
        words = query.split()
        expected = {i for i, (_title, text) in pages.items() if all(w in text for w in words)}
        total, hits = search_files(out, query)
        assert {_hit_id(h) for h in hits} == expected, query
        assert total == len(hits) == len(expected), query
        for hit in hits:
            assert hit.title == pages[_hit_id(hit)][0]  # the page's own title, as text
            assert (out / hit.url).is_file()
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(search_files(out, "医共体")[1]) >= 4
    # The hostile title is data: found by its ASCII words, returned as the very same text.
    hostile = [h for h in search_files(out, "script alert")[1] if h.title == HOSTILE_TITLE]
    assert [_hit_id(h) for h in hostile] == ["00000000000000aa"]
    # The meta list and the syndicated copies are not indexed (a copy must not change the index).
    assert search_files(out, "另一新闻网")[0] == 0 and search_files(out, "张三")[0] == 0


def test_only_the_newest_segment_is_written_again_for_a_newer_story(store, tmp_path, caplog):
    settings = make_settings(tmp_path / "site" / "output", search_shard_size=3)
    out = settings.output_dir
    build_site(store, settings)
    segments = _segments(out)
    assert [s["docs"] for s in segments] == [3, 3, 3, len(PUBLISHED) - 9]
    assert [s["name"] for s in segments] == ["s0001", "s0002", "s0003", "s0004"]
    before = _segment_files(out)
    newest = segments[-1]["name"]

    save_newest_article(store)  # it goes into the last segment
    with caplog.at_level(logging.INFO, logger="site_builder.ngram_index"):
        build_site(store, settings)
    assert "search: 4 segments, 1 indexed, 3 kept" in caplog.text
    after = _segment_files(out)
    assert [s["docs"] for s in _segments(out)] == [3, 3, 3, len(PUBLISHED) - 8]
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed and all(p.startswith(f"{INDEX_DIR}/{newest}/") for p in changed), changed
    for path, (data, mtime, inode) in before.items():
        if not path.startswith(f"{INDEX_DIR}/{newest}/"):  # the same file: bytes, mtime and inode
            assert after[path] == (data, mtime, inode), path
    total, hits = search_files(out, "信息化")
    assert total == 1 and hits[0].title == "某市推进紧密型县域医共体信息化建设"

    # A new syndicated copy of an old story changes its page, not one file of the index.
    before = snapshot(out)
    original = min(PUBLISHED)
    save_syndicated_copy(store, original)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="site_builder.ngram_index"):
        report = build_site(store, settings)
    assert report.published and "1 indexed" not in caplog.text and ", 0 indexed, 4 kept" in caplog.text
    after = snapshot(out)
    assert "另一家转载网站" in (out / "article" / f"{original}.html").read_text("utf-8")
    search = {p for p in set(before) | set(after) if p.startswith(f"{INDEX_DIR}/")}
    assert search and all(before.get(p) == after.get(p) for p in search)


def test_a_kept_segment_missing_a_file_is_indexed_again(store, tmp_path, caplog):
    settings = make_settings(tmp_path / "site" / "output", search_shard_size=3)
    out = settings.output_dir
    build_site(store, settings)
    build_site(store, settings)  # now the previous generation is kept as the next staging tree
    spare = out.parent / f".{out.name}.spare"
    assert (spare / INDEX_DIR / "s0002" / "b0.json").is_file()
    complete = {k: v[0] for k, v in _segment_files(out).items()}
    expected = search_files(out, "医共体")
    victim = f"{INDEX_DIR}/s0002/b0.json"
    os.unlink(out / victim)
    os.unlink(spare / victim)

    with caplog.at_level(logging.WARNING, logger="site_builder.ngram_index"):
        build_site(store, settings)
    assert "segment s0002 is incomplete; indexing it again" in caplog.text
    assert (out / victim).read_bytes() == complete[victim]
    assert {k: v[0] for k, v in _segment_files(out).items()} == complete
    assert search_files(out, "医共体") == expected


def test_a_published_segment_missing_a_chunk_is_indexed_again_without_a_spare_tree(store, tmp_path, caplog):
    settings = make_settings(tmp_path / "site" / "output", search_shard_size=3)
    out = settings.output_dir
    build_site(store, settings)
    complete = {k: v[0] for k, v in _segment_files(out).items()}
    expected = search_files(out, "医共体")
    assert not (out.parent / f".{out.name}.spare").exists()  # one build: the staging tree is a fresh one
    victim = f"{INDEX_DIR}/s0001/d0.json"  # after the segment's bucket file in name order
    os.unlink(out / victim)

    with caplog.at_level(logging.WARNING, logger="site_builder.ngram_index"):
        build_site(store, settings)
    assert "segment s0001 is incomplete; indexing it again" in caplog.text
    assert {k: v[0] for k, v in _segment_files(out).items()} == complete
    assert search_files(out, "医共体") == expected


def test_the_same_store_builds_byte_identical_indexes(store, tmp_path):
    trees = []
    for where in ("a", "b/elsewhere"):
        out = tmp_path / where / "output"
        build_site(store, make_settings(out, search_shard_size=3))
        trees.append({k: v[0] for k, v in snapshot(out).items() if k.startswith(f"{INDEX_DIR}/")})
    assert trees[0] == trees[1]
    assert f"{INDEX_DIR}/{INDEX_FILE}" in trees[0] and len(trees[0]) == 1 + 2 * 4  # index + (b0, d0) × 4


def test_the_search_engine_setting_is_gone():
    # One search engine: a settings file still choosing one is told so, not silently obeyed.
    assert "search_engine" not in load_settings(overrides={"site": {}}).section("site")
    with pytest.raises(ConfigError, match=r"unknown setting 'site\.search_engine'"):
        load_settings(overrides={"site": {"search_engine": "pagefind"}})
