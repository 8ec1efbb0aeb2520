"""Relatives: the guardian link, the access rule that follows from it, booking for a
relative, and the bill computed for the person the care is for."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from oasis.care.audit.models import AuditEvent
from oasis.care.billing import engine
from oasis.care.billing.situation import situation_of
from oasis.care.booking import service as booking
from oasis.care.core.access import can_see_patient, represented_ids, speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.notifications import service as notifications
from oasis.care.people import relatives
from oasis.care.people import service as people
from oasis.care.people.models import Patient, PatientGuardian
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.territory.supply import rpps_with_check_digit
from tests.factories.care import make_practice

NOW = datetime(2026, 6, 1, 6, tzinfo=UTC)  # Monday 8:00 in Paris


def _holder(session, name="Bernard", email="lucie@test.fr") -> Actor:
    p = people.create_patient(session, Actor.system(), family_name=name, given_name="Lucie",
                              birth_date=date(1988, 7, 14), commune_code="58194",
                              email=email, phone="0600000000")
    return Actor(account_id=None, role="patient", patient_id=p.id)


def _child(session, actor: Actor, **extra) -> relatives.Relative:
    fields = {"family_name": "Bernard", "given_name": "Léo", "birth_date": date(2019, 3, 2),
              "sex": "M", "relation": "enfant", **extra}
    return relatives.add_relative(session, actor, **fields)


@pytest.fixture
def world(session):
    _, doctor, schedule = make_practice(session, weekly=[(0, time(9), time(11))])
    scheduling.generate_slots(session, schedule.id, days=8, now=NOW)
    holder = _holder(session)
    child = _child(session, holder)
    stranger = _holder(session, name="Autre", email="autre@test.fr")
    session.commit()
    return {"doctor": doctor, "holder": holder, "child": child, "stranger": stranger}


def _free_slots(session) -> list[Slot]:
    return list(session.scalars(select(Slot).where(Slot.status == "free")
                                .order_by(Slot.start_at)).all())


def test_a_relative_is_a_patient_with_the_holders_contact(session, world):
    child = session.get(Patient, world["child"].id)
    holder = session.get(Patient, world["holder"].patient_id)
    assert (child.given_name, child.commune_code, child.email, child.phone) == (
        "Léo", holder.commune_code, "lucie@test.fr", "0600000000")
    [r] = relatives.relatives_of(session, world["holder"])
    assert (r.display_name, r.relation_label, r.age_on(date(2026, 6, 1))) == (
        "Léo Bernard", "Enfant", 7)
    assert relatives.relatives_of(session, world["stranger"]) == []


def test_access_rule_guardian_yes_other_patient_and_practitioner_no(session, world):
    child_id, holder = world["child"].id, world["holder"]
    assert speaks_for(session, holder, child_id)
    assert can_see_patient(session, holder, child_id)
    assert represented_ids(session, holder) == [holder.patient_id, child_id]
    # the link does not go the other way, nor to a stranger
    assert not speaks_for(session, world["stranger"], child_id)
    with pytest.raises(NotFound):
        people.get_patient(session, world["stranger"], child_id)
    doctor = Actor(account_id=None, role="practitioner",
                   practitioner_id=world["doctor"].id)
    with pytest.raises(NotFound):  # no appointment yet with the child
        people.get_patient(session, doctor, child_id)
    denied = session.scalars(select(AuditEvent).where(
        AuditEvent.patient_id == child_id, AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2
    # a stranger asking for the relative gets the same answer as for a missing one
    with pytest.raises(NotFound) as exc:
        relatives.get_relative(session, world["stranger"], child_id)
    with pytest.raises(NotFound) as missing:
        relatives.get_relative(session, world["stranger"], 999_999)
    assert exc.value.message == missing.value.message


def test_the_guardian_books_reschedules_and_cancels_for_the_child(session, world):
    holder, child_id = world["holder"], world["child"].id
    first, second = _free_slots(session)[:2]
    a = booking.book(session, holder, slot_id=first.id, patient_id=child_id, now=NOW)
    assert a.patient_id == child_id
    rows, total = booking.appointments_of(session, holder, now=NOW)
    assert [r.id for r in rows] == [a.id] and total == 1
    assert booking.get_appointment(session, holder, a.id).id == a.id
    moved = booking.reschedule(session, holder, a.id, new_slot_id=second.id, now=NOW)
    assert moved.patient_id == child_id
    booking.cancel(session, holder, moved.id, now=NOW)
    # the stranger sees none of it, and cannot book for the child
    with pytest.raises(NotFound):
        booking.get_appointment(session, world["stranger"], moved.id)
    assert booking.appointments_of(session, world["stranger"], now=NOW)[0] == []
    with pytest.raises(NotFound):
        booking.book(session, world["stranger"], slot_id=first.id, patient_id=child_id,
                     now=NOW)
    # the doctor now has a relationship with the child (an appointment)
    doctor = Actor(account_id=None, role="practitioner",
                   practitioner_id=world["doctor"].id)
    assert people.get_patient(session, doctor, child_id).id == child_id


def test_a_relative_belongs_to_the_guardian_who_created_it(session, world):
    link = session.scalar(select(PatientGuardian))
    session.add(PatientGuardian(guardian_id=world["stranger"].patient_id,
                                dependant_id=link.dependant_id, relation="enfant"))
    with pytest.raises(Exception):  # noqa: B017 - the unique constraint, any dialect
        session.flush()
    session.rollback()
    with pytest.raises(NotFound):
        relatives.update_relative(session, world["stranger"], link.dependant_id,
                                  family_name="X", given_name="Y",
                                  birth_date=date(2019, 3, 2), relation="enfant")


def test_inputs_are_bounded_and_checked(session, world):
    holder = world["holder"]
    for extra, code in [({"given_name": "x" * 101}, "invalid_name"),
                        ({"given_name": "  "}, "name_required"),
                        ({"relation": "cousin"}, "invalid_relation"),
                        ({"sex": "X"}, "invalid_sex"),
                        ({"birth_date": date(2999, 1, 1)}, "invalid_birth_date"),
                        ({"birth_date": None}, "invalid_birth_date"),
                        ({"nir": "123"}, "invalid_nir")]:
        with pytest.raises(Invalid) as exc:
            _child(session, holder, **extra)
        assert exc.value.code == code, extra
    with_nir = _child(session, holder, given_name="Emma", sex="F",
                      nir="2 19 03 58 194 001 69")
    assert session.get(Patient, with_nir.id).nir == "219035819400169"
    # a NIR already on Oasis is not refused (that would reveal it): kept aside, audited
    jade = _child(session, holder, given_name="Jade", nir="219035819400169")
    assert (jade.patient.nir, jade.patient.nir_to_verify, jade.nir) == \
        (None, "219035819400169", "219035819400169")
    assert session.scalar(select(AuditEvent.outcome).where(
        AuditEvent.patient_id == jade.id, AuditEvent.outcome == "nir_conflict"))


def test_gp_and_mutuelle_of_a_relative(session, world):
    holder = world["holder"]
    gp = people.create_practitioner(session, rpps=rpps_with_check_digit("0000000099"),
                                    family_name="Moreau",
                                    given_name="Paul", specialty="generaliste")
    r = _child(session, holder, given_name="Emma", gp_id=gp.id, mutuelle_name="MGEN")
    p = session.get(Patient, r.id)
    assert (p.gp_id, p.mutuelle_name) == (gp.id, "MGEN")
    with pytest.raises(NotFound):
        people.set_gp(session, world["stranger"], r.id, declared_name="Dr House")


def test_remove_a_relative(session, world):
    holder, child_id = world["holder"], world["child"].id
    slot = _free_slots(session)[0]
    a = booking.book(session, holder, slot_id=slot.id, patient_id=child_id, now=NOW)
    with pytest.raises(Conflict) as exc:
        relatives.remove_relative(session, holder, child_id)
    assert exc.value.code == "relative_has_appointments"
    booking.cancel(session, holder, a.id, now=NOW)
    relatives.remove_relative(session, holder, child_id)  # past record: kept, unlinked
    assert session.get(Patient, child_id) is not None
    assert not speaks_for(session, holder, child_id)
    fresh = _child(session, holder, given_name="Emma")
    relatives.remove_relative(session, holder, fresh.id)  # nothing to keep: deleted
    assert session.get(Patient, fresh.id) is None


def test_the_bill_is_for_the_person_the_care_is_for(session, world):
    """Hand-computed, G at 30 € on 1 June 2026, a GP who is nobody's médecin traitant:

    * Léo, 7, no médecin traitant: under 16 the parcours does not apply (CSS L162-5-3),
      70 % × 30 € = 21,00 € refunded, no participation forfaitaire for a minor: he pays
      9,00 €.
    * Lucie, 37, no médecin traitant: outside the parcours, 30 % × 30 € = 9,00 € minus
      the 2 € participation forfaitaire = 7,00 € refunded: she pays 23,00 €.
    """
    on = date(2026, 6, 1)
    doctor = world["doctor"]
    act = engine.Act(on=on, specialty="generaliste", sector="1")
    child = session.get(Patient, world["child"].id)
    adult = session.get(Patient, world["holder"].patient_id)
    for patient, amo, pays, ok in [(child, 2100, 900, True), (adult, 700, 2300, False)]:
        s = situation_of(session, patient, doctor, on, partners=())
        statement = engine.price(act, s)
        assert (statement.tariff_cents, statement.amo_cents, statement.patient_cents) == (
            3000, amo, pays), patient.given_name
        assert engine.in_parcours(act, s)[0] is ok


def test_teleconsultation_for_a_relative_follows_the_one_rule(session, world):
    """The guardian queues the child and is a party of the child's consultation
    (position, call, prescription, list); another patient is refused as if missing."""
    from oasis.care.teleconsult import encounters, prescriptions, queue
    from oasis.care.teleconsult.models import Encounter, MedicationRequest

    holder, child, stranger = world["holder"], world["child"], world["stranger"]
    with pytest.raises(NotFound):
        queue.join(session, stranger, patient_id=child.id, reason="Fièvre", now=NOW)
    entry = queue.join(session, holder, patient_id=child.id, reason="Fièvre", now=NOW)
    assert entry.patient_id == child.id
    assert queue.get_view(session, holder, entry.id).entry_id == entry.id
    with pytest.raises(NotFound):
        queue.get_view(session, stranger, entry.id)
    encounter = Encounter(patient_id=child.id, practitioner_id=world["doctor"].id,
                          queue_entry_id=entry.id, mode="video", reason="Fièvre",
                          room="r" * 32, status="in-progress", started_at=NOW)
    session.add(encounter)
    session.flush()
    assert encounters.is_participant(session, holder, encounter)
    assert not encounters.is_participant(session, stranger, encounter)
    assert encounters.call_grant(session, holder, encounter.id).role == "patient"
    with pytest.raises(NotFound):
        encounters.call_grant(session, stranger, encounter.id)
    assert [e.id for e in encounters.list_encounters(session, holder)] == [encounter.id]
    assert encounters.list_encounters(session, stranger) == []
    rx = MedicationRequest(id="ORD-TEST-0000-0000-0001", encounter_id=encounter.id,
                           patient_id=child.id, practitioner_id=world["doctor"].id,
                           lines=[{"name": "Paracétamol"}], issued_at=NOW)
    session.add(rx)
    session.flush()
    assert prescriptions.get(session, holder, rx.id).id == rx.id
    with pytest.raises(NotFound):
        prescriptions.get(session, stranger, rx.id)
    denied = session.scalars(select(AuditEvent.entity_type).where(
        AuditEvent.outcome == "denied", AuditEvent.patient_id == child.id)).all()
    assert {"QueueEntry", "Encounter", "MedicationRequest"} <= set(denied)


def test_messages_about_a_relatives_appointment_name_the_relative(session, world):
    """The guardian receives them (the relative's record carries their address): the text
    says whose appointment it is; the holder's own appointments are not relabelled."""
    holder, child_id = world["holder"], world["child"].id
    first, second = _free_slots(session)[:2]
    for_child = booking.book(session, holder, slot_id=first.id, patient_id=child_id, now=NOW)
    own = booking.book(session, holder, slot_id=second.id, patient_id=holder.patient_id,
                       now=NOW)
    session.flush()
    child_msg = notifications.booking_confirmed(session, for_child, now=NOW)
    own_msg = notifications.booking_confirmed(session, own, now=NOW)
    assert ", pour Léo Bernard." in child_msg.body
    assert child_msg.recipient == "lucie@test.fr"
    assert "pour Lucie" not in own_msg.body and "pour Léo" not in own_msg.body
