"""docs/sources.md, generated from the sources registry: what each source's evidence is, where it was seen, and
the sources grouped by province.

    python -m yigai.registry_doc            # rewrite docs/sources.md from yigai/registry/sources.toml
    python -m yigai.registry_doc --check    # exit 1 if docs/sources.md is not what the registry generates

The references' full citations and the families' URL shapes come from the registry's ``[meta.references]`` and
``[meta.families]`` tables; everything else from its ``[[source]]`` entries. ``render`` is pure.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yigai.config import Source, load_registry, registry_path
from yigai.source_regions import LEVELS, NATIONAL, source_place

logger = logging.getLogger(__name__)

DOCS_PATH = Path(__file__).resolve().parents[1] / "docs" / "sources.md"
REFERENCE_TAG = re.compile(r"\[([A-Z][A-Z0-9]+)\]")
# A list URL at one of these paths is the site's home page: seeing it shows the domain, not a list.
_HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml"})
_LEVEL_TITLES = {
    "national": "national",
    "province": "provincial",
    "prefecture": "prefecture-level",
    "county": "county",
}


# The kinds of evidence, strongest first (see the page's "Evidence" section).
KINDS = ("list + article pattern", "article pattern", "list; links inferred", "domain only; links inferred")


@dataclass(frozen=True)
class Evidence:
    """What the public references showed of a source."""

    list_seen: bool  # a list page other than the site's home page was seen
    pattern_seen: bool  # article_allow is set and real article URLs are recorded
    partly_inferred: bool  # an inferred list URL, a constructed article URL or an "Inferred:" note
    unconfirmed: bool

    @property
    def kind(self) -> str:
        """One of KINDS, or "unconfirmed"."""
        if self.unconfirmed:
            return "unconfirmed"
        if self.pattern_seen:
            return KINDS[0] if self.list_seen else KINDS[1]
        return KINDS[2] if self.list_seen else KINDS[3]

    @property
    def label(self) -> str:
        """The kind, marked when part of an entry with an article pattern was inferred."""
        return self.kind + (" (part inferred)" if self.pattern_seen and self.partly_inferred else "")


def evidence(src: Source) -> Evidence:
    """Classify a source's evidence from its fields: seen list URLs are those not in ``extra.inferred_lists``."""
    inferred_lists = set(src.extra.get("inferred_lists", []))
    seen_lists = [u for u in src.list_urls + src.feeds + src.sitemaps if u not in inferred_lists]
    return Evidence(
        list_seen=any(urlsplit(u).path not in _HOME_PATHS for u in seen_lists),
        pattern_seen=bool(src.article_allow) and bool(src.extra.get("example_articles")),
        partly_inferred=bool(
            inferred_lists or src.extra.get("illustrative_articles") or "Inferred" in src.notes
        ),
        unconfirmed=src.confirmed == "unconfirmed",
    )


def reference_tags(src: Source) -> set[str]:
    """The [TAG]s a source cites in ``confirmed`` and ``notes``."""
    return set(REFERENCE_TAG.findall(src.confirmed)) | set(REFERENCE_TAG.findall(src.notes))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _summary(sources: Sequence[Source]) -> list[str]:
    columns = ("all", *KINDS, "unconfirmed")
    counts: Counter[tuple[str, str]] = Counter()
    for src in sources:
        level = source_place(src.home_region).level
        counts[(level, evidence(src).kind)] += 1
        counts[(level, "all")] += 1
    rows = [[_LEVEL_TITLES[level], *(str(counts[(level, col)]) for col in columns)] for level in LEVELS]
    rows.append(["**all**", *(str(sum(counts[(level, col)] for level in LEVELS)) for col in columns)])
    return _table(["level", "sources", *KINDS, "unconfirmed"], rows)


def _source_rows(sources: Sequence[Source]) -> list[list[str]]:
    return [
        [
            f"`{src.id}`",
            src.name,
            _LEVEL_TITLES[source_place(src.home_region).level],
            src.family + (" (browser)" if src.browser else ""),
            evidence(src).label,
            src.confirmed,
        ]
        for src in sources
    ]


