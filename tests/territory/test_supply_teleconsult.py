"""Teleconsultations in the GP activity (DREES 2023 vintage) or not (earlier vintages)."""

from __future__ import annotations

import pytest

from oasis.territory.supply import SupplyFileError, read_supply, rpps_with_check_digit


def _write(tmp_path, rows, header="rpps,profession,commune,activity,age,teleconsultations"):
    p = tmp_path / "offre.csv"
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_teleconsultations_added_or_not(tmp_path, geo):
    a, b = rpps_with_check_digit("1000000001"), rpps_with_check_digit("1000000002")
    p = _write(tmp_path, [f"{a},generaliste,58194,4000,50,600",
                          f"{b},generaliste,58062,200,60,100"])
    with_tc = read_supply(p, geo)
    # 4000 + 600; 200 + 100 = 300 ≥ the 250 floor, so counted
    assert with_tc.amount.tolist() == [4600.0, 300.0]
    assert with_tc.teleconsultations.tolist() == [600.0, 100.0]
    assert "téléconsultations" in with_tc.report.approximations[-1]
    without = read_supply(p, geo, count_teleconsultations=False)
    assert without.amount.tolist() == [4000.0, 0.0]  # 200 < floor
    assert "non comptées" in without.report.approximations[-1]


def test_bad_teleconsultations(tmp_path, geo):
    a = rpps_with_check_digit("1000000001")
    p = _write(tmp_path, [f"{a},generaliste,58194,4000,50,abc"])
    with pytest.raises(SupplyFileError, match="ligne 2 : teleconsultations invalide"):
        read_supply(p, geo)
    p = _write(tmp_path, [f"{a},generaliste,58194,1,50,3"],
               header="rpps,profession,commune,fte,age,teleconsultations")
    with pytest.raises(SupplyFileError, match="pas à fte"):
        read_supply(p, geo)
