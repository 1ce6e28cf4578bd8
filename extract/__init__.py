"""Extraction: pure functions from page bytes to a clean, tagged article (see extract.core)."""

from __future__ import annotations

from .chinese import normalize_text
from .core import ExtractedArticle, SourceHint, extract_article
from .decoding import decode_html
from .fingerprint import hamming, simhash
from .policy import Attachment
from .regions import Region

__all__ = [
    "Attachment",
    "ExtractedArticle",
    "Region",
    "SourceHint",
    "decode_html",
    "extract_article",
    "hamming",
    "normalize_text",
    "simhash",
]
