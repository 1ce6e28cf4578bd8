"""extract_article: bytes (or str) + URL (+ source hints) → ExtractedArticle."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from .chinese import normalize_lines, normalize_text
from .cleaning import clean_lines, find_editor, is_meta_line, is_stop_heading
from .decoding import decode_html
from .fingerprint import fingerprints
from .glosses import count_glosses
from .main_text import main_text, parse_html, prune_related_blocks, visible_lines
from .metadata import (
    date_from_scripts,
    date_from_url,
    extract_title,
    find_author,
    find_published,
    find_source,
    header_lines,
    lines_before_title,
    site_name,
    site_names,
    source_from_markup,
    source_from_scripts,
    until_prose,
)
from .policy import (
    Attachment,
    find_attachments,
    find_doc_number,
    find_doc_type,
    find_issuing_bodies,
    find_written_date,
)
from .regions import Region, tag_regions
from .topics import is_relevant, score_topics

logger = logging.getLogger(__name__)

# Extraction holds the page several times over (bytes, text, lxml tree, trafilatura's copy of it): a 50 MB
# page took 4.6 GB and 95 s. Bytes past this are cut before decoding (a story is near the top; a page this
# big is a dump, a data table or an attack); the cut is reported on the article and counted by the caller.
MAX_HTML_BYTES = 5 * 1024 * 1024
_FARM_GLOSSES = 3  # glosses in the main text that mark a content farm (one may be a quoted pronunciation)


@dataclass(frozen=True)
class SourceHint:
    """What the registry knows about the site that carried the page."""

    name: str | None = None  # site display name, e.g. "河北省卫生健康委员会"
    home_region: str | None = None  # division name resolving 我省/本市, e.g. "河北省" or "邯郸市"


@dataclass
class ExtractedArticle:
    url: str
    title: str
    text: str
    published: datetime | None
    original_source: str | None
    site: str | None
    author: str | None
    editor: str | None
    regions: list[Region]
    topics: list[str]
    relevance: float
    relevant: bool
    fingerprint: int
    encoding: str
    doc_number: str | None = None
    doc_type: str | None = None
    issuing_body: str | None = None  # every issuing body, joined with 、 (a joint document has several)
    attachments: list[Attachment] = field(default_factory=list)
    issuing_bodies: list[str] = field(default_factory=list)
    written_date: str | None = None  # 成文日期, YYYY-MM-DD
    sketch: tuple[int, ...] = ()  # bottom-k MinHash of the shingles, for near-duplicate detection
    truncated_from: int | None = None  # the page's size in bytes when it was cut to the size limit
    content_farm: bool = False  # the text carried pinyin glosses (醫(yī)療): a content farm's re-post

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "source": self.original_source,
            "site": self.site,
            "author": self.author,
            "editor": self.editor,
            "text": self.text,
            "regions": [r.to_dict() for r in self.regions],
            "topics": list(self.topics),
            "relevance": self.relevance,
            "relevant": self.relevant,
            "url": self.url,
            "fingerprint": f"{self.fingerprint:016x}",
            "doc_number": self.doc_number,
            "doc_type": self.doc_type,
            "issuing_body": self.issuing_body,
            "issuing_bodies": list(self.issuing_bodies),
            "written_date": self.written_date,
            "attachments": [a.to_dict() for a in self.attachments],
            "encoding": self.encoding,
            "truncated_from": self.truncated_from,
        }


def _link_texts(tree) -> frozenset[str]:
    if tree is None:
        return frozenset()
    texts = []
    for a in tree.iter("a"):
        t = " ".join(a.text_content().split())
        if len(t) >= 2:
            texts.append(t)
    return frozenset(normalize_lines(texts))


def _raw_link_texts(tree) -> frozenset[str]:
    """Link texts as the page prints them (whitespace collapsed), to compare with the raw main text."""
    if tree is None:
        return frozenset()
    return frozenset(t for t in (" ".join(a.text_content().split()) for a in tree.iter("a")) if len(t) >= 2)


def _header_account(page_lines: list[str]) -> str | None:
    """A short name line directly above the header's date/来源 line, if any."""
    for i, line in enumerate(page_lines[:-1]):
        if is_meta_line(page_lines[i + 1]):
            return line if len(line) <= 16 and not re.search(r"[。！？；，,]", line) else None
    return None


