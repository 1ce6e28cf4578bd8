"""``opml.xml``: every feed of the site as one subscription list."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from site_builder import paths
from site_builder.context import SiteContext
from site_builder.pages import feed_groups


def opml(ctx: SiteContext) -> bytes:
    """An OPML subscription list of every feed (the RSS flavour; each has an Atom twin at the same path)."""
    base = paths.base_url(ctx.site)
    title = str(ctx.site.get("title") or "")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
    ]
    for group, feeds in feed_groups(ctx):
        if not feeds:
            continue
        lines.append(f"    <outline text={quoteattr(group)} title={quoteattr(group)}>")
        for feed in feeds:
            page = feed.rss.removeprefix("feeds/").removesuffix(".rss.xml")
            html_path = "index.html" if page == "all" else f"{page}/index.html"
            lines.append(
                f'      <outline type="rss" text={quoteattr(feed.title)} title={quoteattr(feed.title)} '
                f"xmlUrl={quoteattr(paths.public_url(base, feed.rss))} "
                f"htmlUrl={quoteattr(paths.public_url(base, html_path))}/>"
            )
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>"]
    return ("\n".join(lines) + "\n").encode("utf-8")
