"""The store: one SQLite file (WAL) — or a PostgreSQL database (``postgresql://…``) — shared by every stage,
with a versioned schema and migrations applied to either engine.

The SQL here is written once for both engines (``yigai.store_backends`` is the dialect layer and says the rules
a portable migration or query follows).

Pages are an append-only archive (raw bytes, zlib-compressed): nothing fetched is thrown away, so a better
extractor can re-run over it. ``urls`` holds per-URL crawl state (validators for conditional GET).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yigai.store_backends import (
    Migration,
    database_errors,
    engine_for,
    is_postgres_url,
    is_unwritable,
    migration_backfill,
    migration_sql,
)
from yigai.urls import article_id, canonical_url

# Each migration takes the schema from version i to i+1. Never edit a released one: append a new one.
MIGRATIONS: list[str | Migration] = [
    # 1: initial schema
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        home_region TEXT,
        config_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE urls (
        url TEXT PRIMARY KEY,              -- canonical URL
        source_id TEXT NOT NULL,
        kind TEXT NOT NULL,                -- list | feed | sitemap | article | asset
        first_seen TEXT NOT NULL,
        last_fetched TEXT,
        last_status INTEGER,
        etag TEXT,
        last_modified TEXT,
        fetch_count INTEGER NOT NULL DEFAULT 0,
        latest_page_id INTEGER
    );
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,                 -- canonical URL
        requested_url TEXT NOT NULL,
        final_url TEXT NOT NULL,
        source_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status INTEGER NOT NULL,
        headers_json TEXT NOT NULL,        -- the headers needed later (ETag, Last-Modified, Content-Type …)
        fetched_at TEXT NOT NULL,
        encoding TEXT,
        content_type TEXT,
        body BLOB NOT NULL,                -- zlib-compressed raw bytes
        body_size INTEGER NOT NULL,
        sha1 TEXT NOT NULL,
        run_id INTEGER
    );
    CREATE INDEX pages_url ON pages(url);
    CREATE INDEX pages_source ON pages(source_id, kind);
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,               -- sha1(canonical url)[:16]
        url TEXT NOT NULL,
        page_id INTEGER NOT NULL,
        source_id TEXT NOT NULL,
        site TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,                    -- ISO 8601 with offset
        original_source TEXT,
        author TEXT,
        editor TEXT,
        regions_json TEXT NOT NULL,        -- list of regions, primary first
        primary_code TEXT,
        national INTEGER NOT NULL DEFAULT 0,
        topics_json TEXT NOT NULL,
        relevance REAL NOT NULL,
        relevant INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,         -- 64-bit SimHash, 16 hex digits
        meta_json TEXT NOT NULL,           -- document number, type, issuing body, attachments, encoding
        group_id TEXT,                     -- syndication group (id of the original)
        is_original INTEGER NOT NULL DEFAULT 1,
        extracted_at TEXT NOT NULL,
        extractor_version TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_source ON articles(source_id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL,              -- running | ok | partial | failed | interrupted
        command TEXT NOT NULL,
        pid INTEGER,
        stats_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE run_sources (
        run_id INTEGER NOT NULL,
        source_id TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        pages_new INTEGER NOT NULL DEFAULT 0,
        not_modified INTEGER NOT NULL DEFAULT 0,
        articles_linked INTEGER NOT NULL DEFAULT 0,
        errors_json TEXT NOT NULL DEFAULT '{}',
        seconds REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, source_id)
    );
    """,
    # 2: bottom-k MinHash sketch of each article's shingles (near-duplicate candidates beyond SimHash)
    """
    ALTER TABLE articles ADD COLUMN sketch TEXT NOT NULL DEFAULT '';
    """,
    # 3: a revision number that every insert or update of an article row bumps (triggers, so every writer —
    # extraction, syndication grouping, archive import, a hand-made UPDATE — is covered). The site builder
    # keeps what it parsed from each row and parses a row again only when its revision changed.
    Migration(
        sqlite="""
    ALTER TABLE articles ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE article_revision (n INTEGER NOT NULL);
    INSERT INTO article_revision (n) VALUES (0);
    CREATE TRIGGER articles_rev_insert AFTER INSERT ON articles BEGIN
        UPDATE article_revision SET n = n + 1;
        UPDATE articles SET rev = (SELECT n FROM article_revision) WHERE rowid = NEW.rowid;
    END;
    CREATE TRIGGER articles_rev_update AFTER UPDATE ON articles WHEN NEW.rev = OLD.rev BEGIN
        UPDATE article_revision SET n = n + 1;
        UPDATE articles SET rev = (SELECT n FROM article_revision) WHERE rowid = NEW.rowid;
    END;
    """,
        postgresql="""
    ALTER TABLE articles ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE article_revision (n BIGINT NOT NULL);
    INSERT INTO article_revision (n) VALUES (0);
    CREATE FUNCTION yigai_articles_rev() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.rev IS DISTINCT FROM OLD.rev THEN
            RETURN NEW;
        END IF;
        UPDATE article_revision SET n = n + 1 RETURNING n INTO NEW.rev;
        RETURN NEW;
    END $$;
    CREATE TRIGGER articles_rev BEFORE INSERT OR UPDATE ON articles
        FOR EACH ROW EXECUTE FUNCTION yigai_articles_rev();
    """,
    ),
    # 4: every build reads each article's change token (``article_tokens``); from this covering index rather
    # than from the table, whose rows hold the texts (at 100,000 articles 0.19 s → 0.06 s).
    """
    CREATE INDEX articles_tokens ON articles(id, rev, fingerprint, extracted_at);
    """,
    # 5: the state of the articles (revision, count) when syndicated copies were last grouped. Articles are saved
    # one by one and grouped after the last: a run killed in between leaves copies marked as originals, and the
    # next run, with nothing new to extract, must still group them (``Store.grouping_due``).
    """
    CREATE TABLE syndication_grouped (revision INTEGER NOT NULL, articles INTEGER NOT NULL);
    """,
    # 6: sources taken out of the registry are retired (kept for their pages and history, but no longer listed
    # by `yigai status` or on the about page), and every article row deleted leaves a tombstone: a build may
    # publish fewer stories than the published site only for stories the store still knows (now off-topic or
    # a copy) or knows were removed (``Store.unexplained_missing``), never because the store is another one.
    Migration(
        sqlite="""
    ALTER TABLE sources ADD COLUMN retired_at TEXT;
    CREATE TABLE removed_articles (id TEXT PRIMARY KEY, removed_at TEXT NOT NULL);
    CREATE TRIGGER articles_removed AFTER DELETE ON articles BEGIN
        INSERT OR REPLACE INTO removed_articles (id, removed_at)
        VALUES (OLD.id, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));
    END;
    CREATE TRIGGER articles_restored AFTER INSERT ON articles BEGIN
        DELETE FROM removed_articles WHERE id = NEW.id;
    END;
    """,
        postgresql="""
    ALTER TABLE sources ADD COLUMN retired_at TEXT;
    CREATE TABLE removed_articles (id TEXT PRIMARY KEY, removed_at TEXT NOT NULL);
    CREATE FUNCTION yigai_articles_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO removed_articles (id, removed_at)
        VALUES (OLD.id, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))
        ON CONFLICT (id) DO UPDATE SET removed_at = excluded.removed_at;
        RETURN OLD;
    END $$;
    CREATE TRIGGER articles_removed AFTER DELETE ON articles
        FOR EACH ROW EXECUTE FUNCTION yigai_articles_removed();
    CREATE FUNCTION yigai_articles_restored() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM removed_articles WHERE id = NEW.id;
        RETURN NEW;
    END $$;
    CREATE TRIGGER articles_restored AFTER INSERT ON articles
        FOR EACH ROW EXECUTE FUNCTION yigai_articles_restored();
    """,
    ),
    # 10 (the lead's number for it; the 7th on its own branch, until migrations 7–9 of other branches are merged
    # before it): extraction claims. Extract workers
    # on several hosts claim pages for a while (``Store.claim_pages``): a page is extracted by one worker,
    # and a dead worker's pages are claimed again when their lease runs out.
    """
    CREATE TABLE extract_claims (
        page_id BIGINT PRIMARY KEY,        -- pages.id (a key the writer gives: not INTEGER PRIMARY KEY)
        owner TEXT NOT NULL,               -- host:pid of the worker
        leased_until TEXT NOT NULL         -- ISO 8601 UTC; FAILED_LEASE for a page that failed to extract
    );
    """,
    # 8: where each article is listed, as indexed columns and tables (issue #21 part 2): its story time
    # (``story_at``: publish time, else extraction time, in seconds since the epoch), the digest of its content
    # columns (``digest``: a page showing the article changes when it does), every division it is listed under
    # (``article_regions``: the divisions it names, in its order (ordinal), and their ancestors, ordinal NULL)
    # and its topics (``article_topics``). Names are joined at build time from the division table and the
    # taxonomy. Filled by the store on every write of an article (``yigai.listing``); the rows stored before
    # are filled by the migration's backfill (``Store._fill_listings``). A deleted article's rows stay until an
    # article of that id is written again (which replaces them): every list joins the articles, so they list
    # nothing (portable SQL, no trigger). The change tokens' index of migration 4 served the builder's row
    # cache, which is gone.
    Migration(
        sqlite="""
    DROP INDEX IF EXISTS articles_tokens;
    ALTER TABLE articles ADD COLUMN story_at REAL;
    ALTER TABLE articles ADD COLUMN digest TEXT NOT NULL DEFAULT '';
    CREATE INDEX articles_listed ON articles(relevant, is_original, story_at, id);
    CREATE INDEX articles_group ON articles(group_id, is_original);
    CREATE TABLE article_regions (
        article_id TEXT NOT NULL,
        code TEXT NOT NULL,
        ordinal INTEGER,
        PRIMARY KEY (article_id, code)
    );
    CREATE INDEX article_regions_code ON article_regions(code, article_id);
    CREATE TABLE article_topics (
        article_id TEXT NOT NULL,
        slug TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        PRIMARY KEY (article_id, slug)
    );
    CREATE INDEX article_topics_slug ON article_topics(slug, article_id);
    """,
        backfill=lambda conn, _engine: _fill_listings(conn),
    ),
    # 9: a story's feed id (issue #18 part 6). Feed entries were identified by the chosen copy's id, so a change
    # of chosen copy showed readers the story again as a new item. ``feed_id`` is the id a story's feed entries
    # carry: set by syndication grouping on each group's original (``set_groups``), handed on to a newly
    # chosen copy and never overwritten by a re-extraction; NULL means the article's own id (a story not
    # grouped yet). The backfill gives every listed story its current id, so no existing reader sees a change.
    """
    ALTER TABLE articles ADD COLUMN feed_id TEXT;
    UPDATE articles SET feed_id = id WHERE is_original = 1;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
LISTING_MIGRATION = 8  # the listing (article_regions, article_topics, story_at, digest)

# The content columns of an article: its ``digest`` covers these (not bookkeeping: revision, extraction time,
# page, syndication group), so re-extracting an unchanged page or regrouping copies re-renders nothing.
ARTICLE_CONTENT_COLUMNS = (
    "url", "source_id", "site", "title", "text", "published", "original_source", "author", "editor",
    "regions_json", "primary_code", "national", "topics_json", "relevant", "meta_json",
)


def article_digest(record: Any) -> str:
    """The digest of an article's content columns (``ARTICLE_CONTENT_COLUMNS``): 128-bit BLAKE2b, hex."""
    text = "\x1e".join(f"{c}={record[c]}" for c in ARTICLE_CONTENT_COLUMNS)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _write_listing(conn: Any, aid: str, listing: Any) -> None:
    """An article's listing rows (``yigai.listing.Listing``), replacing any it had."""
    conn.execute("DELETE FROM article_regions WHERE article_id = ?", (aid,))
    conn.execute("DELETE FROM article_topics WHERE article_id = ?", (aid,))
    if listing.regions:
        conn.executemany(
            "INSERT INTO article_regions (article_id, code, ordinal) VALUES (?, ?, ?)",
            [(aid, code, ordinal) for code, ordinal in listing.regions],
        )
    if listing.topics:
        conn.executemany(
            "INSERT INTO article_topics (article_id, slug, ordinal) VALUES (?, ?, ?)",
            [(aid, slug, ordinal) for ordinal, slug in enumerate(listing.topics)],
        )


