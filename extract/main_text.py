"""Main text: parse once with lxml, trafilatura first, a CJK text-density fallback where it misses.

The tree from :func:`parse_html` is shared with metadata extraction; trafilatura copies it internally,
so it stays intact for us.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from .chinese import count_cjk

logger = logging.getLogger(__name__)

_SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "select",
        "option",
        "textarea",
        "iframe",
        "svg",
        "object",
        "embed",
        "button",
        "input",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "blockquote",
        "pre",
        "dd",
        "dt",
        "dl",
        "form",
        "figure",
        "figcaption",
        "hr",
        "address",
        "center",
        "td",
        "th",
        "tbody",
        "thead",
        "body",
        "html",
    }
)
_CANDIDATE_TAGS = frozenset({"div", "td", "article", "section", "main", "tbody", "table"})
_PROSE_PUNCT = frozenset("，。；！？、：,;")


def parse_html(html: str) -> HtmlElement | None:
    """Parse with trafilatura's own loader (same repairs and parser as ``trafilatura.extract(html)``)."""
    try:
        tree = load_html(html)
    except Exception:  # malformed input must never break extraction
        logger.debug("lxml could not parse the page", exc_info=True)
        return None
    if tree is not None:
        _adopt_stray_roots(tree)
    return tree


def _adopt_stray_roots(tree: HtmlElement) -> None:
    """A stray ``</html>`` mid-page makes libxml2 start a second root element after the first; the article
    can live there (seen on gov.cn). Move such content into the first root's body."""
    strays = [s for s in tree.itersiblings() if isinstance(s.tag, str)]
    if not strays:
        return
    body = tree.find("body")
    target = body if body is not None else tree
    for stray in strays:
        holder = stray.find("body")
        for child in list(holder if holder is not None else stray):
            if isinstance(child.tag, str) and child.tag.lower() == "head":
                continue
            target.append(child)


def _tag(el) -> str:
    # lxml's HTML parser already lower-cases tag names; comments and PIs have a non-str tag
    tag = el.tag
    return tag if isinstance(tag, str) else ""


def visible_lines(root) -> list[str]:
    """Visible text of ``root`` split at block elements; whitespace collapsed, empty lines dropped."""
    if root is None:
        return []
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = _tag(el)
        if event == "start":
            if not tag or tag in _SKIP_TAGS:
                walker.skip_subtree()
                # the tail of a skipped element is still visible text
                if el.tail:
                    parts.append(el.tail.replace("\n", " "))
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text:
                # a newline inside a text node is source formatting, not a line break
                parts.append(el.text.replace("\n", " "))
        else:
            if not tag or tag in _SKIP_TAGS:
                continue  # skipped at start (its tail was handled there)
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail.replace("\n", " "))
    text = "".join(parts)
    return [ln for ln in (" ".join(seg.split()) for seg in text.split("\n")) if ln]


_HEADING_XPATH = etree.XPath(
    "//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::div or self::p or self::span or self::strong"
    " or self::dt][string-length(normalize-space()) <= 10][string-length(normalize-space()) >= 2]"
)


def prune_related_blocks(tree, is_stop_heading) -> int:
    """Remove "related / hot / recommended" blocks at the DOM level: a short element whose text is such a
    heading, and the siblings after it when they hold little prose (headline lists). Runs before
    trafilatura so that headlines without their heading cannot slip into the text. Returns the count."""
    if tree is None:
        return 0
    removed = 0
    for el in _HEADING_XPATH(tree):
        if el.getparent() is None or len(el) > 1:
            continue
        text = " ".join(el.text_content().split())
        if not is_stop_heading(text):
            continue
        following = list(el.itersiblings())
        tail_text = "".join(sib.text_content() for sib in following if isinstance(sib.tag, str))
        if tail_text.count("。") > 2:
            continue  # prose follows: a heading above the article, not a list
        parent = el.getparent()
        for sib in following:
            parent.remove(sib)
        el.tail = None
        parent.remove(el)
        removed += 1
    return removed


def trafilatura_text(tree) -> str:
    if tree is None:
        return ""
    try:
        return trafilatura.extract(tree, include_comments=False, include_tables=True, deduplicate=False) or ""
    except Exception:
        logger.debug("trafilatura failed", exc_info=True)
        return ""


