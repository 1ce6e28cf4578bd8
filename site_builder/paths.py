"""Where every output file lives. Paths are built from ids and codes only, never from page text."""

from __future__ import annotations

from site_builder.models import ARTICLE_ID, REGION_CODE, TOPIC_ID


def _check(value: str, pattern: object, what: str) -> str:
    if not pattern.match(value):  # type: ignore[attr-defined]
        raise ValueError(f"unsafe {what} for a file name: {value!r}")
    return value


def article_path(aid: str) -> str:
    return f"article/{_check(aid, ARTICLE_ID, 'article id')}.html"


def region_dir(code: str) -> str:
    return f"region/{_check(code, REGION_CODE, 'region code')}/"


def topic_dir(tid: str) -> str:
    return f"topic/{_check(tid, TOPIC_ID, 'topic id')}/"


def watch_dir(slug: str) -> str:
    return f"watch/{_check(slug, TOPIC_ID, 'watchlist slug')}/"


def region_topic_dir(code: str, tid: str) -> str:
    return f"{region_dir(code)}{topic_dir(tid)}"


def archive_dir(month: str, under: str = "archive/") -> str:
    """A month's list: the site's under ``archive/``, a region's under its own directory."""
    if len(month) != 7 or not (month[:4].isdigit() and month[4] == "-" and month[5:].isdigit()):
        raise ValueError(f"unsafe month for a file name: {month!r}")
    return f"{under}{month}/"


NATIONAL_DIR = "national/"
ARCHIVE_INDEX = "archive/index.html"


def feed_path(key: str, kind: str) -> str:
    """``key`` is ``all``, ``national``, ``register``, ``digest``, ``region/<code>``, ``region/<code>/topic/<id>``,
    ``topic/<id>`` or ``watch/<slug>``; kind is ``rss`` or ``atom``."""
    if kind not in ("rss", "atom"):
        raise ValueError(kind)
    if key in ("all", "national", "register", "digest"):
        return f"feeds/{key}.{kind}.xml"
    group, _, ident = key.partition("/")
    if group == "region":
        code, _, tid = ident.partition("/topic/")
        _check(code, REGION_CODE, "region code")
        if tid:
            _check(tid, TOPIC_ID, "topic id")
    elif group in ("topic", "watch"):
        _check(ident, TOPIC_ID, "topic id")
    else:
        raise ValueError(f"unknown feed key {key!r}")
    return f"feeds/{group}/{ident}.{kind}.xml"


def root_prefix(path: str) -> str:
    """The relative prefix from the page at ``path`` back to the site root (``""``, ``"../"``, …)."""
    return "../" * path.count("/")


def base_url(site: dict) -> str:
    """The site's ``[site] base_url``, ending with one slash ("/" when unset)."""
    base = str(site.get("base_url") or "/")
    return base if base.endswith("/") else base + "/"


def public_url(base_url: str, path: str) -> str:
    """Absolute URL of an output path (``index.html`` maps to its directory)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    if path == "index.html":
        return base
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base + path
