"""The map's colours meet WCAG AA in light and dark mode, computed from the stylesheet itself.

Each story-count class has a fill (``--heat-N``) and a label colour (``--heat-N-fg``) in ``:root`` and again in
the ``prefers-color-scheme: dark`` block; the tile rules must use them. A label needs 4.5:1 on its fill (text),
and the 1-story fill needs 3:1 against the 0-story fill (WCAG 1.4.11, non-text contrast): the issue found
1.16:1, a province with one story looked like one with none.
"""

from __future__ import annotations

import re

import pytest

from site_builder.pages import TEMPLATES_DIR
from site_builder.tilemap import HEAT_THRESHOLDS

CSS = (TEMPLATES_DIR / "static" / "style.css").read_text("utf-8")
LEVELS = range(len(HEAT_THRESHOLDS))


def _block(css: str, opener: str) -> str:
    """The text between the braces of the first block opened by ``opener`` (nested braces counted)."""
    start = css.index(opener)
    depth = 0
    for i in range(css.index("{", start), len(css)):
        depth += {"{": 1, "}": -1}.get(css[i], 0)
        if depth == 0:
            return css[css.index("{", start) + 1 : i]
    raise AssertionError(f"unclosed block {opener}")


def _variables(block: str) -> dict[str, str]:
    return {m[1]: m[2].strip() for m in re.finditer(r"--([\w-]+)\s*:\s*([^;]+);", block)}


def _palettes() -> dict[str, dict[str, str]]:
    light = _variables(_block(CSS, ":root"))
    dark_media = _block(CSS, "@media (prefers-color-scheme: dark)")
    dark = {**light, **_variables(_block(dark_media, ":root"))}
    return {"light": light, "dark": dark}


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", digits), hex_colour

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The pair the issue measured: the old 0- and 1-story fills.
    assert contrast("#eef1f4", "#cfe3f5") == pytest.approx(1.16, abs=0.01)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_every_map_label_has_aa_contrast_on_its_class(mode, level):
    palette = _palettes()[mode]
    fill, label = palette[f"heat-{level}"], palette[f"heat-{level}-fg"]
    assert contrast(fill, label) >= 4.5, (mode, level, fill, label, round(contrast(fill, label), 2))


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_one_story_is_distinguishable_from_none(mode):
    palette = _palettes()[mode]
    ratio = contrast(palette["heat-0"], palette["heat-1"])
    assert ratio >= 3.0, (mode, round(ratio, 2))


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_classes_are_ordered_and_each_differs_from_its_neighbour(mode):
    """More stories, further from the 0-story fill: the shading reads as a scale in both modes."""
    palette = _palettes()[mode]
    distance = [contrast(palette["heat-0"], palette[f"heat-{level}"]) for level in LEVELS]
    assert distance == sorted(distance)
    for level in list(LEVELS)[1:-1]:
        assert contrast(palette[f"heat-{level}"], palette[f"heat-{level + 1}"]) >= 1.3, (mode, level)


@pytest.mark.parametrize("level", list(LEVELS))
def test_tile_rules_use_each_class_fill_and_label(level):
    """The colours checked above are the ones the tiles are painted with (legend swatches too)."""
    compact = re.sub(r"\s+", " ", CSS)
    if level == 0:
        assert re.search(r"\.tile rect \{[^}]*fill: var\(--heat-0\)", compact)
        assert re.search(r"\.tile text \{[^}]*fill: var\(--heat-0-fg\)", compact)
    else:
        assert f".tile.heat-{level} rect {{ fill: var(--heat-{level}); }}" in compact
        assert f".tile.heat-{level} text {{ fill: var(--heat-{level}-fg); }}" in compact
    assert f".swatch.heat-{level} {{ background: var(--heat-{level}); }}" in compact
    # Transparency on a tile would dim its label below the ratios checked here.
    assert not re.search(r"\.tile[^{]*\{[^}]*opacity", compact)