def _header_scope(tree, title: str):
    """The part of the page to read the article header from: a small ancestor of the h1 that carries the
    title when there is one (cheaper than walking the whole page), else the body."""
    if tree is None:
        return None
    key = title[:8]
    for h1 in tree.iter("h1"):
        if key and key in normalize_text(" ".join(h1.text_content().split())):
            scope = h1
            for _ in range(3):
                parent = scope.getparent()
                if parent is None or len(parent.text_content()) > 6000:
                    break
                scope = parent
            if len(scope.text_content()) - len(h1.text_content()) >= 8:
                return scope
            break
    body = tree.find("body")
    return body if body is not None else tree


def extract_article(
    body: bytes | str,
    url: str,
    *,
    source: SourceHint | None = None,
    http_encoding: str | None = None,
    max_bytes: int = MAX_HTML_BYTES,
) -> ExtractedArticle:
    """Extract one article. Pure: no I/O besides the package's own data files.

    A page over ``max_bytes`` (bytes, or characters for a str) is cut there first; ``truncated_from``
    on the article says so."""
    source = source or SourceHint()
    truncated_from = None
    if len(body) > max_bytes:
        truncated_from = len(body) if isinstance(body, bytes) else len(body.encode("utf-8", "replace"))
        logger.warning("%s: %d bytes, over the limit of %d: cut to the limit", url, truncated_from, max_bytes)
        body = body[:max_bytes]  # a character cut in two at the end is a replacement character (decoding)
    if isinstance(body, bytes):
        html, encoding = decode_html(body, http_encoding)
    else:
        html, encoding = body, "unicode"
    tree = parse_html(html) if html.strip() else None  # parsed once, shared by trafilatura and metadata
    prune_related_blocks(tree, is_stop_heading)
    links = _link_texts(tree)
    title = extract_title(tree, site_names(tree, source.name), links)
    raw_text, method = main_text(tree, title, _raw_link_texts(tree))

    scope = _header_scope(tree, title)
    page_lines = normalize_lines(visible_lines(scope))
    text_lines = normalize_lines(raw_text.split("\n"))
    header = header_lines(page_lines, title)
    candidates = header + until_prose(text_lines[:6])

    above = lines_before_title(page_lines, title)  # news.cn: time and 来源 above the h1
    published = find_published(tree, candidates, above) or date_from_scripts(tree) or date_from_url(url)
    original_source = (
        find_source(candidates + above)
        or (source_from_markup(scope) if scope is not None and scope.tag != "body" else None)
        or source_from_scripts(tree)
    )
    author = find_author(candidates + text_lines[:6])

    cleaned = clean_lines(text_lines, title, links)
    account = _header_account(page_lines)
    if account and cleaned.lines and cleaned.lines[0] == account:
        # the author's account name, which sits above the date line on self-media pages
        cleaned.lines.pop(0)
        author = author or account
    if not cleaned.lines and method == "trafilatura":
        logger.debug("cleaning emptied the text of %s", url)
    text = "\n".join(cleaned.lines)
    editor = cleaned.editors[0] if cleaned.editors else None
    if editor is None:
        # trafilatura often leaves the 责任编辑 line out: look in the article's own block (header scope)
        editor = find_editor(page_lines)

    site = site_name(tree, url, source.name)
    topics, relevance = score_topics(title, text)
    regions = tag_regions(
        title, text, home_region=source.home_region, original_source=original_source, site=site
    )
    lead = "\n".join([title] + header + cleaned.lines[:3])
    fingerprint, sketch = fingerprints(text)
    # The signature (bodies, then the date) is read from the text before cleaning, which drops date lines.
    raw_lines = "\n".join(text_lines)
    issuing_bodies = find_issuing_bodies(
        title, raw_lines, cleaned.fields.get("发文机关") or cleaned.fields.get("发布机构")
    )
    return ExtractedArticle(
        url=url,
        title=title,
        text=text,
        published=published,
        original_source=original_source,
        site=site,
        author=author,
        editor=editor,
        regions=regions,
        topics=topics,
        relevance=relevance,
        relevant=is_relevant(relevance),
        fingerprint=fingerprint,
        sketch=sketch,
        encoding=encoding,
        doc_number=find_doc_number(cleaned.fields.get("发文字号", "") + "\n" + lead),
        doc_type=find_doc_type(title, text),
        issuing_body="、".join(issuing_bodies) or None,
        issuing_bodies=issuing_bodies,
        written_date=find_written_date(raw_lines, cleaned.fields.get("成文日期")),
        attachments=find_attachments(tree, url),
        truncated_from=truncated_from,
        content_farm=count_glosses(raw_text) >= _FARM_GLOSSES,
    )
