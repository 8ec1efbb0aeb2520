"""Projection: ageing, retirement hazard, installations, regulatory variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oasis.territory.apl import compute
from oasis.territory.projection import (
    HazardFileError,
    InstallsFileError,
    ProjectionError,
    load_retirement_hazard,
    project,
    read_installs,
)
from oasis.territory.supply import Supply, unit_positions

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _supply(geo, ages):
    _, pos = unit_positions(geo)
    units = [pos["58062"], pos["58194"]]
    return Supply(np.array(["a", "b"], dtype=object), np.array(units),
                  np.array([5000.0, 5000.0]), np.array(["generaliste"] * 2, dtype=object),
                  np.array(ages, dtype=float))


def test_hazard_table_and_mean_departure_age():
    h = load_retirement_hazard()
    assert h.hazard[59] == 0 and h.hazard[64] == 0.07 and h.hazard[65] == 0.15
    s = h.survival(np.array([64.0, np.nan]), 2)
    assert s[:, 0].tolist() == pytest.approx([1.0, 0.93, 0.93 * 0.85])
    assert s[:, 1].tolist() == [1.0, 1.0, 1.0]  # unknown age: not aged
    # calibrated on the ~67 years mean end of activity (DREES 2018)
    assert 66.5 < h.mean_departure_age(60) < 67.5


def test_bad_hazard_file(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("age_from,age_to,hazard\n0,59,0\n60,70,1.5\n65,120,0.2\n", encoding="utf-8")
    with pytest.raises(HazardFileError) as err:
        load_retirement_hazard(p)
    assert err.value.lines == [3]


def test_64_year_old_gp_lowers_the_commune_apl(geo):
    supply = _supply(geo, [64, 40])
    _, pos = unit_positions(geo)
    old = pos["58062"]
    p = project(geo, supply, 3, base_year=2025)
    base = compute(geo, supply)
    assert p.years.tolist() == [2025, 2026, 2027, 2028]
    assert p.apl[0, old] == pytest.approx(base.apl[old])
    assert p.apl[1, old] < p.apl[0, old]
    # only that GP reaches Château-Chinon: APL scales with its survival 0.93, 0.93·0.85
    assert p.apl[1, old] / p.apl[0, old] == pytest.approx(0.93)
    assert p.apl[2, old] / p.apl[0, old] == pytest.approx(0.93 * 0.85)
    frame = p.commune("58062")
    assert frame["year"].tolist() == [2025, 2026, 2027, 2028]
    assert (p.table(2027)["year"] == 2027).all()
    nat = p.national()
    assert nat["practitioners"].tolist()[1] == pytest.approx(0.93 + 1.0)
    # regulatory variant: the GP stops counting when past 65 (in 2027, aged 66)
    reg = project(geo, supply, 3, base_year=2025, max_age=65)
    assert reg.apl[2, old] == 0 and reg.variant == "praticiens de 65 ans ou moins"


def test_installs(geo):
    supply = _supply(geo, [64, 40])
    _, pos = unit_positions(geo)
    installs = read_installs(FIX / "installs-sample.csv", geo)
    p = project(geo, supply, 3, base_year=2025, installs=installs)
    old = pos["58062"]
    # 2026: the 64-year-old (0.93) plus one full-time installation (5 000 C+V)
    assert p.unit_supply[1, old] == pytest.approx(5000 * 0.93 + 5000)
    assert p.unit_supply[0, old] == pytest.approx(5000)
    assert any("hors horizon" in n for n in p.notes)
    with pytest.raises(InstallsFileError) as err:
        project(geo, supply, 3, base_year=2027, installs=installs)
    assert err.value.lines == [2]


def test_installs_malformed(geo):
    with pytest.raises(InstallsFileError) as err:
        read_installs(FIX / "installs-malformed.csv", geo)
    assert err.value.lines == [3, 4]
    assert "arrondissement" in str(err.value) and "plombier" in str(err.value)


def test_bad_horizon(geo):
    with pytest.raises(ProjectionError, match="horizon"):
        project(geo, _supply(geo, [50, 50]), -1, base_year=2025)
