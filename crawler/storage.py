"""One ``Store`` per store (SQLite file or PostgreSQL URL) per process, shared by the spider, middlewares, pipeline and extension.

All Scrapy callbacks run on the reactor thread, so one SQLite connection serves every component of every
crawler in the process; the Store wraps each write in its own transaction.
"""

from __future__ import annotations

from pathlib import Path

from yigai.store import Store
from yigai.store_backends import is_postgres_url

_STORES: dict[str, Store] = {}


def shared_store(database: str | Path) -> Store:
    """The process-wide ``Store`` for ``database`` (opened, and migrated, on first use)."""
    key = str(database) if is_postgres_url(database) else str(Path(database).expanduser().resolve())
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = Store(key)
    return store


def close_stores() -> None:
    """Close every shared store (at the end of ``crawl_sources``)."""
    while _STORES:
        _, store = _STORES.popitem()
        store.close()
