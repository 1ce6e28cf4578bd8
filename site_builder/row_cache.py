"""``StoreArticles``: the store's articles as light models, parsing only the rows that changed.

Parsing a row (JSON columns, regions, links, the summary, the row digest) costs ~100 µs; at 100,000 articles
that alone would be most of a nightly build. The store bumps a revision number on every write to a row
(migration 3), so the builder keeps what it parsed from each row in a cache file next to the output
(``.<output>.articles``) and parses a row again only when its token (revision, text SimHash, extraction time)
changed. The cache holds plain values only (``marshal``; nothing in it is ever executed); a missing, damaged
or outdated cache just means every row is parsed, as on a first build.

At 100,000 articles the cache is ~90 MB, and rewriting it (~0.5 s) on every nightly build that changes ~100
rows would cost a large share of the build. So the cache is a *base* file plus a small *journal* beside it
(``.<output>.articles.journal``) holding every change since the base: the rows added or changed, with their
latest value, and the base's rows deleted. A save that changes a few rows of a big base rewrites only the
journal (the previous journal's changes plus this build's); once the journal would outgrow
``JOURNAL_MAX_SHARE`` of the base (or when the base is small), the save writes a new base instead and removes
the journal. Each base carries a random ``stamp`` and a journal names the stamp of the base it extends: a
journal is applied only over that very base, so a journal left over from an older base (a crash between
writing a base and removing the journal, a copied file …) is ignored. Both files are written atomically.
Whatever state they are in, what ``read`` returns equals a full parse: an ignored or damaged journal only
means the rows it held are parsed again (their tokens no longer match the base's).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from site_builder import models
from site_builder.models import Article, Attachment, Copy, ParsedRow, RegionRef, TopicRef, assemble, read_row

logger = logging.getLogger(__name__)

# The rows' layout. A base written before journals existed has no stamp: it is read, but never extended by a
# journal (the next save that changes anything writes a new base).
CACHE_FORMAT = 1
# Below this many rows in the base, every save rewrites the base: that costs a few milliseconds, and a single
# file is the simplest state to be in.
JOURNAL_MIN_BASE_ROWS = 2_000
# The journal may hold at most this share of the base's rows (rows changed or added, plus rows gone). Every
# save rewrites the whole journal and every read applies it, so it must stay small next to the base; at
# 100,000 articles and ~100 changed rows a night, the base is rewritten about once in 100 builds.
JOURNAL_MAX_SHARE = 0.10


def cache_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.articles")


def journal_path(cache_file: Path) -> Path:
    """The journal of the changes made since the base file ``cache_file`` was written."""
    return cache_file.with_name(cache_file.name + ".journal")


def code_digest() -> str:
    """The parsing rules' digest: what was parsed under other rules is stale."""
    return _code_digest()


def _code_digest() -> str:
    # Parsing rules live in models.py: when it changes, everything parsed before is stale.
    return hashlib.blake2b(Path(models.__file__).read_bytes(), digest_size=16).hexdigest()


def _encode(parsed: ParsedRow) -> tuple:
    art, group, copy = parsed
    if art is not None:
        return (
            "a",
            art.id,
            art.title,
            art.summary,
            art.site,
            art.source_id,
            art.link,
            art.published.isoformat() if art.published else None,
            art.date.isoformat(),
            art.original_source,
            art.author,
            art.editor,
            tuple((r.code, r.name, r.level, r.parent_code) for r in art.regions),
            art.region_codes,
            art.national,
            tuple((t.id, t.label) for t in art.topics),
            art.doc_number,
            art.doc_type,
            art.issuing_body,
            tuple((a.title, a.kind, a.link) for a in art.attachments),
            art.group_id,
            art.primary_code,
            art.place,
            art.digest,
            art.written_date,
        )
    if copy is not None:
        return ("c", group, copy.id, copy.site, copy.link)
    return ("x",)


# The fields of an encoded article, in ``_encode``'s order (after the "a").
_ARTICLE_FIELDS = (
    "id",
    "title",
    "summary",
    "site",
    "source_id",
    "link",
    "published",
    "date",
    "original_source",
    "author",
    "editor",
    "regions",
    "region_codes",
    "national",
    "topics",
    "doc_number",
    "doc_type",
    "issuing_body",
    "attachments",
    "group_id",
    "primary_code",
    "place",
    "digest",
    "written_date",
)


