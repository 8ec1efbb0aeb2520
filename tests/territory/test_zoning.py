"""Zoning: aggregates are population-weighted, classes and priority follow the docs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from oasis.commands.app import app
from oasis.territory.apl import compute
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.zoning import ZoningError, aggregate, zoning

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(geo):
    units = np.flatnonzero(geo.analysis_units)
    return compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0))


def test_aggregates_are_population_weighted(demo):
    z = zoning(demo)
    table = z.communes
    for level, key in (("epci", "epci"), ("departement", "dep"), ("region", "region")):
        agg = z.level(level)
        assert agg["population"].sum() == table["population"].sum()
        one = agg.iloc[len(agg) // 2]
        members = table[table[key] == one[key]]
        expected = (members["apl"] * members["population"]).sum() / members["population"].sum()
        assert one["apl"] == pytest.approx(expected)
        assert (one["pop_sous_dense"] + one["pop_vigilance"] + one["pop_hors_zone"]
                == members["population"].sum())
        assert one["pop_sous_dense"] == members.loc[members["apl"] < 2.5, "population"].sum()
        cls = "sous-dense" if one["apl"] < 2.5 else "vigilance" if one["apl"] < 4 else "hors zone"
        assert one["apl_class"] == cls
    # national share under 2.5 of the calibrated demo supply (about 9 %)
    share = table.loc[table["apl"] < 2.5, "population"].sum() / table["population"].sum()
    assert 0.07 < share < 0.11


def test_priority_score_formula_and_order(demo):
    z = zoning(demo)
    top = z.priority(151)
    assert len(top) == 151 and list(top["rank"]) == list(range(1, 152))
    assert top["score"].is_monotonic_decreasing
    t = z.communes
    first = top.iloc[0]
    m = t[t["epci"] == first["epci"]]
    deficit = (m["demand"] * np.maximum(0, 2.5 - m["apl"])).sum()
    under = m[m["apl"] < 2.5]
    minutes = (under["minutes_to_site"] * under["population"]).sum() / under["population"].sum()
    assert first["deficit"] == pytest.approx(deficit)
    assert first["score"] == pytest.approx(deficit * (1 + minutes / 30))
    # an EPCI with nobody under the threshold scores 0 and comes after all the others
    full = z.priority()
    assert (full.loc[full["deficit"] == 0, "score"] == 0).all()
    assert full["rank"].iloc[-1] == len(full)


def test_remoteness_uses_given_sites(demo, geo):
    from oasis.territory.sites import Sites

    units = np.flatnonzero(geo.analysis_units)
    one = Sites.at_units(geo, [int(np.flatnonzero(geo.code[units] == "58194")[0])])
    z = zoning(demo, one)
    nevers = z.communes[z.communes["code"] == "58194"].iloc[0]
    assert nevers["minutes_to_site"] == 0
    far = z.communes[z.communes["dep"] == "13"]
    assert far["minutes_to_site"].min() > 200


def test_errors(demo):
    z = zoning(demo)
    with pytest.raises(ZoningError, match="niveau inconnu"):
        aggregate(z.communes, "canton", z.thresholds)
    with pytest.raises(ZoningError, match="positif"):
        z.priority(0)


def test_cli_deserts(tmp_path):
    res = runner.invoke(app, ["deserts", "--level", "epci", "--top", "151", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert len(payload["rows"]) == 151 and payload["synthetic_supply"] is True
    assert payload["rows"][0]["rank"] == 1
    out = tmp_path / "epci.geojson"
    res = runner.invoke(app, ["deserts", "--top", "5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Territoires prioritaires" in res.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["features"]) == 5
    assert data["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    out = tmp_path / "communes.csv"
    res = runner.invoke(app, ["deserts", "--level", "commune", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out, dtype={"code": str})) == 34_917


def test_cli_deserts_bad_input():
    res = runner.invoke(app, ["deserts", "--level", "canton"])
    assert res.exit_code == 2 and "niveau inconnu" in res.output
    res = runner.invoke(app, ["deserts", "--top", "-3"])
    assert res.exit_code == 2 and "positif" in res.output
    res = runner.invoke(app, ["deserts", "--out", "x.xlsx"])
    assert res.exit_code == 2 and "format de sortie" in res.output


def _table(minutes: list[float]) -> pd.DataFrame:
    """Three communes of one EPCI, APL threshold 2.5: A (100 inhabitants, APL 2,
    deficit 50) and B (300, APL 1, deficit 450) under it, C (600, APL 5) above."""
    return pd.DataFrame({
        "code": ["A", "B", "C"], "name": ["A", "B", "C"], "epci": ["E"] * 3,
        "epci_name": ["E"] * 3, "dep": ["01"] * 3, "dep_name": ["Ain"] * 3,
        "region": ["84"] * 3, "region_name": ["ARA"] * 3,
        "population": [100, 300, 600], "demand": [100.0, 300.0, 600.0],
        "apl": [2.0, 1.0, 5.0], "apl_class": ["sous-dense", "sous-dense", "autre"],
        "deficit": [50.0, 450.0, 0.0], "minutes_to_site": minutes})


def test_remoteness_counts_residents_without_any_site_as_out_of_reach():
    # every site reachable: (100·10 + 300·30) / 400 = 25 min over the residents under
    # the threshold; score = 500 · (1 + 25/30) = 916.67
    ok = aggregate(_table([10.0, 30.0, 5.0]), "epci", (2.5, 4.0)).iloc[0]
    assert ok["minutes_to_site"] == pytest.approx(25.0)
    assert ok["pop_unreachable"] == 0
    # B has no site in its travel area: hors de portée, not (100·10 + 300·0) / 400 = 2.5
    far = aggregate(_table([10.0, np.inf, 5.0]), "epci", (2.5, 4.0)).iloc[0]
    assert far["minutes_to_site"] == np.inf
    assert far["pop_unreachable"] == 300
    # C (above the threshold) out of reach does not count: only A and B do
    c_far = aggregate(_table([10.0, 30.0, np.inf]), "epci", (2.5, 4.0)).iloc[0]
    assert c_far["minutes_to_site"] == pytest.approx(25.0)
    assert c_far["pop_unreachable"] == 0


def test_out_of_reach_deficit_ranks_first_and_never_nan():
    from oasis.territory.zoning import Zoning

    near = _table([10.0, 30.0, 5.0])
    far = _table([np.inf, np.inf, np.inf]).assign(epci="F", code=["D", "E", "G"])
    # F's residents above the threshold only, out of reach, no deficit: score 0
    rich = _table([np.inf] * 3).assign(epci="R", code=["H", "I", "J"], deficit=0.0,
                                       apl=5.0, apl_class="autre")
    z = Zoning(communes=pd.concat([near, far, rich], ignore_index=True),
               thresholds=(2.5, 4.0), synthetic=True)
    ranked = z.priority(level="epci")
    assert ranked["epci"].tolist() == ["F", "E", "R"]
    assert ranked["score"].tolist() == [np.inf, pytest.approx(500 * (1 + 25 / 30)), 0.0]
