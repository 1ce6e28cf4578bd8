"""Helpers for the site builder tests: an HTML link checker and a tree snapshot."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class ParsedPage:
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)
    ids: set[str] = field(default_factory=set)
    headings: list[int] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    event_attributes: list[tuple[str, str]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    html_lang: str | None = None


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.add(tag)
        values = {k: (v or "") for k, v in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.page.event_attributes.append((tag, name))
            if name in ("href", "src", "action", "xlink:href"):
                self.page.links.append((tag, name, value))
            if name == "id":
                self.page.ids.add(value)
        if tag == "html":
            self.page.html_lang = values.get("lang")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.page.headings.append(int(tag[1]))
        if tag == "script":
            self.page.scripts.append(values.get("src", ""))


def parse_html(path: Path) -> ParsedPage:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def broken_links(root: Path) -> list[str]:
    """Every relative href/src of every HTML file under ``root`` must resolve to an existing file in it."""
    problems: list[str] = []
    root = root.resolve()
    for page_path in sorted(root.rglob("*.html")):
        page = parse_html(page_path)
        for tag, attr, value in page.links:
            parts = urlsplit(value)
            where = f"{page_path.relative_to(root)}: <{tag} {attr}={value!r}>"
            if parts.scheme in ("http", "https"):
                continue  # external (original article pages); only ever from safe_link
            if parts.scheme or value.startswith("//"):
                problems.append(f"{where}: unexpected scheme")
                continue
            if value.startswith("/"):
                problems.append(f"{where}: absolute path (links must be relative)")
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in page.ids:
                    problems.append(f"{where}: no element with that id")
                continue
            target = (page_path.parent / unquote(parts.path)).resolve()
            if not target.is_relative_to(root):
                problems.append(f"{where}: leaves the output root")
            elif not target.is_file():
                problems.append(f"{where}: target missing")
    return problems


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """relative path → (bytes, mtime_ns, inode) for every file."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = os.stat(p)
            out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns, st.st_ino)
    return out
