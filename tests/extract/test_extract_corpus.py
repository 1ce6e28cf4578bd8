"""All real pages of ../shared/corpus/gne through extract_article: no mojibake, a non-empty body."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import extract_article

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus" / "gne"
PAGES = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
MOJIBAKE = ("Ã", "é", "â€", "锟斤拷", "\ufffd", "Â")

pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/corpus/gne is not present")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_corpus_page(path: Path):
    art = extract_article(path.read_bytes(), f"https://corpus.example/{path.name}")
    for bad in MOJIBAKE:
        assert bad not in art.title, bad
        assert bad not in art.text, bad
    assert art.title
    assert len(art.text) >= 80
    assert art.encoding == "utf-8"
    if art.published is not None:
        assert art.published.tzinfo is not None


def test_corpus_has_all_pages():
    assert len(PAGES) == 62
