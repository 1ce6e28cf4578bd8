"""The parsed-row cache gives the same articles as parsing every row, and notices every change to a row."""

from __future__ import annotations

import marshal
import random
from dataclasses import fields

import pytest
from site_fixtures import make_record

from site_builder import row_cache
from site_builder.models import Article, read_articles, read_row
from site_builder.row_cache import StoreArticles, _decode, _encode, journal_path


def _light(store):
    return read_articles(store.iter_articles(), keep_text=False)


def test_encoding_round_trips_every_field(store):
    names = {f.name for f in fields(Article)}
    for row in store.iter_articles():
        parsed = read_row(row, keep_text=False)
        decoded = _decode(_encode(parsed))
        assert decoded == parsed
        if decoded[0] is not None:
            # every field in the instance itself (not the class default showing through), and the sort key
            assert names <= set(vars(decoded[0])) and vars(decoded[0])["sort_key"] == parsed[0].sort_key
            assert decoded[0].day == parsed[0].day


@pytest.mark.parametrize(
    "when, day",
    [
        ("2024-03-22T09:00:00+08:00", "2024-03-22"),
        ("2024-03-21T20:00:00+00:00", "2024-03-22"),  # already the next day in China
        ("2024-03-22T23:30:00+09:00", "2024-03-22"),
        ("2024-03-22T00:30:00+08:00", "2024-03-22"),
    ],
)
def test_a_decoded_article_has_its_day_in_china(store, when, day):
    from dataclasses import replace
    from datetime import datetime

    row = next(r for r in store.iter_articles() if read_row(r, keep_text=False)[0] is not None)
    art = replace(read_row(row, keep_text=False)[0], date=datetime.fromisoformat(when))
    decoded = _decode(_encode((art, None, None)))[0]
    assert decoded.day == art.day == day and decoded.month == day[:7]


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
    assert not journal_path(cache).exists()  # a store this small: the base is rewritten, never a journal
    again = StoreArticles(cache)
    again.read(store)
    assert again.parsed == 0 and len(again._rows) == len(store.article_tokens())


# ------------------------------------------------------------------------------------ the journal
# The fixture store has 14 articles, far below JOURNAL_MIN_BASE_ROWS: these tests lower the limits so that a
# few changes go to the journal.


@pytest.fixture
def journaled(monkeypatch):
    monkeypatch.setattr(row_cache, "JOURNAL_MIN_BASE_ROWS", 0)
    monkeypatch.setattr(row_cache, "JOURNAL_MAX_SHARE", 0.5)


def _build(store, cache) -> StoreArticles:
    """One build's use of the cache: read (checked against a full parse), then save."""
    reader = StoreArticles(cache)
    assert reader.read(store) == _light(store)
    reader.save()
    return reader


def _state(path):
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, path.read_bytes()


def _retitle(store, aid, title):
    store.conn.execute("UPDATE articles SET title = ? WHERE id = ?", (title, aid))
    store.conn.commit()


def _delete(store, aid):
    store.conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
    store.conn.commit()


def _journal(cache) -> dict:
    return marshal.loads(journal_path(cache).read_bytes())


def _ids(store) -> list[str]:
    return sorted(aid for aid, _ in store.article_tokens())


def _check_fully_cached(store, cache) -> list:
    """A read from the cache equals a full parse and parses nothing."""
    reader = StoreArticles(cache)
    articles = reader.read(store)
    assert articles == _light(store)
    assert reader.parsed == 0
    return articles


def test_a_small_change_writes_only_the_journal(store, tmp_path, journaled):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    assert not journal_path(cache).exists()
    base = _state(cache)

    aid = _ids(store)[0]
    _retitle(store, aid, "新标题")
    assert _build(store, cache).parsed == 1
    assert _state(cache) == base  # the base is neither rewritten nor replaced
    assert set(_journal(cache)["rows"]) == {aid} and _journal(cache)["gone"] == []

    articles = _check_fully_cached(store, cache)
    assert next(a for a in articles if a.id == aid).title == "新标题"

    # Nothing changed since: nothing is written, neither file.
    journal = _state(journal_path(cache))
    _build(store, cache)
    assert _state(cache) == base and _state(journal_path(cache)) == journal


