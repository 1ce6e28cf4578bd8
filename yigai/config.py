"""Settings and the sources registry: loaded from TOML, validated, with errors naming file, entry and field."""

from __future__ import annotations

import copy
import ipaddress
import logging
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SAMPLE_WEB_PLACEHOLDER = "{sample_web}"
_SOURCE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ConfigError(ValueError):
    """A settings or registry file is wrong. The message names the file, the entry and the field."""


# ---------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """Merged settings (packaged defaults + the user's file)."""

    data: dict[str, Any]
    path: Path | None  # the user's file, if any
    base_dir: Path  # relative paths in settings resolve against this

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.data.get(name, {}))

    @property
    def database(self) -> Path:
        return self._path(self.data["database"])

    @property
    def store(self) -> str:
        """The store to open: ``store_url`` (a PostgreSQL URL) when set, else the SQLite file ``database``."""
        return self.data.get("store_url") or str(self.database)

    @property
    def watches(self) -> list[dict[str, Any]]:
        """The ``[[watch]]`` tables, checked (``watch_entries``)."""
        return list(self.data.get("watch", []))

    @property
    def output_dir(self) -> Path:
        return self._path(self.data["output_dir"])

    def _path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


# The range of every number in the settings (``defaults.toml``; a test checks that none lacks one). Most have a
# floor of 1 because 0 makes no sense or silently switches a safeguard off: 0 concurrent requests hangs the
# crawl, Scrapy reads a size limit or budget of 0 as "no limit".
BOUNDS: dict[str, tuple[float, float]] = {
    "site.feed_items": (1, 10_000),
    "site.page_size": (1, 1_000),
    "crawl.download_timeout": (1, 3_600),
    "crawl.max_response_bytes": (1_024, 1 << 30),
    "crawl.retry_times": (0, 20),
    "crawl.concurrent_requests_per_domain": (1, 64),
    "crawl.autothrottle_target_concurrency": (0.1, 64),
    "crawl.source_time_budget": (1, 7 * 86_400),
    "crawl.source_page_budget": (1, 10_000_000),
    "crawl.parallel_sources": (1, 10_000),
    "crawl.stale_after_days": (1, 3_650),
    "extract.relevance_threshold": (0, 1),
    "extract.workers": (0, 1_024),
    "extract.parallel_from": (1, 100_000_000),
    "extract.claim_batch": (1, 10_000),
    "extract.claim_lease": (10, 7 * 86_400),
    "extract.max_html_bytes": (65_536, 1 << 30),
    "schedule.misfire_grace_time": (1, 7 * 86_400),
}
# Settings that take one of a few words.
_CHOICES: dict[str, tuple[str, ...]] = {}
# Settings that no longer do anything: a config file that still has one loads, with a warning saying why.
_RETIRED = {
    "site.search_engine": "the site has one search engine, its own index (Pagefind was removed: docs/site.md)",
    "site.search_shard_size": "the search index plans its own tiers (docs/site.md)",
}


def _defaults() -> dict[str, Any]:
    text = resources.files("yigai").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


