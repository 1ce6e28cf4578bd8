"""End-to-end tests of build_site over a store of synthetic articles."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from conftest import make_settings
from site_checks import broken_links, parse_html, snapshot
from site_fixtures import HOSTILE_TITLE, make_record, sample_records

import site_builder.build
import site_builder.feeds
from site_builder import build_site
from site_builder.writer import MANIFEST_NAME, content_digest, read_manifest
from tests.support.search_reader import search_files
from yigai.store import SourceStats

RECS = sample_records()
PUBLISHED = {k: r for k, r in RECS.items() if r["is_original"] and r["relevant"]}
ID = {k: r["id"] for k, r in RECS.items()}


def _date(rec: dict) -> datetime:
    return datetime.fromisoformat(rec["published"] or rec["extracted_at"])


def _codes(rec: dict) -> set[str]:
    """Region codes a record belongs to, with ancestors (as the fixture regions name them)."""
    codes = set()
    for r in json.loads(rec["regions_json"]):
        if r["national"]:
            continue
        code = r["code"]
        codes.add(code[:2] + "0000")
        if r["city"]:
            codes.add(code[:4] + "00")
        codes.add(code)
    return codes


def _expected_regions() -> set[str]:
    return set().union(*(_codes(r) for r in PUBLISHED.values()))


def _expected_topics() -> set[str]:
    return {
        t["id"]
        for r in PUBLISHED.values()
        for t in json.loads(r["topics_json"])
        if re.match(r"^[a-z0-9_]+$", t["id"])
    }


def _list_links(out: Path, directory: str) -> list[str]:
    """Article ids linked from every page of a paginated list, in page order (newest first: the first page,
    then the numbered pages from the highest number down — page 1 holds the oldest stories)."""
    pages = (
        [out / directory / "index.html"]
        + sorted((out / directory / "page").glob("*.html"), key=lambda p: -int(p.stem))
        if (out / directory / "page").is_dir()
        else [out / directory / "index.html"]
    )
    ids = []
    for page in pages:
        for m in re.finditer(
            r'class="story-title" href="[./]*article/([0-9a-f]{16})\.html"', page.read_text("utf-8")
        ):
            ids.append(m.group(1))
    return ids


@pytest.fixture
def built(store, settings):
    report = build_site(store, settings)
    return settings.output_dir, report


def test_every_page_and_feed_exists(built):
    out, report = built
    expected = [
        "index.html",
        "national/index.html",
        "archive/index.html",
        "about.html",
        "search.html",
        "search/index.json",
        "search/facets.json",
        "search/regions/130000.json",
        "static/synonyms.json",
        "sitemap.xml",
        "robots.txt",
        "opml.xml",
        "static/style.css",
        "static/search.js",
        "feeds/all.rss.xml",
        "feeds/all.atom.xml",
        "feeds/national.rss.xml",
        "feeds/national.atom.xml",
    ]
    for code in _expected_regions():
        expected += [
            f"region/{code}/index.html",
            f"feeds/region/{code}.rss.xml",
            f"feeds/region/{code}.atom.xml",
        ]
    for tid in _expected_topics():
        expected += [f"topic/{tid}/index.html", f"feeds/topic/{tid}.rss.xml", f"feeds/topic/{tid}.atom.xml"]
    for rec in PUBLISHED.values():
        expected += [f"article/{rec['id']}.html", f"archive/{_date(rec).strftime('%Y-%m')}/index.html"]
    missing = [p for p in expected if not (out / p).is_file()]
    assert not missing
    # Only originals get a page; copies and off-topic rows do not.
    for key in ("copy1", "copy2", "offtopic"):
        assert not (out / f"article/{ID[key]}.html").exists()
    assert len(list((out / "article").glob("*.html"))) == len(PUBLISHED)
    assert not (out / "region").joinpath("000000").exists()
    files = [p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    assert report.files_total == len(files) == report.pages_written
    # The build manifest lists every file with the key it was made from and the digest of its bytes.
    manifest = read_manifest(out)
    assert set(manifest) == {p.relative_to(out).as_posix() for p in files}
    assert all(digest == content_digest(p.read_bytes()) for p in files for digest in [manifest[p.relative_to(out).as_posix()][1]])
    assert report.files_unchanged == 0
    assert report.feeds == len(list((out / "feeds").rglob("*.xml")))


def test_links_resolve_and_are_relative(built):
    out, _ = built
    assert broken_links(out) == []


def test_pages_are_accessible_html(built):
    out, _ = built
    for path in sorted(out.rglob("*.html")):
        page = parse_html(path)
        where = path.relative_to(out)
        assert page.html_lang == "zh-CN", where
        assert {"header", "nav", "main", "footer"} <= page.tags, where
        assert page.headings.count(1) == 1, where
        assert page.headings[0] == 1, where
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, f"{where}: heading h{before} → h{after}"
        assert "main" in page.ids, where
        html = path.read_text("utf-8")
        assert 'rel="alternate" type="application/rss+xml"' in html, where
        assert 'rel="alternate" type="application/atom+xml"' in html, where


def test_pagination_covers_every_story_once_newest_first(built):
    out, _ = built
    ids = _list_links(out, "")
    assert (out / "page" / "1.html").is_file()
    expected = [r["id"] for r in sorted(PUBLISHED.values(), key=lambda r: (-_date(r).timestamp(), r["id"]))]
    assert ids == expected
    # Numbered from the oldest: page 1 holds exactly the `page_size` oldest stories, the first page the rest
    # of the newest full chunk and everything newer.
    size = 4  # the fixture's page_size
    oldest = re.findall(r'class="story-title" href="\.\./article/([0-9a-f]{16})\.html"', (out / "page/1.html").read_text())
    assert oldest == expected[-size:]
    numbered = len(list((out / "page").glob("*.html")))
    first = re.findall(r'class="story-title" href="article/([0-9a-f]{16})\.html"', (out / "index.html").read_text())
    assert first == expected[: len(expected) - size * numbered]
    assert size <= len(first) < 2 * size


def test_county_story_is_on_city_and_province_pages_and_feeds(built):
    out, _ = built
    county_id = ID["county"]
    for code in ("130434", "130400", "130000"):
        assert county_id in _list_links(out, f"region/{code}/"), code
        for kind in ("rss", "atom"):
            feed = feedparser.parse((out / f"feeds/region/{code}.{kind}.xml").read_bytes())
            assert f"urn:yigai:article:{county_id}" in [e.id for e in feed.entries], (code, kind)
    # …and not on another province's page; the city page lists the county as a child region.
    assert county_id not in _list_links(out, "region/330000/")
    city = (out / "region/130400/index.html").read_text("utf-8")
    assert 'href="../../region/130434/index.html"' in city
    # A Beijing district hangs directly under the municipality.
    assert 'href="../../region/110101/index.html"' in (out / "region/110000/index.html").read_text("utf-8")
    assert ID["national"] in _list_links(out, "national/")
    assert ID["county"] not in _list_links(out, "national/")


def test_article_page_content(built):
    out, _ = built
    page = (out / f"article/{ID['province']}.html").read_text("utf-8")
    assert "冀卫医政〔2024〕3号" in page
    assert 'href="https://wsjkw.example.gov.cn/files/plan.pdf"' in page
    assert "恶意附件" in page  # a non-http attachment is shown as text, not as a link
    assert f'href="{RECS["province"]["url"]}"' in page
    assert page.count("<p>", page.index("article-body")) >= 2
    assert 'href="../topic/tiered_care/index.html"' in page
    syn = (out / f"article/{ID['syndicated']}.html").read_text("utf-8")
    assert "同时刊载于" in syn
    assert re.search(r'href="https://news.example.com/a/copy1.html"[^>]*>某新闻网</a>', syn)
    assert "另一新闻网" in syn
    national = (out / f"article/{ID['national']}.html").read_text("utf-8")
    assert 'type="application/rss+xml" title="全国（RSS）" href="../feeds/national.rss.xml"' in national
    undated = (out / f"article/{ID['undated']}.html").read_text("utf-8")
    assert "不详" in undated


def test_home_map_and_overview(store, settings):
    # The map counts back from the build date: the start of the store's latest run, here a day after the
    # newest story.
    newest = max(_date(r) for r in PUBLISHED.values())
    as_of = newest + timedelta(days=1)
    store.conn.execute("UPDATE runs SET started_at = ?", (as_of.isoformat(),))
    build_site(store, settings)
    out = settings.output_dir
    home = (out / "index.html").read_text("utf-8")
    tiles = re.findall(
        r'<g class="tile heat-(\d)[^"]*">\s*<title>([^：]+)：(?:近30天 (\d+) 篇|近30天无报道)[^<]*</title>', home
    )
    assert len(tiles) == 34
    assert {"香港", "澳门", "台湾", "新疆", "西藏"} <= {name for _h, name, _n in tiles}
    hebei_recent = sum(
        1 for r in PUBLISHED.values() if "130000" in _codes(r) and _date(r) > as_of - timedelta(days=30)
    )
    hebei = next(t for t in tiles if t[1] == "河北")
    assert int(hebei[2]) == hebei_recent and int(hebei[0]) >= 3
    sichuan = next(t for t in tiles if t[1] == "四川")  # only an old story: a page, but nothing recent
    assert sichuan[2] == "" and sichuan[0] == "0"
    assert 'href="region/510000/index.html"' in home
    assert 'href="region/230000/index.html"' not in home  # no stories, no page, no link
    assert "<script" not in home  # the map needs no JS


def test_feeds_parse_newest_first_with_stable_ids(built, store, settings):
    out, _ = built
    for path in sorted((out / "feeds").rglob("*.xml")):
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True), path
        kind = "digest" if path.name.startswith("digest.") else "article"  # the digest: an item a week
        for e in feed.entries:
            assert re.fullmatch(rf"urn:yigai:{kind}:([0-9a-f]{{16}}|\d{{4}}-W\d\d)", e.id)
            assert e.link.startswith(f"https://yigai.example.org/{kind}/")
            assert e.summary
        if feed.entries:
            # the feed's own date is its newest item's date (never the build time)
            assert feed.feed.updated_parsed == feed.entries[0].published_parsed, path
    all_rss = feedparser.parse((out / "feeds/all.rss.xml").read_bytes())
    assert len(all_rss.entries) == len(PUBLISHED)
    first = all_rss.entries[0]
    newest = max(PUBLISHED.values(), key=_date)
    assert first.id == f"urn:yigai:article:{newest['id']}"
    county = next(e for e in all_rss.entries if e.id.endswith(ID["county"]))
    assert "县医院与乡镇卫生院统一管理" in county.content[0].value
    ids_before = [e.id for e in all_rss.entries]
    build_site(store, settings)
    assert [e.id for e in feedparser.parse((out / "feeds/all.rss.xml").read_bytes()).entries] == ids_before


def test_feed_items_limit(store, tmp_path):
    settings = make_settings(tmp_path / "out", feed_items=3)
    build_site(store, settings)
    feed = feedparser.parse((tmp_path / "out/feeds/all.atom.xml").read_bytes())
    assert len(feed.entries) == 3
    newest3 = sorted(PUBLISHED.values(), key=lambda r: (-_date(r).timestamp(), r["id"]))[:3]
    assert [e.id for e in feed.entries] == [f"urn:yigai:article:{r['id']}" for r in newest3]


def test_feeds_lend_each_article_one_entry_and_give_the_same_bytes(store, settings, monkeypatch):
    """A story in several feeds gets one feed entry, added to each (made once: not once per feed), and every
    feed's bytes equal those made with fresh entries."""
    from site_builder.build import _recent_text_memo, load_context

    ctx = load_context(store, settings.section("site"), settings)
    with_text = _recent_text_memo(store)
    made: list[str] = []
    make_entry = site_builder.feeds._entry
    monkeypatch.setattr(
        site_builder.feeds, "_entry", lambda base, art, *rest: made.append(art.id) or make_entry(base, art, *rest)
    )
    shared = site_builder.feeds.FeedEntries()
    carried = 0
    for key, title, page, articles in site_builder.feeds.FeedsGenerator().feed_specs(ctx):
        full = [with_text(a) for a in articles[:50]]
        carried += len(full)
        lent = site_builder.feeds.render_feed(ctx, key, title, page, full, shared)
        assert lent == site_builder.feeds.render_feed(ctx, key, title, page, full), key
    assert carried > len(PUBLISHED)  # stories are in several feeds …
    assert len(made) == carried + len(set(made))  # … and got one lent entry each (the rest: fresh ones)
    assert len(set(made)) == len(PUBLISHED)


