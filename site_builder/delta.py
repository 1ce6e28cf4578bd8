"""The delta build's plan: from the store rows that changed since the published site was built to the pages
that must be generated again, without reading the other rows.

``plan_delta`` compares the store's row tokens with the state's (``delta_state``), parses the changed rows,
moves each changed article in and out of its lists, updates the votes, and returns a ``SiteContext`` whose
lists are read from the state on demand (``LazyList``) with a ``BuildScope`` naming the lists and feeds to
generate: each list an article joined or left (its first page, and its numbered pages from the oldest one
the change reached), the region pages whose count of recent stories moved, and the feeds of those lists.
The build generates those with the same generators as a full build, the changed articles' pages, the
search index (whose unchanged segments it keeps) and the small site-wide files, and keeps every other
published file as it is.

It gives up (``DeltaUnavailable``; the build is then a full one) whenever the change reaches further than the
plan follows: a region's name, level or parent or a topic's label decided differently by the vote, a region
or topic left without stories, a new region that an existing one names as its parent (their articles' lists
would change), more changed rows than ``DELTA_MAX_SHARE`` of the store, a damaged state. A new region or topic
is followed: its pages and feed are new lists, and its parent's, the home and the about pages are made anyway.
"""

from __future__ import annotations

import logging
import marshal
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from site_builder import paths
from site_builder.context import (
    BuildScope,
    SiteContext,
    Topic,
    make_region,
    province_tiles,
    region_children,
    region_closure,
    resolve_region,
    source_health_rows,
)
from site_builder.delta_state import article_row, list_keys, other_row, vote_rows
from site_builder.models import Article, Copy, ParsedRow, RegionRef, attach_copies, read_row
from site_builder.pages import list_page_paths, numbered_pages
from site_builder.recency import build_date, recent_since
from site_builder.row_cache import decode_row, encode_row
from site_builder.run_status import runs_shown

logger = logging.getLogger(__name__)

# A night changes a few hundred rows of 100,000; past this share (or DELTA_MIN_ROWS) a full build is as quick.
DELTA_MAX_SHARE = 0.05
DELTA_MIN_ROWS = 500
FIRST_PAGE_ONLY = 1 << 30  # ``BuildScope.lists``: no numbered page
FAR_SLICE = 500  # ``LazyList``: a slice starting further than this reads the whole list's ids once


class DeltaUnavailable(Exception):
    """The change cannot be built as a delta; the build is a full one."""


def list_dir(key: str) -> str:
    """The directory of a list's pages."""
    if key == "home":
        return ""
    if key == "national":
        return paths.NATIONAL_DIR
    kind, _, ident = key.partition("/")
    if kind == "region":
        return paths.region_dir(ident)
    if kind == "topic":
        return paths.topic_dir(ident)
    return paths.archive_dir(ident)


class ArticleLoader:
    """The state's articles by id, decoded when first asked for, with their syndicated copies attached and
    their regions' closure recorded in ``closures`` (the context's ``article_regions``)."""

    def __init__(self, conn: sqlite3.Connection, resolved: Mapping[str, RegionRef]) -> None:
        self.conn = conn
        self.resolved = resolved
        self.closures: dict[str, tuple[str, ...]] = {}
        self._memo: dict[str, Article] = {}

    def get(self, aid: str) -> Article:
        return self.get_many([aid])[0]

    def get_many(self, ids: Sequence[str]) -> list[Article]:
        missing = [aid for aid in ids if aid not in self._memo]
        for start in range(0, len(missing), 500):
            self._load(missing[start : start + 500])
        return [self._memo[aid] for aid in ids]

    def _load(self, ids: list[str]) -> None:
        found = {}
        marks = ",".join("?" * len(ids))
        for aid, enc in self.conn.execute(f"SELECT id, enc FROM values_ WHERE id IN ({marks})", ids):
            art = _decode_value(enc)[0]
            if art is not None:
                found[aid] = art
        if len(found) < len(ids):
            raise DeltaUnavailable(f"the state lists {len(ids) - len(found)} articles it does not hold")
        groups = sorted({art.group_id for art in found.values()})
        copies: dict[str, list[Copy]] = {}
        marks = ",".join("?" * len(groups))
        for (enc,) in self.conn.execute(
            f"SELECT v.enc FROM rows r JOIN values_ v ON v.id = r.id WHERE r.grp IN ({marks}) AND r.kind = 'c'",
            groups,
        ):
            _art, group, copy = _decode_value(enc)
            if group is not None and copy is not None:
                copies.setdefault(group, []).append(copy)
        for aid, art in found.items():
            art = attach_copies(art, copies.get(art.group_id))
            self._memo[aid] = art
            self.closures[aid] = region_closure([ref.code for ref in art.regions], self.resolved)


