"""The ``oasis geo`` commands as a planner types them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oasis.commands.app import app

runner = CliRunner()


def test_commune_json():
    result = runner.invoke(app, ["geo", "commune", "58194", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "Nevers" and data["epci_name"] == "CA de Nevers"


def test_commune_table():
    result = runner.invoke(app, ["geo", "commune", "75056"])
    assert result.exit_code == 0
    assert "Paris" in result.stdout and "Arrondissements" in result.stdout


def test_unknown_commune_exits_2_with_message():
    result = runner.invoke(app, ["geo", "commune", "99999"])
    assert result.exit_code == 2
    assert "aucune commune" in result.stderr


def test_name_given_as_code_suggests():
    result = runner.invoke(app, ["geo", "commune", "Nevrs"])
    assert result.exit_code == 2
    assert "Nevers (58194" in result.stderr


def test_epci_json():
    result = runner.invoke(app, ["geo", "epci", "245804406", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "CA de Nevers"
    assert {"code": "58194", "name": "Nevers"} in data["members"]


def test_bad_epci_exits_2():
    assert runner.invoke(app, ["geo", "epci", "nope"]).exit_code == 2


def test_search():
    result = runner.invoke(app, ["geo", "search", "saint etienne", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["code"] == "42218"


def test_stats():
    result = runner.invoke(app, ["geo", "stats", "--json"])
    data = json.loads(result.stdout)
    assert data["communes"] >= 34_800 and data["epci"] >= 1_250


def test_help_everywhere():
    for args in (["--help"], ["geo", "--help"], ["geo", "commune", "--help"],
                 ["data", "build", "--help"], ["serve", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.stdout
