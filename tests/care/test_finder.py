"""The care finder on a small Nièvre world: ranking, promise, travel, cost, parcours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Invalid
from oasis.care.finder import find_care, waits
from oasis.care.finder.places import PlaceError, resolve
from tests.factories import finder as finder_world
from tests.factories.finder import PARTNER

MONDAY_7H = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # 07:00 in Paris (CEST)
MONDAY_10H = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(session, geo):
    return finder_world.build(session, geo, MONDAY_7H)


def test_ranked_answer_for_a_nievre_commune(session, geo, world):
    answer = find_care(session, "58303", "generaliste", now=MONDAY_7H, geo=geo)
    assert answer.place.name == "Varennes-Vauzelles"
    cats = [o.category for o in answer.options]
    # Order of the categories is the France Santé order; nobody on tele duty at 7:00.
    assert cats == ["in_person_48h", "ett", "later", "later"]
    first, ett, *later = answer.options
    assert [o.rank for o in answer.options] == [1, 2, 3, 4]
    assert first.location_id == world.msp_nevers.id and first.mode == "in_person"
    assert first.start_at == utc(2026, 6, 1, 7, 0)  # 9:00 Paris
    assert first.start_text == "aujourd'hui à 9 h 00"
    assert first.travel_minutes == 9  # 8.1 min, rounded up
    assert first.within_30_min and first.within_48_h and first.keeps_promise
    assert [s.start_at for s in first.slots] == [utc(2026, 6, 1, 7, m) for m in (0, 20, 40)] \
        + [utc(2026, 6, 1, 8, 0)]
    assert ett.mode == "ett" and ett.location_id == world.ett_nevers.id
    assert ett.cost.act_code == "TCG"
    # Later: Decize (42 min, today) before Fourchambault (11 min, Thursday): soonest first.
    assert [o.location_id for o in later] == [world.decize.id, world.fourchambault.id]
    assert not later[0].within_30_min and later[0].within_48_h
    assert later[1].within_30_min and not later[1].within_48_h
    assert later[1].start_text == "jeudi 4 juin à 14 h 00"
    # Château-Chinon (68 min) is beyond an hour: not offered at all.
    assert world.chateau_chinon.id not in {o.location_id for o in answer.options}
    assert answer.promise_kept


def on_duty(session, doctor):
    from oasis.care.teleconsult import queue

    queue.set_presence(session, Actor(account_id=None, role="practitioner",
                                      practitioner_id=doctor.id), "available")


def test_on_demand_teleconsultation_uses_the_queue(session, geo, world):
    from oasis.care.teleconsult import queue

    answer = find_care(session, "58303", now=MONDAY_7H, geo=geo)
    assert "teleconsultation_now" not in {o.category for o in answer.options}  # nobody on
    answer = find_care(session, "58303", now=MONDAY_10H, geo=geo)  # the agenda says on duty
    tele = next(o for o in answer.options if o.category == "teleconsultation_now")
    assert tele.wait.source == "agendas"
    on_duty(session, world.gp_tele)
    answer = find_care(session, "58303", now=MONDAY_10H, geo=geo)
    tele = next(o for o in answer.options if o.category == "teleconsultation_now")
    assert tele.rank == 3  # after the in-person and ETT options, before « later »
    assert (tele.wait.available, tele.wait.waiting, tele.wait.minutes) == (1, 0, 0)
    assert tele.start_text == "maintenant" and tele.travel_minutes == 0
    assert tele.cost.act_code == "TCG" and tele.parcours.respected is None
    # One patient already waiting for the only (idle) doctor: the newcomer is second.
    patient = finder_world.patient(session, geo)
    queue.join(session, Actor(account_id=None, role="patient", patient_id=patient.id),
               patient_id=patient.id, reason="fièvre et toux", now=MONDAY_10H)
    estimate = waits.estimated_wait(session, "generaliste", MONDAY_10H)
    assert (estimate.waiting, estimate.minutes) == (1, 15)
    assert estimate.source == "file d'attente"


def test_agenda_estimator_counts_doctors_on_remote_duty(session, geo, world):
    assert waits.from_schedules(session, "generaliste", MONDAY_7H).minutes is None
    estimate = waits.from_schedules(session, "generaliste", MONDAY_10H)
    assert (estimate.available, estimate.minutes) == (1, 0)
    # The on-duty doctor is in a booked video consultation: the next patient waits.
    patient = finder_world.patient(session, geo)
    answer = find_care(session, "58303", now=MONDAY_10H, geo=geo)
    slot = next(o for o in answer.options if o.mode == "ett").slots[0]
    booking.book(session, Actor.system(), slot_id=slot.slot_id, patient_id=patient.id,
                 now=MONDAY_10H)
    during = slot.start_at + timedelta(minutes=5)
    estimate = waits.from_schedules(session, "generaliste", during)
    assert (estimate.available, estimate.minutes) == (1, waits.AVERAGE_MINUTES)


def test_registered_queue_estimator_replaces_the_fallback(session, geo, world):
    seen = []

    def queue(session_, specialty, now):
        seen.append(specialty)
        return waits.WaitEstimate(minutes=25, available=2, waiting=6, source="file")

    waits.register(queue)
    try:
        answer = find_care(session, "58303", now=MONDAY_7H, geo=geo)
    finally:
        waits.register(None)
    tele = next(o for o in answer.options if o.category == "teleconsultation_now")
    assert seen == ["generaliste"]
    assert tele.start_at == MONDAY_7H + timedelta(minutes=25)
    assert tele.start_text == "dans 25 min environ"
    # register(None) restored the default: the queue, falling back to the agendas
    assert waits.estimated_wait(session, "generaliste", MONDAY_7H).source == "agendas"


def test_queue_wait_formula():
    assert waits.queue_wait(0, 0, 0) is None
    assert waits.queue_wait(2, 1, 0) == 0
    assert waits.queue_wait(2, 0, 0) == 15
    assert waits.queue_wait(2, 0, 3) == 30  # 4th patient, 2 doctors: second round
    assert waits.queue_wait(3, 1, 4) == 30


def test_booked_slots_disappear_and_the_next_ones_are_offered(session, geo, world):
    patient = finder_world.patient(session, geo)
    first = find_care(session, "58303", now=MONDAY_7H, geo=geo).options[0]
    booking.book(session, Actor.system(), slot_id=first.slots[0].slot_id,
                 patient_id=patient.id, now=MONDAY_7H)
    again = find_care(session, "58303", now=MONDAY_7H, geo=geo).options[0]
    assert again.location_id == first.location_id
    assert again.start_at == first.slots[1].start_at


def test_specialist_need_without_supply_offers_nothing(session, geo, world):
    answer = find_care(session, "58303", "ophtalmologue", now=MONDAY_7H, geo=geo)
    assert answer.options == [] and not answer.promise_kept
    with pytest.raises(Invalid) as exc:
        find_care(session, "58303", "sorcier", now=MONDAY_7H, geo=geo)
    assert exc.value.code == "invalid_need"


def test_remote_commune_has_no_promise(session, geo, world):
    # Saint-Saulge: 40 min from Nevers, 41 from Decize; only « later » options.
    answer = find_care(session, "58267", now=MONDAY_7H, geo=geo)
    assert answer.options and not answer.promise_kept
    assert {o.category for o in answer.options} == {"later"}
    assert all(30 < o.travel_minutes <= 60 for o in answer.options)


def test_own_commune_travel_is_the_trip_across_it(session, geo, world):
    answer = find_care(session, "58194", now=MONDAY_7H, geo=geo)
    first = answer.options[0]
    assert first.commune_code == "58194"
    assert 3 <= first.travel_minutes <= 6  # mean trip across Nevers (17.5 km²), not 0


# ------------------------------------------------------------------------- DST
@pytest.mark.parametrize(("now", "inside", "outside", "text"), [
    # Friday 27 March 2026 12:00 CET; 48 h later is Sunday 13:00 CEST (clocks go forward).
    (utc(2026, 3, 27, 11), time(13, 0), time(13, 20), "dimanche 29 mars à 13 h 00"),
    # Friday 23 October 2026 12:00 CEST; 48 h later is Sunday 11:00 CET (clocks go back).
    (utc(2026, 10, 23, 10), time(11, 0), time(11, 20), "dimanche 25 octobre à 11 h 00"),
])
def test_48_hours_are_real_hours_across_clock_changes(session, geo, now, inside, outside,
                                                      text):
    from oasis.care.scheduling import service as scheduling
    from tests.factories.finder import _doctor, _schedule, _site

    site_in = _site(session, "MSP A", "msp", "58303", geo)
    site_out = _site(session, "MSP B", "msp", "58303", geo)
    a, b = _doctor(session, 11, "Avant"), _doctor(session, 12, "Après")
    end = lambda t: time(t.hour, t.minute + 20)  # noqa: E731
    _schedule(session, a, site_in, [(6, inside, end(inside))])
    _schedule(session, b, site_out, [(6, outside, end(outside))])
    scheduling.generate_all(session, days=4, now=now)
    answer = find_care(session, "58303", now=now, geo=geo)
    by_site = {o.location_id: o for o in answer.options}
    assert by_site[site_in.id].category == "in_person_48h"
    assert by_site[site_in.id].start_at - now == timedelta(hours=48)
    assert by_site[site_in.id].start_text == text
    assert by_site[site_out.id].category == "later"
    assert by_site[site_out.id].start_at - now == timedelta(hours=48, minutes=20)


def test_naive_now_is_refused(session, geo):
    with pytest.raises(ValueError, match="timezone"):
        find_care(session, "58303", now=datetime(2026, 6, 1, 7), geo=geo)


# ------------------------------------------------------------------ cost, parcours
def test_anonymous_costs_assume_an_adult_in_the_parcours(session, geo, world):
    first, ett, *_ = find_care(session, "58303", now=MONDAY_7H, geo=geo).options
    # G = 30 €: AMO 70 % = 21 € minus the 2 € participation forfaitaire.
    assert (first.cost.tariff_cents, first.cost.amo_cents, first.cost.patient_cents,
            first.cost.advance_cents) == (3000, 1900, 1100, 3000)
    assert first.cost.summary == "Vous avancez 30,00 €, il vous reste 11,00 € après " \
                                 "remboursement"
    assert first.parcours.respected is None and first.cost.assumptions
    # TCG = 25 €: 17.50 € − 2 €.
    assert (ett.cost.tariff_cents, ett.cost.amo_cents, ett.cost.patient_cents) == \
        (2500, 1550, 950)
    assert ett.cost.overrun_possible  # OPTAM


def test_patient_with_their_doctor_and_a_partner_mutuelle_pays_nothing(session, geo,
                                                                        world):
    patient = finder_world.patient(session, geo, gp=world.gp_nevers, mutuelle=PARTNER)
    answer = find_care(session, "58303", now=MONDAY_7H, geo=geo, patient=patient,
                       partners=[PARTNER.upper()])
    first = answer.options[0]
    assert first.parcours.respected is True
    assert first.parcours.reason == "c'est votre médecin traitant"
    # In person a partner is an ordinary mutuelle (its agreement funds teleconsultations
    # only): ticket modérateur 9 €, the 2 € participation forfaitaire stays with the patient.
    assert (first.cost.patient_cents, first.cost.advance_cents, first.cost.tiers_payant) \
        == (200, 3000, "aucun")
    assert first.cost.mutuelle_cents == 3000 - 1900 - 200


def test_another_gp_is_outside_the_parcours(session, geo, world):
    patient = finder_world.patient(session, geo, gp=world.gp_chinon)
    first = find_care(session, "58303", now=MONDAY_7H, geo=geo, patient=patient).options[0]
    assert first.parcours.respected is False
    assert "pas votre médecin traitant" in first.parcours.reason
    # 30 % of 30 € = 9 € minus 2 €: the patient keeps 23 € out of 30 €.
    assert (first.cost.amo_cents, first.cost.patient_cents) == (700, 2300)
    nobody = finder_world.patient(session, geo, name="Sans")
    first = find_care(session, "58303", now=MONDAY_7H, geo=geo, patient=nobody).options[0]
    assert first.parcours.respected is False
    assert "pas déclaré de médecin traitant" in first.parcours.reason


def test_children_and_direct_access_specialties_respect_the_parcours(session, geo, world):
    from datetime import date

    from oasis.care.finder import costs

    child = finder_world.patient(session, geo, birth=date(2018, 1, 1), name="Petit")
    first = find_care(session, "58303", now=MONDAY_7H, geo=geo, patient=child).options[0]
    assert first.parcours.respected is True
    # Under 18: no participation forfaitaire; 70 % of 30 € = 21 €.
    assert (first.cost.amo_cents, first.cost.patient_cents) == (2100, 900)
    adult = costs.Situation(known=True, age=40)
    assert costs.parcours(adult, specialty="ophtalmologue", practitioner_id=9).respected
    assert costs.parcours(adult, specialty="cardiologue", practitioner_id=9).respected \
        is False
    young = costs.Situation(known=True, age=20)
    assert costs.parcours(young, specialty="psychiatre", practitioner_id=9).respected


def test_non_partner_mutuelle_pays_the_ticket_moderateur(session, geo, world):
    patient = finder_world.patient(session, geo, gp=world.gp_nevers, mutuelle="MGEN")
    first = find_care(session, "58303", now=MONDAY_7H, geo=geo, patient=patient,
                      partners=[PARTNER]).options[0]
    # Mutuelle brings AMO + mutuelle to 100 % of the tariff but not the 2 € forfait.
    assert (first.cost.mutuelle_cents, first.cost.patient_cents) == (900, 200)
    assert first.cost.tiers_payant == "aucun"


# ------------------------------------------------------------------------- places
@pytest.mark.parametrize(("text", "code"), [
    ("58194", "58194"), ("Nevers", "58194"), ("saint saulge", "58267"), (" 58303 ", "58303"),
    ("58200", "58200"),  # INSEE first for the API: Ouagne
])
def test_places_resolve(geo, text, code):
    assert resolve(text, geo).code == code


@pytest.mark.parametrize(("text", "codes", "error", "first"), [
    ("58000", "insee_first", "ambiguous_postcode", "58194"),
    ("58200", "ask", "ambiguous_postcode", "58200"),
    ("58200", "postcode", "ambiguous_postcode", "58086"),
    ("Neveers", "insee_first", "unknown_commune", "58194"),
    ("5819", "insee_first", "invalid_commune", None),
    ("", "insee_first", "missing_commune", None),
    ("99999", "insee_first", "unknown_commune", None),
])
def test_places_refused_with_choices(geo, text, codes, error, first):
    with pytest.raises(PlaceError) as exc:
        resolve(text, geo, codes=codes)
    assert exc.value.code == error
    if first:
        assert exc.value.suggestions[0].code == first
    else:
        assert exc.value.suggestions == []


def test_finder_price_equals_the_bill_for_the_same_situation():
    """Property: the finder's cost is the engine's statement for the same patient row
    (same reading of the record, same partner matching, same rules)."""
    from datetime import date

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from oasis.care.billing import Act, price
    from oasis.care.billing.situation import from_profile, profile_of
    from oasis.care.finder import costs
    from oasis.care.people.models import Patient

    partners = ["Mutuelle Oasis Solidarité"]

    @settings(max_examples=200, deadline=None)
    @given(st.dates(date(1930, 1, 1), date(2026, 11, 30)), st.sampled_from([None, 7, 8]),
           st.sampled_from([None, "MGEN", " mutuelle oasis SOLIDARITÉ ", "  "]),
           st.booleans(), st.sampled_from(["generaliste", "dermatologue", "pediatre"]),
           st.sampled_from(["1", "2", "OPTAM"]), st.sampled_from([None, True, False]),
           st.sampled_from(["video", "phone"]))
    def check(born, gp, mutuelle, remote, specialty, sector, seen, channel):
        on = date(2026, 12, 1)
        patient = Patient(id=1, family_name="D", given_name="J", birth_date=born,
                          commune_code="58194", gp_id=gp, mutuelle_name=mutuelle)
        cost = costs.estimate(costs.Situation.of_patient(patient, on), specialty=specialty,
                              sector=sector, remote=remote, on=on, partners=partners,
                              practitioner_id=7, seen=seen, channel=channel)
        act = Act(on, "teleconsultation" if remote else "consultation",
                  channel if remote else "in_person", specialty, sector)
        bill = price(act, from_profile(profile_of(patient, on), 7, partners=partners,
                                       seen=seen))
        assert (cost.act_code, cost.amo_cents, cost.mutuelle_cents, cost.patient_cents,
                cost.advance_cents, cost.tiers_payant, cost.reimbursable) == (
            bill.act_code, bill.amo_cents, bill.mutuelle_cents, bill.patient_cents,
            bill.patient_advance_cents, bill.tiers_payant, bill.reimbursable)

    check()


def test_mission_slots_are_priced_without_overrun():
    """mission.no_overrun: a secteur 2 volunteer on a mission day bills the tariff."""
    from datetime import date

    from oasis.care.finder import costs

    who = costs.Situation(known=True, age=40, gp_id=7)
    plain = costs.estimate(who, specialty="generaliste", sector="2", remote=False,
                           on=date(2026, 12, 1), practitioner_id=9)
    mission = costs.estimate(who, specialty="generaliste", sector="2", remote=False,
                             on=date(2026, 12, 1), practitioner_id=9, mission=True)
    assert plain.overrun_possible and not mission.overrun_possible
    assert any("sans dépassement" in a for a in mission.assumptions)
