"""The site's own static search index: Chinese character n-grams, in segments, read by ``static/search.js``.

Why not Pagefind by default: its Chinese indexer costs ~1.8 ms of CPU and ~0.2 MB of memory per page (at
100,000 articles ~150 CPU-s and two ~0.5 GB processes), more than the rest of the build together. This index
costs ~0.5 ms a page and a few MB per segment, on a first build in a worker process beside the build
(``ngram_worker``); ``[site] search_engine = "pagefind"`` still selects Pagefind.

**Tokens** (``index_tokens``, and the same rules in ``static/search.js``): the text is NFKC-normalised and
lower-cased; each run of Han characters gives its single characters and every pair of neighbours (the
bigrams of Lucene's CJK analyser, without a dictionary: a word is found wherever its characters stand, and no
segmenter can cut a policy term such as 医共体 in the wrong place); each run of ASCII letters and digits is one
token. A query word of two or more Han characters is looked up as its bigrams, all of which must be in a page
(a page holding 医共 and 共体 but not 医共体 is a rare false match); a single character as itself.

**Segments**: the article pages, oldest first, cut into consecutive segments of ``segment_size`` (the same
plan, names and keys as Pagefind's shards: ``search.plan_shards``), so a night's new stories change only the
newest segment and a segment whose pages did not change keeps its files. A segment ``sNNNN`` is
``search/sNNNN/b<k>.json`` — the postings of the tokens whose FNV-1a hash falls in bucket ``k`` of the
segment's ``buckets`` (a power of two that grows with the segment, so a bucket file stays near
``_BUCKET_POSTINGS`` postings) — and ``search/sNNNN/d<c>.json``, the pages' url, title, date and place in
chunks of ``DOC_CHUNK``. A query fetches, per token, one bucket of each segment, and the doc chunks of the
results it shows. ``search/index.json`` lists the segments (oldest first) with their sizes.

A posting list is ``[doc, weight, doc, weight, …]`` with each doc number the gap from the previous one (the
first from 0) and the weight the token's BM25 term-frequency part for that page (k1=1.2, b=0.75 against the
segment's mean length; title occurrences count ``TITLE_BOOST`` times), times 10, rounded, at least 1. The
browser scores a page as the sum over the query's tokens of idf × weight, with idf from the token's page count
over all segments: the ranking of one index over all pages.

Every file is a pure function of the segment's pages in order (sorted keys, fixed separators): the same
store builds the same bytes.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder import paths
from site_builder.models import CHINA_TZ, Article
from site_builder.ngram_worker import IndexWorker, SearchIndexWorkerError
from site_builder.search import Shard, kept_bundles, plan_shards
from site_builder.t2s import to_simplified
from site_builder.writer import Entry, SiteWriter, WriterError

if TYPE_CHECKING:
    from site_builder.context import SiteContext

__all__ = ["NgramSearch", "SearchDoc", "SearchIndexWorkerError", "index_tokens", "query_tokens", "search_files"]

logger = logging.getLogger(__name__)

INDEX_DIR = "search"
INDEX_FILE = "index.json"
FORMAT = "yigai-ngram-1"  # in index.json and in every segment key: change it with the file format
SEGMENT_SIZE = 2000
DOC_CHUNK = 100  # pages per d<c>.json: a result list fetches the chunks of the pages it shows
TITLE_BOOST = 4
K1 = 1.2
B = 0.75
WORKER_TIMEOUT_SECONDS = 600.0  # a stalled worker fails the build
_BUCKET_POSTINGS = 4096  # a bucket file holds about this many postings (~30 KB of JSON)
_MAX_BUCKETS = 4096

# Han: CJK Unified Ideographs, Extension A, Compatibility Ideographs (all in the BMP, so a JavaScript string
# index is a character here too). ASCII letters and digits after NFKC + lower-casing (full-width Ｄ→d).
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_RUN = re.compile(r"[0-9a-z]+")
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def index_tokens(text: str) -> Counter[str]:
    """Every token of ``text`` with its count: Han characters and neighbour pairs, ASCII alphanumeric runs."""
    text = normalise(text)
    counts: Counter[str] = Counter(_ASCII_RUN.findall(text))
    # Counted over the whole text at once (C loops), then the pairs that straddle a gap are dropped: a page
    # has hundreds of runs between its punctuation, and counting run by run cost 1.5x as much.
    han = _NOT_HAN.sub(" ", text)
    counts.update(han)
    counts.update(map(add, han, han[1:]))
    for token in [t for t in counts if " " in t]:
        del counts[token]
    return counts


def query_forms(query: str) -> list[list[str]]:
    """The token lists a query looks up: the query as typed and, when it has Traditional characters, its
    Simplified form (``t2s``: the texts are Simplified). A page matching every token of either is found — both,
    as 著 in 著名 is Simplified too, while 醫 in 醫共體 is not."""
    forms = [query_tokens(query)]
    simple = query_tokens(query, simplify=True)
    if simple != forms[0]:
        forms.append(simple)
    return [tokens for tokens in forms if tokens]


def query_tokens(query: str, *, simplify: bool = False) -> list[str]:
    """The tokens a query looks up (every one must be in a page): bigrams of each Han run of two or more
    characters, a lone Han character itself, ASCII runs. Distinct, in query order. With ``simplify``,
    Traditional characters become Simplified first."""
    found: list[str] = []
    text = normalise(query)
    for run in _TOKEN_RUN.findall(to_simplified(text) if simplify else text):
        if run[0] < "\u3400" or len(run) == 1:
            parts: Iterable[str] = (run,)
        else:
            parts = map(add, run, run[1:])
        for token in parts:
            if token not in found:
                found.append(token)
    return found


def bucket_of(token: str, buckets: int) -> int:
    """FNV-1a (32 bit) over the token's UTF-16 code units, modulo ``buckets`` (a power of two)."""
    h = _FNV_OFFSET
    for char in token:
        h = ((h ^ ord(char)) * _FNV_PRIME) & 0xFFFFFFFF
    return h & (buckets - 1)


