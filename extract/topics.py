"""Relevance and topics from the taxonomy in ``data/topics.toml``."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .chinese import count_cjk


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    terms: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    threshold: float
    title_factor: float


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    data = tomllib.loads(resources.files("extract").joinpath("data/topics.toml").read_text(encoding="utf-8"))
    topics = tuple(
        Topic(
            id=t["id"], label=t["label"], terms=tuple(sorted(t["terms"].items(), key=lambda kv: -len(kv[0])))
        )
        for t in data["topic"]
    )
    return Taxonomy(
        topics=topics, threshold=float(data["threshold"]), title_factor=float(data["title_factor"])
    )


def _count(haystack: str, term: str) -> int:
    # Latin terms (DRG, DIP) must stand alone: "DRGs" still counts, "ADIPOSE" does not.
    if term.isascii():
        n, start = 0, 0
        while (i := haystack.find(term, start)) >= 0:
            before = haystack[i - 1] if i else " "
            if not (before.isascii() and before.isalpha()):
                n += 1
            start = i + len(term)
        return n
    return haystack.count(term)


def score_topics(title: str, text: str) -> tuple[list[str], float]:
    """(topic ids best first, relevance score).

    Per term: title_factor × title hits + log2(1 + body hits) (repeating a term has diminishing returns),
    times its weight. The sum is divided by a gentle length factor sqrt(1 + chars/3000) so long pages
    with a passing mention do not beat short focused ones.
    """
    tax = load_taxonomy()
    per_topic: dict[str, float] = {}
    for topic in tax.topics:
        s = 0.0
        for term, weight in topic.terms:
            t_hits = _count(title, term)
            b_hits = _count(text, term)
            if t_hits or b_hits:
                s += weight * (tax.title_factor * t_hits + math.log2(1 + b_hits))
        if s > 0:
            per_topic[topic.id] = s
    length_factor = math.sqrt(1 + count_cjk(text) / 3000)
    relevance = round(sum(per_topic.values()) / length_factor, 3)
    ranked = [tid for tid, _ in sorted(per_topic.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ranked, relevance


def is_relevant(relevance: float) -> bool:
    return relevance >= load_taxonomy().threshold
