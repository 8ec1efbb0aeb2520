"""``oasis apl --ages`` (age-standardised demand) and ``--horizon`` (projection)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oasis.commands.app import app

runner = CliRunner()
FIX = Path(__file__).parents[1] / "fixtures"
AGES = FIX / "base-cc-evol-struct-pop-sample.CSV"


def _apl(tmp_path, *args) -> pd.DataFrame:
    out = tmp_path / "apl.csv"
    res = runner.invoke(app, ["apl", "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, dtype={"code": str, "dep": str, "epci": str}).set_index("code")


def test_ages_file_lowers_the_elderly_commune_relative_to_the_young(tmp_path):
    raw = _apl(tmp_path)
    std = _apl(tmp_path, "--ages", str(AGES))
    # Château-Chinon (58062): 52 % aged 60+; Nevers (58194): 30 % (fixture)
    before = raw.loc["58062", "apl"] / raw.loc["58194", "apl"]
    after = std.loc["58062", "apl"] / std.loc["58194", "apl"]
    assert after < before
    assert not std.loc["58062", "demand_approximated"]
    assert std.loc["89024", "demand_approximated"]  # absent from the file: fallback
    assert std.loc["58062", "demand"] > std.loc["58062", "population"]
    assert set(std["variant"]) == {"sans limite d'âge des praticiens"}


def test_ages_file_malformed_lists_every_bad_line():
    res = runner.invoke(app, ["apl", "--commune", "58062", "--ages",
                              str(FIX / "base-cc-evol-struct-pop-malformed.CSV")])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "base-cc-evol-struct-pop-malformed.CSV" in text
    for line in (3, 4, 5, 6):
        assert f"ligne {line} :" in text
    res = runner.invoke(app, ["apl", "--commune", "58062", "--age-weights", str(AGES)])
    assert res.exit_code == 2 and "--ages" in res.output


def _one_old_gp(tmp_path) -> Path:
    supply = tmp_path / "offre.csv"
    supply.write_text("rpps,profession,commune,activity,age\n"
                      "10000000017,generaliste,58062,5000,64\n"
                      "10000000025,generaliste,58194,5000,40\n", encoding="utf-8")
    return supply


def test_projection_with_a_64_year_old_gp_lowers_the_commune_apl(tmp_path):
    supply = _one_old_gp(tmp_path)
    out = tmp_path / "proj.csv"
    res = runner.invoke(app, ["apl", "--supply", str(supply), "--horizon", "2028",
                              "--base-year", "2025", "--commune", "58062", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, dtype={"code": str, "dep": str})
    assert sorted(set(frame["year"])) == [2025, 2028]
    apl = frame[frame["code"] == "58062"].set_index("year")["apl"]
    # hazard 7 % at 64, 15 % at 65, 22 % at 66 (data/rules/gp_retirement_hazard.csv)
    assert apl[2028] / apl[2025] == pytest.approx(0.93 * 0.85 * 0.78)
    assert "Projection 2025–2028" in res.output and "2028 :" in res.output
    # the regulatory limit stops the GP at 66 (2027): nobody left in 2028
    res = runner.invoke(app, ["apl", "--supply", str(supply), "--horizon", "2028",
                              "--base-year", "2025", "--max-age", "65", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, dtype={"code": str, "dep": str})
    row = frame[(frame["code"] == "58062") & (frame["year"] == 2028)]
    assert row["apl"].item() == 0 and row["variant"].item() == "praticiens de 65 ans ou moins"


def test_projection_installs(tmp_path):
    supply = _one_old_gp(tmp_path)
    out = tmp_path / "proj.csv"
    res = runner.invoke(app, ["apl", "--supply", str(supply), "--horizon", "2028",
                              "--base-year", "2025", "--installs",
                              str(FIX / "installs-sample.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, dtype={"code": str, "dep": str}).set_index(["code", "year"])
    # one GP installs in 58062 in 2026: the 2028 APL is above the 2025 one
    assert frame.loc[("58062", 2028), "apl"] > frame.loc[("58062", 2025), "apl"]
    assert "installations ajoutées" in " ".join(res.output.split())


def test_projection_bad_input(tmp_path):
    res = runner.invoke(app, ["apl", "--horizon", "2030", "--installs",
                              str(FIX / "installs-malformed.csv"), "--commune", "58062",
                              "--base-year", "2025"])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "installs-malformed.csv" in text and "ligne 3" in text and "ligne 4" in text
    res = runner.invoke(app, ["apl", "--horizon", "2020", "--base-year", "2025",
                              "--commune", "58062"])
    assert res.exit_code == 2 and "avant" in res.output
    res = runner.invoke(app, ["apl", "--installs", str(FIX / "installs-sample.csv"),
                              "--commune", "58062"])
    assert res.exit_code == 2 and "--horizon" in res.output
