"""Supply importers (Annuaire Santé and simple CSV), demand fallback, synthetic supply."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oasis.territory.demand import AgeStructure, standardised_demand
from oasis.territory.supply import (
    SupplyFileError,
    read_supply,
    rpps_is_valid,
    rpps_with_check_digit,
    unit_positions,
)
from oasis.territory.synthetic import synthetic_supply

FIXTURE = Path(__file__).parents[1] / "fixtures" / "PS_LibreAcces_Personne_activite_sample.txt"


def test_rpps_luhn():
    assert rpps_is_valid("10000000017")
    assert not rpps_is_valid("10000000018")
    assert not rpps_is_valid("1000000001")
    assert rpps_is_valid(rpps_with_check_digit("8100012345"))


def test_annuaire_sante_fixture(geo):
    s = read_supply(FIXTURE, geo)
    _, pos = unit_positions(geo)
    assert s.report.rows == 10 and s.report.kept == 7
    assert s.report.skipped["sans commune d'exercice renseignée"] == 1
    assert s.report.skipped["hors des professions de l'APL"] == 1  # the pharmacist
    gp = s.for_profession("generaliste")
    # The GP with two sites counts half a mean activity at each.
    two = gp.amount[gp.pid == "10000000025"]
    assert two.tolist() == [2500.0, 2500.0]
    # Paris coded as a whole city: the postal code 75012 picks the 12th arrondissement.
    assert pos["75112"] in gp.unit.tolist()
    assert s.for_profession("ophtalmologue").unit.tolist() == [pos["58086"]]
    assert s.for_profession("infirmier").amount.tolist() == [1.0]


def test_annuaire_sante_bad_rows_are_all_reported(geo, tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    bad = list(lines)
    bad[1] = bad[1].replace("10000000017", "10000000018")  # Luhn
    bad[2] = bad[2].replace("|58194|", "|99999|")  # unknown commune
    bad[3] = "|".join(bad[3].split("|")[:10])  # truncated line
    path = tmp_path / "ps.txt"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(SupplyFileError) as exc:
        read_supply(path, geo)
    text = str(exc.value)
    assert "3 ligne(s) invalide(s)" in text
    assert "ligne 2 : numéro RPPS invalide" in text
    assert "ligne 3 : commune inconnue « 99999 »" in text
    assert "ligne 4 : 10 champs" in text


def test_simple_csv(geo, tmp_path):
    path = tmp_path / "offre.csv"
    path.write_text("rpps,profession,commune,activity,age\n"
                    "10000000017,generaliste,58194,6000,52\n"
                    "10000000025,generaliste,58303,20000,70\n"
                    "10000000033,generaliste,58303,100,40\n", encoding="utf-8")
    s = read_supply(path, geo)
    assert s.amount.tolist() == [6000.0, 15000.0, 0.0]  # cap 15 000, floor 250
    assert s.age.tolist() == [52, 70, 40]
    fte = tmp_path / "fte.csv"
    fte.write_text("rpps,profession,commune,fte\n10000000017,infirmier,58194,0.8\n"
                   "10000000025,generaliste,1053,0.5\n", encoding="utf-8")
    s = read_supply(fte, geo)
    assert s.amount.tolist() == [0.8, 2500.0]


def test_simple_csv_errors(geo, tmp_path):
    path = tmp_path / "offre.csv"
    path.write_text("rpps,profession,commune,activity\n"
                    "10000000017,generaliste,58194,6000\n"
                    "12345678901,dentiste,00000,-3\n"
                    "10000000025,generaliste,58194\n", encoding="utf-8")
    with pytest.raises(SupplyFileError) as exc:
        read_supply(path, geo)
    text = str(exc.value)
    assert "ligne 3 : numéro RPPS invalide" in text and "profession inconnue" in text
    assert "activity invalide" in text and "ligne 4 : 3 champs au lieu de 4" in text
    path.write_text("id,commune\n", encoding="utf-8")
    with pytest.raises(SupplyFileError, match="l'en-tête"):
        read_supply(path, geo)


def test_demand_fallback_and_age_table():
    pop = np.array([100.0, 200.0, 300.0])
    codes = np.array(["01001", "01002", "01004"])
    d = standardised_demand(pop, codes)
    assert d.standardised.tolist() == pop.tolist() and d.approximated.all()
    ages = AgeStructure(np.array(["01002", "01004"]), ("0-59", "60+"),
                        np.array([[150.0, 50.0], [300.0, 0.0]]), np.array([1.0, 3.0]))
    d = standardised_demand(pop, codes, ages)
    assert d.approximated.tolist() == [True, False, False]
    # weighted 300 and 300, rescaled so the table's total (500) is kept.
    assert d.standardised.tolist() == pytest.approx([100.0, 250.0, 250.0])


def test_synthetic_is_reproducible_and_calibrated(geo):
    units, _ = unit_positions(geo)
    pop = geo.population[units]
    a = synthetic_supply(pop, seed=4)
    b = synthetic_supply(pop, seed=4)
    assert np.array_equal(a.unit, b.unit) and np.array_equal(a.amount, b.amount)
    assert len(a) == 52_149 and a.synthetic
    assert a.amount.mean() == pytest.approx(5000, rel=0.02)
    assert (pop[a.unit] >= 300).all()
    assert not np.array_equal(a.unit, synthetic_supply(pop, seed=5).unit)
