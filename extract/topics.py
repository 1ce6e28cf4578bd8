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
    salient_weight: float = 2.0  # terms this specific or more can make a topic salient
    repeated: int = 3  # body mentions of salient terms that make a topic salient without title or lead


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
        topics=topics,
        threshold=float(data["threshold"]),
        title_factor=float(data["title_factor"]),
        salient_weight=float(data.get("salient_weight", 2.0)),
        repeated=int(data.get("repeated", 3)),
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


_LEAD_CJK = 20  # a first paragraph shorter than this (a dateline, a document number) is not yet the lead


def lead_of(text: str) -> str:
    """The lead paragraph, where a story says what it is about: the first paragraph, with the next ones
    while what came before is shorter than _LEAD_CJK characters."""
    out, n = [], 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        out.append(line)
        n += count_cjk(line)
        if n >= _LEAD_CJK:
            break
    return "\n".join(out)


def score_topics(title: str, text: str) -> tuple[list[str], float]:
    """(salient topic ids best first, relevance score).

    Relevance: per term, title_factor × title hits + log2(1 + body hits) (repeating a term has diminishing
    returns), times its weight, summed over all topics and divided by a gentle length factor
    sqrt(1 + chars/3000) so long pages with a passing mention do not beat short focused ones.

    Topics by salience: a topic is given only when one of its specific terms (weight ≥ salient_weight)
    is in the title or the lead paragraph, or repeated (≥ ``repeated`` mentions in the body). Context
    words (乡镇卫生院, 医保基金: the setting of many stories) count for relevance only. A passing mention —
    a DRG story that names the 医共体 once in its fifth paragraph — adds to relevance, not to the topics.
    """
    tax = load_taxonomy()
    lead = lead_of(text)
    per_topic: dict[str, float] = {}
    salient: set[str] = set()
    for topic in tax.topics:
        s = 0.0
        specific_in_text = 0
        for term, weight in topic.terms:
            t_hits = _count(title, term)
            b_hits = _count(text, term)
            if t_hits or b_hits:
                s += weight * (tax.title_factor * t_hits + math.log2(1 + b_hits))
                if weight >= tax.salient_weight:
                    specific_in_text += b_hits
                    if t_hits or _count(lead, term):
                        salient.add(topic.id)
        if s > 0:
            per_topic[topic.id] = s
        if specific_in_text >= tax.repeated:
            salient.add(topic.id)
    length_factor = math.sqrt(1 + count_cjk(text) / 3000)
    relevance = round(sum(per_topic.values()) / length_factor, 3)
    ranked = [tid for tid, _ in sorted(per_topic.items(), key=lambda kv: (-kv[1], kv[0])) if tid in salient]
    return ranked, relevance


def is_relevant(relevance: float) -> bool:
    return relevance >= load_taxonomy().threshold