def test_hostile_content_is_inert(built):
    out, _ = built
    search_data = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.relative_to(out).parts[0] == "search" and path.suffix == ".json":
            search_data.append((path, data))  # data for static/search.js: checked below
            continue
        assert b"<script>alert" not in data, path
        assert b"javascript:" not in data, path
        assert b"<img" not in data, path
        if path.suffix == ".html":
            page = parse_html(path)
            assert page.event_attributes == [], path
            assert all(src.endswith(("static/search.js", "static/register.js")) for src in page.scripts), path
            assert all(not v.lower().startswith("javascript") for _t, _a, v in page.links), path
        if path.suffix == ".xml" and path.parent.name != "":
            for entry in feedparser.parse(data).entries:
                assert entry.link.startswith("https://")
    # The hostile text is still shown (escaped), not silently dropped.
    page = (out / f"article/{ID['hostile']}.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;县域医共体" in page
    assert "原文链接不可用" in page
    # A topic id that is not a safe file name creates no file anywhere.
    assert not any("etc" in p.parts for p in out.rglob("*"))
    # The search index is JSON data. Its postings hold only tokens (letters, digits, Han characters: no
    # markup); its doc chunks hold the titles as plain strings, which static/search.js shows with
    # textContent, never as HTML, and links that are the site's own article pages.
    assert len(search_data) >= 3
    titles = []
    for path, data in search_data:
        value = json.loads(data.decode("utf-8"))
        if path.name.startswith("b"):
            # tokens, synonym group keys s:<term>, the filter keys r:<division code> and t:<topic slug>
            han = r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
            tokens = rf"{han}|s:{han}|r:[0-9]{{6}}|t:[a-z_]+"
            assert all(re.fullmatch(tokens, t) for t in value), path
            assert all(v == 0 or re.fullmatch(r"[A-Za-z0-9+/]+=*", v) for v in value.values()), path
        elif path.name.startswith("d"):
            for url, title, _date, _place, _lead in value:
                assert re.fullmatch(r"article/[0-9a-f]{16}\.html", url) and (out / url).is_file(), url
                titles.append(title)
    assert HOSTILE_TITLE in titles  # as the text it is (not escaped twice, not dropped)
    script = (out / "static/search.js").read_text("utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script


def test_search_page_uses_the_sites_own_index(built):
    out, _ = built
    search = (out / "search.html").read_text("utf-8")
    assert 'data-index="search/index.json"' in search and 'type="search"' in search
    assert 'data-synonyms="static/synonyms.json"' in search and (out / "static/synonyms.json").is_file()
    assert not (out / "pagefind").exists() and "pagefind" not in search
    index = json.loads((out / "search/index.json").read_text("utf-8"))
    assert len(index["tiers"]) == 1 and index["tiers"][0]["start"] == 0  # a small site is one tier
    assert index["pages"] == index["tiers"][0]["pages"] == len(PUBLISHED)
    tier = index["tiers"][0]
    folder = out / "search" / tier["name"]
    assert tier["buckets"] >= 1
    assert sorted(p.name for p in folder.glob("b*.json")) == sorted(f"b{k}.json" for k in range(tier["buckets"]))
    # The doc chunks list every article page once, oldest first.
    listed = [
        row[0]
        for chunk in sorted(folder.glob("d*.json"), key=lambda p: int(p.stem[1:]))
        for row in json.loads(chunk.read_text("utf-8"))
    ]
    by_age = sorted(PUBLISHED.values(), key=lambda r: (_date(r).timestamp(), r["id"]))
    assert listed == [f"article/{r['id']}.html" for r in by_age]


def test_about_page_lists_sources_with_health(built):
    out, _ = built
    about = (out / "about.html").read_text("utf-8")
    assert "河北省卫生健康委员会" in about and "sample_hebei" in about
    assert "&lt;i&gt;未运行的来源&lt;/i&gt;" in about and "尚未运行" in about
    # the same health flags as `yigai status`, in Chinese: the failing source's errors by kind
    assert "抓取失败：http_404 1 次、超时 2 次" in about
    row = about[about.index("sample_hebei") :]
    row = row[: row.index("</tr>")]
    # its newest story (2024) is far older than the last run (now): flagged stale, exactly as `yigai status` does
    assert re.search(r"最新文章已 \d+ 天（上限 14 天）", row) and "正常" not in row
    assert not re.search(r"days old|failing|never crawled", about)  # no English for the site's readers
    assert "部分成功" in row and "partial" not in about


def test_about_page_built_mid_run_shows_the_last_finished_run_and_says_which_is_going_on(store, settings):
    """`yigai run` builds the site before its run ends: that run is shown as going on (true as the page is
    made), and each source's last run is the last finished one, with its final state."""
    running = store.start_run("run")
    store.save_source_stats(running, "sample_hebei", SourceStats(requests=3, pages_new=1))
    build_site(store, settings)
    about = (settings.output_dir / "about.html").read_text("utf-8")
    state = re.sub(r"\s+", " ", about[about.index('<p class="runs-state">') :].split("</p>")[0])
    assert "最近一次已完成的运行：第 1 次" in state and "结果：部分成功" in state
    assert f"第 {running} 次运行" in state and "正在进行中" in state
    row = about[about.index("sample_hebei") :]
    row = row[: row.index("</tr>")]
    assert "部分成功" in row and "进行中" not in row and "running" not in about
    store.finish_run(running, "ok", {})
    build_site(store, settings)
    about = (settings.output_dir / "about.html").read_text("utf-8")
    state = about[about.index('<p class="runs-state">') :].split("</p>")[0]
    assert f"最近一次已完成的运行：第 {running} 次" in state and "结果：成功" in state and "进行中" not in state
    row = about[about.index("sample_hebei") :]
    assert "成功" in row[: row.index("</tr>")]


def test_about_page_is_rendered_again_only_when_a_source_or_the_feeds_change(built, store, settings):
    from site_fixtures import SOURCES

    from yigai.config import Source

    out, _ = built
    before = snapshot(out)["about.html"]
    build_site(store, settings)
    assert snapshot(out)["about.html"] == before  # same sources, same health: neither rendered nor written
    store.upsert_sources([*SOURCES, Source(id="sample_new", name="新来源", list_urls=("https://x.example/",))])
    build_site(store, settings)
    about = (out / "about.html").read_text("utf-8")
    assert "新来源" in about and "sample_new" in about


def test_sitemap_opml_robots(built):
    out, _ = built
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    html_files = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert len(locs) == len(html_files)
    assert f"https://yigai.example.org/article/{ID['county']}.html" in locs
    assert "https://yigai.example.org/region/130000/" in locs
    opml = (out / "opml.xml").read_text("utf-8")
    for feed in (out / "feeds").rglob("*.rss.xml"):
        # Every feed but the region × topic pairs' (thousands on a real site: each is linked from its page).
        pair = "/topic/" in feed.relative_to(out).as_posix().removeprefix("feeds/topic/")
        assert (f'xmlUrl="https://yigai.example.org/{feed.relative_to(out).as_posix()}"' in opml) != pair
    assert "Sitemap: https://yigai.example.org/sitemap.xml" in (out / "robots.txt").read_text()


def test_second_build_rewrites_nothing_and_is_identical(built, store, settings):
    out, first = built
    before = snapshot(out)
    report = build_site(store, settings)
    assert report.pages_written == 0
    assert report.files_unchanged == report.files_total == first.files_total
    assert snapshot(out) == before  # bytes, mtimes and inodes


def test_same_store_gives_byte_identical_trees(store, tmp_path):
    a, b = tmp_path / "a" / "output", tmp_path / "b" / "output"
    build_site(store, make_settings(a))
    build_site(store, make_settings(b))
    snap_a = {k: v[0] for k, v in snapshot(a).items()}
    snap_b = {k: v[0] for k, v in snapshot(b).items()}
    assert snap_a == snap_b


def test_new_story_rewrites_only_what_changed(built, store, settings, monkeypatch):
    out, _ = built
    before = snapshot(out)
    store.save_article(
        make_record(
            "https://wsjkw.zj.example.gov.cn/art/2024/3/22/new.html",
            title="湖州市推进医保支付方式改革",
            text="湖州市推进按病组付费改革。",
            published="2024-03-22T09:00:00+08:00",
            regions=[
                {
                    "code": "330500",
                    "province": "浙江省",
                    "city": "湖州市",
                    "county": None,
                    "national": False,
                    "weight": 1.0,
                }
            ],
            source_id="sample_zhejiang",
            site="浙江省卫生健康委员会",
        )
    )
    reads: list[str] = []
    read_text = store.article_text
    monkeypatch.setattr(store, "article_text", lambda aid: reads.append(aid) or read_text(aid))
    report = build_site(store, settings)
    after = snapshot(out)
    assert 0 < report.pages_written < report.files_total
    # The new story is on its page, in the search index and in four feeds (all, its city, its province, a
    # topic): its text is read from the store once.
    new_id = next(p.split("/")[1][:-5] for p in set(after) - set(before) if p.startswith("article/"))
    assert reads.count(new_id) == 1 and len(reads) == len(set(reads))
    assert report.pages_written + report.files_unchanged == report.files_total
    unchanged = [p for p in before if p in after and before[p][0] == after[p][0]]
    assert unchanged, "some files should be untouched"
    for p in unchanged:
        assert after[p][1:] == before[p][1:], f"{p} was rewritten although its bytes did not change"
    changed = {p for p in after if p not in before or before[p][0] != after[p][0]}
    assert {"index.html", "feeds/all.rss.xml", "region/330500/index.html"} <= changed
    assert f"article/{ID['old']}.html" not in changed
    # Lists are numbered from the oldest story, so a new story leaves the numbered pages as they were.
    # (The one exception: when the new story fills a chunk, a new numbered page appears and the page below
    # it gets a link to it.)
    numbered = [p for p in before if "/page/" in "/" + p]
    assert numbered
    for p in changed & set(numbered):
        directory, _, name = p.rpartition("page/")
        assert f"{directory}page/{int(name.split('.')[0]) + 1}.html" in set(after) - set(before), p
    # Only what changed was rendered: the new article's page, the lists and feeds it is on, and the few
    # pages made on every build (about, search, archive index, sitemap …), not every article page again.
    assert report.rendered < len(changed) + 12


def test_failed_build_leaves_previous_site_intact(built, store, settings, monkeypatch):
    out, _ = built
    before = snapshot(out)
    store.save_article(
        make_record(
            "https://example.gov.cn/2024/0323/x.html",
            title="新的医联体报道",
            text="正文。",
            published="2024-03-23T09:00:00+08:00",
            regions=[],
        )
    )

    def exploding(self, ctx):
        yield "feeds/half.xml", b"<half/>"
        raise RuntimeError("generator failed midway")

    monkeypatch.setattr(site_builder.feeds.FeedsGenerator, "generate_output", exploding)
    with pytest.raises(RuntimeError, match="midway"):
        build_site(store, settings)
    assert snapshot(out) == before
    # The staging directory is removed; only the output and the builder's own state next to it remain.
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{out.name}.lock", out.name]


def test_a_file_that_cannot_be_created_fails_the_build_and_keeps_the_live_site(built, store, settings, monkeypatch):
    """A full disk half-way through fails the build; the staging tree is removed and the live site stays as
    it was."""
    import site_builder.writer as writer_module

    out, _ = built
    before = snapshot(out)
    store.save_article(
        make_record(
            "https://example.gov.cn/2024/0324/y.html",
            title="又一篇医共体报道",
            text="正文。",
            published="2024-03-24T09:00:00+08:00",
            regions=[],
        )
    )
    real = writer_module._create_file
    made: list[str] = []

    def disk_fills_up(dest, data):
        if len(made) >= 3:
            raise OSError(28, "No space left on device", dest)
        made.append(dest)
        real(dest, data)

    monkeypatch.setattr(writer_module, "_create_file", disk_fills_up)
    with pytest.raises(OSError, match="No space left"):
        build_site(store, settings)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{out.name}.lock", out.name]


def test_a_build_hands_its_objects_back_to_the_garbage_collector(built, store, settings, monkeypatch):
    # The build freezes what it read (the collector skips it while the build runs); in a long-running process
    # (the scheduler) the next build must not find the last one's objects still frozen, nor the collector off.
    import gc

    assert gc.isenabled() and gc.get_freeze_count() == 0
    thresholds = gc.get_threshold()
    seen = {}

    def spy(self, ctx):
        seen["frozen"], seen["enabled"], seen["thresholds"] = gc.get_freeze_count(), gc.isenabled(), gc.get_threshold()
        yield from ()

    monkeypatch.setattr(site_builder.feeds.FeedsGenerator, "generate_output", spy)
    out, _ = built
    build_site(store, settings)
    assert seen["frozen"] > 1000 and seen["enabled"]  # during the build: frozen, collector on
    assert seen["thresholds"] == thresholds  # the collector's own settings: rarer full collections cost more
    assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds

    def exploding(self, ctx):
        raise RuntimeError("generator failed")
        yield

    monkeypatch.setattr(site_builder.feeds.FeedsGenerator, "generate_output", exploding)
    with pytest.raises(RuntimeError, match="generator failed"):
        build_site(store, settings)
    assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds


def test_operator_dotfiles_survive_builds(built, store, settings):
    out, _ = built
    (out / ".well-known").mkdir()
    (out / ".well-known" / "token").write_text("abc")
    (out / "stale.html").write_text("old page that the build no longer makes")
    report = build_site(store, settings)
    assert report.published
    assert (out / ".well-known" / "token").read_text() == "abc"
    assert not (out / "stale.html").exists()


def test_empty_store_builds(tmp_path):
    from yigai.store import Store

    with Store(tmp_path / "empty.sqlite3") as empty:
        settings = make_settings(tmp_path / "out")
        report = build_site(empty, settings)
        report2 = build_site(empty, settings)
    out = tmp_path / "out"
    assert (out / "index.html").is_file() and (out / "national/index.html").is_file()
    assert not feedparser.parse((out / "feeds/all.atom.xml").read_bytes()).bozo
    assert broken_links(out) == []
    assert report.files_total == report2.files_unchanged and report2.pages_written == 0


def test_builds_in_separate_processes_are_byte_identical(store, tmp_path):
    """Hash randomisation differs between processes: nothing may depend on set or dict-of-hash order."""
    import os
    import subprocess
    import sys

    project = Path(__file__).resolve().parents[2]
    code = (
        "import sys; from yigai.store import Store; from yigai.config import load_settings; "
        "from site_builder import build_site; "
        "s = load_settings(overrides={'output_dir': sys.argv[2], 'site': {'page_size': 4}}); "
        "build_site(Store(sys.argv[1], readonly=True), s)"
    )
    trees = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}" / "output"
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(project))
        subprocess.run(
            [sys.executable, "-c", code, str(store.path), str(out)], env=env, check=True, cwd=tmp_path
        )
        trees.append({k: v[0] for k, v in snapshot(out).items()})
    assert trees[0] == trees[1]
    assert len(trees[0]) > 50