def bucket_count(postings: int) -> int:
    """Buckets for a segment of ``postings`` postings: the power of two that keeps a bucket near
    ``_BUCKET_POSTINGS`` (1 for a small site: one request per token)."""
    buckets = 1
    while buckets < _MAX_BUCKETS and postings > buckets * _BUCKET_POSTINGS:
        buckets *= 2
    return buckets


@dataclass(frozen=True)
class SearchDoc:
    """What the index takes from one article page."""

    url: str  # site-root-relative, no leading slash: "article/<id>.html"
    title: str
    date: str  # "2025-03-01"
    place: str  # "河北省 · 邯郸市", "全国" or ""
    text: str  # everything else that is searched: the body, attachment titles, topic labels


def search_doc(ctx: SiteContext, art: Article) -> SearchDoc:
    """What the index takes from an article (with its text loaded): what its page's ``<article>`` shows
    readers — title, place, paragraphs, attachment titles, the regions and topics it is filed under — but not
    the meta list or the "also carried by" copies (a new copy must not change the index)."""
    return with_body(bodiless_doc(ctx, art), art.paragraphs)


def bodiless_doc(ctx: SiteContext, art: Article) -> SearchDoc:
    """``search_doc`` without the article's paragraphs (``with_body`` adds them): what the worker process is
    sent, so the texts are read from the store there, not here."""
    regions = [ctx.regions[c].name for c in ctx.article_regions.get(art.id, ()) if c in ctx.regions]
    extras = [*(a.title for a in art.attachments), *regions, *(t.label for t in art.topics)]
    day = art.date.astimezone(CHINA_TZ).strftime("%Y-%m-%d")
    return SearchDoc(paths.article_path(art.id), art.title, day, art.place or "", "\n".join(extras))


def with_body(doc: SearchDoc, paragraphs: Sequence[str]) -> SearchDoc:
    """``doc`` with the article's paragraphs before what it already holds."""
    return replace(doc, text="\n".join([*paragraphs, doc.text]) if doc.text else "\n".join(paragraphs))


