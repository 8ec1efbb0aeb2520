"""``oasis directory import`` and ``oasis apl --supply`` on the Annuaire Santé FHIR Bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from typer.testing import CliRunner

from oasis.care.core.db import session_factory
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.sites.models import Location
from oasis.commands.app import app

runner = CliRunner()
FIXTURE = Path(__file__).parents[1] / "fixtures" / "annuaire_sante_bundle.json"


def test_import_fills_the_directory_idempotently(db_url):
    res = runner.invoke(app, ["directory", "import", str(FIXTURE), "--db", db_url])
    assert res.exit_code == 0, res.output
    # Kept: 3 GPs (p1, p2, p3), the ophthalmologist, the midwife; the nurse is APL-only,
    # the hospital GP is out of scope, r8 is inactive.
    assert "5 praticien(s) créé(s)" in res.output and "6 lieu(x) d'exercice" in res.output
    session = session_factory(db_url)()
    try:
        doctors = {p.family_name: p for p in session.scalars(select(Practitioner))}
        assert set(doctors) == {"MOREAU", "GIRARD", "FAURE", "LAMBERT", "ROUSSEAU"}
        assert doctors["LAMBERT"].specialty == "ophtalmologue"
        assert doctors["ROUSSEAU"].profession == "sage_femme"
        sites = {s.name: s for s in session.scalars(select(Location))}
        assert sites["MAISON DE SANTE PLURIPROFESSIONNELLE DU BANLAY"].kind == "msp"
        assert sites["CENTRE DE SANTE MUNICIPAL"].kind == "centre_sante"
        assert sites["CABINET MEDICAL DES HALLES"].finess is None
        assert sites["CENTRE DE SANTE MUNICIPAL"].commune_code == "75056"
        roles = session.scalar(select(func.count()).select_from(PractitionerRole))
    finally:
        session.close()
    assert roles == 6
    again = runner.invoke(app, ["directory", "import", str(FIXTURE), "--db", db_url])
    assert again.exit_code == 0 and "0 praticien(s) créé(s), 5 déjà connu(s)" in again.output


def test_bad_bundles_exit_2_with_entry_and_reason(db_url, tmp_path):
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["entry"][0]["resource"]["identifier"][0]["value"] = "1580990019"  # bad FINESS key
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    res = runner.invoke(app, ["directory", "import", str(bad), "--db", db_url])
    assert res.exit_code == 2
    assert "bad.json : entrée 0" in res.output and "FINESS" in res.output
    data["entry"][5]["resource"]["identifier"][0]["value"] = "8123"
    bad.write_text(json.dumps(data))
    res = runner.invoke(app, ["directory", "import", str(bad), "--db", db_url])
    assert res.exit_code == 2 and "entrée 5 (Practitioner)" in res.output
    res = runner.invoke(app, ["directory", "import", str(tmp_path / "none.json"),
                              "--db", db_url])
    assert res.exit_code == 2 and "introuvable" in res.output


def test_apl_supply_from_the_bundle(tmp_path):
    out = tmp_path / "apl.csv"
    res = runner.invoke(app, ["apl", "--supply", str(FIXTURE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, dtype={"code": str})
    assert frame.loc[frame["code"] == "58194", "apl"].item() > 0
    assert not frame["synthetic_supply"].any()
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": '
                   '"Practitioner", "id": "a", "identifier": [{"system": '
                   '"urn:oid:1.2.250.1.71.4.2.1", "value": "812345678901"}]}}]}')
    res = runner.invoke(app, ["apl", "--supply", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "entrée 0 (Practitioner)" in res.output