def _decode(value: tuple) -> ParsedRow:
    kind = value[0]
    if kind == "c":
        return None, value[1], Copy(value[2], value[3], value[4])
    if kind != "a":
        return None, None, None
    # The instance dict is made straight from the encoded values (``zip`` runs in C) and handed to a bare
    # instance: a frozen dataclass's __init__ sets each field through object.__setattr__, which for 100,000
    # articles costs more than everything else here. Only the fields that are not plain values are converted.
    fields = dict(zip(_ARTICLE_FIELDS, value[1:], strict=True))
    date = fields["date"]
    when = fields["date"] = datetime.fromisoformat(date)
    published = fields["published"]
    if published:
        fields["published"] = when if published == date else datetime.fromisoformat(published)
    # Looked up inline (three calls per article saved): the sets are shared, made once per distinct value.
    regions = _REGION_SETS.get(fields["regions"])
    fields["regions"] = regions if regions is not None else _shared(_REGION_SETS, fields["regions"], _region_set)
    codes = _CODE_SETS.get(fields["region_codes"])
    fields["region_codes"] = codes if codes is not None else _shared(_CODE_SETS, fields["region_codes"], tuple)
    topics = _TOPIC_SETS.get(fields["topics"])
    fields["topics"] = topics if topics is not None else _shared(_TOPIC_SETS, fields["topics"], _topic_set)
    attachments = fields["attachments"]
    fields["attachments"] = tuple(Attachment(*a) for a in attachments) if attachments else ()
    fields["paragraphs"] = ()
    fields["copies"] = ()
    # ``Article.sort_key`` is a cached property: filled in now, it costs no call when lists are sorted.
    fields["sort_key"] = (-when.timestamp(), fields["id"])
    if date[-6:] == "+08:00":  # China time, as stored dates nearly always are: its day is in the text
        fields["day"] = date[:10]  # ``Article.day``, which would otherwise convert the date (a cached property)
    art = object.__new__(Article)
    object.__setattr__(art, "__dict__", fields)
    return art, None, None


def encode_row(parsed: ParsedRow) -> tuple:
    """What a store row contributes, as plain values (marshal-able): the cache's (and the delta state's) form."""
    return _encode(parsed)


def decode_row(value: tuple) -> ParsedRow:
    return _decode(value)


_REGIONS: dict[tuple, RegionRef] = {}
# The same region sets, code sets and topic sets recur across articles: one (immutable) tuple each, shared by
# every article that has it (less memory, and faster than building a tuple per article).
_REGION_SETS: dict[tuple, tuple[RegionRef, ...]] = {}
_CODE_SETS: dict[tuple, tuple[str, ...]] = {}
_TOPIC_SETS: dict[tuple, tuple[TopicRef, ...]] = {}


def _shared(memo: dict[tuple, Any], value: tuple, make: Any) -> Any:
    found = memo.get(value)
    if found is None:
        found = memo[value] = make(value)
    return found


def _region_set(value: tuple) -> tuple[RegionRef, ...]:
    return tuple(_region(r) for r in value)


def _topic_set(value: tuple) -> tuple[TopicRef, ...]:
    return tuple(TopicRef(t[0], t[1]) for t in value)


def _region(value: tuple) -> RegionRef:
    # The same few thousand divisions recur across 100,000 articles: one (immutable) object each.
    return _shared(_REGIONS, value, lambda v: RegionRef(*v))


def _read_cache_file(path: Path, code: str) -> dict[str, Any] | None:
    """The marshalled dict in ``path`` if it was written by this format and these parsing rules, else None."""
    try:
        data: Any = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("code") != code:
        return None
    return data


