"""Inference on the source-family pages: given only a family's list page and its URL, ``crawler.inference``
must find the article links ``CASES`` names for that page (precision and recall >= 0.95 over all of them), and
guess the family from the article URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from test_source_families import CASES, PAGES, REGISTRY, _list_path

from crawler.discovery import guess_family
from crawler.inference import infer_list

BASE = "http://127.0.0.1:8765"


# ------------------------------------------------------------------------------------------ family pages
def _family_scores() -> list[tuple[str, set[str], set[str]]]:
    out = []
    for case in CASES:
        source = REGISTRY[case.source_id]
        list_url = BASE + _list_path(source)
        body = (PAGES / case.family / "list.html").read_bytes()
        found = {urlsplit(u).path for u in infer_list(body, list_url).article_urls}
        # The family pages also link the first list's further pages' articles; only this page's count.
        wanted = {p for p in case.articles if p.encode() in body or p.rsplit("/", 1)[-1].encode() in body}
        out.append((case.family, found, wanted))
    return out


def test_inference_finds_the_article_links_of_every_family_page() -> None:
    tp = fp = fn = 0
    misses = []
    for family, found, wanted in _family_scores():
        tp += len(found & wanted)
        fp += len(found - wanted)
        fn += len(wanted - found)
        if found != wanted:
            misses.append((family, sorted(found - wanted), sorted(wanted - found)))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.95, misses
    assert tp >= 40


@pytest.mark.parametrize("family", [c.family for c in CASES])
def test_family_is_guessed_from_the_article_urls(family: str) -> None:
    case = next(c for c in CASES if c.family == family)
    host = urlsplit(REGISTRY[case.source_id].list_urls[0]).netloc
    guessed, why = guess_family([f"https://{host}{p}" for p in case.articles])
    assert guessed == family, why
