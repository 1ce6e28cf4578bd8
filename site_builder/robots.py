"""``robots.txt``: everything may be crawled; the sitemap is named."""

from __future__ import annotations

from site_builder import paths


def robots(site: dict) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {paths.base_url(site)}sitemap.xml\n".encode()