def render(sources: Sequence[Source], meta: Mapping[str, Any]) -> str:
    """The Markdown of docs/sources.md for these sources and the registry's ``[meta]`` table."""
    references: Mapping[str, Mapping[str, str]] = meta.get("references", {})
    families: Mapping[str, Mapping[str, str]] = meta.get("families", {})
    cited = set().union(*(reference_tags(s) for s in sources)) if sources else set()
    missing = sorted(cited - set(references))
    if missing:
        raise ValueError(f"sources cite references missing from [meta.references]: {', '.join(missing)}")
    unknown = sorted({s.family for s in sources} - set(families))
    if unknown:
        raise ValueError(f"families missing from [meta.families]: {', '.join(unknown)}")
    places = {s.id: source_place(s.home_region) for s in sources}
    by_province: dict[str, list[Source]] = {}
    for src in sorted(
        sources,
        key=lambda s: (
            places[s.id].code[:2] if places[s.id].province != NATIONAL else "",
            LEVELS.index(places[s.id].level),
            places[s.id].code,
        ),
    ):
        by_province.setdefault(places[src.id].province, []).append(src)
    family_use = Counter(s.family for s in sources)

    out = [
        "# Sources",
        "",
        "<!-- Generated by `python -m yigai.registry_doc` from yigai/registry/sources.toml: edit the registry, "
        "not this page. -->",
        "",
        f"The default registry, `yigai/registry/sources.toml`, lists the {len(sources)} real sites Yigai Watch "
        "crawls, from the National Health Commission down to the county portals of 紧密型县域医共体 pilot areas. "
        "The field reference is in [architecture.md](architecture.md#configuration); this page says where each "
        "entry comes from, how much of it was seen, and how to add or correct one.",
        "",
        "## How the entries were confirmed",
        "",
        "No machine that wrote the registry could reach these sites, so nothing was fetched live. Each entry's "
        "domain, list URLs and article URL patterns were taken from public references: other crawlers' code and "
        "configs, site directories, and stored copies of the sites' own pages. The `confirmed` field of every "
        'source names them, with the year; `notes` says what was inferred ("Inferred: …").',
        "",
        "### Evidence",
        "",
        "- **list** — a list page of the site (not only its home page) was seen in a reference;",
        "- **article pattern** — a current article URL was seen, so the entry has an anchored `article_allow` "
        "and records the URL in `extra.example_articles`;",
        "- **links inferred** — no current article URL was seen: the entry has no `article_allow`, and the crawler "
        "infers which links on its list pages are articles;",
        "- **domain only** — only the site's domain (or home page) was seen; its home page is the list;",
        "- **part inferred** — some of the entry was derived, not seen: list URLs in `extra.inferred_lists` (a "
        "home page of a host that was seen, the column of a seen article) or constructed URLs in "
        "`extra.illustrative_articles` (never real pages).",
        "",
        "Sites are redesigned often (2020–2025 saw most government sites change CMS); older patterns are kept as "
        "a second `article_allow` regex where old URLs still circulate, and a list URL seen only in 2020 may have "
        'moved. When a list stops yielding articles the crawler logs "yielded no article links (site '
        'redesigned? …)": that is the cue to re-check the entry.',
        "",
        "### References",
        "",
        'The tags used in `confirmed` and `notes`; "search-index file N" names a file of the public-code index '
        "used while writing the registry when its repository could not be named (the quoted URL or pattern is "
        "what the file shows).",
        "",
        *_table(
            ["tag", "reference", "year", "what it shows"],
            [[f"`[{tag}]`", ref["cite"], ref["year"], ref["shows"]] for tag, ref in references.items()],
        ),
        "",
        "## Summary",
        "",
        *_summary(sources),
        "",
        "## Families",
        "",
        "`family` names the CMS/template, which decides the URL shapes and, when spider code exists for a family "
        "(`crawler/spiders`, `FAMILY_SPIDERS`), which spider subclass runs; otherwise the generic spider does.",
        "",
        *_table(
            ["family", "URL shape", "sources"],
            [[f"`{name}`", fam["shape"], str(family_use[name])] for name, fam in families.items()],
        ),
        "",
        "## Sources by province",
        "",
        "Grouped by the province of each source's `home_region` (national bodies and media first).",
    ]
    for province, members in by_province.items():
        out += ["", f"### {province}", ""]
        out += _table(
            ["id", "name", "level", "family", "evidence", "reference (`confirmed`)"], _source_rows(members)
        )
    out += ["", ADDING.strip(), ""]
    return "\n".join(out)


