"""``ShardedSearch``: the Pagefind index, built in shards while the article pages are written.

Pagefind's Chinese (extended) indexer costs ~1.2 ms of CPU and ~0.2 MB of memory per page and has no
incremental mode, so one index over 100,000 pages needs minutes and gigabytes, and any new story would
re-index everything. Instead the article pages, oldest first, are cut into shards of ``SHARD_SIZE`` pages
(``search.plan_shards``); each shard is its own Pagefind bundle (``pagefind/s0001/`` …, merged in the browser
by ``static/search.js`` through ``pagefind/shards.json``). So:

- memory is bounded by the shard size (at most ``MAX_RUNNING`` Pagefind processes at a time);
- indexing runs in those processes while this one goes on rendering — the build uses both cores;
- a shard whose pages did not change keeps its files (from the staging or the published tree), so a nightly
  build indexes only the newest shard and those holding changed pages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from site_builder import paths
from site_builder.search import (
    PAGEFIND_DIR,
    SHARD_SIZE,
    Shard,
    ShardIndexer,
    kept_bundles,
    pagefind_version,
    plan_shards,
    write_shard_list,
)
from site_builder.writer import SiteWriter, WriterError

logger = logging.getLogger(__name__)

MAX_RUNNING = 2  # Pagefind processes at a time (each single-threaded; memory ~0.2 MB per page of its shard)
class ShardedSearch:
    """Feed it every article page (``page``) in the order of ``pages`` — (path, search key) of every article
    page, oldest first — then ``finish``."""

    def __init__(
        self,
        binary: Path,
        writer: SiteWriter,
        scratch: Path,
        pages: Sequence[tuple[str, str]],
        *,
        shard_size: int = SHARD_SIZE,
    ) -> None:
        self.binary = binary
        self.writer = writer
        self.scratch = scratch
        self.shards: list[Shard] = plan_shards(
            [(paths.article_id(rel), key) for rel, key in pages], shard_size, pagefind_version(binary)
        )
        self._shard_of: dict[str, int] = {}
        for index, shard in enumerate(self.shards):
            for aid in shard.article_ids:
                self._shard_of[paths.article_path(aid)] = index
        self._remaining = [len(s.article_ids) for s in self.shards]
        self._kept = kept_bundles(writer.staged, writer.live, PAGEFIND_DIR, self.shards)
        self._indexers: dict[int, ShardIndexer] = {}  # started, being fed or building
        self._feeding: set[int] = set()  # indexers still receiving pages as they are emitted
        self._building: list[int] = []  # fed completely, Pagefind building the bundle (oldest first)
        self._deferred: set[int] = set()  # no free Pagefind when the shard began: fed from disk later
        self._queued: list[int] = []  # deferred shards whose pages are all emitted
        self.indexed = 0  # shards indexed by this build
        self._since_poll = 0

    # Scheduling: at most MAX_RUNNING Pagefind processes; the build never waits for one while it has pages to
    # render. A shard starts with its first page when a process is free (then it is fed as pages are
    # emitted), otherwise it is queued and fed from the staged files once one is (``poll``).

    def page(self, rel: str, data: bytes | None) -> None:
        """An article page was emitted; ``data`` is its bytes when it was rendered (else read back)."""
        index = self._shard_of[rel]
        if self._kept[index] is None and index not in self._deferred:
            indexer = self._indexers.get(index)
            if indexer is None:
                self.poll()
                if len(self._indexers) < MAX_RUNNING:
                    indexer = self._start(index)
                    self._feeding.add(index)
                else:
                    self._deferred.add(index)
            if indexer is not None:
                indexer.add("/" + rel, data if data is not None else self.writer.read(rel))
        self._remaining[index] -= 1
        if self._remaining[index] == 0:
            self._shard_complete(index)
        self._since_poll += 1
        if self._since_poll >= 256:
            self.poll()

    def poll(self) -> None:
        """Collect bundles that are ready and start queued shards in the freed processes (never blocks)."""
        self._since_poll = 0
        for index in [i for i in self._building if self._indexers[i].ready()]:
            self._building.remove(index)
            self._collect(index)
        while self._queued and len(self._indexers) < MAX_RUNNING:
            self._start_from_disk(self._queued.pop(0))

    def _start(self, index: int) -> ShardIndexer:
        shard = self.shards[index]
        self.writer.discard(f"{PAGEFIND_DIR}/{shard.name}/")  # an older generation of this shard
        out_dir = self.writer.root / PAGEFIND_DIR / shard.name
        indexer = ShardIndexer(self.binary, out_dir, scratch=self.scratch)
        self._indexers[index] = indexer
        return indexer

    def _start_from_disk(self, index: int) -> None:
        indexer = self._start(index)
        for aid in self.shards[index].article_ids:
            rel = paths.article_path(aid)
            indexer.add("/" + rel, self.writer.read(rel))
        indexer.finish()
        self._building.append(index)

    def _shard_complete(self, index: int) -> None:
        kept = self._kept[index]
        if kept is not None:
            staged = all(self.writer.staged.get(rel) == entry for rel, entry in kept.items())
            try:
                self.writer.keep_all(kept, staged=staged)
                return
            except WriterError:
                pass
            # A file of the kept bundle is missing: index the shard after all, from the pages now staged.
            logger.warning("search: shard %s is incomplete; indexing it again", self.shards[index].name)
            self._kept[index] = None
            for rel in [r for r in sorted(kept) if r in self.writer.entries]:
                self.writer.forget(rel)
            self._queued.append(index)
            self.poll()
            return
        if index in self._deferred:
            self._queued.append(index)
            self.poll()
            return
        self._feeding.discard(index)
        self._indexers[index].finish()
        self._building.append(index)

    def _collect(self, index: int) -> None:
        shard = self.shards[index]
        # Through the writer like every other file: a fragment whose bytes are already published keeps its inode.
        for name, data in sorted(self._indexers.pop(index).bundle().items()):
            self.writer.emit(f"{PAGEFIND_DIR}/{shard.name}/{name}", shard.key, data)
        self.indexed += 1

    def finish(self) -> None:
        """Wait for the remaining shards, record their files and write the shard list."""
        self.poll()
        while self._building or self._queued:
            if self._building:
                self._collect(self._building.pop(0))  # blocks until that bundle is built
            self.poll()
        self.writer.write(*write_shard_list(self.shards))
        logger.info(
            "search: %d shards, %d indexed by Pagefind, %d kept",
            len(self.shards),
            self.indexed,
            len(self.shards) - self.indexed,
        )

    def abort(self) -> None:
        for indexer in self._indexers.values():
            indexer.close()
        self._indexers.clear()
