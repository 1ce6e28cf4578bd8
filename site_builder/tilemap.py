"""The home page's map: China's provinces as a tile grid, built at build time as SVG data (no JS).

The grid is geographic-ish: each province sits roughly where it is, on an 8×8 grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TILE = 56
GAP = 6
PAD = 4

# (code, short label, column, row)
PROVINCE_TILES: tuple[tuple[str, str, int, int], ...] = (
    ("230000", "黑龙江", 7, 0),
    ("150000", "内蒙古", 4, 1),
    ("110000", "北京", 5, 1),
    ("210000", "辽宁", 6, 1),
    ("220000", "吉林", 7, 1),
    ("650000", "新疆", 0, 2),
    ("620000", "甘肃", 2, 2),
    ("640000", "宁夏", 3, 2),
    ("140000", "山西", 4, 2),
    ("130000", "河北", 5, 2),
    ("120000", "天津", 6, 2),
    ("540000", "西藏", 0, 3),
    ("630000", "青海", 1, 3),
    ("610000", "陕西", 3, 3),
    ("410000", "河南", 4, 3),
    ("370000", "山东", 5, 3),
    ("510000", "四川", 2, 4),
    ("500000", "重庆", 3, 4),
    ("420000", "湖北", 4, 4),
    ("340000", "安徽", 5, 4),
    ("320000", "江苏", 6, 4),
    ("310000", "上海", 7, 4),
    ("530000", "云南", 2, 5),
    ("520000", "贵州", 3, 5),
    ("430000", "湖南", 4, 5),
    ("360000", "江西", 5, 5),
    ("330000", "浙江", 6, 5),
    ("450000", "广西", 3, 6),
    ("440000", "广东", 4, 6),
    ("350000", "福建", 5, 6),
    ("710000", "台湾", 6, 6),
    ("460000", "海南", 3, 7),
    ("820000", "澳门", 4, 7),
    ("810000", "香港", 5, 7),
)

# Story-count classes (fixed thresholds so the shading means the same thing on every build).
HEAT_THRESHOLDS: tuple[tuple[int, str], ...] = ((10, "10+"), (5, "5–9"), (2, "2–4"), (1, "1"), (0, "0"))


@dataclass(frozen=True)
class Tile:
    code: str
    label: str
    x: int
    y: int
    count: int
    heat: int  # 0 … 4
    href: str | None  # root-relative path of the province page, None when it has no page

    @property
    def cx(self) -> int:
        return self.x + TILE // 2


def heat_class(count: int) -> int:
    for level, (minimum, _label) in zip(range(4, -1, -1), HEAT_THRESHOLDS, strict=True):
        if count >= minimum:
            return level
    return 0


def legend() -> list[tuple[int, str]]:
    return [(level, label) for level, (_m, label) in zip(range(4, -1, -1), HEAT_THRESHOLDS, strict=True)][::-1]


def build_tiles(recent_counts: Mapping[str, int], pages: Mapping[str, str]) -> list[Tile]:
    """Tiles in a fixed order; ``pages`` maps a province code to its page path (only provinces with stories)."""
    tiles = []
    for code, label, col, row in PROVINCE_TILES:
        count = int(recent_counts.get(code, 0))
        tiles.append(
            Tile(
                code=code,
                label=label,
                x=PAD + col * (TILE + GAP),
                y=PAD + row * (TILE + GAP),
                count=count,
                heat=heat_class(count),
                href=pages.get(code),
            )
        )
    return tiles


def svg_size() -> tuple[int, int]:
    cols = max(c for _, _, c, _ in PROVINCE_TILES) + 1
    rows = max(r for _, _, _, r in PROVINCE_TILES) + 1
    return (2 * PAD + cols * TILE + (cols - 1) * GAP, 2 * PAD + rows * TILE + (rows - 1) * GAP)
