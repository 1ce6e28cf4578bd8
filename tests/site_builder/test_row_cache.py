"""The parsed-row cache gives the same articles as parsing every row, and notices every change to a row."""

from __future__ import annotations

from site_builder.models import read_articles, read_row
from site_builder.row_cache import StoreArticles, _decode, _encode


def _light(store):
    return read_articles(store.iter_articles(), keep_text=False)


def test_encoding_round_trips_every_field(store):
    for row in store.iter_articles():
        parsed = read_row(row, keep_text=False)
        assert _decode(_encode(parsed)) == parsed


def test_cached_read_equals_a_full_parse_and_reparses_only_changed_rows(store, tmp_path):
    cache = tmp_path / ".output.articles"
    first = StoreArticles(cache)
    assert first.read(store) == _light(store)
    assert first.parsed == len(store.article_tokens())
    first.save()

    second = StoreArticles(cache)
    assert second.read(store) == _light(store)
    assert second.parsed == 0  # everything came from the cache

    # Any write to a row bumps its revision — even one that bypasses the store's own methods.
    aid = next(a.id for a in _light(store))
    store.conn.execute("UPDATE articles SET title = '新标题' WHERE id = ?", (aid,))
    store.conn.commit()
    third = StoreArticles(cache)
    articles = third.read(store)
    assert third.parsed == 1
    assert articles == _light(store)
    assert next(a for a in articles if a.id == aid).title == "新标题"


def test_a_damaged_cache_means_parsing_everything(store, tmp_path):
    cache = tmp_path / ".output.articles"
    cache.write_bytes(b"\x00garbage")
    reader = StoreArticles(cache)
    assert reader.read(store) == _light(store)
    assert reader.parsed == len(store.article_tokens())


def test_the_cache_is_rewritten_only_when_a_row_changed_or_went(store, tmp_path):
    cache = tmp_path / ".output.articles"
    first = StoreArticles(cache)
    first.read(store)
    first.save()
    stamp = cache.stat().st_mtime_ns, cache.stat().st_ino

    unchanged = StoreArticles(cache)
    unchanged.read(store)
    unchanged.save()
    assert (cache.stat().st_mtime_ns, cache.stat().st_ino) == stamp  # same rows: the same file, not rewritten

    aid = next(a.id for a in _light(store))
    store.conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
    store.conn.commit()
    after_delete = StoreArticles(cache)
    assert after_delete.read(store) == _light(store)
    assert after_delete.parsed == 0
    after_delete.save()
    assert cache.stat().st_ino != stamp[1]  # the deleted row is dropped from the cache
    again = StoreArticles(cache)
    again.read(store)
    assert again.parsed == 0 and len(again._rows) == len(store.article_tokens())
