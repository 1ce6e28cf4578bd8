"""``yigai source add``: a registry entry from a site's address, by inference (``crawler.inference``) rather
than a hand-written pattern (``yigai source check`` is ``yigai.source_check``).

The network side is small and polite: one page at a time, robots.txt obeyed, the settings' user agent and
timeout, a size limit. ``--html`` works from saved pages instead (a file for the list page, or a directory
holding a saved copy of the site laid out by URL path).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from crawler.discovery import COMMON_DISCOVERY_PATHS, guess_family, robots_sitemaps
from crawler.inference import ListInference, ListLink, infer_list, list_links, newest_first
from crawler.links import feed_entries, sitemap_entries
from extract.decoding import decode_html
from yigai.config import ConfigError, Source, load_registry, url_problem
from yigai.source_regions import RegionGuess, infer_home_region, registry_hosts

logger = logging.getLogger(__name__)

PREVIEW_ARTICLES = 10
MAX_BYTES = 8 << 20


class FetchFailed(Exception):
    """A page could not be read (unreachable, an HTTP error, refused by robots.txt, not saved)."""


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    content_type: str | None = None


# ------------------------------------------------------------------------------------------------ fetching
class Fetcher:
    """Reads pages over HTTP (robots.txt obeyed) or from saved copies (``saved``: a file for ``url`` itself,
    or a directory laid out by URL path, with or without the host as first folder)."""

    def __init__(
        self, *, user_agent: str, timeout: float, saved: Path | None = None, list_url: str | None = None
    ) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.saved = saved
        self.list_url = list_url
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    @property
    def offline(self) -> bool:
        return self.saved is not None

    def get(self, url: str) -> Page:
        if self.saved is not None:
            return self._saved_page(url)
        if not self._allowed(url):
            raise FetchFailed(f"{url}: disallowed by the site's robots.txt")
        return self._http(url)

    def _saved_page(self, url: str) -> Page:
        assert self.saved is not None
        if self.saved.is_file():
            if url == self.list_url:
                return Page(url, self.saved.read_bytes())
            raise FetchFailed(f"{url}: not saved (--html names one file, the list page)")
        parts = urlsplit(url)
        rel = parts.path.lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        for candidate in (self.saved / parts.netloc / rel, self.saved / rel):
            if candidate.is_file():
                return Page(url, candidate.read_bytes())
        raise FetchFailed(f"{url}: not saved under {self.saved}")

    def _http(self, url: str) -> Page:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    raise FetchFailed(f"{url}: larger than {MAX_BYTES >> 20} MiB")
                return Page(response.geturl(), body, response.headers.get("Content-Type"))
        except urllib.error.HTTPError as exc:
            raise FetchFailed(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchFailed(f"{url}: unreachable ({reason})") from None

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                text = self._http(origin + "/robots.txt").body.decode("utf-8", "replace")
                parser.parse(text.splitlines())
            except FetchFailed:
                parser = None  # no robots.txt: everything is allowed
            self._robots[origin] = parser
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(self.user_agent, url)

    def robots_txt(self, url: str) -> str:
        parts = urlsplit(url)
        try:
            return self.get(f"{parts.scheme}://{parts.netloc}/robots.txt").body.decode("utf-8", "replace")
        except FetchFailed:
            return ""


# ------------------------------------------------------------------------------------------------ add
@dataclass
class Preview:
    url: str
    title: str
    published: str | None
    excerpt: list[str]
    error: str | None = None


@dataclass
class Proposal:
    """A registry entry proposed for a site, with why each field has its value."""

    source_id: str
    name: str
    list_url: str
    inference: ListInference
    region: RegionGuess
    family: tuple[str, str]
    name_why: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    confirmed: str = "unconfirmed"
    list_why: str = ""  # how the list page was found, when it is not the address given

    @property
    def max_list_pages(self) -> int:
        numbered = [n for _, n in self.inference.list_pages if n]
        return max(1, min(max(numbered, default=1), 5))

    def toml(self, today: date) -> str:
        inf = self.inference
        lines = [
            f"# Added by `yigai source add {self.list_url}` on {today.isoformat()}.",
            "[[source]]",
            f"id = {toml_string(self.source_id)}",
            f"name = {toml_string(self.name)}  # {self.name_why}",
        ]
        if self.region.home_region:
            lines.append(f"home_region = {toml_string(self.region.home_region)}  # {self.region.why}")
        else:
            lines.append(f"# no home_region: {self.region.why}")
        lines.append(f"list_urls = [{toml_string(self.list_url)}]" + (f"  # {self.list_why}" if self.list_why else ""))
        if self.feeds:
            lines.append(f"feeds = [{', '.join(map(toml_string, self.feeds))}]  # named by the page or found at a common path")
        if self.sitemaps:
            lines.append(f"sitemaps = [{', '.join(map(toml_string, self.sitemaps))}]  # robots.txt or a common path")
        lines.append(f"# article_allow inferred from {len(inf.articles)} article links of the list page:")
        for why in inf.evidence:
            lines.append(f"#   {why}")
        lines.append("article_allow = [" + ", ".join(toml_regex(p) for p in inf.patterns) + "]")
        pager = f"the list's pager ({inf.pager}) offers {len(inf.list_pages)} more pages" if inf.pager else "no pager found"
        lines.append(f"max_list_pages = {self.max_list_pages}  # {pager}")
        lines.append(f"family = {toml_string(self.family[0])}  # {self.family[1]}")
        lines.append(f"confirmed = {toml_string(self.confirmed)}")
        lines.append(f"notes = {toml_string('Inferred by yigai source add: name, home_region, article_allow, max_list_pages and family (see the comments); check them.')}")
        return "\n".join(lines) + "\n"


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def toml_regex(pattern: str) -> str:
    # A TOML literal string keeps a regex's backslashes as they are; one holding a quote needs a basic string.
    return f"'{pattern}'" if "'" not in pattern and "\n" not in pattern else toml_string(pattern)


def site_identity(html: str) -> tuple[str | None, str | None, str]:
    """(site name, title, footer text) of a page: ``<meta name=SiteName>`` / ``og:site_name``, ``<title>``, and
    the text of its last lines (where 主办, 网站标识码 and the ICP licence are)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html or "<html></html>")
    except (lxml.etree.ParserError, ValueError):
        return None, None, ""
    name = None
    for xpath in ("//meta[@name='SiteName']/@content", "//meta[@property='og:site_name']/@content",
                  "//meta[@name='sitename']/@content"):
        found = root.xpath(xpath)
        if found and str(found[0]).strip():
            name = str(found[0]).strip()
            break
    titles = root.xpath("//title/text()")
    title = " ".join(str(titles[0]).split()) if titles else None
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    text = " ".join(root.text_content().split())
    return name, title, text[-600:]


