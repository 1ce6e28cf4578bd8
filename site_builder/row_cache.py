"""``read_store_articles``: the store's articles as light models, parsing only the rows that changed.

Parsing a row (JSON columns, regions, links, the summary, the row digest) costs ~100 µs; at 100,000 articles
that alone would be most of a nightly build. The store bumps a revision number on every write to a row
(migration 3), so the builder keeps what it parsed from each row in a cache file next to the output
(``.<output>.articles``) and parses a row again only when its token (revision, text length, extraction time)
changed. The cache holds plain values only (``marshal``; nothing in it is ever executed); a missing, damaged
or outdated cache just means every row is parsed, as on a first build.
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

CACHE_FORMAT = 1


def cache_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.articles")


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
        )
    if copy is not None:
        return ("c", group, copy.id, copy.site, copy.link)
    return ("x",)


def _decode(value: tuple) -> ParsedRow:
    kind = value[0]
    if kind == "c":
        return None, value[1], Copy(value[2], value[3], value[4])
    if kind != "a":
        return None, None, None
    (
        _,
        aid,
        title,
        summary,
        site,
        source_id,
        link,
        published,
        date,
        original_source,
        author,
        editor,
        regions,
        region_codes,
        national,
        topics,
        doc_number,
        doc_type,
        issuing_body,
        attachments,
        group_id,
        primary_code,
        place,
        digest,
    ) = value
    when = datetime.fromisoformat(date)
    # Built field by field into the instance dict: a frozen dataclass's __init__ sets each field through
    # object.__setattr__, which for 100,000 articles costs more than everything else here.
    art = _new(
        Article,
        id=aid,
        title=title,
        paragraphs=(),
        summary=summary,
        site=site,
        source_id=source_id,
        link=link,
        published=(when if published == date else datetime.fromisoformat(published)) if published else None,
        date=when,
        original_source=original_source,
        author=author,
        editor=editor,
        regions=_shared(_REGION_SETS, regions, _region_set),
        region_codes=_shared(_CODE_SETS, region_codes, tuple),
        national=national,
        topics=_shared(_TOPIC_SETS, topics, _topic_set),
        doc_number=doc_number,
        doc_type=doc_type,
        issuing_body=issuing_body,
        attachments=tuple(Attachment(*a) for a in attachments) if attachments else (),
        group_id=group_id,
        primary_code=primary_code,
        place=place,
        copies=(),
        digest=digest,
    )
    return art, None, None


def _new(cls: type, **fields: Any) -> Any:
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


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


def _load(path: Path | None) -> dict[str, tuple[str, tuple]]:
    if path is None:
        return {}
    try:
        data: Any = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("code") != _code_digest():
        return {}
    rows = data.get("rows")
    return rows if isinstance(rows, dict) else {}


class StoreArticles:
    """Reads the store's articles (``read``), then saves the cache (``save``) and lets go of its rows."""

    def __init__(self, cache_file: Path | None) -> None:
        self.cache_file = cache_file
        self._rows: dict[str, tuple[str, tuple]] = {}
        self.parsed = 0  # rows parsed this time (the others came from the cache)
        self._changed = True

    def read(self, store: Any) -> list[Article]:
        cached = _load(self.cache_file)
        tokens = store.article_tokens()
        stale = [aid for aid, token in tokens if cached.get(aid, ("",))[0] != token]
        fresh: dict[str, tuple] = {}
        for row in store.article_rows(stale):
            fresh[str(row["id"])] = _encode(read_row(row, keep_text=False))
        self.parsed = len(fresh)
        stale_ids = set(stale)
        rows: dict[str, tuple[str, tuple]] = {}
        parsed: list[ParsedRow] = []
        for aid, token in tokens:
            if aid in fresh:
                value = fresh[aid]
            elif aid in stale_ids:
                continue  # deleted between the two queries
            else:
                value = cached[aid][1]
            rows[aid] = (token, value)
            parsed.append(_decode(value))
        self._rows = rows
        # Unchanged when every row came from the cache and none was deleted: then saving would rewrite the same
        # bytes (~100 MB at 100,000 articles).
        self._changed = bool(fresh) or len(rows) != len(cached)
        logger.debug("build: %d article rows, %d parsed, %d from the cache", len(tokens), len(fresh), len(rows) - len(fresh))
        return assemble(parsed)

    def save(self) -> None:
        """Write the cache atomically (a torn file would only cost one slow build, but is never read), and let
        go of the rows: the articles ``read`` returned are all the build needs. What the cache holds does not
        depend on the build succeeding, so the build saves it as soon as it has read the store."""
        rows, self._rows = self._rows, {}
        if self.cache_file is None or not self._changed:
            return
        data = marshal.dumps({"format": CACHE_FORMAT, "code": _code_digest(), "rows": rows})
        del rows
        tmp = self.cache_file.with_name(self.cache_file.name + f".tmp-{os.getpid()}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, self.cache_file)
        except OSError as exc:
            logger.warning("build: could not save the article cache %s: %s", self.cache_file, exc)
            tmp.unlink(missing_ok=True)
