"""Map palettes pass a colour-vision check; class breaks are recomputed per level."""

from __future__ import annotations

import numpy as np
import pytest

from oasis.territory import maps
from oasis.territory.palettes import (
    CVD_MATRICES,
    MAP_BACKGROUND,
    MIN_DELTA_E,
    PALETTES,
    delta_e,
    lab,
    simulate,
    weakest_contrast,
)

VISIONS = (None, *CVD_MATRICES)


def test_colour_science_worked_examples():
    # sRGB white is L* = 100, a* = b* = 0 under D65; black is L* = 0: ΔE = 100
    assert lab(simulate("#ffffff", None)) == pytest.approx([100, 0, 0], abs=0.01)
    assert delta_e("#ffffff", "#000000") == pytest.approx(100, abs=0.01)
    # Machado deuteranopia maps pure red and a mid olive close together
    red, olive = "#ff0000", "#a09000"
    assert delta_e(red, olive) > 40
    assert delta_e(red, olive, "deuteranopie") < delta_e(red, olive) / 2
    # grey is left unchanged by every matrix (rows sum to 1)
    for kind in CVD_MATRICES:
        assert simulate("#808080", kind) == pytest.approx(simulate("#808080", None), abs=2e-3)


@pytest.mark.parametrize("name", list(PALETTES))
@pytest.mark.parametrize("vision", VISIONS)
def test_palettes_stay_distinguishable_for_colour_blind_readers(name, vision):
    adjacent, background = weakest_contrast(PALETTES[name]["colors"], vision)
    assert adjacent >= MIN_DELTA_E, (name, vision, adjacent)
    # no class reads as the map background (the old EPCI coverage map's top class did)
    assert background >= MIN_DELTA_E, (name, vision, background)


def test_the_old_palettes_fail_the_same_check():
    """The check can fail: the former red/orange/green classes and the coverage scale
    ending in #f7f7f7 are exactly what the issue reported."""
    old_classes = ("#d7301f", "#fdae61", "#1a9850")
    old_coverage = ("#7f2704", "#d94801", "#fd8d3c", "#fdd0a2", "#f7f7f7")
    # red vs green: ΔE 114 for normal vision, a quarter of it or less for dichromats
    normal = delta_e(old_classes[0], old_classes[2])
    for kind in ("deuteranopie", "protanopie"):
        assert delta_e(old_classes[0], old_classes[2], kind) < normal / 3.5
    assert weakest_contrast(old_coverage, None, MAP_BACKGROUND)[1] < MIN_DELTA_E


def test_breaks_are_quantiles_of_each_level():
    v = list(np.arange(1, 101, dtype=float))  # 1…100: quintiles 20.8, 40.6, 60.4, 80.2
    assert maps.class_breaks(v) == [21.0, 41.0, 60.0, 80.0]
    assert maps.class_breaks([3.0] * 10) == []  # one value: one class
    div = maps.class_breaks([-3, -2, -1, 1, 2, 3], "diverging", 6)
    assert div[2] == 0.0 and div == sorted(div) and div[0] == -div[-1]
    # saturated coverage: 100 % is its own class, the rest split by quantiles
    sat = [100.0] * 50 + list(np.linspace(90, 99, 10))
    out = maps.class_breaks(sat)
    assert out[-1] == 100.0 and len(out) == 4


def test_every_level_gets_its_own_classes_and_a_unit():
    seen = {}
    for level in ("commune", "epci", "departement", "region"):
        payload = maps.indicator_values("apl", level)
        leg = payload["legend"]
        assert leg["unit"] == "consultations/an/hab." and leg["palette"] == "viridis"
        assert len(leg["colors"]) == len(leg["breaks"]) + 1
        values = np.array(list(payload["values"].values()))
        classes = np.searchsorted(leg["breaks"], values, side="right")
        assert len(set(classes.tolist())) >= 3, level  # never one flat colour
        seen[level] = tuple(leg["breaks"])
    assert len(set(seen.values())) == 4
    gap = maps.indicator_values("ecart", "epci")["legend"]
    assert 0.0 in gap["breaks"] and gap["palette"] == "puor"
    assert gap["colors"][0] == PALETTES["puor"]["colors"][0]
