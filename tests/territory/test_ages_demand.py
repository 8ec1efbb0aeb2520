"""Age-standardised demand: INSEE reader, weights, coverage, effect on the APL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oasis.territory.ages import (
    BANDS,
    AgeFileError,
    age_structure,
    load_consumption_weights,
    read_insee_population,
)
from oasis.territory.apl import Catchment, compute, default_travel
from oasis.territory.demand import AgeStructure, standardised_demand
from oasis.territory.supply import Supply, unit_positions

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = FIX / "base-cc-evol-struct-pop-sample.CSV"


def test_reader_takes_latest_vintage_or_the_one_asked():
    t = read_insee_population(SAMPLE)
    assert t.year == 2021 and t.bands == BANDS
    i = list(t.codes).index("58062")
    assert t.counts[i].tolist() == [200, 150, 200, 300, 450, 400, 70]
    assert t.total[i] == 1770
    old = read_insee_population(SAMPLE, year=2015)
    assert old.counts[list(old.codes).index("58062")][0] == 210
    with pytest.raises(AgeFileError, match="millésime 2010 absent"):
        read_insee_population(SAMPLE, year=2010)


def test_malformed_file_lists_every_bad_line():
    path = FIX / "base-cc-evol-struct-pop-malformed.CSV"
    with pytest.raises(AgeFileError) as err:
        read_insee_population(path)
    assert err.value.lines == [3, 4, 5, 6]
    text = str(err.value)
    assert "base-cc-evol-struct-pop-malformed.CSV" in text and "4 ligne(s)" in text
    assert "ligne 4 : P21_POP0014 invalide" in text and "ligne 6 : la somme" in text


def test_not_an_insee_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("code;pop\n58194;3\n", encoding="utf-8")
    with pytest.raises(AgeFileError, match="CODGEO"):
        read_insee_population(p)


def test_weights_shipped_and_overridable(tmp_path):
    w = load_consumption_weights()
    assert w.bands == BANDS and w.assumption and (w.weights > 0).all()
    p = tmp_path / "w.csv"
    p.write_text("band,weight\n" + "".join(f"{b},1\n" for b in BANDS[:-1]) + "90P,x\n",
                 encoding="utf-8")
    with pytest.raises(AgeFileError) as err:
        load_consumption_weights(p)
    assert err.value.lines == [8]


def test_standardisation_hand_computed():
    # Two communes of 100: one all 75-89 (weight 1.9), one all 15-29 (weight 0.6).
    # index 1.9 and 0.6 → raw 190 and 60, rescaled by 200/250 → 152 and 48.
    w = load_consumption_weights().weights
    counts = np.zeros((2, 7))
    counts[0, 5] = 100
    counts[1, 1] = 100
    ages = AgeStructure(np.array(["a", "b"]), BANDS, counts, w, np.array([0, 1]))
    d = standardised_demand(np.array([100.0, 100.0, 50.0]), np.array(["a", "b", "c"]), ages)
    expected = [100 * w[5] * 200 / (100 * w[5] + 100 * w[1]),
                100 * w[1] * 200 / (100 * w[5] + 100 * w[1]), 50.0]
    assert d.standardised.tolist() == pytest.approx(expected)
    assert d.approximated.tolist() == [False, False, True]


def test_coverage_inherits_city_shares_and_flags_missing(geo):
    _, cov = age_structure(geo, read_insee_population(SAMPLE))
    assert cov.matched == 2 + 20  # Nevers, Château-Chinon, 20 Paris arrondissements
    assert len(cov.inherited) == 20 and "75112" in cov.inherited
    assert cov.unused == ["01039"]
    assert len(cov.missing) == geo.analysis_units.sum() - 22


def test_elderly_commune_apl_falls_relative_to_young(geo):
    units, pos = unit_positions(geo)
    old, young = pos["58062"], pos["58194"]  # Château-Chinon (elderly), Nevers
    supply = Supply(np.array(["a", "b"], dtype=object), np.array([old, young]),
                    np.array([5000.0, 5000.0]), np.array(["generaliste"] * 2, dtype=object))
    pop = geo.population[units].astype(float)
    cat = Catchment.build(default_travel(geo, 20), _gp(), pop)
    flat = compute(geo, supply, catchment=cat)
    ages, _ = age_structure(geo, read_insee_population(SAMPLE))
    std = compute(geo, supply, catchment=cat, ages=ages)
    assert std.apl[old] / std.apl[young] < flat.apl[old] / flat.apl[young]
    assert std.demand[old] > flat.demand[old] and std.demand_approximated.sum() > 0
    assert not std.demand_approximated[old]
    assert any("standardisée par âge" in n for n in std.notes)
    # The reused matrix gets denominators for the new demand (same as a fresh build).
    fresh = compute(geo, supply, ages=ages, travel=default_travel(geo, 20))
    assert np.allclose(std.apl, fresh.apl)


def _gp():
    from oasis.territory.professions import PROFESSIONS
    return PROFESSIONS["generaliste"]
