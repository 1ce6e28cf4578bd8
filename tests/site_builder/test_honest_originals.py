"""Honest originals (issue #18 part 6): a story keeps its feed id whichever copy is chosen as its original, a story
whose chosen copy did not change keeps the id it always had, lists count a story's copies and its page dates them."""

from __future__ import annotations

import feedparser
from conftest import make_settings
from site_fixtures import make_record

from extract.fingerprint import fingerprints
from site_builder import build_site
from yigai.stages import group_syndicated
from yigai.store import Store

TEXT = "福建省卫生健康委员会印发紧密型县域医共体建设方案，要求2025年底前实现全覆盖，推动优质医疗资源下沉。" * 4
OTHER = "江西省医保局发布医保支付方式改革通知，按病组付费在全省推开，覆盖全部统筹地区的定点医疗机构。" * 4


def _record(url: str, site: str, published: str, text: str = TEXT, **kw) -> dict:
    fingerprint, sketch = fingerprints(text)
    rec = make_record(url, title=text[:20], text=text, published=published, site=site, **kw)
    return {**rec, "fingerprint": f"{fingerprint:016x}", "sketch": " ".join(f"{h:016x}" for h in sketch)}


FARM = _record("https://farm.example.com/a.html", "繁体新闻网", "2025-03-01T09:00:00+08:00",
               meta={"content_farm": True})
GOV = _record("https://wjw.fujian.gov.cn/b.html", "福建省卫生健康委员会", "2025-03-02T09:00:00+08:00")
LONE = _record("https://ybj.jiangxi.gov.cn/c.html", "江西省医疗保障局", "2025-03-03T09:00:00+08:00", text=OTHER)


def _feed_ids(out) -> dict[str, str]:
    """Feed entry id → the article page it links to, in the all-site feed."""
    feed = feedparser.parse((out / "feeds" / "all.atom.xml").read_bytes())
    return {e.id: e.link.rsplit("/", 1)[-1] for e in feed.entries}


def test_a_story_keeps_its_feed_id_when_another_copy_is_chosen(tmp_path):
    out = tmp_path / "out"
    with Store(tmp_path / "db.sqlite3") as store:
        store.save_articles([FARM, LONE])  # the content farm's copy is found first: it is the only copy
        group_syndicated(store)
        build_site(store, make_settings(out))
        first = _feed_ids(out)
        assert first == {f"urn:yigai:article:{FARM['id']}": f"{FARM['id']}.html",
                         f"urn:yigai:article:{LONE['id']}": f"{LONE['id']}.html"}

        store.save_article(GOV)  # the government's copy arrives: chosen by authority, the farm's is a copy
        group_syndicated(store)
        build_site(store, make_settings(out))
        assert _feed_ids(out) == {f"urn:yigai:article:{FARM['id']}": f"{GOV['id']}.html",
                                  f"urn:yigai:article:{LONE['id']}": f"{LONE['id']}.html"}

        store.save_article({**GOV, "extracted_at": "2025-04-01T00:00:00+00:00"})  # re-extracted: id kept
        group_syndicated(store)
        build_site(store, make_settings(out))
        assert f"urn:yigai:article:{FARM['id']}" in _feed_ids(out)
        home = (out / "index.html").read_text("utf-8")
        assert "另有 1 家网站转载" in home  # the list counts the story's copies
        page = (out / "article" / f"{GOV['id']}.html").read_text("utf-8")
        assert "繁体新闻网" in page and '<time class="muted" datetime="2025-03-01">2025-03-01</time>' in page


def test_the_feed_id_migration_keeps_every_published_id(tmp_path):
    """A store made before the feed id (schema 8) gets its listed stories' own ids: no reader sees a change."""
    with Store(tmp_path / "db.sqlite3") as store:
        store.save_articles([FARM, GOV])
        group_syndicated(store)
        store.conn.execute("UPDATE articles SET feed_id = NULL")  # as the rows were before the migration
        store.conn.commit()
        from yigai.store import MIGRATIONS

        store.conn.executescript(MIGRATIONS[8].split(";", 1)[1])  # the migration's backfill statement
        rows = dict(store.conn.execute("SELECT id, feed_id FROM articles"))
        assert rows == {GOV["id"]: GOV["id"], FARM["id"]: None}
