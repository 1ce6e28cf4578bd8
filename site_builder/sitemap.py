"""``sitemap.xml``: every HTML page the build made, article pages with their day as ``lastmod``."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

from site_builder import paths
from site_builder.context import SiteContext

# The sitemap protocol allows 50,000 URLs per file; beyond that sitemap.xml becomes an index of parts.
SITEMAP_MAX_URLS = 50_000


def sitemap_files(
    ctx: SiteContext, html_paths: Iterable[str], max_urls: int = SITEMAP_MAX_URLS
) -> list[tuple[str, bytes]]:
    """``sitemap.xml`` alone, or (for a large site) an index plus ``sitemaps/sitemap-N.xml`` parts."""
    ordered = sorted(p for p in html_paths if p.endswith(".html"))
    lastmod = {f"article/{a.id}.html": a.day for a in ctx.articles}  # once for every part: 100,000 dates
    base = paths.base_url(ctx.site)
    if len(ordered) <= max_urls:
        return [("sitemap.xml", _urlset(base, ordered, lastmod))]
    parts = [ordered[i : i + max_urls] for i in range(0, len(ordered), max_urls)]
    files = [(f"sitemaps/sitemap-{n}.xml", _urlset(base, part, lastmod)) for n, part in enumerate(parts, 1)]
    index = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        *(f"  <sitemap><loc>{escape(paths.public_url(base, path))}</loc></sitemap>" for path, _ in files),
        "</sitemapindex>",
    ]
    return [("sitemap.xml", ("\n".join(index) + "\n").encode("utf-8")), *files]


def _urlset(base: str, ordered: list[str], lastmod: dict[str, str]) -> bytes:
    # One string per URL: at 100,000 pages the per-line appends and calls cost more than the rest of the file.
    escaped_base = escape(paths.public_url(base, "index.html"))
    entries = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for path in ordered:
        loc = escaped_base + escape(path.removesuffix("index.html") if path.endswith("/index.html") else path)
        if path == "index.html":
            loc = escaped_base
        day = lastmod.get(path)
        if day is None:
            entries.append(f"  <url>\n    <loc>{loc}</loc>\n  </url>\n")
        else:
            entries.append(f"  <url>\n    <loc>{loc}</loc>\n    <lastmod>{day}</lastmod>\n  </url>\n")
    entries.append("</urlset>\n")
    return "".join(entries).encode("utf-8")
