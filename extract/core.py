"""extract_article: bytes (or str) + URL (+ source hints) → ExtractedArticle."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from .chinese import normalize_text
from .cleaning import clean_lines
from .decoding import decode_html
from .fingerprint import simhash
from .main_text import main_text, parse_html, visible_lines
from .metadata import extract_title, find_author, find_published, find_source, header_lines, site_name
from .policy import Attachment, find_attachments, find_doc_number, find_doc_type, find_issuing_body
from .regions import Region, tag_regions
from .topics import is_relevant, score_topics

logger = logging.getLogger(__name__)


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
    issuing_body: str | None = None
    attachments: list[Attachment] = field(default_factory=list)

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
            "attachments": [a.to_dict() for a in self.attachments],
            "encoding": self.encoding,
        }


def _link_texts(tree) -> frozenset[str]:
    if tree is None:
        return frozenset()
    out = set()
    for a in tree.iter("a"):
        t = " ".join("".join(a.itertext()).split())
        if len(t) >= 4:
            out.add(t)
    return frozenset(out)


def extract_article(body: bytes | str, url: str, *, source: SourceHint | None = None,
                    http_encoding: str | None = None) -> ExtractedArticle:
    """Extract one article. Pure: no I/O besides the package's own data files."""
    source = source or SourceHint()
    if isinstance(body, bytes):
        html, encoding = decode_html(body, http_encoding)
    else:
        html, encoding = body, "unicode"
    tree = parse_html(html) if html.strip() else None  # parsed once, shared by trafilatura and metadata
    raw_text, method = main_text(tree)
    title = extract_title(tree)

    page_lines = [normalize_text(ln) for ln in visible_lines(tree.find("body") if tree is not None and tree.find("body") is not None else tree)]
    text_lines = [normalize_text(ln) for ln in raw_text.split("\n")]
    header = header_lines(page_lines, title)
    candidates = header + text_lines[:4]

    published = find_published(tree, candidates)
    original_source = find_source(candidates)
    author = find_author(candidates + text_lines[4:6])

    links = frozenset(normalize_text(t) for t in _link_texts(tree))
    cleaned = clean_lines(text_lines, title, links)
    if not cleaned.lines and method == "trafilatura":
        logger.debug("cleaning emptied the text of %s", url)
    text = "\n".join(cleaned.lines)
    editor = cleaned.editors[0] if cleaned.editors else None
    if editor is None:
        header_clean = clean_lines(header, title)
        editor = header_clean.editors[0] if header_clean.editors else None

    site = site_name(tree, url, source.name)
    topics, relevance = score_topics(title, text)
    regions = tag_regions(title, text, home_region=source.home_region, original_source=original_source, site=site)
    lead = "\n".join([title] + header + cleaned.lines[:3])
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
        fingerprint=simhash(text),
        encoding=encoding,
        doc_number=find_doc_number(lead),
        doc_type=find_doc_type(title, text),
        issuing_body=find_issuing_body(title, text),
        attachments=find_attachments(tree, url),
    )
