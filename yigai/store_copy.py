"""``yigai store copy SRC DST``: move an archive between SQLite and PostgreSQL (either way) without loss.

Every table the schema has is copied row by row with its ids; the destination must be a new, empty store (it
is made and migrated if it is not there). The whole copy is one transaction on the destination: a copy that
fails leaves it empty. Afterwards each table's row count and a content hash (SHA-256 over its rows in
primary-key order, values typed alike on both engines) are compared between the two stores, and any
difference is an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from yigai.store import Store, StoreError

logger = logging.getLogger(__name__)

# The articles go first: their triggers write other tables (the revision counter, the tombstones, and whatever
# later migrations derive from an article), which are then replaced by the source's rows.
FIRST = "articles"


@dataclass
class TableCheck:
    table: str
    rows: int
    digest: str


@dataclass
class CopyReport:
    tables: list[TableCheck] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


class CopyMismatch(StoreError):
    """The destination does not hold what the source holds (row counts or content hashes differ)."""


def _value(v: Any) -> Any:
    if isinstance(v, bytes | bytearray | memoryview):
        return {"b": hashlib.sha256(bytes(v)).hexdigest()}
    if isinstance(v, float):
        return {"f": v.hex()}
    return v


def table_digest(store: Store, table: str) -> TableCheck:
    """Row count and SHA-256 of ``table``'s rows (primary-key order; columns by name, so their order in the
    table does not matter)."""
    columns, _key = store.table_columns(table)
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    digest = hashlib.sha256(json.dumps([columns[i] for i in order]).encode())
    rows = 0
    for row in store.table_rows(table):
        digest.update(json.dumps([_value(row[i]) for i in order], ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
        rows += 1
    return TableCheck(table, rows, digest.hexdigest())


def verify(src: Store, dst: Store) -> CopyReport:
    """Compare every table of the two stores (count and hash); raise ``CopyMismatch`` naming the differences."""
    tables = src.table_names()
    missing = sorted(set(tables) ^ set(dst.table_names()))
    if missing:
        raise CopyMismatch(f"the stores' tables differ: {', '.join(missing)}")
    report = CopyReport()
    problems = []
    for table in tables:
        a, b = table_digest(src, table), table_digest(dst, table)
        if (a.rows, a.digest) != (b.rows, b.digest):
            problems.append(f"{table}: {a.rows} rows in {src.location}, {b.rows} in {dst.location}"
                            + ("" if a.rows != b.rows else " (same count, different content)"))
        report.tables.append(a)
    if problems:
        raise CopyMismatch("copy check failed: " + "; ".join(problems))
    return report


def _nonempty(store: Store) -> list[str]:
    # Made by the migrations themselves: the revision counter's one row, and nothing else.
    return [t for t in store.table_names() if t != "article_revision" and store.count_rows(t)]


def copy_store(source: str, destination: str) -> CopyReport:
    """Copy the store ``source`` into the new, empty store ``destination`` (a path or a postgresql:// URL),
    then check both ways: every table's row count and content hash equal."""
    with Store(source, create=False) as src, Store(destination) as dst:
        if src.schema_version != dst.schema_version:  # both were migrated on opening: a bug if ever
            raise StoreError(f"schema versions differ: {src.schema_version} and {dst.schema_version}")
        filled = _nonempty(dst)
        if filled:
            raise StoreError(
                f"{dst.location} is not empty ({', '.join(filled)}): copy into a new store, so nothing in it is "
                "overwritten or mixed"
            )
        tables = src.table_names()
        order = [FIRST, *(t for t in tables if t != FIRST)] if FIRST in tables else tables
        with dst.transaction():
            for table in order:
                columns, _key = src.table_columns(table)
                n = dst.replace_table(table, columns, src.table_rows(table))
                if table == FIRST:
                    dst.restore_revisions(_revisions(src))
                logger.info("store copy: %s: %d rows", table, n)
        return verify(src, dst)


def _revisions(src: Store) -> Iterable[tuple[str, int]]:
    columns, _key = src.table_columns(FIRST)
    at_id, at_rev = columns.index("id"), columns.index("rev")
    for row in src.table_rows(FIRST):
        yield row[at_id], int(row[at_rev])