def _fill_listings(conn: Any) -> None:
    """Migration 8's backfill: list the articles stored before it (in the migration's transaction), in batches
    of ids (the rows are updated as they are read)."""
    from yigai.listing import article_listing

    cols = ", ".join(("id", "extracted_at", *ARTICLE_CONTENT_COLUMNS))
    ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT {cols} FROM articles WHERE id IN ({', '.join('?' for _ in chunk)})", chunk
        ).fetchall()
        for row in rows:
            record = {name: row[k] for k, name in enumerate(("id", "extracted_at", *ARTICLE_CONTENT_COLUMNS))}
            listing = article_listing(record)
            conn.execute(
                "UPDATE articles SET story_at = ?, digest = ? WHERE id = ?",
                (listing.story_at, article_digest(record), record["id"]),
            )
            _write_listing(conn, record["id"], listing)


# The lease of a page that failed to extract: never runs out (compared as text with ISO times).
FAILED_LEASE = "9999-12-31T00:00:00+00:00"


def _iso_after(seconds: float) -> str:
    from datetime import timedelta

    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()


def utcnow() -> str:
    """Now, as ISO 8601 UTC with seconds (the store's timestamp format)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class FetchedPage:
    """One fetch, as the crawler hands it to the store."""

    requested_url: str
    final_url: str
    source_id: str
    kind: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    content_type: str | None = None
    run_id: int | None = None
    fetched_at: str | None = None


@dataclass
class StoredPage:
    id: int
    url: str
    final_url: str
    source_id: str
    kind: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    encoding: str | None
    body: bytes


# ``urls.last_status`` of a URL that answered with something that is not a page (binary, another type).
NOT_A_PAGE = -2

# Error kinds that describe a source's rules rather than a failure (robots.txt said no): they are counted and
# shown, but they do not make a run partial or a source unhealthy.
# pattern_inferred: a list page's links were found by inference because the entry's article_allow matched none
# (a redesign): crawled, and flagged, but not a failure of the run.
BENIGN_ERROR_KINDS = frozenset({"robots_forbidden", "pattern_inferred"})


@dataclass
class SourceStats:
    """Per-source counters for one run (what `yigai status` and the sources page show)."""

    requests: int = 0
    pages_new: int = 0
    not_modified: int = 0
    articles_linked: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, kind: str, n: int = 1) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + n


class StoreError(RuntimeError):
    pass


def store_unwritable(exc: BaseException) -> bool:
    """Whether ``exc`` says the store cannot be written: its disk is full, it or its folder is read-only, or the
    file system failed. A machine's failure, not the program's: reported in one line."""
    return is_unwritable(exc)


# What either engine raises when the database fails (``except DATABASE_ERRORS``).
DATABASE_ERRORS: tuple[type[BaseException], ...] = database_errors()


class StoreMissing(StoreError):
    """The store named in the settings is not there: no file, an empty file, or a file that is no yigai store."""


class Store:
    """The project's only shared state. Every write happens in a transaction."""

    def __init__(self, path: Path | str, *, readonly: bool = False, create: bool = True) -> None:
        """Open (and migrate) the store at ``path``: an SQLite file, or a ``postgresql://`` URL. With
        ``create=False`` a store that is not there — no file, an empty file, or a database without a yigai
        schema — raises ``StoreMissing`` naming it instead of being created: the stages that only read or add to
        an archive (build, extract, status, export) must never start a new, empty one because the path was
        mistyped or the file moved away."""
        self.engine = engine_for(path)
        self.is_postgres = is_postgres_url(path)
        # The SQLite file (None on PostgreSQL); ``location`` names either, without a password.
        self.path: Path | None = None if self.is_postgres else Path(path)
        self.location = self.engine.location
        self.target = str(path)  # what opens this store again in another process (a URL keeps its password)
        if self.path is not None:
            if not create:
                _check_store_file(self.path)
            elif not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn: Any = self.engine.connect(readonly=readonly)
        except DATABASE_ERRORS as exc:
            if self.is_postgres:
                raise StoreMissing(f"cannot reach the PostgreSQL store {self.location}: {exc}".strip()) from None
            raise
        try:
            if not create and self.schema_version == 0:
                raise StoreMissing(f"{self.location} is not a yigai store (a database without its tables)")
            if not readonly:
                if not self.is_postgres:
                    self._enable_wal()
                    self.conn.execute("PRAGMA synchronous = NORMAL")
                self.migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if "not a database" in str(exc):
                raise StoreMissing(f"{self.path} is not a yigai store (not an SQLite database)") from None
            raise
        except BaseException:
            self.conn.close()
            raise

    def _enable_wal(self) -> None:
        # Switching a new database to WAL needs an exclusive lock and SQLite does not wait for it (no busy
        # handler): two processes opening a new store at once (two crawl workers) would see "locked".
        for _attempt in range(100):
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.05)
        self.conn.execute("PRAGMA journal_mode = WAL")

    # ------------------------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN (IMMEDIATE on SQLite) … COMMIT; rolled back on any exception (so a killed run leaves no
        half-write). A transaction opened inside another is part of it (``save_articles``)."""
        if getattr(self, "_in_transaction", False):
            yield self.conn
            return
        self._in_transaction = True
        try:
            with self._transaction():
                yield self.conn
        finally:
            self._in_transaction = False

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        self.conn.execute(self.engine.begin)
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return self.engine.schema_version(self.conn)

    def migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.location}: schema version {version} is newer than this program's ({SCHEMA_VERSION}); "
                "upgrade"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as conn:
                # Another process (a second crawl worker on the same store) may have migrated meanwhile:
                # the version is read again under the write lock this transaction holds.
                self.engine.lock_for_migration(conn)
                if self.schema_version >= target:
                    continue
                migration = MIGRATIONS[target - 1]
                for statement in self.engine.statements(migration_sql(migration, self.engine.name)):
                    conn.execute(statement)
                backfill = migration_backfill(migration)
                if backfill is not None:
                    backfill(conn, self.engine.name)
                self.engine.set_schema_version(conn, target)

    def integrity_ok(self) -> bool:
        return self.engine.integrity_ok(self.conn)

    # ------------------------------------------------------------------------------------ sources
    def upsert_sources(self, sources: Iterable[Any], *, registry: bool = False) -> None:
        """Insert or update sources (and bring retired ones back). With ``registry=True`` the sources are the
        whole registry a run uses: every other source is retired (its pages and history stay)."""
        now = utcnow()
        with self.transaction() as conn:
            ids = []
            for src in sources:
                ids.append(src.id)
                conn.execute(
                    "INSERT INTO sources(id, name, home_region, config_json, updated_at) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET name=excluded.name, home_region=excluded.home_region, "
                    "config_json=excluded.config_json, updated_at=excluded.updated_at, retired_at=NULL",
                    (src.id, src.name, src.home_region, json.dumps(src.to_dict(), ensure_ascii=False), now),
                )
            if registry:
                conn.execute(
                    "UPDATE sources SET retired_at = ? WHERE retired_at IS NULL "
                    f"AND id NOT IN ({', '.join('?' for _ in ids)})",
                    (now, *ids),
                )

    def sources(self, *, include_retired: bool = False) -> list[Any]:
        """The registry's sources as last synchronised by a run (with ``include_retired``, every source ever
        crawled: their pages are still in the store)."""
        where = "" if include_retired else " WHERE retired_at IS NULL"
        return list(self.conn.execute(f"SELECT * FROM sources{where} ORDER BY id"))

    # ------------------------------------------------------------------------------------ crawl state
    def url_state(self, url: str) -> Any | None:
        return self.conn.execute("SELECT * FROM urls WHERE url = ?", (canonical_url(url),)).fetchone()

    def has_page(self, url: str) -> bool:
        """True when a successful fetch of ``url`` is stored (an article need not be fetched again)."""
        row = self.conn.execute(
            "SELECT latest_page_id FROM urls WHERE url = ?", (canonical_url(url),)
        ).fetchone()
        return bool(row and row[0])

    def gave_up(self, url: str) -> bool:
        """True when ``url`` answered with something that is not a page (``record_failure(…, NOT_A_PAGE)``)."""
        row = self.conn.execute(
            "SELECT last_status FROM urls WHERE url = ? AND latest_page_id IS NULL", (canonical_url(url),)
        ).fetchone()
        return bool(row and row[0] == NOT_A_PAGE)

    def save_page(self, page: FetchedPage) -> int | None:
        """Archive one successful fetch. Returns the new page id, or None when the bytes are unchanged."""
        url = canonical_url(page.requested_url)
        now = page.fetched_at or utcnow()
        sha1 = _sha1(page.body)
        headers = {k: v for k, v in page.headers.items() if v is not None}
        with self.transaction() as conn:
            state = conn.execute("SELECT latest_page_id FROM urls WHERE url = ?", (url,)).fetchone()
            latest_sha = None
            if state and state[0]:
                row = conn.execute("SELECT sha1 FROM pages WHERE id = ?", (state[0],)).fetchone()
                latest_sha = row[0] if row else None
            page_id: int | None = None
            if latest_sha != sha1:
                cur = conn.execute(
                    "INSERT INTO pages(url, requested_url, final_url, source_id, kind, status, headers_json, "
                    "fetched_at, encoding, content_type, body, body_size, sha1, run_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                    (
                        url, page.requested_url, page.final_url, page.source_id, page.kind, page.status,
                        json.dumps(headers, ensure_ascii=False, sort_keys=True), now, page.encoding,
                        page.content_type, zlib.compress(page.body, 6), len(page.body), sha1, page.run_id,
                    ),
                )
                page_id = int(cur.fetchone()[0])
            conn.execute(
                "INSERT INTO urls(url, source_id, kind, first_seen, last_fetched, last_status, etag, "
                "last_modified, fetch_count, latest_page_id) VALUES (?,?,?,?,?,?,?,?,1,?) "
                "ON CONFLICT(url) DO UPDATE SET last_fetched=excluded.last_fetched, "
                "last_status=excluded.last_status, etag=excluded.etag, last_modified=excluded.last_modified, "
                "fetch_count=urls.fetch_count+1, "
                "latest_page_id=COALESCE(excluded.latest_page_id, urls.latest_page_id)",
                (
                    url, page.source_id, page.kind, now, now, page.status, _header(headers, "etag"),
                    _header(headers, "last-modified"), page_id,
                ),
            )
        return page_id

    def record_discovered(self, urls: Iterable[str], source_id: str, kind: str) -> None:
        """Remember links found on a discovery page before the page itself is stored.

        A run killed after storing a list page but before fetching its links would otherwise lose them: the
        next run gets a 304 for the list and never sees the links again. Pending URLs are re-queued instead.
        """
        now = utcnow()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO urls(url, source_id, kind, first_seen) VALUES (?,?,?,?) ON CONFLICT (url) DO NOTHING",
                [(canonical_url(u), source_id, kind, now) for u in urls],
            )

    def pending_urls(self, source_id: str, max_failures: int = 5) -> list[tuple[str, str]]:
        """(url, kind) discovered for ``source_id`` but never stored, failing fewer than ``max_failures`` times."""
        rows = self.conn.execute(
            "SELECT url, kind FROM urls WHERE source_id = ? AND latest_page_id IS NULL "
            "AND COALESCE(last_status, 0) NOT IN (304, -1, ?) AND fetch_count < ? ORDER BY first_seen, url",
            (source_id, NOT_A_PAGE, max_failures),
        )
        return [(r[0], r[1]) for r in rows]

    def record_failure(self, url: str, source_id: str, kind: str, status: int = 0) -> None:
        """Count a failed fetch so a URL that always fails is given up.

        ``status`` is the HTTP status, 0 for a network error, -1 for a URL robots.txt forbids (never pending),
        ``NOT_A_PAGE`` for one that answered with something that is not a page and never will be (a PDF, an
        image: ``crawler.faults.PERMANENT_FAULTS``), which is not asked for again (``gave_up``).
        """
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO urls(url, source_id, kind, first_seen, last_fetched, last_status, fetch_count) "
                "VALUES (?,?,?,?,?,?,1) ON CONFLICT(url) DO UPDATE SET last_fetched=excluded.last_fetched, "
                "last_status=excluded.last_status, fetch_count=urls.fetch_count+1",
                (canonical_url(url), source_id, kind, now, now, status),
            )

    def record_not_modified(self, url: str, source_id: str, kind: str) -> None:
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO urls(url, source_id, kind, first_seen, last_fetched, last_status, fetch_count) "
                "VALUES (?,?,?,?,?,304,1) ON CONFLICT(url) DO UPDATE SET last_fetched=excluded.last_fetched, "
                "last_status=304, fetch_count=urls.fetch_count+1",
                (canonical_url(url), source_id, kind, now, now),
            )

    def page(self, page_id: int) -> StoredPage:
        row = self.conn.execute("SELECT * FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None:
            raise KeyError(page_id)
        return _stored_page(row)

    # The newest stored fetch of each article URL (what extraction reads).
    _ARTICLE_PAGES = (
        "FROM urls u JOIN pages p ON p.id = u.latest_page_id WHERE u.kind = 'article' AND p.status = 200"
    )
    _UNEXTRACTED = " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.page_id = p.id)"

    def latest_article_pages(self, *, only_unextracted: bool = True) -> Iterator[StoredPage]:
        """The newest stored fetch of each article URL; by default only those not yet extracted. Read in
        batches (``pages_by_id``): 100,000 bodies are never in memory at once."""
        ids = self.article_page_ids(only_unextracted=only_unextracted)
        for start in range(0, len(ids), 200):
            yield from self.pages_by_id(ids[start : start + 200])

    def article_page_ids(self, *, only_unextracted: bool = True) -> list[int]:
        """The ids of ``latest_article_pages``, in id order."""
        sql = f"SELECT p.id {self._ARTICLE_PAGES}{self._UNEXTRACTED if only_unextracted else ''} ORDER BY p.id"
        return [int(r[0]) for r in self.conn.execute(sql)]

    def pages_by_id(self, ids: list[int]) -> list[StoredPage]:
        """The stored pages of ``ids``, in the order given (ids not stored are left out)."""
        if not ids:
            return []
        rows = self.conn.execute(f"SELECT * FROM pages WHERE id IN ({', '.join('?' for _ in ids)})", ids)
        by_id = {int(r["id"]): _stored_page(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # --------------------------------------------------------------------- extraction claims (workers)
    def claim_pages(self, owner: str, limit: int, lease_seconds: float) -> list[StoredPage]:
        """Claim up to ``limit`` article pages not yet extracted for ``owner`` (an extract worker), for
        ``lease_seconds``: no other worker gets them meanwhile. A page whose claim's lease ran out (its worker
        died or hung) is claimed again. On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``, so
        workers claiming at once take different pages without waiting for each other; on SQLite the write
        transaction serialises them."""
        now = utcnow()
        until = _iso_after(lease_seconds)
        skip_locked = " FOR UPDATE OF p SKIP LOCKED" if self.is_postgres else ""
        with self.transaction() as conn:
            candidates = [int(r[0]) for r in conn.execute(
                f"SELECT p.id {self._ARTICLE_PAGES}{self._UNEXTRACTED} AND NOT EXISTS (SELECT 1 FROM "
                "extract_claims c WHERE c.page_id = p.id AND c.leased_until >= ?) "
                f"ORDER BY p.id LIMIT ?{skip_locked}",
                (now, int(limit)),
            )]
            claimed = []
            for page_id in candidates:
                # The condition again, on the claim row itself: a claim another worker made since this
                # statement's snapshot is kept (the upsert waits for it, then finds its lease running).
                row = conn.execute(
                    "INSERT INTO extract_claims (page_id, owner, leased_until) VALUES (?, ?, ?) "
                    "ON CONFLICT (page_id) DO UPDATE SET owner = excluded.owner, "
                    "leased_until = excluded.leased_until WHERE extract_claims.leased_until < ? RETURNING page_id",
                    (page_id, owner, until, now),
                ).fetchone()
                if row is not None:
                    claimed.append(page_id)
        return self.pages_by_id(claimed)

    def release_claims(self, owner: str, page_ids: Iterable[int], *, failed: bool = False) -> None:
        """Give back ``owner``'s claims (done: the articles are saved). A page that failed to extract keeps a
        claim that never runs out (``FAILED_LEASE``): workers do not retry it forever; ``extract --all`` does."""
        ids = list(page_ids)
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        with self.transaction() as conn:
            if failed:
                conn.execute(
                    f"UPDATE extract_claims SET leased_until = ? WHERE owner = ? AND page_id IN ({marks})",
                    (FAILED_LEASE, owner, *ids),
                )
            else:
                conn.execute(f"DELETE FROM extract_claims WHERE owner = ? AND page_id IN ({marks})", (owner, *ids))

    def claims_running(self) -> int:
        """How many pages not yet extracted are claimed by a worker whose lease still runs (not failed ones)."""
        return int(self.conn.execute(
            f"SELECT COUNT(*) {self._ARTICLE_PAGES}{self._UNEXTRACTED} AND EXISTS (SELECT 1 FROM extract_claims c "
            "WHERE c.page_id = p.id AND c.leased_until >= ? AND c.leased_until < ?)",
            (utcnow(), FAILED_LEASE),
        ).fetchone()[0])

    def claims(self) -> list[tuple[int, str, str]]:
        """Every claim: (page id, owner, leased until), in page order."""
        return [(int(r[0]), r[1], r[2]) for r in
                self.conn.execute("SELECT page_id, owner, leased_until FROM extract_claims ORDER BY page_id")]

    def count_pages(self, *, run_id: int | None = None) -> int:
        """How many pages the archive holds (with ``run_id``: how many that run stored)."""
        if run_id is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0])
        return int(self.conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (run_id,)).fetchone()[0])

    def count_fetched(self, kind: str) -> int:
        """How many URLs of ``kind`` (article, list …) have a stored page."""
        return int(self.conn.execute(
            "SELECT COUNT(*) FROM urls WHERE kind = ? AND latest_page_id IS NOT NULL", (kind,)
        ).fetchone()[0])

    def archived_pages(self) -> Iterator[dict[str, Any]]:
        """Every stored fetch in id order, as a dict of its columns with ``body`` as the raw bytes (export)."""
        for row in self.engine.stream(self.conn, "SELECT * FROM pages ORDER BY id"):
            record = dict(row)
            record["body"] = zlib.decompress(bytes(record["body"]))
            yield record

    def add_source_record(self, record: dict[str, Any]) -> bool:
        """Insert a source as exported (``sources`` columns) unless its id is known; whether it was added."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO sources(id, name, home_region, config_json, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (id) DO NOTHING",
                (record["id"], record["name"], record.get("home_region"), record["config_json"],
                 record["updated_at"]),
            )
        return cur.rowcount > 0

    # ------------------------------------------------------------------------------------ articles
    # Bookkeeping columns: a re-extraction that changes only these has not changed the article.
    _BOOKKEEPING = frozenset({"extracted_at", "page_id", "group_id", "is_original"})

    def save_article(self, record: dict[str, Any]) -> list[str] | None:
        """Insert or replace one article (``record`` keyed like the table).

        Returns None for a new article, else the names of the columns whose values changed ([] if none).
        """
        # The revision is the triggers' business (migration 3): a restored row's old ``rev`` is not kept.
        cols = sorted(c for c in record if c != "rev")
        existing = self.conn.execute("SELECT * FROM articles WHERE id = ?", (record["id"],)).fetchone()
        changed = None if existing is None else [
            c for c in cols if c not in self._BOOKKEEPING and existing[c] != record[c]
        ]
        from yigai.listing import article_listing

        listing = article_listing(record)
        cols = [c for c in cols if c not in ("story_at", "digest")]
        with self.transaction() as conn:
            # A replace, as SQLite's INSERT OR REPLACE was: every column the record leaves out takes its default
            # again (``excluded`` is the proposed row, defaults included), on both engines.
            # ``feed_id`` is grouping's (``set_groups``): a re-extraction keeps the story's feed id.
            kept = ("id", "rev", "feed_id")
            updates = ", ".join(f"{c} = excluded.{c}" for c in self._article_columns() if c not in kept)
            conn.execute(
                f"INSERT INTO articles({', '.join(cols)}, story_at, digest) "
                f"VALUES ({', '.join('?' for _ in cols)}, ?, ?) ON CONFLICT (id) DO UPDATE SET {updates}",
                [*(record[c] for c in cols), listing.story_at, article_digest(record)],
            )
            _write_listing(conn, record["id"], listing)
        return changed

    def _article_columns(self) -> list[str]:
        columns = getattr(self, "_article_columns_cache", None)
        if columns is None:
            cursor = self.conn.execute("SELECT * FROM articles WHERE 1 = 0")
            columns = self._article_columns_cache = [d[0] for d in cursor.description]
        return columns

    def insert_articles(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert or replace many articles in one transaction (an archive import, a benchmark's store)."""
        self.save_articles(list(records))

    def save_articles(self, records: list[dict[str, Any]]) -> list[list[str] | None]:
        """``save_article`` for each record, in one transaction (the writer of a parallel extraction)."""
        results: list[list[str] | None] = []
        with self.transaction():
            for record in records:
                results.append(self.save_article(record))
        return results

    def set_groups(self, groups: dict[str, tuple]) -> None:
        """Set (group_id, is_original[, feed_id]) per article id, in one transaction. An original keeps its feed
        id when none is given (else its own id); a copy has none (its story's is the original's)."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE articles SET group_id = ?, is_original = ?, "
                "feed_id = CASE WHEN ? = 1 THEN COALESCE(?, feed_id, id) END WHERE id = ?",
                [(g[0], int(g[1]), int(g[1]), (g[2:] or (None,))[0], aid) for aid, g in groups.items()],
            )

    def _articles_state(self) -> tuple[int, int]:
        """(the articles' revision counter, how many articles): any insert, update or deletion changes it."""
        revision = self.conn.execute("SELECT n FROM article_revision").fetchone()[0]
        count = self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        return int(revision), int(count)

    def grouping_due(self) -> bool:
        """Whether articles changed since syndicated copies were last grouped (``mark_grouped``)."""
        row = self.conn.execute("SELECT revision, articles FROM syndication_grouped").fetchone()
        return row is None or (int(row[0]), int(row[1])) != self._articles_state()

    def mark_grouped(self) -> None:
        """Record that the articles, as they are now, are grouped (after ``set_groups``)."""
        with self.transaction() as conn:
            revision, count = self._articles_state()
            conn.execute("DELETE FROM syndication_grouped")
            conn.execute("INSERT INTO syndication_grouped (revision, articles) VALUES (?, ?)", (revision, count))

    def articles(self, *, relevant_only: bool = False) -> list[Any]:
        sql = "SELECT * FROM articles"
        if relevant_only:
            sql += " WHERE relevant = 1"
        sql += " ORDER BY COALESCE(published, extracted_at) DESC, id"
        return list(self.conn.execute(sql))

    def iter_articles(self) -> Iterator[Any]:
        """Every article row, one at a time (no list of 100,000 rows with their texts in memory)."""
        yield from self.engine.stream(self.conn, "SELECT * FROM articles ORDER BY id")

    def article_rows(self, ids: Iterable[str], batch: int = 500) -> Iterator[Any]:
        """The full rows of the given articles (in batches: SQLite limits the number of parameters)."""
        ids = list(ids)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            yield from self.conn.execute(
                f"SELECT * FROM articles WHERE id IN ({', '.join('?' for _ in chunk)})", chunk
            )

    # The site's lists (issue #21 part 2): each an SQL query over indexed columns, newest story first (ties by
    # id). A story is listed when it is relevant, not a copy of another, and has a story time.
    _LISTED = "a.relevant = 1 AND a.is_original = 1 AND a.story_at IS NOT NULL"
    _NEWEST_FIRST = "a.story_at DESC, a.id"

    def listed_articles(self, text_prefix: int) -> list[tuple[Any, ...]]:
        """Every listed story, newest first, with its text's first ``text_prefix`` characters only (a list's
        summary; the builder reads whole texts for the pages it renders): (id, digest, story_at, url,
        source_id, site, title, text prefix, published, extracted_at, original_source, author, editor,
        primary_code, national, meta_json, group_id, feed id)."""
        return self.engine.plain_rows(
            self.conn,
            "SELECT a.id, a.digest, a.story_at, a.url, a.source_id, a.site, a.title, "
            f"substr(a.text, 1, {int(text_prefix)}), a.published, a.extracted_at, a.original_source, a.author, "
            "a.editor, a.primary_code, a.national, a.meta_json, a.group_id, COALESCE(a.feed_id, a.id) "
            f"FROM articles a WHERE {self._LISTED} ORDER BY {self._NEWEST_FIRST}",
        )

    def listed_copies(self) -> list[tuple[Any, ...]]:
        """Syndicated copies (whatever their own relevance: they carry the same story): (group id, copy id,
        site, source id, url, published), by group."""
        return self.engine.plain_rows(
            self.conn,
            "SELECT group_id, id, site, source_id, url, published FROM articles "
            "WHERE is_original = 0 AND group_id IS NOT NULL AND group_id != '' ORDER BY group_id, id",
        )

    def region_lists(self) -> list[tuple[Any, ...]]:
        """(division code, story id, ordinal) of every listed story under every division it is listed under
        (the ordinal: its place among the divisions the story names, None for an ancestor it does not name):
        each division's list newest first."""
        return self.engine.plain_rows(
            self.conn,
            "SELECT r.code, r.article_id, r.ordinal FROM article_regions r JOIN articles a ON a.id = r.article_id "
            f"WHERE {self._LISTED} ORDER BY r.code, {self._NEWEST_FIRST}",
        )

    def topic_lists(self) -> list[tuple[Any, ...]]:
        """(topic slug, story id, ordinal) of every listed story under each of its topics: each list newest
        first."""
        return self.engine.plain_rows(
            self.conn,
            "SELECT t.slug, t.article_id, t.ordinal FROM article_topics t JOIN articles a ON a.id = t.article_id "
            f"WHERE {self._LISTED} ORDER BY t.slug, {self._NEWEST_FIRST}",
        )

    def listed_containing(self, terms: Sequence[str]) -> list[str]:
        """The ids of the listed stories whose title or text holds any of ``terms`` (a watchlist's), newest first."""
        if not terms:
            return []
        escaped = (t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in terms)
        patterns = [f"%{t}%" for t in escaped]
        held = " OR ".join("a.title LIKE ? ESCAPE '\\' OR a.text LIKE ? ESCAPE '\\'" for _ in patterns)
        sql = f"SELECT a.id FROM articles a WHERE {self._LISTED} AND ({held}) ORDER BY {self._NEWEST_FIRST}"
        return [row[0] for row in self.conn.execute(sql, [p for p in patterns for _ in (0, 1)]).fetchall()]

    def article_text(self, aid: str) -> str | None:
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (aid,)).fetchone()
        return None if row is None else str(row[0] or "")

    def count_copies(self) -> int:
        """How many articles are syndicated copies of another (not published on their own)."""
        return int(self.conn.execute("SELECT COUNT(*) FROM articles WHERE is_original = 0").fetchone()[0])

    def syndication_rows(self) -> list[dict[str, Any]]:
        """What grouping syndicated copies reads of every article, in id order: id, site, original_source,
        published, url, fingerprint, sketch, group_id, is_original, feed_id, title, lead (the text's first 400
        characters: copies are confirmed by title or lead) and meta_json."""
        rows = self.conn.execute(
            "SELECT id, site, original_source, published, url, fingerprint, sketch, group_id, is_original, feed_id, "
            "title, substr(text, 1, 400) AS lead, meta_json FROM articles ORDER BY id"
        )
        return [dict(r) for r in rows]

    def publication_times(self) -> Iterator[tuple[str, float | None, str]]:
        """(source id, seconds since the epoch or None, the published string) of every dated article. SQLite
        reads the ISO 8601 strings (offsets included) itself, which spares a Python parse per article on every
        build; the epoch is None where it cannot (the caller parses those)."""
        # PostgreSQL has no lenient reading of such strings (a cast fails on the first odd one): the caller
        # parses them all there.
        epoch_sql = "NULL" if self.is_postgres else "strftime('%s', published)"
        for source_id, epoch, published in self.conn.execute(
            f"SELECT source_id, {epoch_sql}, published FROM articles WHERE published IS NOT NULL"
        ):
            # ISO dates only: strftime also reads "now" or a Julian day number.
            ok = epoch is not None and published[4:5] == "-"
            yield source_id, (float(epoch) if ok else None), published

    def count_published(self) -> int:
        """How many stories the site publishes: relevant articles that are not a copy of another."""
        return int(
            self.conn.execute("SELECT COUNT(*) FROM articles WHERE relevant = 1 AND is_original = 1").fetchone()[0]
        )

    def unexplained_missing(self, ids: Iterable[str]) -> list[str]:
        """Of ``ids`` (the stories a published site shows), those this store has no article for and no record
        of removing (``removed_articles``): a store that lacks them is not the store the site was built from
        (moved, mistyped, restored from an older backup), not one whose stories were taken down. Sorted."""
        known = {r[0] for r in self.conn.execute("SELECT id FROM articles")}
        known.update(r[0] for r in self.conn.execute("SELECT id FROM removed_articles"))
        return sorted(set(ids) - known)

    def article(self, aid: str) -> Any | None:
        return self.conn.execute("SELECT * FROM articles WHERE id = ?", (aid,)).fetchone()

    # ------------------------------------------------------------------------------------ whole tables
    # (``yigai store copy``: every table the schema has, whichever migrations made it)
    def table_names(self) -> list[str]:
        return self.engine.tables(self.conn)

    def table_columns(self, table: str) -> tuple[list[str], list[str]]:
        """(every column, the primary key's columns in key order — every column when it has none)."""
        columns = self.engine.columns(self.conn, table)
        key = [name for name, pos in sorted((c for c in columns if c[1]), key=lambda c: c[1])]
        return [name for name, _ in columns], key or [name for name, _ in columns]

    def table_rows(self, table: str, batch: int = 500) -> Iterator[tuple[Any, ...]]:
        """Every row of ``table`` (its columns in table order), in primary-key order."""
        columns, key = self.table_columns(table)
        quoted = ", ".join(f'"{c}"' for c in columns)
        order = ", ".join(f'"{c}"' for c in key)
        for row in self.engine.stream(self.conn, f'SELECT {quoted} FROM "{table}" ORDER BY {order}', ()):
            yield tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)

    def count_rows(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    def replace_table(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Empty ``table`` and insert ``rows`` (in the current transaction, when there is one); returns how
        many. Ids are kept as given (an identity continues after the largest)."""
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
        n = 0
        with self.transaction() as conn:
            conn.execute(f'DELETE FROM "{table}"')
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= 500:
                    conn.executemany(sql, chunk)
                    n += len(chunk)
                    chunk = []
            if chunk:
                conn.executemany(sql, chunk)
                n += len(chunk)
            self.engine.reset_identity(conn, table)
        return n

    def restore_revisions(self, revisions: Iterable[tuple[str, int]]) -> None:
        """Give articles back the revisions they had (a copy): the triggers of migration 3 number every insert
        anew, but leave a revision set explicitly to another value alone — so each is set twice, to its
        negative first (always another value), then to itself."""
        pairs = list(revisions)
        with self.transaction() as conn:
            conn.executemany("UPDATE articles SET rev = ? WHERE id = ?", [(-rev - 1, aid) for aid, rev in pairs])
            conn.executemany("UPDATE articles SET rev = ? WHERE id = ?", [(rev, aid) for aid, rev in pairs])

    # ------------------------------------------------------------------------------------ runs
    def start_run(self, command: str, pid: int | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs(started_at, status, command, pid) VALUES (?, 'running', ?, ?) RETURNING id",
                (utcnow(), command, pid),
            )
            return int(cur.fetchone()[0])

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, stats_json = ? WHERE id = ?",
                (utcnow(), status, json.dumps(stats, ensure_ascii=False, sort_keys=True), run_id),
            )

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a killed process are marked 'interrupted' (called under the store lock). Not the
        runs of crawl workers ('worker crawl <host>'): they take no lock and may be at work on another host
        (``mark_dead_worker_runs``)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?) WHERE status = 'running' "
                "AND command NOT LIKE 'worker %'",
                (utcnow(),),
            )
            return cur.rowcount

    def mark_dead_worker_runs(self, command: str, alive: Callable[[int], bool]) -> int:
        """This host's crawl workers' runs (``command``, which names the host) left 'running' by a process that is
        gone (``alive(pid)`` false) are marked 'interrupted'."""
        rows = self.conn.execute(
            "SELECT id, pid FROM runs WHERE status = 'running' AND command = ?", (command,)
        ).fetchall()
        dead = [int(r[0]) for r in rows if r[1] is None or not alive(int(r[1]))]
        if dead:
            with self.transaction() as conn:
                conn.executemany(
                    "UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?) WHERE id = ?",
                    [(utcnow(), run_id) for run_id in dead],
                )
        return len(dead)

    def save_source_stats(self, run_id: int, source_id: str, stats: SourceStats) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO run_sources(run_id, source_id, requests, pages_new, not_modified, "
                "articles_linked, errors_json, seconds) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (run_id, source_id) DO UPDATE SET requests = excluded.requests, "
                "pages_new = excluded.pages_new, not_modified = excluded.not_modified, "
                "articles_linked = excluded.articles_linked, errors_json = excluded.errors_json, "
                "seconds = excluded.seconds",
                (
                    run_id, source_id, stats.requests, stats.pages_new, stats.not_modified,
                    stats.articles_linked, json.dumps(stats.errors, sort_keys=True), round(stats.seconds, 3),
                ),
            )

    def runs(self, limit: int = 10) -> list[Any]:
        return list(self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)))

    def run_sources(self, run_id: int) -> list[Any]:
        return list(self.conn.execute("SELECT * FROM run_sources WHERE run_id = ? ORDER BY source_id", (run_id,)))

    def source_history(self, source_id: str, limit: int = 10) -> list[Any]:
        return list(
            self.conn.execute(
                "SELECT rs.*, r.started_at FROM run_sources rs JOIN runs r ON r.id = rs.run_id "
                "WHERE rs.source_id = ? ORDER BY rs.run_id DESC LIMIT ?",
                (source_id, limit),
            )
        )


def _check_store_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoreMissing(
            f"no store at {path} (moved away, or a mistyped --database?); "
            "`yigai run`, `yigai crawl` or `yigai import` make a new one"
        ) from None
    if not path.is_file():
        raise StoreMissing(f"{path} is not a store file")
    if size == 0:
        raise StoreMissing(f"{path} is empty (0 bytes): not a yigai store")


def _sha1(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(data).hexdigest()


def _header(headers: dict[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


def _stored_page(row: Any) -> StoredPage:
    return StoredPage(
        id=row["id"],
        url=row["url"],
        final_url=row["final_url"],
        source_id=row["source_id"],
        kind=row["kind"],
        status=row["status"],
        headers=json.loads(row["headers_json"]),
        fetched_at=row["fetched_at"],
        encoding=row["encoding"],
        body=zlib.decompress(bytes(row["body"])),
    )


__all__ = [
    "BENIGN_ERROR_KINDS", "DATABASE_ERRORS", "NOT_A_PAGE", "FetchedPage", "SourceStats", "Store", "StoreError", "StoreMissing", "StoredPage",
    "article_id", "store_unwritable", "utcnow",
]