# The [scrapy] table takes any Scrapy setting name; these, which [crawl] also bounds or which switch a safeguard
# off at 0, are held to a range there too.
SCRAPY_BOUNDS: dict[str, tuple[float, float]] = {
    "CONCURRENT_REQUESTS": (1, 1_000),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (1, 64),
    "DOWNLOAD_TIMEOUT": (0.1, 3_600),
    "DOWNLOAD_MAXSIZE": (1_024, 1 << 30),
    "DOWNLOAD_DELAY": (0, 3_600),
    "RETRY_TIMES": (0, 20),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (0.1, 64),
    "CLOSESPIDER_TIMEOUT": (1, 7 * 86_400),
    "CLOSESPIDER_PAGECOUNT": (1, 10_000_000),
    "REACTOR_THREADPOOL_MAXSIZE": (1, 1_000),
}
_SCRAPY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _scrapy_table(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: setting 'scrapy' must be a table of Scrapy settings")
    for name, item in value.items():
        if not _SCRAPY_NAME.match(name):
            raise ConfigError(f"{path}: setting 'scrapy.{name}': not a Scrapy setting name (upper case, like DOWNLOAD_DELAY)")
        bounds = SCRAPY_BOUNDS.get(name)
        if bounds is None:
            continue
        if not isinstance(item, int | float) or isinstance(item, bool):
            raise ConfigError(f"{path}: setting 'scrapy.{name}' must be a number, got {type(item).__name__}")
        if not bounds[0] <= item <= bounds[1]:
            raise ConfigError(f"{path}: setting 'scrapy.{name}' must be from {bounds[0]:,} to {bounds[1]:,}, got {item}")
    return dict(value)


def _merge(base: dict[str, Any], override: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if not where and key == "scrapy":
            out[key] = {**base.get(key, {}), **_scrapy_table(value, path)}
            continue
        if not where and key == "watch":
            out[key] = watch_entries(value, path)
            continue
        if f"{where}{key}" in _RETIRED and key not in base:
            logger.warning("%s: setting '%s%s' is ignored: %s", path, where, key, _RETIRED[f"{where}{key}"])
            continue
        if key not in base:
            raise ConfigError(f"{path}: unknown setting '{where}{key}' (known: {', '.join(sorted(base))})")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: setting '{where}{key}' must be a table")
            out[key] = _merge(base[key], value, f"{where}{key}.", path)
        else:
            expected = type(base[key])
            ok = isinstance(value, expected) or (expected is float and isinstance(value, int))
            if not ok or (expected is int and isinstance(value, bool)):
                raise ConfigError(
                    f"{path}: setting '{where}{key}' must be {expected.__name__}, got {type(value).__name__}"
                )
            bounds = BOUNDS.get(f"{where}{key}")
            if bounds is not None and not bounds[0] <= value <= bounds[1]:
                low, high = (f"{b:,}" if isinstance(b, int) else f"{b}" for b in bounds)
                raise ConfigError(f"{path}: setting '{where}{key}' must be from {low} to {high}, got {value}")
            choices = _CHOICES.get(f"{where}{key}")
            if choices is not None and value not in choices:
                raise ConfigError(
                    f"{path}: setting '{where}{key}' must be one of {', '.join(map(repr, choices))}, got {value!r}"
                )
            out[key] = value
    return out


# The packaged defaults' site address: a placeholder. Feeds, the sitemap and the OPML carry absolute links
# built from it, so a site published with it sends every subscriber to a host that is not the site's.
PLACEHOLDER_HOST = "yigai.example.org"
# What `yigai demo` publishes for: the address `yigai serve` previews the site on.
LOCAL_PREVIEW_URL = "http://127.0.0.1:8000/"


def placeholder_base_url_warning(settings: Settings) -> str | None:
    """A warning when ``[site] base_url`` is still the packaged placeholder, else None."""
    base_url = str(settings.section("site").get("base_url") or "")
    if (urlsplit(base_url).hostname or "").lower() != PLACEHOLDER_HOST:
        return None
    return (
        f"[site] base_url is the placeholder {base_url}: feed, sitemap and OPML links point to a host that is "
        "not this site's; set base_url in yigai.toml to the address the site is published at"
    )


def _check_store_url(url: str, path: Path) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"{path}: setting 'store_url' must be a postgresql:// URL (an SQLite store is named by 'database'), "
            f"got {parts.scheme or url!r}"
        )
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ConfigError(f"{path}: setting 'store_url' names no database (postgresql://user@host/DBNAME)")


def load_settings(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Load packaged defaults, merge the user's file over them (``path``, else ``./yigai.toml`` if present)."""
    data = _defaults()
    user_path: Path | None = None
    if path is not None:
        user_path = Path(path)
        data = _merge(data, _read_toml(user_path), "", user_path)
    elif Path("yigai.toml").is_file():
        user_path = Path("yigai.toml")
        data = _merge(data, _read_toml(user_path), "", user_path)
    if overrides:
        data = _merge(data, overrides, "", Path("<command line>"))
    _check_store_url(data.get("store_url", ""), user_path or Path("<defaults>"))
    base_dir = user_path.resolve().parent if user_path else Path.cwd()
    return Settings(data=data, path=user_path, base_dir=base_dir)


def watch_entries(value: Any, path: Path) -> list[dict[str, Any]]:
    """The ``[[watch]]`` tables, checked: each a watchlist with its own page and feeds (``watch/<slug>/``).
    Regions are given by name or code and kept as codes; topics are the taxonomy's slugs."""
    from yigai.listing import division_table, topic_labels

    if not isinstance(value, list):
        raise ConfigError(f"{path}: 'watch' must be [[watch]] tables")
    table, slugs, out = division_table(), set(), []
    for index, entry in enumerate(value):
        label = f"watch #{index + 1}"
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            label += f" '{entry['name']}'"

        def fail(fld: str, why: str, label: str = label) -> ConfigError:
            return ConfigError(f"{path}: [[watch]] {label}: field '{fld}': {why}")

        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: [[watch]] {label}: must be a table")
        unknown = set(entry) - {"name", "slug", "keywords", "regions", "topics"}
        if unknown:
            raise fail(sorted(unknown)[0], "unknown field (known: keywords, name, regions, slug, topics)")
        name, slug = entry.get("name"), entry.get("slug")
        if not isinstance(name, str) or not name.strip():
            raise fail("name", "required non-empty string")
        if not isinstance(slug, str) or not _WATCH_SLUG.match(slug):
            raise fail("slug", "required: lower-case letters, digits, - and _ (the address watch/<slug>/)")
        if slug in slugs:
            raise fail("slug", f"'{slug}' is used by an earlier [[watch]]")
        slugs.add(slug)
        lists = {}
        for fld in ("keywords", "regions", "topics"):
            raw = entry.get(fld, [])
            if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
                raise fail(fld, "must be a list of non-empty strings")
            lists[fld] = [x.strip() for x in raw]
        if not lists["keywords"]:
            raise fail("keywords", "required: at least one keyword (found in a story's title or text)")
        codes = []
        for wanted in lists["regions"]:
            found = [wanted] if wanted in table else sorted(c for c, d in table.items() if d.name == wanted)
            if len(found) != 1:
                why = f"names {len(found)} divisions ({', '.join(found)}): give the code" if found else "unknown"
                raise fail("regions", f"{wanted!r}: {why} (a division name such as 河南省, or its code)")
            codes.append(found[0])
        unknown_topics = [t for t in lists["topics"] if t not in topic_labels()]
        if unknown_topics:
            raise fail("topics", f"unknown topic {unknown_topics[0]!r} (known: {', '.join(sorted(topic_labels()))})")
        out.append({"name": name.strip(), "slug": slug, **lists, "regions": codes})
    return out


_WATCH_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # site_builder.models.TOPIC_ID: a file name


# ---------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Source:
    """One entry of the sources registry."""

    id: str
    name: str
    home_region: str | None = None
    list_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_allow: tuple[str, ...] = ()
    article_deny: tuple[str, ...] = ()
    max_list_pages: int = 5
    browser: bool = False
    confirmed: str = "unconfirmed"
    family: str = "generic"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def start_urls(self) -> tuple[str, ...]:
        return self.list_urls + self.feeds + self.sitemaps

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "home_region": self.home_region,
            "list_urls": list(self.list_urls),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
            "article_allow": list(self.article_allow),
            "article_deny": list(self.article_deny),
            "max_list_pages": self.max_list_pages,
            "browser": self.browser,
            "confirmed": self.confirmed,
            "family": self.family,
            "notes": self.notes,
        }


_LIST_FIELDS = ("list_urls", "feeds", "sitemaps", "article_allow", "article_deny")
_KNOWN_FIELDS = {
    "id", "name", "home_region", *_LIST_FIELDS, "max_list_pages", "browser", "confirmed", "family", "notes",
    "extra",
}


def _source_from_entry(entry: Any, index: int, path: Path, sample_web: str | None) -> Source:
    label = f"source #{index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: {label}: must be a table ([[source]])")
    sid = entry.get("id")
    if isinstance(sid, str):
        label = f"source #{index + 1} '{sid}'"

    def fail(fld: str, why: str) -> ConfigError:
        return ConfigError(f"{path}: {label}: field '{fld}': {why}")

    unknown = set(entry) - _KNOWN_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_KNOWN_FIELDS))})")
    if not isinstance(sid, str) or not _SOURCE_ID.match(sid):
        raise fail("id", "required; lower-case letters, digits and _, starting with a letter")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "required non-empty string")
    home = entry.get("home_region")
    if home is not None and (not isinstance(home, str) or not home.strip()):
        raise fail("home_region", "must be a division name such as 河北省")
    values: dict[str, tuple[str, ...]] = {}
    for fld in _LIST_FIELDS:
        raw = entry.get(fld, [])
        if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
            raise fail(fld, "must be a list of non-empty strings")
        items = []
        for item in raw:
            if fld in ("article_allow", "article_deny"):
                try:
                    re.compile(item)
                except re.error as exc:
                    raise fail(fld, f"bad regular expression {item!r}: {exc}") from None
            else:
                if SAMPLE_WEB_PLACEHOLDER in item:
                    if sample_web is None:
                        raise fail(fld, f"uses {SAMPLE_WEB_PLACEHOLDER} but no sample web is running")
                    item = item.replace(SAMPLE_WEB_PLACEHOLDER, sample_web.rstrip("/"))
                problem = url_problem(item)
                if problem:
                    raise fail(fld, f"{problem}: {item!r}")
            items.append(item)
        values[fld] = tuple(items)
    if not (values["list_urls"] or values["feeds"] or values["sitemaps"]):
        raise fail("list_urls", "a source needs at least one of list_urls, feeds or sitemaps")
    max_pages = entry.get("max_list_pages", 5)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or not 1 <= max_pages <= 1000:
        raise fail("max_list_pages", "must be an integer from 1 to 1000")
    browser = entry.get("browser", False)
    if not isinstance(browser, bool):
        raise fail("browser", "must be true or false")
    confirmed = entry.get("confirmed", "unconfirmed")
    if not isinstance(confirmed, str) or not confirmed.strip():
        raise fail("confirmed", "must say where the URLs were confirmed, or 'unconfirmed'")
    for fld in ("family", "notes"):
        if fld in entry and not isinstance(entry[fld], str):
            raise fail(fld, "must be a string")
    extra = entry.get("extra", {})
    if not isinstance(extra, dict):
        raise fail("extra", "must be a table")
    return Source(
        id=sid,
        name=name.strip(),
        home_region=home.strip() if isinstance(home, str) else None,
        max_list_pages=max_pages,
        browser=browser,
        confirmed=confirmed.strip(),
        family=entry.get("family", "generic"),
        notes=entry.get("notes", ""),
        extra=extra,
        **values,
    )


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be crawled (None when it can): an http(s) URL with a valid host and port, as
    ``urllib.parse`` reads it (so what passes here is what the crawler will request)."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "a URL cannot hold spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is no number or out of range
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    if port == 0:
        return "port 0 cannot be requested"
    if parts.netloc.startswith("[") or ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        return None
    try:
        host.encode("idna")  # a label empty or longer than 63 characters, or characters no host may have
    except UnicodeError:
        return f"{host!r} is not a valid host name"
    if not re.fullmatch(r"[\w.-]+", host) or host.startswith(("-", ".")):
        return f"{host!r} is not a valid host name"
    return None


def registry_path(name_or_path: str) -> Path:
    """Resolve ``default``/``sample`` to the packaged registries, anything else to a file path."""
    if name_or_path in ("default", "sample"):
        file = "sources.toml" if name_or_path == "default" else "sample.toml"
        return Path(str(resources.files("yigai").joinpath("registry", file)))
    return Path(name_or_path)


def load_registry(name_or_path: str | Path, sample_web: str | None = None) -> list[Source]:
    """Load and validate a sources registry. ``sample_web`` replaces ``{sample_web}`` in URLs."""
    path = registry_path(str(name_or_path))
    data = _read_toml(path)
    unknown = set(data) - {"source", "meta"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key '{sorted(unknown)[0]}' (expected [[source]] tables)")
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] entries")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        src = _source_from_entry(entry, i, path, sample_web)
        if src.id in seen:
            raise ConfigError(f"{path}: source #{i + 1} '{src.id}': field 'id': duplicate id")
        seen.add(src.id)
        sources.append(src)
    return sources