class LazyList(Sequence[Article]):
    """A list of the state (newest first) read by slices: its length is known, its pages are read when asked."""

    def __init__(self, loader: ArticleLoader, key: str, length: int) -> None:
        self.loader, self.key, self.length = loader, key, length
        self._ids: list[str] | None = None  # the whole list, once a slice far from its start was asked for

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            if step != 1:
                raise ValueError("a lazily read list is read by contiguous slices")
            if stop <= start:
                return []
            return self.loader.get_many(self._slice_ids(start, stop))
        position = index + self.length if index < 0 else index
        if not 0 <= position < self.length:
            raise IndexError(index)
        return self[position : position + 1][0]

    def _slice_ids(self, start: int, stop: int) -> list[str]:
        # A list's first pages are read with LIMIT; a change deep in a long list (a back-dated story) has every
        # page above it read, and an OFFSET costs what it skips: then the list's ids are read once.
        if self._ids is None and start <= FAR_SLICE:
            rows = self.loader.conn.execute(
                "SELECT id FROM members WHERE list = ? ORDER BY sk, id LIMIT ? OFFSET ?",
                (self.key, stop - start, start),
            )
            return [aid for (aid,) in rows]
        if self._ids is None:
            rows = self.loader.conn.execute(
                "SELECT id FROM members WHERE list = ? ORDER BY sk, id", (self.key,)
            )
            self._ids = [aid for (aid,) in rows]
        return self._ids[start:stop]

    def __iter__(self) -> Iterator[Article]:
        raise TypeError(f"list {self.key!r} is read by slices in a delta build, not walked whole")