def test_deletions_since_the_base_are_in_the_journal(store, tmp_path, journaled):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    base = _state(cache)
    old, *_ = _ids(store)
    old_row = dict(store.article(old))
    _delete(store, old)
    before = set(_ids(store))
    store.save_article(make_record("https://new.example.gov.cn/a.html", title="新", text="文。", published=None))
    (new,) = set(_ids(store)) - before
    _build(store, cache)
    assert _state(cache) == base
    assert _journal(cache)["gone"] == [old] and set(_journal(cache)["rows"]) == {new}
    assert old not in {a.id for a in _check_fully_cached(store, cache)}

    # A row added since the base and deleted again is simply not in the journal: the base never had it.
    _delete(store, new)
    _build(store, cache)
    assert _journal(cache)["gone"] == [old] and _journal(cache)["rows"] == {}
    _check_fully_cached(store, cache)

    # A build that changes nothing writes nothing, though the journal records a deletion.
    journal = _state(journal_path(cache))
    _build(store, cache)
    assert _state(journal_path(cache)) == journal

    # A base row deleted and stored again is no longer gone: the journal holds its new value.
    store.save_article(old_row)
    _build(store, cache)
    assert _journal(cache)["gone"] == [] and set(_journal(cache)["rows"]) == {old}
    assert _state(cache) == base
    _check_fully_cached(store, cache)


def test_a_row_changed_twice_takes_its_latest_value(store, tmp_path, journaled):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    first, second, *_ = _ids(store)
    _retitle(store, first, "第一次")
    _build(store, cache)
    _retitle(store, first, "第二次")
    _retitle(store, second, "另一篇")
    _build(store, cache)
    # The journal holds every change since the base: this build's and the previous journal's, once each.
    assert set(_journal(cache)["rows"]) == {first, second}
    titles = {a.id: a.title for a in _check_fully_cached(store, cache)}
    assert titles[first] == "第二次" and titles[second] == "另一篇"


def test_a_journal_of_another_base_is_never_applied(store, tmp_path, journaled):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    stamp = marshal.loads(cache.read_bytes())["stamp"]
    base_rows = marshal.loads(cache.read_bytes())["rows"]
    # A journal whose rows carry the store's current tokens (so a token check would not catch them) with
    # false titles, and that deletes one row.
    forged = {aid: (token, value[:2] + ("伪造",) + value[3:]) for aid, (token, value) in base_rows.items()}
    gone = _ids(store)[0]
    journal = {"format": row_cache.CACHE_FORMAT, "code": row_cache._code_digest(), "rows": forged}
    journal["gone"] = [gone]

    journal_path(cache).write_bytes(marshal.dumps({**journal, "base": "0123456789abcdef"}))
    articles = _check_fully_cached(store, cache)
    assert gone in {a.id for a in articles}

    # The control: the same journal naming this base is applied (so the check above is the stamp's doing).
    journal_path(cache).write_bytes(marshal.dumps({**journal, "base": stamp}))
    reader = StoreArticles(cache)
    assert {a.title for a in reader.read(store) if a.title} == {"伪造"}


def test_a_journal_left_over_from_an_older_base_is_ignored(store, tmp_path, journaled, monkeypatch):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    aid = _ids(store)[0]
    row = dict(store.article(aid))
    _delete(store, aid)
    _build(store, cache)
    leftover = journal_path(cache).read_bytes()  # gone: [aid]
    assert marshal.loads(leftover)["gone"] == [aid]

    # The row comes back and a new base is written (as if a crash had then kept the old journal).
    store.save_article(row)
    monkeypatch.setattr(row_cache, "JOURNAL_MAX_SHARE", 0.0)
    _build(store, cache)
    assert not journal_path(cache).exists()
    journal_path(cache).write_bytes(leftover)
    # Applied, the old journal would drop the row from the cache and it would be parsed again.
    assert aid in {a.id for a in _check_fully_cached(store, cache)}


