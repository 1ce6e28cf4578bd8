"""OPML subscription lists: the whole site's (``opml.xml``) and one per province (``opml/<code>.xml``).

Region feeds are nested as the regions are: province → city → county, each level a folder holding its own
feed first, so a reader can subscribe to a province, a city or one county. Titles name the whole region path
("河北省 · 邯郸市 · 魏县"): in a reader's flat list of feeds "魏县" alone says little.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from site_builder import paths
from site_builder.context import Region, SiteContext
from site_builder.pages import feed_link, region_path_name

OPML_PATH = "opml.xml"
PROVINCE_OPML_DIR = "opml/"


def province_opml_path(code: str) -> str:
    return f"{PROVINCE_OPML_DIR}{code}.xml"


def _feed_outline(ctx: SiteContext, key: str, title: str, html_path: str, indent: str) -> str:
    """One feed (its RSS flavour; each has an Atom twin at the same path)."""
    base = paths.base_url(ctx.site)
    feed = feed_link(key, title)
    return (
        f'{indent}<outline type="rss" text={quoteattr(title)} title={quoteattr(title)} '
        f"xmlUrl={quoteattr(paths.public_url(base, feed.rss))} "
        f"htmlUrl={quoteattr(paths.public_url(base, html_path))}/>"
    )


def _region_outlines(ctx: SiteContext, region: Region, indent: str) -> Iterator[str]:
    """A region's feed; with sub-regions, a folder of its feed and theirs."""
    title = region_path_name(ctx, region.code)
    children = [ctx.regions[c] for c in region.children]
    if not children:
        yield _feed_outline(ctx, f"region/{region.code}", title, region.path, indent)
        return
    yield f"{indent}<outline text={quoteattr(region.name)} title={quoteattr(title)}>"
    yield _feed_outline(ctx, f"region/{region.code}", title, region.path, indent + "  ")
    for child in children:
        yield from _region_outlines(ctx, child, indent + "  ")
    yield f"{indent}</outline>"


def _document(ctx: SiteContext, title: str, body: list[str]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
        *body,
        "  </body>",
        "</opml>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def top_regions(ctx: SiteContext) -> list[Region]:
    """Regions with no parent on the site: the provinces (and any region whose province has no page)."""
    return [r for r in ctx.regions.values() if r.parent_code is None]


def site_opml(ctx: SiteContext) -> bytes:
    """Every feed of the site: everything, national and the policy register, the regions nested, the topics,
    the digest and the watchlists."""
    site_title = str(ctx.site.get("title") or "")
    body = ['    <outline text="全部" title="全部">']
    body.append(_feed_outline(ctx, "all", "全部报道", "index.html", "      "))
    body.append(_feed_outline(ctx, "national", "全国", paths.NATIONAL_DIR + "index.html", "      "))
    body.append(_feed_outline(ctx, "register", "政策文件", "register/index.html", "      "))
    body.append("    </outline>")
    tops = top_regions(ctx)
    if tops:
        body.append('    <outline text="地区" title="地区">')
        for region in tops:
            body.extend(_region_outlines(ctx, region, "      "))
        body.append("    </outline>")
    if ctx.topics:
        body.append('    <outline text="专题" title="专题">')
        for tid, topic in ctx.topics.items():
            body.append(_feed_outline(ctx, f"topic/{tid}", topic.label, topic.path, "      "))
        body.append("    </outline>")
    body.append('    <outline text="周报与关注" title="周报与关注">')
    body.append(_feed_outline(ctx, "digest", "每周摘要", "digest/index.html", "      "))
    body.extend(_feed_outline(ctx, f"watch/{w.slug}", w.name, w.path, "      ") for w in ctx.watches)
    body.append("    </outline>")
    return _document(ctx, site_title, body)


def province_opml(ctx: SiteContext, region: Region) -> bytes:
    """One province's feeds: the province, its cities and counties."""
    site_title = str(ctx.site.get("title") or "")
    return _document(ctx, f"{site_title} · {region.name}", list(_region_outlines(ctx, region, "    ")))


def opml_files(ctx: SiteContext) -> Iterator[tuple[str, bytes]]:
    yield OPML_PATH, site_opml(ctx)
    for region in top_regions(ctx):
        yield province_opml_path(region.code), province_opml(ctx, region)
