"""``DeltaState``: what a delta build (``site_builder.delta``) needs to know about the published site, kept in
SQLite beside it (``.<output>.delta.sqlite3``).

A full build reads every article and computes every list; a nightly build that adds a hundred stories to
100,000 would spend most of its time redoing that. The state holds the result in a form that can be updated
row by row: every store row's token and parsed value (the row cache's encoding), each list's members in list
order, each list's length, the region and topic votes, the resolved regions and topics, each region's count
of recent stories. A full build writes it anew (into a new file, renamed into place once the site is
published); a delta build updates it in one transaction, committed once the site is published.

The state describes one generation of the site: ``meta.manifest`` is the digest of that generation's
manifest file. A state whose digest is not the published manifest's (a crash between publishing and
committing, a site rebuilt by an older builder, files restored from a backup …) is not used: the build is a
full one, which writes a new state.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from site_builder.context import SiteContext, ref_votes, topic_vote
from site_builder.models import Article
from site_builder.writer import MANIFEST_NAME

logger = logging.getLogger(__name__)

STATE_FORMAT = "yigai-delta-1"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Every store row at this generation: its token, what it contributes ('a' a listed article, 'c' a syndicated
-- copy, 'x' nothing) and its group; for articles their list order (sk: minus the timestamp), source, day and
-- search key.
CREATE TABLE rows (
    id TEXT PRIMARY KEY, token TEXT NOT NULL, kind TEXT NOT NULL, grp TEXT, sk REAL, source_id TEXT,
    day TEXT, search_key TEXT
) WITHOUT ROWID;
-- The values of articles and copies (the row cache's encoding, marshalled): read by id for the pages a delta
-- build makes, and for a changed article the lists it leaves and the votes it takes back. Apart because they
-- are large (a rowid table keeps big values out of the key b-tree).
CREATE TABLE values_ (id TEXT PRIMARY KEY, enc BLOB NOT NULL);
-- Each list's members in list order (newest first, ties by id).
CREATE TABLE members (list TEXT NOT NULL, sk REAL NOT NULL, id TEXT NOT NULL, PRIMARY KEY (list, sk, id))
    WITHOUT ROWID;
CREATE TABLE lists (list TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- Mentions: kind 'n' (code, name), 'l' (code, level), 'p' (code, parent), 't' (topic id, label).
CREATE TABLE votes (kind TEXT NOT NULL, code TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (kind, code, value)) WITHOUT ROWID;
-- The regions as resolved (the vote's winners) and the topics' labels.
CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent TEXT)
    WITHOUT ROWID;
CREATE TABLE topics (id TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE recent (code TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""
# Made after the rows are in (faster than keeping them up to date row by row).
INDEXES = """
CREATE INDEX rows_group ON rows (grp, kind);
CREATE INDEX rows_order ON rows (kind, sk, id, search_key, day);
CREATE INDEX rows_source ON rows (kind, source_id, sk, id);
"""


def state_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.delta.sqlite3")


def manifest_digest(tree: Path) -> str | None:
    """The digest of a built tree's manifest file (None when it has none)."""
    try:
        return hashlib.blake2b((tree / MANIFEST_NAME).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")  # one file beside the site; no WAL files to go stale
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta"))


def list_keys(art: Article, closure: Iterable[str]) -> list[str]:
    """The lists an article is a member of."""
    keys = ["home", f"month/{art.month}"]
    if art.national:
        keys.append("national")
    keys.extend(f"region/{code}" for code in closure)
    keys.extend(f"topic/{t.id}" for t in art.topics)
    return keys


def vote_rows(art: Article) -> list[tuple[str, str, str]]:
    """The votes an article casts (``context.ref_votes`` for each region it names, ``topic_vote`` for each
    topic)."""
    return [vote for ref in art.regions for vote in ref_votes(ref)] + [topic_vote(t) for t in art.topics]


class StateWriter:
    """Writes a full build's state into a new file; ``publish`` renames it into place (after the site)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path = state_path(target)
        self.tmp = self.path.with_name(self.path.name + f".tmp-{os.getpid()}")
        self.tmp.unlink(missing_ok=True)
        self.conn = connect(self.tmp)
        self.conn.execute("PRAGMA journal_mode = OFF")  # a new file: a crash leaves it unused
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.executescript(SCHEMA)
        self.conn.execute("BEGIN")

    def write(
        self,
        rows: Mapping[str, tuple[str, tuple]],
        ctx: SiteContext,
        search_keys: Mapping[str, str],
        meta: Mapping[str, str],
    ) -> None:
        """Every store row as the row cache holds it (id → (token, encoding)), and the lists, votes, regions,
        topics and recent counts of the context built from them, with each article's search key."""
        conn = self.conn
        articles = {art.id: art for art in ctx.articles}
        conn.executemany(
            "INSERT INTO rows (id, token, kind, grp, sk, source_id, day, search_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_row(aid, token, art, search_keys[aid])
                if (art := articles.get(aid)) is not None
                else other_row(aid, token, enc)
                for aid, (token, enc) in rows.items()
            ),
        )
        conn.executemany(
            "INSERT INTO values_ (id, enc) VALUES (?, ?)",
            ((aid, marshal.dumps(enc)) for aid, (_token, enc) in rows.items() if enc[0] in ("a", "c")),
        )
        lists: list[tuple[str, Sequence[Article]]] = [("home", ctx.articles), ("national", ctx.national)]
        lists += [(f"region/{code}", r.articles) for code, r in ctx.regions.items()]
        lists += [(f"topic/{tid}", t.articles) for tid, t in ctx.topics.items()]
        lists += [(f"month/{m}", items) for m, items in ctx.months.items()]
        lists.sort(key=lambda kv: kv[0])  # rows inserted in key order: appended to the b-tree
        conn.executemany(
            "INSERT INTO members (list, sk, id) VALUES (?, ?, ?)",
            ((key, art.sort_key[0], art.id) for key, items in lists for art in items),
        )
        conn.executemany("INSERT INTO lists (list, n) VALUES (?, ?)", ((k, len(items)) for k, items in lists))
        conn.executemany(
            "INSERT INTO votes (kind, code, value, n) VALUES (?, ?, ?, ?)",
            ((*k, n) for k, n in ctx.votes.items()),
        )
        conn.executemany(
            "INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?)",
            ((r.code, r.name, r.level, r.parent_code) for r in ctx.resolved.values()),
        )
        conn.executemany(
            "INSERT INTO topics (id, label) VALUES (?, ?)", ((t.id, t.label) for t in ctx.topics.values())
        )
        conn.executemany(
            "INSERT INTO recent (code, n) VALUES (?, ?)", ((c, r.recent) for c, r in ctx.regions.items())
        )
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
        for statement in INDEXES.strip().split(";"):
            if statement.strip():
                conn.execute(statement)

    def publish(self, manifest: str | None) -> None:
        """Record the published manifest's digest and put the state in place. Called once the site is
        published, so a failure here (a full disk) only costs the next build its delta: it is logged."""
        try:
            self.conn.execute("INSERT INTO meta (key, value) VALUES ('manifest', ?)", (manifest or "-",))
            self.conn.execute("COMMIT")
            self.conn.close()
            os.replace(self.tmp, self.path)
        except (sqlite3.Error, OSError) as exc:
            logger.warning("build: could not save the delta state (the next build is a full one): %s", exc)
            self.abort()
            remove_state(self.target)

    def abort(self) -> None:
        try:
            self.conn.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def article_row(aid: str, token: str, art: Article, search_key: str | None) -> tuple:
    """The ``rows`` row of a listed article."""
    return (aid, token, "a", art.group_id, art.sort_key[0], art.source_id, art.day, search_key)


def other_row(aid: str, token: str, enc: tuple) -> tuple:
    """The ``rows`` row of a store row that is not a listed article: a copy (with its group) or nothing."""
    if enc[0] == "c":
        return (aid, token, "c", enc[1], None, None, None, None)
    return (aid, token, "x", None, None, None, None, None)


def remove_state(target: Path) -> None:
    """Forget the state of ``target``: a build that could not save it, or one that keeps none (a Pagefind site,
    always built in full), so no stale state is left taking space."""
    _unlink(state_path(target))


def remove_leftover_state(target: Path) -> None:
    """State files a killed full build left half-written (builds never run concurrently: the output lock)."""
    path = state_path(target)
    for leftover in path.parent.glob(f"{path.name}.tmp-*"):
        _unlink(leftover)


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("build: could not remove %s: %s", path, exc)