@dataclass
class DeltaPlan:
    ctx: SiteContext
    loader: ArticleLoader
    articles: list[Article]  # the articles whose pages are made again (new, changed, or their copies changed)
    removed: set[str]  # published paths the site no longer has
    rows_changed: int

    def search_pages(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """(path, search key) of every article page, oldest first (the search index's order), and each
        article page's day (the sitemap's lastmod): one pass over the state's articles."""
        rows = self.loader.conn.execute(
            "SELECT id, search_key, day FROM rows WHERE kind = 'a' ORDER BY kind, sk DESC, id DESC"
        ).fetchall()
        pages = [(f"article/{aid}.html", key) for aid, key, _day in rows]
        return pages, {f"article/{aid}.html": day for aid, _key, day in rows}

    def record_search_keys(self, keys: Iterable[tuple[str, str]]) -> None:
        self.loader.conn.executemany(
            "UPDATE rows SET search_key = ? WHERE id = ?", ((k, aid) for aid, k in keys)
        )


def plan_delta(
    store: Any,
    conn: sqlite3.Connection,
    site: Mapping[str, Any],
    *,
    sources: Sequence[Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]],
    run_sources: Mapping[int, Sequence[Mapping[str, Any]]],
    health_flags: Mapping[str, tuple[str, ...]],
) -> DeltaPlan:
    """Update the state (inside the caller's transaction) to the store's rows and plan the build."""
    tokens = store.article_tokens()
    old_tokens = dict(conn.execute("SELECT id, token FROM rows"))
    changed = sorted(aid for aid, token in tokens if old_tokens.get(aid) != token)
    gone = set(old_tokens) - {aid for aid, _token in tokens}
    del old_tokens
    limit = max(DELTA_MIN_ROWS, int(len(tokens) * DELTA_MAX_SHARE))
    if len(changed) + len(gone) > limit:
        raise DeltaUnavailable(f"{len(changed) + len(gone)} rows changed (more than {limit})")
    token_of = dict(tokens)
    del tokens
    rows = {
        str(row["id"]): (token_of[str(row["id"])], encode_row(read_row(row, keep_text=False)))
        for row in store.article_rows(changed)
    }
    gone = sorted(gone | (set(changed) - rows.keys()))  # rows deleted between the two queries are gone too
    changed = sorted(rows)
    old = _state_rows(conn, changed + gone)  # what the changed rows were: kind, group, article
    new_arts = {aid: art for aid in changed if (art := decode_row(rows[aid][1])[0]) is not None}

    # The votes: a region or topic decided differently or disappearing is beyond a delta.
    votes: Counter[tuple[str, str, str]] = Counter()
    old_arts = {aid: art for aid, (_kind, _grp, art) in old.items() if art is not None}
    for art in old_arts.values():
        votes.subtract(vote_rows(art))
    for art in new_arts.values():
        votes.update(vote_rows(art))
    _apply_votes(conn, votes)
    resolved = _check_votes(conn, {(kind, code) for kind, code, _value in votes})

    # The rows themselves. Originals whose group gained or lost a copy get their page made again.
    closures = {
        aid: region_closure([ref.code for ref in art.regions], resolved) for aid, art in new_arts.items()
    }
    conn.executemany("DELETE FROM rows WHERE id = ?", ((aid,) for aid in gone))
    conn.executemany("DELETE FROM values_ WHERE id = ?", ((aid,) for aid in gone))
    conn.executemany(
        "INSERT OR REPLACE INTO values_ (id, enc) VALUES (?, ?)",
        ((aid, marshal.dumps(rows[aid][1])) for aid in changed if rows[aid][1][0] in ("a", "c")),
    )
    conn.executemany(
        "DELETE FROM values_ WHERE id = ?", ((aid,) for aid in changed if rows[aid][1][0] not in ("a", "c"))
    )
    conn.executemany(
        "INSERT OR REPLACE INTO rows (id, token, kind, grp, sk, source_id, day, search_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            article_row(aid, rows[aid][0], art, None)
            if (art := new_arts.get(aid)) is not None
            else other_row(aid, rows[aid][0], rows[aid][1])
            for aid in changed
        ),
    )
    groups = {grp for _kind, grp, *_rest in old.values() if grp}
    groups |= {art.group_id for art in new_arts.values()}
    groups |= {enc[1] for _token, enc in rows.values() if enc[0] == "c"}  # a copy's group
    regrouped = _ids_in_groups(conn, sorted(groups))
    old_listed = set(old_arts)

    # The lists: each changed article leaves its old lists and joins its new ones.
    size = max(1, int(site.get("page_size") or 30))
    moves, scope_lists, removed = _move_members(conn, old_arts, new_arts, closures, resolved, size)

    loader = ArticleLoader(conn, resolved)
    counts = dict(conn.execute("SELECT list, n FROM lists"))
    home = LazyList(loader, "home", counts.get("home", 0))
    newest = home[0].date if len(home) else None
    as_of = build_date(site, runs, newest)
    since = recent_since(as_of)
    recent = _recent_counts(conn, since, as_of)
    old_recent = dict(conn.execute("SELECT code, n FROM recent"))
    for code, n in recent.items():
        if old_recent.get(code) != n:
            scope_lists.setdefault(f"region/{code}", FIRST_PAGE_ONLY)
    conn.execute("DELETE FROM recent")
    conn.executemany("INSERT INTO recent (code, n) VALUES (?, ?)", sorted(recent.items()))

    children = region_children(resolved)
    regions = {
        code: make_region(
            ref,
            resolved,
            LazyList(loader, f"region/{code}", counts[f"region/{code}"]),
            recent[code],
            children.get(code, []),
        )
        for code, ref in sorted(resolved.items())
    }
    topics = {
        tid: Topic(tid, label, LazyList(loader, f"topic/{tid}", counts[f"topic/{tid}"]))
        for tid, label in conn.execute("SELECT id, label FROM topics ORDER BY id")
    }
    months = {
        key[len("month/") :]: LazyList(loader, key, n)
        for key, n in sorted(counts.items(), reverse=True)
        if key.startswith("month/")
    }
    per_source, newest_by_source = _source_counts(conn, loader)
    feeds = (
        {k for k in moves if k == "national" or k.startswith(("region/", "topic/"))} | {"all"}
        if moves
        else set()
    )
    ctx = SiteContext(
        site=dict(site),
        articles=home,  # type: ignore[arg-type]
        newest=newest,
        recent_since=since,
        regions=regions,
        article_regions=loader.closures,
        national=LazyList(loader, "national", counts.get("national", 0)),  # type: ignore[arg-type]
        topics=topics,
        months=months,  # type: ignore[arg-type]
        tiles=province_tiles(regions),
        sources=source_health_rows(sources, runs, run_sources, per_source, newest_by_source, health_flags),
        scope=BuildScope(lists=scope_lists, feeds=frozenset(feeds)),
        as_of=as_of,
        runs_shown=runs_shown(runs),
    )
    remade = sorted(new_arts.keys() | regrouped)
    removed |= {paths.article_path(aid) for aid in old_listed - new_arts.keys() - regrouped}
    return DeltaPlan(ctx, loader, loader.get_many(remade), removed, len(changed) + len(gone))