def test_large_sitemap_becomes_an_index_of_parts(store, settings):
    from site_builder.build import load_context
    from site_builder.sitemap import sitemap_files

    ctx = load_context(store, settings.section("site"), settings)
    pages = [f"region/{110000 + i}/index.html" for i in range(7)]
    files = dict(sitemap_files(ctx, pages, max_urls=3))
    assert sorted(files) == ["sitemap.xml", "sitemaps/sitemap-1.xml", "sitemaps/sitemap-2.xml", "sitemaps/sitemap-3.xml"]
    index = files["sitemap.xml"].decode()
    assert "<sitemapindex" in index and index.count("<sitemap>") == 3
    assert "https://yigai.example.org/sitemaps/sitemap-2.xml" in index
    parts = [files[f"sitemaps/sitemap-{n}.xml"].decode() for n in (1, 2, 3)]
    assert [p.count("<url>") for p in parts] == [3, 3, 1]
    assert dict(sitemap_files(ctx, pages[:3], max_urls=3)).keys() == {"sitemap.xml"}


def test_a_traditional_query_finds_the_simplified_pages_and_what_it_spells_as_typed(store, settings):
    """Texts are Simplified: 醫共體 finds what 医共体 finds. A query is also looked up as typed, since some of the
    table's characters are Simplified too in some words (乾 in 乾隆, where 干 would find nothing)."""
    store.save_article(
        make_record(
            "https://wsjkw.example.gov.cn/art/2024/3/25/qianlong.html",
            title="乾隆年间的医馆旧址改建为社区卫生服务中心",
            text="乾隆年间的医馆旧址改建为社区卫生服务中心，纳入紧密型县域医共体管理。",
            published="2024-03-25T09:00:00+08:00",
        )
    )
    build_site(store, settings)
    out = settings.output_dir
    total, hits = search_files(out, "医共体")
    assert total >= 4 and search_files(out, "醫共體") == (total, hits)
    total, hits = search_files(out, "乾隆")
    assert total == 1 and "乾隆" in (out / hits[0].url).read_text("utf-8")