class _Stats:
    __slots__ = ("cjk", "link_cjk", "paras", "punct", "tags")

    def __init__(self) -> None:
        self.cjk = self.link_cjk = self.punct = self.tags = self.paras = 0


def density_block(root) -> HtmlElement | None:
    """The block with the best CJK text density (GNE-style): characters outside links per tag, boosted by
    prose punctuation and paragraph count, penalised by link density.

    A story whose paragraphs are sibling blocks makes one paragraph the densest; the block grows to its
    parent while a sibling block is dense prose too and the parent is not a link list."""
    best, scores = _densest(root)
    if best is None:
        return None
    top = scores[best][0]
    parent = best.getparent()
    while parent is not None and parent in scores and scores[parent][1] <= _GROW_LINKS:
        if not any(c is not best and scores.get(c, (0.0,))[0] >= _GROW * top for c in parent):
            break
        best, parent = parent, parent.getparent()
    return best


_GROW = 0.25  # a sibling block scoring at least this share of the densest block's is more of the story
_GROW_LINKS = 0.3  # ... unless the parent's text is this much link text


def _densest(root) -> tuple[HtmlElement | None, dict]:
    scores: dict = {}
    if root is None:
        return None, scores
    stack: list[_Stats] = []
    link_depth = 0
    best, best_score = None, 0.0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = _tag(el)
        if event == "start":
            if not tag or tag in _SKIP_TAGS:
                walker.skip_subtree()
                if stack and el.tail:
                    _add_text(stack[-1], el.tail, link_depth > 0)
                continue
            st = _Stats()
            st.tags = 1
            if tag in ("p", "br"):
                st.paras = 1
            if tag == "a":
                link_depth += 1
            stack.append(st)
            if el.text:
                _add_text(st, el.text, link_depth > 0)
            continue
        if not tag or tag in _SKIP_TAGS:
            continue
        st = stack.pop()
        if tag == "a":
            link_depth -= 1
        if st.tags == 1 and st.cjk == 0 and not el.text and tag != "br":
            st.tags = 0  # an empty spacer <div></div> is layout, not a tag of the text it sits between
        if tag in _CANDIDATE_TAGS and st.cjk >= 50:
            nonlink = st.cjk - st.link_cjk
            link_density = st.link_cjk / st.cjk
            score = (
                (nonlink / st.tags)
                * math.log1p(nonlink)
                * math.log(math.e + st.punct)
                * math.log(2 + st.paras)
            )
            score *= (1 - link_density) ** 2
            scores[el] = (score, link_density)
            if score > best_score:
                best, best_score = el, score
        if stack:
            parent = stack[-1]
            parent.cjk += st.cjk
            parent.link_cjk += st.link_cjk
            parent.punct += st.punct
            parent.tags += st.tags
            parent.paras += st.paras
            if el.tail:
                _add_text(parent, el.tail, link_depth > 0)
    return best, scores


def _add_text(st: _Stats, text: str, in_link: bool) -> None:
    n = count_cjk(text)
    st.cjk += n
    if in_link:
        st.link_cjk += n
    st.punct += sum(1 for c in text if c in _PROSE_PUNCT)


_TABLE_SEP = re.compile(r"\s*(?<!\\)\|\s*")
# trafilatura renders a list item that follows inline text as "text- item" on one line
_INLINE_BULLET = re.compile(r"(?<=[\u4e00-\u9fff。，！？”）])- ")


def _untable(text: str) -> str:
    """Undo trafilatura's txt rendering of tables (``| a | b |``) and list bullets: one cell per line."""
    out: list[str] = []
    for line in _INLINE_BULLET.sub("\n", text).split("\n"):
        stripped = line.strip()
        if stripped.startswith("|"):  # trafilatura's table rows; inline "a | b" lists stay for cleaning
            if set(stripped) <= set("|-: "):
                continue
            out.extend(c.replace("\\|", "|").strip() for c in _TABLE_SEP.split(stripped))
        else:
            if stripped.startswith(("- ", "* ")):
                stripped = stripped[2:]
            out.append(stripped.replace("\\|", "|"))
    return "\n".join(c for c in out if c)


