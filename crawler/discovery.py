"""What a site offers besides its list pages, and what it is built with: the feeds a page names, the JSON list
APIs its scripts call, the sitemaps its robots.txt names, and its CMS family (``crawler/family_signatures.toml``).
Pure functions, used by ``crawler.inference`` and ``yigai source add``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from crawler.links import _absolute
from crawler.list_reading import parse_html
from extract.decoding import decode_html

_JSON_API = re.compile(r"""["']((?:https?://[^"'\s]+|/[^"'\s]*|[\w./-]+)(?:\.json|/api/[^"'\s]*|[?&]format=json)[^"'\s]*)["']""")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
# Where feeds and sitemaps usually are when nothing names them (``yigai source add`` asks each once).
COMMON_DISCOVERY_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/rss.xml", "/feed", "/rss", "/atom.xml")

# ------------------------------------------------------------------------------------------------ feeds
def feed_links(body: bytes, url: str, http_encoding: str | None = None) -> list[str]:
    """Feeds a page names: ``<link rel="alternate" type="application/rss+xml" href>`` and the like."""
    root = parse_html(decode_html(body, http_encoding)[0])
    if root is None:
        return []
    found: list[str] = []
    for link in root.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES:
            absolute = _absolute(url, link.get("href").strip())
            if absolute:
                found.append(absolute)
    return unique(found)


def json_api_urls(body: bytes, url: str, http_encoding: str | None = None) -> list[str]:
    """URLs of JSON list APIs named in the page's scripts (a list page that fills itself from one)."""
    text = decode_html(body, http_encoding)[0]
    found: list[str] = []
    for script in re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S | re.I):
        for m in _JSON_API.finditer(script):
            absolute = _absolute(url, m.group(1))
            if absolute:
                found.append(absolute)
    return unique(found)


def robots_sitemaps(robots_txt: str, url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, absolute."""
    found = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            absolute = _absolute(url, value.strip())
            if absolute:
                found.append(absolute)
    return unique(found)


# ------------------------------------------------------------------------------------------------ family
@lru_cache(maxsize=1)
def _family_signatures() -> dict[str, dict[str, re.Pattern[str]]]:
    text = resources.files("crawler").joinpath("family_signatures.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["family"]
    return {name: {k: re.compile(v) for k, v in sig.items()} for name, sig in table.items()}


def guess_family(article_urls: Sequence[str], html: str = "") -> tuple[str, str]:
    """(family, why): the CMS family whose article URL shape most of ``article_urls`` have, else the one
    whose page signature the HTML carries, else ``generic``."""
    signatures = _family_signatures()
    if article_urls:
        for name, sig in signatures.items():
            pattern, host = sig.get("article"), sig.get("host")
            if pattern is None:
                continue
            hits = sum(
                1
                for u in article_urls
                if pattern.search(u) and (host is None or host.search((urlsplit(u).hostname or "").lower()))
            )
            if hits * 2 >= len(article_urls):
                where = f" on {host.pattern}" if host is not None else ""
                return name, f"{hits} of {len(article_urls)} article URLs have its shape ({pattern.pattern}){where}"
    for name, sig in signatures.items():
        pattern = sig.get("page")
        if pattern is not None and pattern.search(html):
            return name, f"the page carries its signature ({pattern.pattern})"
    return "generic", "no known template's URL shape or page signature"



def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