ADDING = """
## Adding or correcting a source

With the site reachable, `yigai source add URL` (the address of its news or notice list page) does most of
this: it infers the entry — article patterns, pagination, feeds, family, home region, each with a comment
saying how — previews the ten newest articles, and appends it (`--dry-run` to look first, `--html` to work from
saved pages); `yigai source check [ID…]` re-checks entries and proposes the corrected one after a redesign.
How inference decides is in `docs/crawling.md`. By hand, or to cite a reference for an entry:

1. Find the site's news/policy list page and, if you can, two or three article URLs on it, in a public
   reference you can cite (another crawler's config, a stored copy of the page). Do not guess silently.
2. Add a `[[source]]` table to `yigai/registry/sources.toml`:
   - `id`: lower-case, unique (`<place pinyin>_<kind>`, e.g. `hebei_wsjkw`, `handan_wjw`, `guantao_gov`);
   - `name`: the body's full name; `home_region`: its full division name (`河北省`, `邯郸市`, `馆陶县`),
     omitted for national bodies;
   - `list_urls` (and `feeds`/`sitemaps` if the site has them);
   - `article_allow` only when a current article URL was seen: regexes anchored as `^https?://host/…$`, one
     per URL shape, so a list page, navigation, attachments and other sites never match; otherwise leave it
     out and say "Article links inferred" in `notes`;
   - `max_list_pages` (default 5; 1–3 for busy portals), `browser = true` if the site needs JavaScript
     (412/JS cookie challenges, lists filled by script), `family`, `confirmed` (reference and year, a tag of
     `[meta.references]` or a full citation), `notes` ("Inferred: …" for any part not seen);
   - a `[source.extra]` table with `example_articles` (real URLs), `illustrative_articles` (constructed, only
     when a shape was inferred), `example_lists` (when `article_allow` is set: the list pages and a paging URL)
     and `inferred_lists` (list URLs you derived rather than saw).
3. Regenerate this page and run the tests:

   ```
   .venv/bin/python -m yigai.registry_doc
   .venv/bin/python -m pytest tests/test_registry_default.py tests/test_registry_doc.py -q
   ```

   They check that the registry loads, ids are unique, every home region is a real division, every province
   has its commission, every cited reference is defined, and — with the crawler's own `ArticleFilter` — that
   each `article_allow` accepts its example articles, rejects its list pages and other sources' articles, and
   that no pattern is dead; and that this page is what the registry generates.
4. To correct a source after a redesign (`yigai status` and the about page say "redesigned — inferred pattern
   in use" once the nightly run has had to infer its links; `yigai source check ID` prints the inferred
   pattern): record the new article URLs as examples, add the new pattern (keep the old one while old links
   still appear), update `list_urls`, `confirmed` (with the year) and `[meta] updated`.
"""


def registry_meta(name_or_path: str = "default") -> dict[str, Any]:
    """The ``[meta]`` table of a registry file."""
    with registry_path(name_or_path).open("rb") as fh:
        return dict(tomllib.load(fh).get("meta", {}))


def generate(name_or_path: str = "default") -> str:
    """The page for a registry (``default`` unless told)."""
    return render(load_registry(name_or_path), registry_meta(name_or_path))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m yigai.registry_doc", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--registry", default="default", help="registry to document (default: default)")
    parser.add_argument(
        "--output", type=Path, default=DOCS_PATH, help=f"page to write (default: {DOCS_PATH})"
    )
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 if the page is out of date"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    text = generate(args.registry)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            logger.error("%s is out of date: run python -m yigai.registry_doc", args.output)
            return 1
        logger.info("%s is up to date", args.output)
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    logger.info("wrote %s", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
