"""The Annuaire Santé FHIR Bundle as APL supply: same profession and scope rules as the
pipe-separated extraction; bad entries refused with their index."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from oasis.territory.professions import PROFESSIONS
from oasis.territory.supply import rpps_is_valid, unit_positions
from oasis.territory.supply_fhir import (
    DirectoryBundleError,
    parse_directory_bundle,
    read_any_supply,
    read_fhir_supply,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "annuaire_sante_bundle.json"


def bundle_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_fixture_identifiers_pass_their_check_digits():
    parsed = parse_directory_bundle(bundle_data())
    assert len(parsed.practitioners) == 7 and len(parsed.organizations) == 4
    assert all(rpps_is_valid(p.ident) for p in parsed.practitioners)
    assert len(parsed.roles) == 9


def test_supply_by_hand(geo):
    supply = read_fhir_supply(FIXTURE, geo)
    gp = supply.for_profession("generaliste")
    # In scope: r1 (p1 Nevers), r2 + r2b (p2 Nevers + Decize), r3 (salaried, centre de
    # santé, Paris 12e); out: r7 (salaried at a hospital), r8 (inactive).
    assert sorted(gp.pid.tolist()) == sorted([
        next(p.ident for p in parse_directory_bundle(bundle_data()).practitioners
             if p.family_name == name) for name in ("MOREAU", "GIRARD", "GIRARD", "FAURE")])
    _, pos = unit_positions(geo)
    mean = PROFESSIONS["generaliste"].mean_activity  # 5 000 C+V
    totals = gp.unit_totals(len(pos))
    # Nevers: p1 full (5 000) + half of p2 (2 500); Decize: the other half of p2.
    assert totals[pos["58194"]] == pytest.approx(mean + mean / 2)
    assert totals[pos["58095"]] == pytest.approx(mean / 2)
    assert totals[pos["75112"]] == pytest.approx(mean)  # 75056 + postal 75012 → 12e
    assert supply.report.skipped["activités inactives"] == 1
    assert supply.report.skipped["exercice hors champ (ni libéral ni centre de santé)"] == 1
    assert set(supply.profession.tolist()) == {"generaliste", "ophtalmologue", "sage_femme",
                                                "infirmier"}
    assert read_any_supply(FIXTURE, geo).report.kept == supply.report.kept


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda b: b["entry"][4]["resource"]["identifier"][0].update(value="81234567890"),
     "entrée 4 (Practitioner) : numéro RPPS invalide"),
    (lambda b: b["entry"][1]["resource"]["address"][0].pop("extension"),
     "entrée 1 (Organization) : Organization sans code commune INSEE"),
    (lambda b: b["entry"][-1]["resource"]["practitioner"].update(reference="Practitioner/x"),
     "entrée 19 (PractitionerRole) : practitioner « Practitioner/x » absent du Bundle"),
    (lambda b: b["entry"].__setitem__(0, {"fullUrl": "x"}), "entrée 0 : pas de resource"),
])
def test_bad_entries_give_index_and_reason(mutate, message):
    data = copy.deepcopy(bundle_data())
    mutate(data)
    with pytest.raises(DirectoryBundleError) as exc:
        parse_directory_bundle(data, "bundle.json")
    assert message in str(exc.value)


def test_not_a_bundle(tmp_path, geo):
    bad = tmp_path / "x.json"
    bad.write_text('{"resourceType": "Patient"}')
    with pytest.raises(DirectoryBundleError, match="pas un Bundle"):
        read_fhir_supply(bad, geo)
    bad.write_text('{"resourceType": "Bundle", ')
    with pytest.raises(DirectoryBundleError, match="JSON invalide"):
        read_fhir_supply(bad, geo)