def test_a_published_file_removed_by_hand_is_made_again(built, store, settings, tmp_path):
    """A build keeps an unchanged page from the spare generation or by linking the published copy; a copy that
    has gone from both (removed by hand) is rendered again, not published missing."""
    out, _ = built
    _new_story(store, 4)
    build_site(store, settings)  # the spare is now one generation behind
    spare = read_manifest(out.parent / f".{out.name}.spare")
    changed_last = {rel for rel, entry in read_manifest(out).items() if spare.get(rel) != entry}
    _new_story(store, 5)
    # A page the last build changed (so the spare's copy is stale) and this one leaves alone: its published
    # file is the only good copy.
    victim = sorted(p for p in changed_last if p.startswith("article/"))[0]
    (out / victim).unlink()
    assert build_site(store, settings).published
    assert (out / victim).is_file()
    _same_bytes(store, settings, out, tmp_path / "fresh" / "output")


def test_state_left_by_the_former_delta_builder_is_removed(built, store, settings):
    out, _ = built
    for name in (".delta.sqlite3", ".articles", ".articles.journal"):
        (out.parent / f".{out.name}{name}").write_bytes(b"left by an earlier version")
    _new_story(store, 6)
    assert build_site(store, settings).published
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{out.name}.lock", f".{out.name}.spare", out.name]


