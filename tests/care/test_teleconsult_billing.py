"""Worked examples: the statement of a teleconsultation from the patient's situation.

Each line is computed by hand from the rules in oasis.care.billing.statement (TCG 25 €
since 2018, TCS 26.50 € since 22/12/2024, participation forfaitaire 2 € since 15/05/2024):

* parcours, no mutuelle: AMO 70 % × 25 = 17.50 − 2 = 15.50; patient 9.50;
* hors parcours (no médecin traitant declared): AMO 30 % × 25 = 7.50 − 2 = 5.50; a
  mutuelle at 100 % BR covers the ticket modérateur only (25 − 17.50 = 7.50), never the
  hors-parcours cut (10 €) nor the 2 €: patient 12;
* child under 16, by default in the parcours, no participation forfaitaire (< 18):
  AMO 17.50; mutuelle 7.50; patient 0;
* ALD: 100 % → AMO 25 − 2 = 23; patient 2 (the PF is never covered by a contrat responsable);
* C2S: 100 %, no PF: AMO 25, patient 0, tiers payant AMO;
* partner mutuelle: pays the whole rest including the PF: patient 0, advances 0;
* specialist (TCS 26.50), parcours, mutuelle 100 %: AMO 18.55 − 2 = 16.55, mutuelle 7.95,
  patient 2.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

import oasis.care.models  # noqa: F401 - every mapper configured
from oasis.care.billing.statement import bill
from oasis.care.core.errors import Invalid
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleconsult.billing import Situation, context_for
from oasis.care.teleconsult.models import Encounter

DAY = date(2026, 6, 1)
PARTNERS = ("Mutuelle Partenaire",)


def _people(*, birth=date(1970, 5, 5), gp=False, mutuelle=None, specialty="generaliste",
            sector="1"):
    doctor = Practitioner(id=7, rpps="10000000007", family_name="M", given_name="A",
                          specialty=specialty, sector=sector, teleconsultation=True)
    patient = Patient(id=1, family_name="D", given_name="J", birth_date=birth,
                      commune_code="58194", gp_id=7 if gp else None, mutuelle_name=mutuelle)
    encounter = Encounter(id=1, patient_id=1, practitioner_id=7, mode="video",
                          started_at=datetime(2026, 6, 1, 10).astimezone())
    return encounter, patient, doctor


CASES = [
    # (label, people kwargs, situation, act, amo, mutuelle, patient, advance, tiers payant)
    ("médecin traitant, sans mutuelle", {"gp": True}, Situation(),
     "TCG", 1550, 0, 950, 2500, "aucun"),
    ("hors parcours, mutuelle 100 %", {"mutuelle": "MGEN"}, Situation(),
     "TCG", 550, 750, 1200, 2500, "aucun"),
    ("enfant de 10 ans, mutuelle", {"birth": date(2016, 1, 1), "mutuelle": "MGEN"},
     Situation(), "TCG", 1750, 750, 0, 2500, "aucun"),
    ("ALD, mutuelle", {"gp": True, "mutuelle": "MGEN"}, Situation(ald=True),
     "TCG", 2300, 0, 200, 200, "amo"),
    ("C2S", {"mutuelle": "C2S"}, Situation(c2s=True, in_parcours=True),
     "TCG", 2500, 0, 0, 0, "amo"),
    ("mutuelle partenaire", {"gp": True, "mutuelle": "Mutuelle Partenaire"}, Situation(),
     "TCG", 1550, 950, 0, 0, "integral"),
    ("spécialiste, parcours, mutuelle", {"specialty": "dermatologue", "mutuelle": "MGEN"},
     Situation(in_parcours=True), "TCS", 1655, 795, 200, 2650, "aucun"),
]


@pytest.mark.parametrize(("label", "who", "situation", "act", "amo", "mutuelle", "patient",
                          "advance", "tp"), CASES, ids=[c[0] for c in CASES])
def test_worked_examples(label, who, situation, act, amo, mutuelle, patient, advance, tp):
    ctx, recorded = context_for(*_people(**who), situation, DAY, PARTNERS)
    st = bill(ctx)
    assert (st.act_code, st.amo_cents, st.mutuelle_cents, st.patient_cents,
            st.patient_advance_cents, st.tiers_payant) == (act, amo, mutuelle, patient,
                                                           advance, tp), label
    assert st.amo_cents + st.mutuelle_cents + st.patient_cents == st.fee_cents
    assert recorded["in_parcours"] == ctx.in_parcours


def test_situation_is_validated():
    with pytest.raises(Invalid):
        Situation(mutuelle_rate_percent=-5)
    with pytest.raises(Invalid):
        Situation(fee_cents=-1)
