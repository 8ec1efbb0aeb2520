"""``oasis deserts``: regulatory variant by default, five-criteria method, official list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from oasis.commands.app import app

runner = CliRunner()
FIX = Path(__file__).parents[1] / "fixtures"


def _json(args):
    res = runner.invoke(app, ["deserts", "--json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout[res.stdout.index("{"):])


def test_regulatory_variant_is_the_default_and_labelled(tmp_path):
    reg = _json(["--top", "5"])
    assert reg["variant"] == "praticiens de 65 ans ou moins" and reg["regulatory"] is True
    assert {r["variant"] for r in reg["rows"]} == {reg["variant"]}
    unlimited = _json(["--top", "5", "--sans-limite-age"])
    assert unlimited["variant"] == "sans limite d'âge des praticiens"
    assert unlimited["regulatory"] is False
    # fewer GPs counted: the regulatory national picture is worse
    assert reg["rows"][0]["apl"] != unlimited["rows"][0]["apl"]
    res = runner.invoke(app, ["deserts", "--top", "3"])
    assert res.exit_code == 0 and "65 ans ou moins" in res.output
    out = tmp_path / "d.csv"
    res = runner.invoke(app, ["deserts", "--level", "departement", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["variant"]) == {"praticiens de 65 ans ou moins"}


def test_ministere_with_public_files_and_official_overlap():
    args = ["--method", "ministere", "--income", str(FIX / "filosofi-com-sample.csv"),
            "--ald", str(FIX / "ald-dep-sample.csv"),
            "--finess", str(FIX / "etalab-cs1100507-stock-sample.csv"),
            "--urgences", str(FIX / "finess-urgences-list.txt"),
            "--official", str(FIX / "epci-officiels-sample.csv")]
    data = _json(args)
    assert data["method"] == "ministere" and data["variant"] == "praticiens de 65 ans ou moins"
    assert data["synthetic_criteria"] == ["apl", "young_gp_share"]  # synthetic supply only
    assert "Filosofi" in data["sources"]["median_income"]
    rows = data["rows"]
    assert [r["rank"] for r in rows[:3]] == [1, 2, 3]
    assert rows[0]["score"] >= rows[1]["score"] >= rows[-1]["score"]
    ov = data["overlap"]
    assert ov["official"] == 3 and ov["known"] == 3 and ov["top"] == 3
    top3 = [r["epci"] for r in rows[:3]]
    listed = ["200067890", "249730052", "244800405"]
    assert ov["common"] == [s for s in listed if s in top3]
    assert ov["only_ranking"] == [e for e in top3 if e not in listed]
    assert ov["recall"] == round(len(ov["common"]) / 3, 4)
    # text output names the weights, each criterion's source and the overlap
    res = runner.invoke(app, ["deserts", *args, "--top", "151"])
    assert res.exit_code == 0, res.output
    assert "cinq critères" in res.output and "Liste officielle" in res.output
    assert "EPCI en commun sur 3" in res.output


def test_official_list_against_oasis_ranking():
    data = _json(["--official", str(FIX / "epci-officiels-sample.csv"), "--top", "151"])
    ov = data["overlap"]
    ranked = [r["epci"] for r in data["rows"]]
    assert ov["top"] == 151
    assert ov["common"] == [s for s in ["200067890", "249730052", "244800405"] if s in ranked]


def test_ministere_defaults_are_labelled():
    data = _json(["--method", "ministere", "--top", "3"])
    assert set(data["synthetic_criteria"]) == {"apl", "young_gp_share", "median_income",
                                               "ald_share", "emergency_minutes"}
    assert "SYNTHÉTIQUE" in data["sources"]["emergency_minutes"]


def test_bad_files_exit_2_listing_every_bad_line(tmp_path):
    res = runner.invoke(app, ["deserts", "--method", "ministere",
                              "--income", str(FIX / "filosofi-com-malformed.csv")])
    assert res.exit_code == 2 and "filosofi-com-malformed.csv" in res.output
    assert "ligne" in res.output
    bad = tmp_path / "officiel.csv"
    bad.write_text("siren\n200067890\n12345\n200067890\n", encoding="utf-8")
    res = runner.invoke(app, ["deserts", "--official", str(bad)])
    assert res.exit_code == 2
    assert "ligne 3" in res.output and "ligne 4" in res.output and "officiel.csv" in res.output
    res = runner.invoke(app, ["deserts", "--method", "ministere", "--level", "region"])
    assert res.exit_code == 2 and "EPCI" in res.output
    res = runner.invoke(app, ["deserts", "--method", "autre"])
    assert res.exit_code == 2 and "méthode inconnue" in res.output
    res = runner.invoke(app, ["deserts", "--income", str(FIX / "filosofi-com-sample.csv")])
    assert res.exit_code == 2 and "ministere" in res.output
