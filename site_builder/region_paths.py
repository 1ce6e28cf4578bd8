"""An article's regions as paths from the province ("河北省 › 邯郸市 › 魏县"), not a flat row of chips that
loses which county belongs to which city. Pure: the regions an article is listed under in, paths out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def region_paths(regions: Sequence[Any]) -> list[list[Any]]:
    """One path per most specific region (a region no other listed region has as its parent), province first;
    ``regions`` are objects with ``code`` and ``parent_code`` (the context's ``Region``), in code order."""
    by_code = {r.code: r for r in regions}
    parents = {r.parent_code for r in regions if r.parent_code}
    paths = []
    for region in regions:
        if region.code in parents:
            continue
        path, seen, current = [], set(), region
        while current is not None and current.code not in seen:
            seen.add(current.code)
            path.append(current)
            current = by_code.get(current.parent_code) if current.parent_code else None
        paths.append(path[::-1])
    return sorted(paths, key=lambda p: [r.code for r in p])
