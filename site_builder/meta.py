"""Site-level files: sitemap.xml, robots.txt, the OPML lists (``opml``) and the static assets (CSS, the search
script)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from site_builder import paths
from site_builder.context import SiteContext
from site_builder.opml import opml_files
from site_builder.pages import TEMPLATES_DIR

STATIC_DIR = TEMPLATES_DIR / "static"


def _base(ctx: SiteContext) -> str:
    base = str(ctx.site.get("base_url") or "/")
    return base if base.endswith("/") else base + "/"


# The sitemap protocol allows 50,000 URLs per file; beyond that sitemap.xml becomes an index of parts.
SITEMAP_MAX_URLS = 50_000


def sitemap_files(
    ctx: SiteContext,
    html_paths: Iterable[str],
    max_urls: int = SITEMAP_MAX_URLS,
    lastmod: dict[str, str] | None = None,
) -> list[tuple[str, bytes]]:
    """``sitemap.xml`` alone, or (for a large site) an index plus ``sitemaps/sitemap-N.xml`` parts.
    ``lastmod``: each article page's day (default: from the context's articles)."""
    ordered = sorted(html_paths)
    if lastmod is None:
        lastmod = _lastmod(ctx)  # once for every part: 100,000 dates
    if len(ordered) <= max_urls:
        return [("sitemap.xml", _urlset(ctx, ordered, lastmod))]
    base = _base(ctx)
    parts = [ordered[i : i + max_urls] for i in range(0, len(ordered), max_urls)]
    files = [(f"sitemaps/sitemap-{n}.xml", _urlset(ctx, part, lastmod)) for n, part in enumerate(parts, 1)]
    index = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        *(f"  <sitemap><loc>{escape(paths.public_url(base, path))}</loc></sitemap>" for path, _ in files),
        "</sitemapindex>",
    ]
    return [("sitemap.xml", ("\n".join(index) + "\n").encode("utf-8")), *files]


def _lastmod(ctx: SiteContext) -> dict[str, str]:
    # Only looked up by the paths the writer accepted, so the ids need no second check here.
    return {f"article/{a.id}.html": a.day for a in ctx.articles}


def sitemap(ctx: SiteContext, html_paths: Iterable[str], lastmod: dict[str, str] | None = None) -> bytes:
    """Every HTML page; article pages carry their date as lastmod (other pages change with every story)."""
    return _urlset(ctx, sorted(html_paths), _lastmod(ctx) if lastmod is None else lastmod)


def _urlset(ctx: SiteContext, ordered: list[str], lastmod: dict[str, str]) -> bytes:
    # One string per URL: at 100,000 pages the per-line appends and calls cost more than the rest of the file.
    base = _base(ctx)
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


def robots(ctx: SiteContext) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {_base(ctx)}sitemap.xml\n".encode()


def static_files(static_dir: Path = STATIC_DIR) -> Iterator[tuple[str, bytes]]:
    for file in sorted(static_dir.rglob("*")):
        if file.is_file():
            yield "static/" + file.relative_to(static_dir).as_posix(), file.read_bytes()


class MetaGenerator:
    """robots.txt, the OPML lists and static assets; the sitemap is made last, from the pages actually written."""

    def generate_output(self, ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
        yield "robots.txt", robots(ctx)
        yield from opml_files(ctx)
        yield from static_files()

    def sitemap_output(
        self, ctx: SiteContext, written_paths: Iterable[str], lastmod: dict[str, str] | None = None
    ) -> Iterator[tuple[str, bytes]]:
        html = [p for p in written_paths if p.endswith(".html")]
        yield from sitemap_files(ctx, html, lastmod=lastmod)