def _move_members(
    conn: sqlite3.Connection,
    old_arts: Mapping[str, Article],
    new_arts: Mapping[str, Article],
    closures: Mapping[str, tuple[str, ...]],
    resolved: Mapping[str, RegionRef],
    size: int,
) -> tuple[dict[str, list[tuple[float, str]]], dict[str, int], set[str]]:
    """Move the changed articles out of their old lists and into their new ones; return the moves (list →
    the (sk, id) of its members that moved), the pages to generate (list → its first numbered page to make)
    and the list pages that no longer exist."""
    moves: dict[str, list[tuple[float, str]]] = {}  # list → the (sk, id) of the members that moved
    growth: Counter[str] = Counter()
    left = [
        (key, art.sort_key[0], aid)
        for aid, art in old_arts.items()
        for key in list_keys(art, region_closure([ref.code for ref in art.regions], resolved))
    ]
    joined = [
        (key, art.sort_key[0], aid) for aid, art in new_arts.items() for key in list_keys(art, closures[aid])
    ]
    for members, sql, step in (
        (left, "DELETE FROM members WHERE list = ? AND sk = ? AND id = ?", -1),
        (joined, "INSERT INTO members (list, sk, id) VALUES (?, ?, ?)", 1),
    ):
        for key, sk, aid in members:
            moves.setdefault(key, []).append((sk, aid))
            growth[key] += step
        conn.executemany(sql, members)
    old_counts = {key: _list_count(conn, key) for key in moves}
    new_counts = {key: old_counts[key] + growth[key] for key in moves}
    always = ("home", "national")  # lists that have their first page even when empty
    conn.executemany(
        "INSERT OR REPLACE INTO lists (list, n) VALUES (?, ?)",
        ((k, n) for k, n in sorted(new_counts.items()) if n or k in always),
    )
    conn.executemany(
        "DELETE FROM lists WHERE list = ?",
        ((k,) for k, n in sorted(new_counts.items()) if not n and k not in always),
    )
    scope_lists: dict[str, int] = {}
    removed: set[str] = set()
    for key, moved in moves.items():
        n_old, n_new = old_counts.get(key, 0), new_counts[key]
        oldest_sk, oldest_id = max(moved)
        older = (
            n_new
            - conn.execute(
                "SELECT COUNT(*) FROM members WHERE list = ? AND (sk, id) <= (?, ?)",
                (key, oldest_sk, oldest_id),
            ).fetchone()[0]
        )
        numbered_old, numbered_new = numbered_pages(n_old, size), numbered_pages(n_new, size)
        # Numbered page k holds the k-th chunk of ``size`` stories counted from the oldest (``paginate``): it
        # is unchanged when every story in it is older than every moved one (k ≤ older // size) and its links
        # are too (they differ only on the pages from the last numbered one up): make the pages above.
        if n_new or key in always:
            scope_lists[key] = max(1, min(older // size, min(numbered_old, numbered_new) - 1) + 1)
        directory = list_dir(key)
        was = set(list_page_paths(directory, n_old, size)) if n_old or key in always else set()
        now = set(list_page_paths(directory, n_new, size)) if n_new or key in always else set()
        removed |= was - now
    return moves, scope_lists, removed


def _state_rows(
    conn: sqlite3.Connection, ids: list[str]
) -> dict[str, tuple[str, str | None, Article | None]]:
    """(kind, group, article) of the given rows as the state has them: the article (decoded) when the row was
    a listed one — the lists it leaves and the votes it takes back are its own."""
    out: dict[str, tuple[str, str | None, Article | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = (
            "SELECT r.id, r.kind, r.grp, v.enc FROM rows r LEFT JOIN values_ v ON v.id = r.id "
            f"WHERE r.id IN ({marks})"
        )
        for aid, kind, grp, enc in conn.execute(sql, chunk):
            art = _decode_value(enc)[0] if kind == "a" and enc is not None else None
            if kind == "a" and art is None:
                raise DeltaUnavailable(f"the state lacks the value of article {aid}")
            out[aid] = (kind, grp, art)
    return out


def _decode_value(enc: bytes) -> ParsedRow:
    """A value of the state, decoded; a damaged one makes the build a full one (which writes a new state)."""
    try:
        return decode_row(marshal.loads(enc))
    except (EOFError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise DeltaUnavailable(f"a damaged value in the delta state ({exc})") from exc


def _ids_in_groups(conn: sqlite3.Connection, groups: list[str]) -> set[str]:
    out: set[str] = set()
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        marks = ",".join("?" * len(chunk))
        out.update(
            aid
            for (aid,) in conn.execute(f"SELECT id FROM rows WHERE kind = 'a' AND grp IN ({marks})", chunk)
        )
    return out


def _apply_votes(conn: sqlite3.Connection, votes: Counter[tuple[str, str, str]]) -> None:
    for (kind, code, value), n in sorted(votes.items()):
        if not n:
            continue
        conn.execute(
            "INSERT INTO votes (kind, code, value, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, code, value) DO UPDATE SET n = n + excluded.n",
            (kind, code, value, n),
        )
    conn.execute("DELETE FROM votes WHERE n <= 0")


def _check_votes(conn: sqlite3.Connection, touched: set[tuple[str, str]]) -> dict[str, RegionRef]:
    """The resolved regions, after checking that the votes ``touched`` decide as before. A new region or
    topic is added (its own list and feed are new; its parent's first page, the home page and the feed lists
    are generated anyway), unless an existing region names it as its parent (then other articles' lists
    would change)."""
    resolved = {
        code: RegionRef(code, name, level, parent)
        for code, name, level, parent in conn.execute("SELECT code, name, level, parent FROM regions")
    }
    new: list[RegionRef] = []
    for code in sorted({code for kind, code in touched if kind != "t"}):
        counts: dict[str, dict[str, int]] = {"n": {}, "l": {}, "p": {}}
        for kind, value, n in conn.execute(
            "SELECT kind, value, n FROM votes WHERE code = ? AND kind != 't'", (code,)
        ):
            counts[kind][value] = n
        if not counts["n"]:
            raise DeltaUnavailable(f"region {code} has no story left")
        ref = resolve_region(code, counts["n"], counts["l"], counts["p"])
        if code not in resolved:
            new.append(ref)
        elif ref != resolved[code]:
            raise DeltaUnavailable(f"the vote decides region {code} differently")
    new_codes = {ref.code for ref in new}
    if any(ref.parent_code in new_codes for ref in resolved.values()):
        raise DeltaUnavailable("a new region is the parent of a region already listed")
    for ref in new:
        resolved[ref.code] = ref
    conn.executemany(
        "INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?)",
        ((r.code, r.name, r.level, r.parent_code) for r in new),
    )
    labels = dict(conn.execute("SELECT id, label FROM topics"))
    for tid in sorted({code for kind, code in touched if kind == "t"}):
        counts_t = dict(conn.execute("SELECT value, n FROM votes WHERE kind = 't' AND code = ?", (tid,)))
        if not counts_t:
            raise DeltaUnavailable(f"topic {tid} has no story left")
        label = min(counts_t, key=lambda v: (-counts_t[v], v))
        if tid not in labels:
            conn.execute("INSERT INTO topics (id, label) VALUES (?, ?)", (tid, label))
        elif label != labels[tid]:
            raise DeltaUnavailable(f"the vote labels topic {tid} differently")
    return resolved


def _list_count(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT n FROM lists WHERE list = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _recent_counts(conn: sqlite3.Connection, since: datetime | None, as_of: datetime | None) -> dict[str, int]:
    """Each region's stories after ``since`` up to ``as_of`` (``generate_context``'s ``recent_between``:
    sk below -since, not below -as_of)."""
    codes = [code for (code,) in conn.execute("SELECT code FROM regions ORDER BY code")]
    if since is None or as_of is None:
        return dict.fromkeys(codes, 0)
    found = dict(
        conn.execute(
            "SELECT substr(list, 8), COUNT(*) FROM members WHERE list >= 'region/' AND list < 'region0' AND sk < ? "
            "AND sk >= ? GROUP BY list",
            (-since.timestamp(), -as_of.timestamp()),
        )
    )
    return {code: int(found.get(code, 0)) for code in codes}


def _source_counts(
    conn: sqlite3.Connection, loader: ArticleLoader
) -> tuple[dict[str, int], dict[str, datetime]]:
    counts = dict(
        conn.execute(
            "SELECT source_id, COUNT(*) FROM rows INDEXED BY rows_source WHERE kind = 'a' GROUP BY source_id"
        )
    )
    newest = {}
    for sid in sorted(counts):
        (aid,) = conn.execute(
            "SELECT id FROM rows INDEXED BY rows_source WHERE kind = 'a' AND source_id = ? ORDER BY sk, id LIMIT 1",
            (sid,),
        ).fetchone()
        newest[sid] = loader.get(aid).date
    return counts, newest