class StoreArticles:
    """Reads the store's articles (``read``), then saves the cache (``save``) and lets go of its rows."""

    def __init__(self, cache_file: Path | None) -> None:
        self.cache_file = cache_file
        self._rows: dict[str, tuple[str, tuple]] = {}
        self.parsed = 0  # rows parsed this time (the others came from the cache)
        self._changed = True
        # What ``save`` needs to write the journal instead of the base — all small next to the rows:
        self._stamp: str | None = None  # the stamp of the base read; None: no base a journal could extend
        self._base_rows = 0  # rows in that base
        self._journal_ids: set[str] = set()  # rows the journal supplied (changed or added since the base)
        self._journal_new: set[str] = set()  # those of them not in the base
        self._journal_gone: set[str] = set()  # the base's rows the journal read deleted
        self._fresh: set[str] = set()  # rows parsed this time
        self._went: list[str] = []  # rows in the cache that are no longer in the store

    def _load(self, code: str) -> dict[str, tuple[str, tuple]]:
        """The cached rows: the base with its journal applied in place (one dict of 100,000 rows, not two)."""
        self._stamp, self._base_rows = None, 0
        self._journal_ids, self._journal_new, self._journal_gone = set(), set(), set()
        if self.cache_file is None:
            return {}
        base = _read_cache_file(self.cache_file, code)
        if base is None:
            return {}
        rows, stamp = base.get("rows"), base.get("stamp")
        del base
        if not isinstance(rows, dict):
            return {}
        self._base_rows = len(rows)
        if not isinstance(stamp, str) or not stamp:
            return rows  # a base without a stamp (an older builder's): the next save writes a new one
        self._stamp = stamp
        journal = _read_cache_file(journal_path(self.cache_file), code)
        if journal is None:
            return rows
        if journal.get("base") != stamp:
            # Changes made over another base: applied over this one they could bring back deleted rows or
            # stale values with matching tokens.
            logger.debug("build: ignoring the article cache journal of another base")
            return rows
        changed, gone = journal.get("rows"), journal.get("gone")
        if not (
            isinstance(changed, dict)
            and isinstance(gone, (list, tuple))
            and all(isinstance(aid, str) for aid in gone)
            and all(isinstance(v, tuple) and len(v) == 2 for v in changed.values())
        ):
            logger.warning("build: ignoring a damaged article cache journal")
            return rows
        self._journal_new = {aid for aid in changed if aid not in rows}
        self._journal_gone = set(gone)
        self._journal_ids = set(changed)
        for aid in gone:
            rows.pop(aid, None)
        rows.update(changed)
        return rows

    def read(self, store: Any) -> list[Article]:
        """Every published article (without its text), with its copies attached, newest first."""
        return assemble([_decode(entry[1]) for entry in self.read_rows(store).values()])

    def read_rows(self, store: Any) -> dict[str, tuple[str, tuple]]:
        """Every store row as id → (token, encoding), parsing only the rows whose token changed (in the
        store's order); ``rows`` keeps them until ``save`` (a full build writes them into the delta state)."""
        cached = self._load(_code_digest())
        tokens = store.article_tokens()
        stale = [aid for aid, token in tokens if cached.get(aid, ("",))[0] != token]
        fresh: dict[str, tuple] = {}
        for row in store.article_rows(stale):
            fresh[str(row["id"])] = _encode(read_row(row, keep_text=False))
        self.parsed = len(fresh)
        stale_ids = set(stale)
        rows: dict[str, tuple[str, tuple]] = {}
        kept = 0  # rows of the cache still in the store: fewer than the cache holds means some went
        for aid, token in tokens:
            if aid in fresh:
                entry = (token, fresh[aid])
                kept += aid in cached
            elif aid in stale_ids:
                continue  # deleted between the two queries
            else:
                entry = cached[aid]  # the same token: the cached pair itself, not a copy
                kept += 1
            rows[aid] = entry
        self._rows = rows
        self._fresh = set(fresh)
        self._went = [aid for aid in cached if aid not in rows] if kept < len(cached) else []
        # Unchanged when every row came from the cache and none went: then saving would write the same rows.
        self._changed = bool(fresh) or bool(self._went)
        logger.debug("build: %d article rows, %d parsed, %d from the cache", len(tokens), len(fresh), len(rows) - len(fresh))
        return rows

    @property
    def rows(self) -> dict[str, tuple[str, tuple]]:
        """What ``read`` read: every row as id → (token, encoding), until ``save`` lets go of them."""
        return self._rows

    def save(self) -> None:
        """Save the cache (only the journal when the changes since the base are few, else a new base) and
        let go of the rows: the articles ``read`` returned are all the build needs. Files are written
        atomically (a torn file would only cost one slow build, but is never read). What the cache holds does
        not depend on the build succeeding, so the build saves it as soon as it has read the store."""
        rows, self._rows = self._rows, {}
        if self.cache_file is None or not self._changed:
            return
        code = _code_digest()
        journal = self._journal(rows, code)
        if journal is not None:
            del rows
            if _write_atomically(journal_path(self.cache_file), journal):
                logger.debug("build: article cache journal written (%d bytes)", len(journal))
            return
        stamp = os.urandom(8).hex()  # names this base for the journals that will extend it
        data = marshal.dumps({"format": CACHE_FORMAT, "code": code, "stamp": stamp, "rows": rows})
        del rows
        if _write_atomically(self.cache_file, data):
            logger.debug("build: article cache base written (%d bytes)", len(data))
            # The journal extends the old base (its stamp no longer matches): should removing it fail, it is
            # ignored all the same.
            try:
                journal_path(self.cache_file).unlink(missing_ok=True)
            except OSError as exc:
                logger.warning("build: could not remove the old article cache journal: %s", exc)

    def _journal(self, rows: dict[str, tuple[str, tuple]], code: str) -> bytes | None:
        """The journal holding every change since the base (the previous journal's and this build's), or None
        when a new base should be written instead (no base to extend, a small base, or too many changes)."""
        if self._stamp is None or self._base_rows < JOURNAL_MIN_BASE_ROWS:
            return None
        changed = [aid for aid in self._journal_ids | self._fresh if aid in rows]
        # Only the base's rows need recording as gone (a row added since the base and deleted is simply not in
        # the journal); a row deleted and added again is in ``changed`` instead.
        gone = [
            aid
            for aid in self._journal_gone.union(self._went)
            if aid not in rows and aid not in self._journal_new
        ]
        if len(changed) + len(gone) > self._base_rows * JOURNAL_MAX_SHARE:
            return None
        return marshal.dumps(
            {
                "format": CACHE_FORMAT,
                "code": code,
                "base": self._stamp,
                "rows": {aid: rows[aid] for aid in changed},
                "gone": sorted(gone),
            }
        )


def _write_atomically(path: Path, data: bytes) -> bool:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("build: could not save the article cache %s: %s", path, exc)
        tmp.unlink(missing_ok=True)
        return False
    return True
