"""Where a registry source sits in the division table: its level and the province it belongs to.

A source's ``home_region`` is a division name (河北省, 邯郸市, 馆陶县); national bodies and media have none. The
generated sources page (``yigai.registry_doc``) groups sources by this province, and so can the site's about
page: ``source_place(src.home_region).province``.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.regions import NATIONAL_CODE, gazetteer

NATIONAL = "全国"
LEVELS = ("national", "province", "prefecture", "county")


@dataclass(frozen=True)
class SourcePlace:
    level: str  # one of LEVELS
    province: str  # full name of the province-level division, or NATIONAL
    code: str  # division code of home_region (NATIONAL_CODE for national sources)


def source_place(home_region: str | None) -> SourcePlace:
    """The level and province of a source with this ``home_region``; ValueError when it names no division."""
    if not home_region:
        return SourcePlace("national", NATIONAL, NATIONAL_CODE)
    g = gazetteer()
    division = g.resolve_name(home_region)
    if division is None:
        raise ValueError(f"home_region {home_region!r} is not a division name of extract/data/divisions.tsv")
    return SourcePlace(division.level, g.by_code[division.province].name, division.code)
