"""Coverage: sites file checks, exact nearest-site times, aggregates and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from oasis.commands.app import app
from oasis.territory.coverage import CoverageError, coverage, minutes_text
from oasis.territory.sites import (
    Sites,
    SitesFileError,
    demo_sites,
    read_sites,
    travel_area,
    write_sites_csv,
)
from oasis.territory.travel import TravelModel, haversine_km

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "sites_exemple.csv"


def test_read_example_and_commune_point(geo):
    sites = read_sites(EXAMPLE, geo)
    assert len(sites) == 5 and not sites.synthetic
    nevers = geo.row("58194")
    assert sites.lat[0] == geo.lat[nevers] and sites.lon[0] == geo.lon[nevers]
    assert sites.lat[2] == pytest.approx(47.46)  # explicit coordinates kept
    assert list(sites.kind) == ["msp", "centre_sante", "cabinet", "hopital_proximite", "ett"]


def test_bad_sites_files_list_every_line(geo, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,commune,lat,lon,kind\n"
                   "A,ok,58194,,,msp\n"
                   "A,dup,58194,,,msp\n"
                   "B,x,99999,,,msp\n"
                   "C,x,58194,abc,3,msp\n"
                   "D,x,58194,47,,msp\n"
                   "E,x,58194,,,pharmacie\n"
                   "F,x,58194,95,3,cabinet\n", encoding="utf-8")
    with pytest.raises(SitesFileError) as exc:
        read_sites(bad, geo)
    msg = str(exc.value)
    assert "6 ligne(s) invalide(s)" in msg
    for needle in ("ligne 3", "déjà utilisé ligne 2", "ligne 4", "commune inconnue",
                   "ligne 5", "non numériques", "ligne 6", "les deux ou aucune", "ligne 7",
                   "pharmacie", "ligne 8", "hors limites"):
        assert needle in msg
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SitesFileError, match="fichier vide"):
        read_sites(empty, geo)
    header = tmp_path / "header.csv"
    header.write_text("id,name,commune,lat,lon,kind\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match="aucun site"):
        read_sites(header, geo)
    cols = tmp_path / "cols.csv"
    cols.write_text("id,commune\nA,58194\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match="colonnes manquantes"):
        read_sites(cols, geo)
    with pytest.raises(SitesFileError, match="introuvable"):
        read_sites(tmp_path / "nope.csv", geo)


def test_semicolon_and_roundtrip(geo, tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("id;name;commune;lat;lon;kind\nA;Un;58194;47,0;3,1;ett\n", encoding="utf-8")
    s = read_sites(p, geo)
    assert s.lat[0] == 47.0 and s.lon[0] == 3.1
    demo = demo_sites(geo)
    out = tmp_path / "demo.csv"
    write_sites_csv(demo, out)
    again = read_sites(out, geo)
    assert len(again) == len(demo) and list(again.commune) == list(demo.commune)


def test_coverage_matches_brute_force(geo):
    rng = np.random.default_rng(3)
    units = np.flatnonzero(geo.analysis_units)
    pos = rng.choice(len(units), 40, replace=False)
    sites = Sites.at_units(geo, pos)
    cov = coverage(geo, sites, 30)
    model = TravelModel()
    sample = rng.choice(len(units), 300, replace=False)
    rows = units[sample]
    km = haversine_km(geo.lat[rows][:, None], geo.lon[rows][:, None], sites.lat[None, :],
                      sites.lon[None, :])
    # a commune reaches only the sites of its travel area (mainland, Corsica, overseas)
    same = travel_area(geo, rows)[:, None] == travel_area(geo, units[pos])[None, :]
    brute = np.where(same, model.minutes(km), np.inf).min(axis=1)
    got = cov.communes["minutes_to_site"].to_numpy()[sample]
    np.testing.assert_allclose(got, brute, rtol=1e-9, atol=1e-9)
    assert (cov.communes["covered"].to_numpy()[sample] == (brute <= 30)).all()
    # every site's own commune is covered at 0 minutes
    assert (cov.communes["minutes_to_site"].to_numpy()[pos] == 0).all()
    dep = cov.level("departement")
    assert dep["covered_population"].sum() == cov.covered_population
    assert dep["share_covered"].is_monotonic_increasing
    unc = cov.uncovered()
    assert (~unc["covered"]).all() and unc["population"].is_monotonic_decreasing
    assert cov.population - cov.covered_population == unc["population"].sum()
    with pytest.raises(CoverageError):
        coverage(geo, sites, -5)
    with pytest.raises(CoverageError):
        cov.level("canton")


def test_more_minutes_more_coverage(geo):
    sites = demo_sites(geo)
    shares = [coverage(geo, sites, m).share for m in (10, 20, 30, 45)]
    assert shares == sorted(shares) and shares[-1] > 0.999 and shares[0] < 0.99


def test_cli_coverage(tmp_path):
    res = runner.invoke(app, ["coverage", "--sites", str(EXAMPLE), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["sites"] == 5 and payload["synthetic_sites"] is False
    assert 0 < payload["share_covered"] < 0.02
    assert payload["uncovered"][0]["population"] >= payload["uncovered"][1]["population"]
    out = tmp_path / "cov.geojson"
    res = runner.invoke(app, ["coverage", "--minutes", "20", "--level", "epci", "--out",
                              str(out)])
    assert res.exit_code == 0, res.output
    assert "SYNTHÉTIQUES" in res.output and "communes non couvertes" in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["metadata"]["sites_synthetiques"] is True
    out = tmp_path / "cov.parquet"
    res = runner.invoke(app, ["coverage", "--level", "commune", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_parquet(out)) == 34_917


def test_cli_coverage_bad_input(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    res = runner.invoke(app, ["coverage", "--sites", str(empty)])
    assert res.exit_code == 2 and "fichier vide" in res.output
    res = runner.invoke(app, ["coverage", "--minutes", "-1"])
    assert res.exit_code == 2 and "positif" in res.output
    bad = tmp_path / "b.csv"
    bad.write_text("id,name,commune,lat,lon,kind\nA,x,12345678,,,msp\n")
    res = runner.invoke(app, ["coverage", "--sites", str(bad)])
    assert res.exit_code == 2 and "ligne 2" in res.output


def test_overseas_and_corsica_are_their_own_areas(geo):
    """A commune of Guyane is out of reach of a mainland site, never « 3 233 min »."""
    units = np.flatnonzero(geo.analysis_units)
    codes = geo.code[units].astype(str)
    nevers = int(np.flatnonzero(codes == "58194")[0])
    cov = coverage(geo, Sites.at_units(geo, np.array([nevers])), 30)
    t = cov.communes.set_index("code")
    assert t.loc["58194", "minutes_to_site"] == 0
    assert np.isfinite(t.loc["89024", "minutes_to_site"])  # Auxerre: same mainland
    for code in ("97302", "97411", "2A004"):  # Cayenne, Saint-Denis, Ajaccio
        assert t.loc[code, "minutes_to_site"] == np.inf and not t.loc[code, "covered"]
        assert minutes_text(t.loc[code, "minutes_to_site"]) == "hors de portée"
    assert minutes_text(12.34) == "12 min" and minutes_text(12.34, 1) == "12,3 min"
    assert list(travel_area(geo, units[[nevers]])) == ["metro"]