_TITLE_SPLIT = re.compile(r"\s*[_|｜—\-–]+\s*")


def _name_from_title(title: str) -> str:
    # "新闻动态_邯郸市卫生健康委员会": the site name is usually the last part, the column the first.
    parts = [p for p in _TITLE_SPLIT.split(title) if p]
    return max(parts[-1:] + parts[:1], key=len) if parts else title


def source_id_for(url: str, taken: set[str]) -> str:
    """An id from the host: wjw.handan.gov.cn → wjw_handan; made unique against ``taken``."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower()
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):  # an address, not a name: the first folder says more
        labels = [x for x in parts.path.split("/") if x][:1] or ["site"]
    else:
        labels = [x for x in host.split(".") if x not in ("www", "gov", "cn", "com", "org", "net")]
    base = re.sub(r"[^a-z0-9_]", "_", "_".join(labels[:3]).lower() or "site")
    if not base[0].isalpha():
        base = "s_" + base
    base = base[:60]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def propose_source(
    list_url: str,
    fetcher: Fetcher,
    *,
    name: str | None,
    region: str | None,
    registry: Sequence[Source],
    extract: Callable[[bytes, str, str | None, str | None], dict] | None = None,
    preview: int = PREVIEW_ARTICLES,
) -> Proposal:
    """Everything ``yigai source add`` infers about one list page: raises ``FetchFailed`` when the page
    cannot be read, ``ConfigError`` when no article list is found on it."""
    page = fetcher.get(list_url)
    inf = infer_list(page.body, page.url, content_charset(page.content_type))
    if not inf.articles and inf.json_apis:
        for api in inf.json_apis:
            try:
                api_page = fetcher.get(api)
            except FetchFailed:
                continue
            api_inf = infer_list(api_page.body, api_page.url)
            if api_inf.articles:
                list_url, inf = api, api_inf
                break
    list_why = ""
    if not inf.articles:
        # A front page of menus: follow its news or notice columns to the first that lists articles.
        for column_url, text in _column_links(page):
            try:
                column = fetcher.get(column_url)
            except FetchFailed:
                continue
            column_inf = infer_list(column.body, column.url, content_charset(column.content_type))
            if column_inf.articles:
                list_why = f"the column {text!r} linked from {list_url}"
                list_url, page, inf = column_url, column, column_inf
                break
    if not inf.articles:
        raise ConfigError(
            f"{list_url}: no article list found on the page (no block of dated or title-like links to pages of "
            "this host, and no news or notice column linked from it that has one); give the address of a news "
            "or notice list page"
        )
    html = decode_html(page.body, content_charset(page.content_type))[0]
    site_name, title, footer = site_identity(html)
    if name:
        chosen_name, name_why = name, "given with --name"
    elif site_name:
        chosen_name, name_why = site_name, "the page's SiteName meta"
    else:
        chosen_name = _name_from_title(title or urlsplit(list_url).hostname or list_url)
        name_why = "from the page title"
    if region:
        from yigai.source_regions import source_place

        try:
            source_place(region)
        except ValueError as exc:
            raise ConfigError(f"--region: {exc}") from None
        region_guess = RegionGuess(region, "given with --region")
    else:
        region_guess = _resolvable(infer_home_region(
            site_name=name or site_name, title=title, footer=footer,
            host=urlsplit(list_url).hostname, known_hosts=registry_hosts(list(registry)),
        ))
    family = guess_family(inf.article_urls, html)
    proposal = Proposal(
        source_id=source_id_for(list_url, {s.id for s in registry}),
        name=chosen_name,
        list_url=list_url,
        inference=inf,
        region=region_guess,
        family=family,
        name_why=name_why,
        feeds=list(inf.feeds),
        list_why=list_why,
        confirmed="unconfirmed" if fetcher.offline else f"fetched by yigai source add on {date.today().isoformat()}",
    )
    if not fetcher.offline:
        _discover_feeds(proposal, fetcher)
    links = list(inf.articles)
    for more_url, _ in inf.list_pages[:3]:  # the ten newest may be spread over the first pages
        if len(links) >= preview:
            break
        try:
            more = fetcher.get(more_url)
        except FetchFailed:
            continue
        known = {x.url for x in links}
        links += [x for x in infer_list(more.body, more.url, content_charset(more.content_type)).articles if x.url not in known]
    for link in newest_first(links)[:preview]:
        proposal.previews.append(_preview(link, fetcher, extract, proposal))
    return proposal


# Link texts of the columns that list a site's news or notices, most wanted first (a health-reform column, the
# health commission's pages, then the usual news columns). A column name is short; a headline is not.
NEWS_COLUMNS = ("医改", "医共体", "卫生健康", "卫健", "工作动态", "新闻动态", "政务动态", "部门动态", "要闻", "通知公告",
                "新闻", "动态")
MAX_COLUMN_TRIES = 4


def _column_links(page: Page) -> list[tuple[str, str]]:
    """(URL, link text) of the page's links on its host that name a news or notice column, best first."""
    host = urlsplit(page.url).netloc.lower()
    ranked: dict[str, tuple[int, int, str]] = {}
    for link in list_links(page.body, page.url, content_charset(page.content_type)):
        if urlsplit(link.url).netloc.lower() != host or link.url == page.url or not 0 < len(link.text) <= 30:
            continue
        rank = next((i for i, word in enumerate(NEWS_COLUMNS) if word in link.text), None)
        if rank is not None and link.url not in ranked:
            ranked[link.url] = (rank, link.position, link.text)
    best = sorted(ranked.items(), key=lambda item: item[1][:2])[:MAX_COLUMN_TRIES]
    return [(url, text) for url, (_, _, text) in best]