_SENTENCE_END = re.compile(r"[。！？；]")


def prose_cjk(text: str) -> int:
    """CJK characters in lines that read as prose (contain a sentence end): link lists and navigation do not."""
    return sum(count_cjk(line) for line in text.split("\n") if _SENTENCE_END.search(line))


@dataclass(frozen=True)
class Candidate:
    """One reading of the page's main text and the evidence about it."""

    method: str  # "trafilatura" or "density"
    text: str
    prose: int  # CJK characters in lines that read as prose (a sentence end)
    link_share: float  # share of its CJK characters that are the text of a link of the page
    punct_share: float  # prose punctuation per CJK character (navigation and headline lists have ~none)
    after_title: bool  # it starts just below the headline, where a reader looks for the story

    @property
    def evidence(self) -> float:
        score = self.prose * (1 - self.link_share) ** 2 * min(1.0, self.punct_share / _PUNCT_FULL)
        return score * (_TITLE_BONUS if self.after_title else 1.0)


_PUNCT_FULL = 0.04  # prose has a comma or full stop every ~10-25 characters; above this no penalty
_TITLE_BONUS = 1.5
_TITLE_REACH = 1500  # characters of visible text between the headline and the story's first prose line
_AGREE = 0.6  # share of the other candidate's bigrams trafilatura's text holds for the two to agree
_WIN = 1.5  # how much more evidence the density block needs to replace trafilatura's text


def _bigram_set(text: str) -> set[str]:
    s = "".join(text.split())
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _candidate(method: str, text: str, links: frozenset[str], page: str, title_at: int) -> Candidate:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    cjk = sum(count_cjk(ln) for ln in lines) or 1
    link_cjk = sum(count_cjk(ln) for ln in lines if " ".join(ln.split()) in links)
    punct = sum(1 for c in text if c in _PROSE_PUNCT)
    first = next((ln for ln in lines if _SENTENCE_END.search(ln)), "")
    at = page.find("".join(first.split())[:24]) if first else -1
    after = title_at >= 0 and at >= title_at and at - title_at <= _TITLE_REACH
    return Candidate(method, text, prose_cjk(text), link_cjk / cjk, punct / cjk, after)


def choose(trafilatura: Candidate, density: Candidate | None) -> Candidate:
    """Trafilatura's text unless the density block has clearly better evidence and does not merely repeat it.

    Agreement first: when trafilatura's text already holds most of the density block's text, the two read
    the same story and trafilatura (which also knows paragraphs, tables and lists) is kept. Otherwise they
    disagree about where the story is, and the evidence decides: prose characters, discounted by link text
    and by a lack of punctuation, with a bonus for the block that starts just below the headline. The
    density block must beat trafilatura by a margin, so a page where trafilatura is right cannot fall to a
    sidebar on a close call."""
    if density is None or not density.text.strip():
        return trafilatura
    theirs = _bigram_set(density.text)
    if theirs and len(theirs & _bigram_set(trafilatura.text)) >= _AGREE * len(theirs):
        return trafilatura
    if density.evidence > _WIN * trafilatura.evidence:
        return density
    return trafilatura


def main_text(tree, title: str | None = None, links: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(raw main text with paragraphs on lines, method) for a parsed page; method is trafilatura/density.

    Two readings are made, trafilatura's and the densest block's (GNE-style), and :func:`choose` picks one
    by evidence; ``title`` (the headline found on the page) and ``links`` (the page's link texts) are part
    of that evidence."""
    text = _untable(trafilatura_text(tree))
    block = density_block(tree)
    fallback = "\n".join(visible_lines(block)) if block is not None else ""
    if not fallback:
        return text, "trafilatura"
    page = "".join("".join(visible_lines(tree.find("body") if tree.find("body") is not None else tree)).split())
    key = "".join((title or "").split())[:12]
    title_at = page.find(key) if key else -1
    traf = _candidate("trafilatura", text, links, page, title_at)
    dens = _candidate("density", fallback, links, page, title_at)
    chosen = choose(traf, dens)
    logger.debug("main text by %s (evidence %.0f vs %.0f)", chosen.method, traf.evidence, dens.evidence)
    return chosen.text, chosen.method
