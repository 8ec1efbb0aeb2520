"""``oasis apl`` end to end (synthetic and file supply)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oasis.commands.app import app

runner = CliRunner()
FIXTURE = Path(__file__).parents[1] / "fixtures" / "PS_LibreAcces_Personne_activite_sample.txt"


def test_apl_synthetic_csv_and_explain(tmp_path):
    out = tmp_path / "apl.csv"
    res = runner.invoke(app, ["apl", "--out", str(out), "--commune", "58194", "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert "SYNTHÉTIQUE" in res.output and "Nevers (58194)" in res.output
    assert "Somme des contributions" in res.output
    frame = pd.read_csv(out, dtype={"code": str})
    assert len(frame) == 34_917 and frame["synthetic_supply"].all()


def test_apl_from_annuaire_sante_parquet(tmp_path):
    out = tmp_path / "apl.parquet"
    res = runner.invoke(app, ["apl", "--supply", str(FIXTURE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(out)
    nevers = frame.loc[frame["code"] == "58194", "apl"].item()
    assert nevers > 0 and not frame["synthetic_supply"].any()
    assert "7 lignes retenues sur 10" in res.output


def test_apl_errors(tmp_path):
    res = runner.invoke(app, ["apl"])
    assert res.exit_code == 2 and "--out" in res.output
    res = runner.invoke(app, ["apl", "--profession", "plombier", "--out", "x.csv"])
    assert res.exit_code == 2 and "profession inconnue" in res.output
    bad = tmp_path / "s.csv"
    bad.write_text("rpps,profession,commune,activity\n1,generaliste,58194,10\n")
    res = runner.invoke(app, ["apl", "--supply", str(bad), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "ligne 2" in res.output
    res = runner.invoke(app, ["apl", "--commune", "75056"])
    assert res.exit_code == 2 and "arrondissement" in res.output


def test_apl_geojson(tmp_path):
    import json

    out = tmp_path / "apl.geojson"
    res = runner.invoke(app, ["apl", "--profession", "infirmier", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["features"]) == 34_917
    assert data["metadata"]["offre_synthetique"] is True
    first = data["features"][0]
    assert first["geometry"]["type"] in {"Polygon", "MultiPolygon", "Point"}
    assert first["properties"]["apl_class"] in {"sous-dense", "vigilance", "hors zone"}


def test_apl_with_real_od_matrix(tmp_path):
    matrix = tmp_path / "od.csv"
    matrix.write_text("origin,destination,minutes\n58194,58303,8\n58303,58194,8\n"
                      "58194,58086,35\n", encoding="utf-8")
    supply = tmp_path / "s.csv"
    supply.write_text("rpps,profession,commune,activity\n10000000017,generaliste,58194,6000\n",
                      encoding="utf-8")
    out = tmp_path / "apl.csv"
    res = runner.invoke(app, ["apl", "--supply", str(supply), "--matrix", str(matrix),
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, dtype={"code": str}).set_index("code")
    # Only Nevers and Varennes-Vauzelles reach the GP (the 35-min pair is beyond 20 min).
    reached = frame[frame["apl"] > 0]
    assert set(reached.index) == {"58194", "58303"}
    pop = frame.loc[["58194", "58303"], "population"].sum()
    assert reached["apl"].tolist() == pytest.approx([6000 / pop] * 2, rel=1e-9)
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,destination,minutes\n58194,99999,8\n", encoding="utf-8")
    res = runner.invoke(app, ["apl", "--matrix", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "ligne 2" in res.output