def _rows_without_values(data: bytes) -> bytes:
    """The journal with each row's token (still matching the store's) but not its value."""
    journal = marshal.loads(data)
    return marshal.dumps({**journal, "rows": {aid: entry[:1] for aid, entry in journal["rows"].items()}})


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"\x00garbage",
        lambda data: data[: len(data) // 2],
        lambda data: marshal.dumps({**marshal.loads(data), "rows": [1, 2]}),
        lambda data: _rows_without_values(data),
    ],
    ids=["garbage", "truncated", "rows-not-a-dict", "row-not-a-pair"],
)
def test_a_damaged_journal_is_ignored(store, tmp_path, journaled, damage):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    aid = _ids(store)[0]
    _retitle(store, aid, "新标题")
    _build(store, cache)
    path = journal_path(cache)
    path.write_bytes(damage(path.read_bytes()))

    reader = _build(store, cache)
    assert reader.parsed == 1  # the row the journal held, parsed again
    # ... and the save wrote a sound journal again.
    assert set(_journal(cache)["rows"]) == {aid}
    assert next(a for a in _check_fully_cached(store, cache) if a.id == aid).title == "新标题"


def test_past_its_limit_the_journal_gives_way_to_a_new_base(store, tmp_path, journaled, monkeypatch):
    monkeypatch.setattr(row_cache, "JOURNAL_MAX_SHARE", 2.5 / len(store.article_tokens()))  # 2 changes fit
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    base = _state(cache)
    first, second, third, *_ = _ids(store)
    _retitle(store, first, "一")
    _build(store, cache)
    _delete(store, second)
    _build(store, cache)
    assert _state(cache) == base and len(_journal(cache)["rows"]) + len(_journal(cache)["gone"]) == 2

    _retitle(store, third, "三")  # a third change since the base: too many
    _build(store, cache)
    assert not journal_path(cache).exists()
    assert cache.stat().st_ino != base[0]
    rewritten = marshal.loads(cache.read_bytes())
    assert rewritten["stamp"] != marshal.loads(base[2])["stamp"]
    assert set(rewritten["rows"]) == set(_ids(store))
    titles = {a.id: a.title for a in _check_fully_cached(store, cache)}
    assert titles[first] == "一" and titles[third] == "三" and second not in titles


def test_a_small_base_is_rewritten_without_a_journal(store, tmp_path):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    inode = cache.stat().st_ino
    _retitle(store, _ids(store)[0], "新标题")
    _build(store, cache)
    assert cache.stat().st_ino != inode and not journal_path(cache).exists()
    _check_fully_cached(store, cache)


def test_a_base_without_a_stamp_is_read_then_replaced(store, tmp_path, journaled):
    cache = tmp_path / ".output.articles"
    _build(store, cache)
    older = marshal.loads(cache.read_bytes())
    del older["stamp"]  # as written before journals existed
    cache.write_bytes(marshal.dumps(older))
    _check_fully_cached(store, cache)
    _retitle(store, _ids(store)[0], "新标题")
    _build(store, cache)
    assert not journal_path(cache).exists()  # nothing to name in a journal: a new base
    assert marshal.loads(cache.read_bytes())["stamp"]
    _check_fully_cached(store, cache)


def test_any_sequence_of_builds_reads_as_a_full_parse(store, tmp_path, monkeypatch):
    rng = random.Random(7)
    cache = tmp_path / ".output.articles"
    monkeypatch.setattr(row_cache, "JOURNAL_MIN_BASE_ROWS", 0)
    deleted: list[dict] = []
    journals = bases = 0
    for n in range(60):
        monkeypatch.setattr(row_cache, "JOURNAL_MAX_SHARE", rng.choice([0.0, 0.2, 0.5, 1.0]))
        for _ in range(rng.randint(0, 3)):
            op, ids = rng.random(), _ids(store)
            if op < 0.4 and ids:
                _retitle(store, rng.choice(ids), f"标题{n}")
            elif op < 0.6 and len(ids) > 3:
                aid = rng.choice(ids)
                deleted.append(dict(store.article(aid)))
                _delete(store, aid)
            elif op < 0.8 and deleted:
                store.save_article(deleted.pop(rng.randrange(len(deleted))))
            else:
                url = f"https://new.example.gov.cn/{n}/{op}.html"
                store.save_article(make_record(url, title=f"新{n}", text="正文。", published=None))
        before = cache.stat().st_ino if cache.exists() else None
        _build(store, cache)
        journals += journal_path(cache).exists()
        bases += cache.stat().st_ino != before
        _check_fully_cached(store, cache)
    assert journals and bases  # both kinds of save were exercised