def _resolvable(guess: RegionGuess) -> RegionGuess:
    """A home_region the registry can hold: a name shared by two divisions is replaced by its parent."""
    from extract.regions import gazetteer

    if guess.home_region is None:
        return guess
    g = gazetteer()
    if g.resolve_name(guess.home_region) is not None:
        return guess
    codes = g.by_name.get(guess.home_region, [])
    parents = {g.by_code[c].parent for c in codes if c in g.by_code}
    if len(codes) >= 1 and len(parents) == 1:
        parent = g.by_code.get(parents.pop())
        if parent is not None and g.resolve_name(parent.name) is not None:
            return RegionGuess(parent.name, f"{guess.why}; {guess.home_region} names two divisions, so its parent")
    return RegionGuess(None, f"{guess.why}, but that name is ambiguous in the division table")


def _discover_feeds(proposal: Proposal, fetcher: Fetcher) -> None:
    parts = urlsplit(proposal.list_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    sitemaps = robots_sitemaps(fetcher.robots_txt(proposal.list_url), origin + "/")
    for path in COMMON_DISCOVERY_PATHS:
        url = origin + path
        if url in proposal.feeds or url in sitemaps:
            continue
        try:
            page = fetcher.get(url)
        except FetchFailed:
            continue
        if feed_entries(page.body, url):
            proposal.feeds.append(url)
        elif sitemap_entries(page.body, url)[0]:
            sitemaps.append(url)
    proposal.sitemaps = sitemaps


def _preview(link: ListLink, fetcher: Fetcher, extract, proposal: Proposal) -> Preview:
    try:
        page = fetcher.get(link.url)
    except FetchFailed as exc:
        return Preview(link.url, link.text, link.date.isoformat() if link.date else None, [], str(exc))
    if extract is None:
        extract = _extract
    data = extract(page.body, page.url, proposal.name, proposal.region.home_region)
    text = [line.strip() for line in (data.get("text") or "").splitlines() if line.strip()]
    published = data.get("published") or (link.date.isoformat() if link.date else None)
    return Preview(link.url, data.get("title") or link.text, published, [_clip(x) for x in text[:2]])


def _extract(body: bytes, url: str, site: str | None, home_region: str | None) -> dict:
    from extract import SourceHint, extract_article

    return extract_article(body, url, source=SourceHint(name=site, home_region=home_region)).to_dict()


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def content_charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def format_preview(proposal: Proposal) -> str:
    inf = proposal.inference
    out = [
        f"{proposal.list_url}: {len(inf.articles)} article links; "
        f"{len(inf.list_pages)} further list pages ({inf.pager or 'no pager'}); family {proposal.family[0]}; "
        f"home region {proposal.region.home_region or '-'}",
        "",
        f"The {len(proposal.previews)} newest articles:",
    ]
    for p in proposal.previews:
        out.append(f"  {(p.published or '????-??-??')[:10]}  {p.title}")
        out.append(f"              {p.url}")
        if p.error:
            out.append(f"              (not read: {p.error})")
        for line in p.excerpt:
            out.append(f"              | {line}")
    return "\n".join(out)


def append_entry(registry_file: Path, entry: str) -> None:
    """Append ``entry`` to the registry file after checking that the result still loads."""
    existing = registry_file.read_text(encoding="utf-8") if registry_file.exists() else ""
    combined = existing.rstrip("\n") + ("\n\n" if existing else "") + entry
    probe = registry_file.with_name(f".{registry_file.name}.check")
    probe.write_text(combined, encoding="utf-8")
    try:
        load_registry(probe, sample_web="http://127.0.0.1:1")
    finally:
        probe.unlink(missing_ok=True)
    tmp = registry_file.with_name(f".{registry_file.name}.tmp")
    tmp.write_text(combined, encoding="utf-8")
    tmp.replace(registry_file)


def check_url(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise ConfigError(f"{problem}: {url!r}")