def _new_story(store, day: int) -> None:
    store.save_article(
        make_record(
            f"https://example.gov.cn/2024/04{day:02d}/d.html",
            title=f"医联体报道（{day}）",
            text="正文。",
            published=f"2024-04-{day:02d}T09:00:00+08:00",
            regions=[],
        )
    )


def _same_bytes(store, settings, out: Path, fresh: Path) -> None:
    build_site(store, settings, output_dir=fresh)
    assert {p: v[0] for p, v in snapshot(out).items()} == {p: v[0] for p, v in snapshot(fresh).items()}


def test_about_page_groups_sources_by_province(built):
    out, _ = built
    about = (out / "about.html").read_text("utf-8")
    groups = re.findall(r'<th colspan="6" scope="rowgroup">([^<]+)</th>', about)
    assert groups == ["全国", "河北省", "浙江省"]  # national bodies first, then provinces by division code
    at = {sid: about.index(sid) for sid in ("sample_nhc", "sample_quiet", "sample_hebei", "sample_zhejiang")}
    heads = {g: about.index(f'scope="rowgroup">{g}<') for g in groups}
    assert heads["全国"] < at["sample_nhc"] < at["sample_quiet"] < heads["河北省"] < at["sample_hebei"]
    assert heads["浙江省"] < at["sample_zhejiang"]


def test_a_sources_province_comes_from_the_division_table():
    from site_builder.context import _provinces_by_name, source_province

    names = _provinces_by_name()
    assert source_province("魏县", names) == ("130000", "河北省")  # a county: its province
    assert source_province("杭州市", names) == ("330000", "浙江省")
    assert source_province(None, names) == ("", "全国")
    assert source_province("朝阳区", names) == ("~", "其他")  # 北京 and 吉林 both have one: not guessed
