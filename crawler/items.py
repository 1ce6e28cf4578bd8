"""The one item the spider yields: a fetched page, as the store pipeline writes it."""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_KINDS = ("list", "feed", "sitemap", "article")


@dataclass
class PageItem:
    requested_url: str  # what we asked for (before redirects)
    final_url: str  # where the bytes came from (after redirects)
    source_id: str
    kind: str  # list | feed | sitemap | article
    status: int
    body: bytes  # raw bytes, undecoded
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None  # what Scrapy detected (the extract stage decodes by evidence)
    content_type: str | None = None
    redirect_urls: list[str] = field(default_factory=list)