def _dumps(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Titles are shown as text, but the files stay inert even if ever inlined into a page.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")


def segment_files(docs: Sequence[SearchDoc]) -> dict[str, bytes]:
    """The files of one segment (name relative to the segment's directory → bytes), docs numbered in order."""
    counted: list[tuple[Counter[str], int]] = []
    total_length = 0
    postings = 0
    for doc in docs:
        counts = index_tokens(f"{doc.place}\n{doc.text}")
        title = index_tokens(doc.title)
        for token, n in title.items():
            counts[token] += n * TITLE_BOOST
        length = sum(counts.values())
        counted.append((counts, length))
        total_length += length
        postings += len(counts)
    mean = total_length / len(docs) if docs else 1.0
    lists: dict[str, list[int]] = {}
    for number, (counts, length) in enumerate(counted):
        norm = K1 * (1 - B + B * length / mean) if mean else K1
        weights: dict[int, int] = {}  # tf -> weight, for this page
        for token, tf in counts.items():
            weight = weights.get(tf)
            if weight is None:
                weight = weights[tf] = max(1, round(10 * tf * (K1 + 1) / (tf + norm)))
            found = lists.get(token)
            if found is None:
                lists[token] = [number, weight, number]  # the last item: the previous page, popped below
            else:
                last = found[-1]
                found[-1] = number - last
                found.append(weight)
                found.append(number)
    for values in lists.values():
        values.pop()
    buckets = bucket_count(postings)
    split: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for token, values in lists.items():
        split[bucket_of(token, buckets)][token] = values
    files = {f"b{k}.json": _dumps(part) for k, part in enumerate(split)}
    for c in range(0, len(docs), DOC_CHUNK):
        chunk = [[d.url, d.title, d.date, d.place] for d in docs[c : c + DOC_CHUNK]]
        files[f"d{c // DOC_CHUNK}.json"] = _dumps(chunk)
    return files


def index_list(segments: Sequence[tuple[str, int, int]]) -> tuple[str, bytes]:
    """(``search/index.json``, bytes) for segments given as (name, docs, buckets), oldest first."""
    return f"{INDEX_DIR}/{INDEX_FILE}", _dumps(
        {
            "chunk": DOC_CHUNK,
            "format": FORMAT,
            "segments": [{"buckets": b, "docs": n, "name": name} for name, n, b in segments],
        }
    )


# --- a reader (the browser's algorithm, for tests and tools) --------------------------------------------


@dataclass(frozen=True)
class Hit:
    url: str
    title: str
    date: str
    place: str
    score: float


def search_files(root: Path, query: str, limit: int = 50) -> tuple[int, list[Hit]]:
    """Search a built site's index the way ``static/search.js`` does: (pages matching every token, the best
    ``limit`` of them, highest score first, newer first on ties)."""
    forms = query_forms(query)
    tokens = list(dict.fromkeys(token for form in forms for token in form))
    index = json.loads((root / INDEX_DIR / INDEX_FILE).read_text(encoding="utf-8"))
    segments = index["segments"]
    if not tokens or not segments:
        return 0, []
    total_docs = sum(s["docs"] for s in segments)
    per_token: dict[str, dict[tuple[int, int], int]] = {t: {} for t in tokens}
    for s_number, segment in enumerate(segments):
        folder = root / INDEX_DIR / segment["name"]
        for token in tokens:
            bucket = json.loads((folder / f"b{bucket_of(token, segment['buckets'])}.json").read_text("utf-8"))
            values = bucket.get(token, [])
            doc = 0
            for i in range(0, len(values), 2):
                doc += values[i]
                per_token[token][(s_number, doc)] = values[i + 1]
    scores: dict[tuple[int, int], float] = {}
    for form in forms:  # a form's pages hold every one of its tokens; a page found by both keeps its better score
        form_scores: dict[tuple[int, int], float] = {}
        for n, token in enumerate(form):
            found = per_token[token]
            df = len(found)
            idf = math.log(1 + (total_docs - df + 0.5) / (df + 0.5))
            if n == 0:
                form_scores = {doc: idf * w for doc, w in found.items()}
            else:
                form_scores = {doc: score + idf * found[doc] for doc, score in form_scores.items() if doc in found}
        for doc, score in form_scores.items():
            if doc not in scores or scores[doc] < score:
                scores[doc] = score
    ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 9), -kv[0][0], -kv[0][1]))[:limit]
    hits = []
    chunks: dict[tuple[int, int], list] = {}
    for (s_number, doc), score in ranked:
        key = (s_number, doc // index["chunk"])
        if key not in chunks:
            path = root / INDEX_DIR / segments[s_number]["name"] / f"d{key[1]}.json"
            chunks[key] = json.loads(path.read_text("utf-8"))
        url, title, date, place = chunks[key][doc % index["chunk"]]
        hits.append(Hit(url, title, date, place, score))
    return len(scores), hits


# --- the builder's side -----------------------------------------------------------------------------------

class NgramSearch:
    """Call ``page`` for every article page in the order of ``pages`` — (path, search key) of every article
    page, oldest first — then ``finish`` (or ``abort``); ``poll`` now and then. A segment whose key is
    unchanged keeps its files (from the staging or the published tree); the others are indexed from
    ``make_doc(article_id)``, which is only called for the pages of those segments (so an unchanged page's
    text is not loaded).

    Where: when ``describe`` and ``database`` are given and either ``WORKER_FROM`` or more segments are to be
    indexed (a first build, a format change) or the site has ``WORKER_SITE_FROM`` or more articles, the
    segments are indexed by one worker process (``ngram_worker``) while this one renders the site, which puts
    the second core to work (the index costs about as much CPU as rendering). It is sent
    ``describe(article_id)`` (the doc without its body) and reads the texts from the store itself, so a
    segment in flight costs little memory here and the build never waits for the worker before its end.
    A tiny site (the tests', the demo's) indexes its segment here, where a process start would cost more than
    it saves; from a few hundred articles, the lists and feeds rendered after the newest segment take longer
    than the worker needs to start, so that segment's indexing (about half a second at 1,000 articles, a
    second at 2,000) is hidden behind them, in a first build as in a nightly one (a 1,000-article site built
    into tmpfs: 1.03 s against 1.43 s)."""

    WORKER_FROM = 3
    WORKER_SITE_FROM = 500

    def __init__(
        self,
        writer: SiteWriter,
        pages: Sequence[tuple[str, str]],
        make_doc: Callable[[str], SearchDoc],
        *,
        describe: Callable[[str], SearchDoc] | None = None,
        database: Path | str | None = None,  # the store (a file or a URL) the worker opens again
        segment_size: int = SEGMENT_SIZE,
    ) -> None:
        self.writer = writer
        self.make_doc = make_doc
        self.describe = describe
        self.database = database
        ids = [(paths.article_id(rel), key) for rel, key in pages]
        self.segments: list[Shard] = plan_shards(ids, segment_size, FORMAT)
        self._kept = kept_bundles(writer.staged, writer.live, INDEX_DIR, self.segments)
        to_index = sum(1 for kept in self._kept if kept is None)
        self._worker: IndexWorker | None = None
        worth_a_process = to_index >= self.WORKER_FROM or (to_index and len(ids) >= self.WORKER_SITE_FROM)
        if worth_a_process and describe is not None and database is not None:
            # A fresh interpreter, not a fork of this process and everything it has read.
            self._worker = IndexWorker(timeout=WORKER_TIMEOUT_SECONDS)
        self._pending: list[int] = []  # segments handed to the worker, oldest first (it answers in order)
        self._current = 0  # the segment the next page belongs to
        self._kept_seen = 0  # pages of the current (kept) segment seen
        self._docs: list[Any] = []  # SearchDoc here; (article id, bodiless SearchDoc) for the worker
        self._buckets: dict[int, int] = {}  # segment index -> its bucket count, once its files are recorded
        self.indexed = 0  # segments indexed by this build

    def page(self, article_id: str) -> None:
        """The next article page (in ``pages`` order) was emitted."""
        segment = self.segments[self._current]
        indexing = self._kept[self._current] is None
        position = len(self._docs) if indexing else self._kept_seen
        if segment.article_ids[position] != article_id:
            expected = segment.article_ids[position]
            raise ValueError(f"search: page {article_id!r} out of order (expected {expected!r})")
        if indexing:
            self._docs.append(self._doc(article_id))
        else:
            self._kept_seen += 1
        if position + 1 == len(segment.article_ids):
            self._segment_complete()

    def all_pages(self) -> None:
        """``page`` for every page not yet seen, in order: a delta build emits the few pages it makes before
        the index is planned, and the others are kept."""
        while self._current < len(self.segments):
            segment = self.segments[self._current]
            if self._kept[self._current] is None:
                self._docs.extend(self._doc(aid) for aid in segment.article_ids[len(self._docs) :])
            else:
                self._kept_seen = len(segment.article_ids)
            self._segment_complete()

    def _segment_complete(self) -> None:
        index = self._current
        segment = self.segments[index]
        kept = self._kept[index]
        docs, self._docs, self._kept_seen = self._docs, [], 0
        self._current += 1
        if kept is not None:
            buckets = _bucket_files(kept)
            staged = all(self.writer.staged.get(rel) == entry for rel, entry in kept.items())
            try:
                if not buckets:
                    raise WriterError(f"segment {segment.name} lacks bucket files")
                self.writer.keep_all(kept, staged=staged)
                self._buckets[index] = buckets
                return
            except WriterError:
                # A file of the kept segment is missing: index it again from the store.
                logger.warning("search: segment %s is incomplete; indexing it again", segment.name)
                for rel in [r for r in sorted(kept) if r in self.writer.entries]:
                    self.writer.forget(rel)
                docs = [self._doc(aid) for aid in segment.article_ids]
        if self._worker is None:
            self._record(index, segment_files(docs))
            return
        self._worker.submit((str(self.database), docs))
        self._pending.append(index)
        self.poll()

    def _doc(self, article_id: str) -> Any:
        if self._worker is None:
            return self.make_doc(article_id)
        assert self.describe is not None
        return article_id, self.describe(article_id)

    def poll(self) -> None:
        """Record the segments the worker has finished (never waits)."""
        while self._pending and self._worker is not None and self._worker.ready():
            self._collect()

    def _collect(self) -> None:
        """Record the files of the oldest segment the worker was given (waits for them)."""
        assert self._worker is not None
        index = self._pending[0]
        files = self._worker.result()
        self._pending.pop(0)
        self._record(index, files)

    def _record(self, index: int, files: dict[str, bytes]) -> None:
        segment = self.segments[index]
        self.writer.discard(f"{INDEX_DIR}/{segment.name}/")  # an older generation of this segment
        for name, data in sorted(files.items()):
            self.writer.emit(f"{INDEX_DIR}/{segment.name}/{name}", segment.key, data)
        self._buckets[index] = sum(1 for name in files if name.startswith("b"))
        self.indexed += 1

    def finish(self) -> None:
        """Collect what the worker still indexes and write ``search/index.json`` (every page must have been
        seen)."""
        if self._current != len(self.segments):
            raise RuntimeError(f"search: {self._current} of {len(self.segments)} segments complete")
        try:
            while self._pending:
                self._collect()
        except BaseException:
            self.abort()
            raise
        if self._worker is not None:
            self._worker.close()  # idle now: it exits at its end of input
            self._worker = None
        sizes = [(s.name, len(s.article_ids), self._buckets[i]) for i, s in enumerate(self.segments)]
        self.writer.write(*index_list(sizes))
        logger.info(
            "search: %d segments, %d indexed, %d kept",
            len(self.segments),
            self.indexed,
            len(self.segments) - self.indexed,
        )

    def abort(self) -> None:
        """Kill the worker (if any) without waiting for it; safe to call more than once."""
        worker, self._worker = self._worker, None
        self._pending.clear()
        if worker is not None:
            worker.kill()


def _bucket_files(group: dict[str, Entry]) -> int:
    """How many bucket files a kept segment has: n for b0 … b<n-1> with n a power of two, else 0."""
    names = {rel.rpartition("/")[2] for rel in group}
    count = sum(1 for name in names if name.startswith("b"))
    if count & (count - 1) or any(f"b{k}.json" not in names for k in range(count)):
        return 0
    return count
