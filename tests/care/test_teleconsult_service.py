"""Teleconsultation domain services on SQLite and PostgreSQL: queue, take-next under
concurrency, estimator, record, closing with billing, prescriptions, referrals, access."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.access import can_see_patient
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.people import service as people
from oasis.care.teleconsult import encounters, prescriptions, queue, referrals
from oasis.care.teleconsult.billing import Situation, export_csv
from oasis.care.teleconsult.models import Encounter, QueueEntry
from oasis.territory.supply import rpps_with_check_digit
from tests.factories.care import make_patient, make_practice

NOW = datetime(2026, 6, 1, 18, tzinfo=UTC)  # Monday 20:00 in Paris
SECRET = "test-secret"


def doctor_actor(doctor) -> Actor:
    return Actor(account_id=None, role="practitioner", practitioner_id=doctor.id)


def patient_actor(patient) -> Actor:
    return Actor(account_id=None, role="patient", patient_id=patient.id)


@pytest.fixture
def world(session):
    site, doctor, _ = make_practice(session, rpps_seed=11)
    _, doctor2, _ = make_practice(session, rpps_seed=12)
    patients = [make_patient(session, name=f"P{i}") for i in range(4)]
    session.commit()
    return site, doctor, doctor2, patients


def test_red_flags_never_queue(session, world):
    *_, patients = world
    p = patients[0]
    out = queue.join(session, patient_actor(p), patient_id=p.id, reason="mal de gorge",
                     triage_answers=["chest_pain"], now=NOW)
    assert isinstance(out, queue.EmergencyRouting)
    assert "15" in out.message and "112" in out.message and "114" in out.message
    assert set(out.numbers) == {"15", "112", "114", "3114"}
    out = queue.join(session, patient_actor(p), patient_id=p.id,
                     reason="je veux en finir avec la vie", now=NOW)
    assert isinstance(out, queue.EmergencyRouting) and "3114" in out.message
    session.commit()
    assert session.scalar(select(func.count()).select_from(QueueEntry)) == 0
    assert session.scalar(select(func.count()).where(AuditEvent.outcome == "emergency")) == 2
    with pytest.raises(Invalid):
        queue.join(session, patient_actor(p), patient_id=p.id, reason="x",
                   triage_answers=["not_a_flag"], now=NOW)


def test_join_rules(session, world):
    *_, patients = world
    p = patients[0]
    with pytest.raises(Invalid):
        queue.join(session, patient_actor(p), patient_id=p.id, reason="  ", now=NOW)
    with pytest.raises(Invalid) as exc:
        queue.join(session, patient_actor(p), patient_id=p.id, reason="toux", mode="phone",
                   now=NOW)
    assert exc.value.code == "callback_required"
    with pytest.raises(NotFound):
        queue.join(session, patient_actor(patients[1]), patient_id=p.id, reason="toux", now=NOW)
    entry = queue.join(session, patient_actor(p), patient_id=p.id, reason="toux",
                       mode="phone", callback_phone="06 12 34 56 78", now=NOW)
    session.commit()
    assert entry.callback_phone == "0612345678"
    with pytest.raises(Conflict):
        queue.join(session, patient_actor(p), patient_id=p.id, reason="toux", now=NOW)
    session.rollback()


def test_estimator_formula():
    assert queue.estimate_wait_minutes(3, 0, 0, 15) is None
    assert queue.estimate_wait_minutes(0, 1, 1, 15) == 0
    assert queue.estimate_wait_minutes(2, 2, 0, 15) == 23  # (2+1)*15/2 = 22.5 -> 23
    assert queue.estimate_wait_minutes(4, 2, 1, 12) == 24  # (4-1+1)*12/2


def test_position_take_close_and_bill(session, world):
    _, doctor, doctor2, patients = world
    entries = []
    for i, p in enumerate(patients[:3]):
        entries.append(queue.join(session, patient_actor(p), patient_id=p.id,
                                  reason=f"fièvre {i}", now=NOW + timedelta(seconds=i)))
    session.commit()
    v = queue.view(session, entries[2], NOW)
    assert (v.position, v.ahead, v.doctors_on_duty, v.estimated_wait_minutes) == (3, 2, 0, None)
    with pytest.raises(Conflict) as exc:
        queue.take_next(session, doctor_actor(doctor), NOW)
    assert exc.value.code == "not_available"
    session.rollback()
    queue.set_presence(session, doctor_actor(doctor), "available", NOW)
    session.commit()
    v = queue.view(session, entries[2], NOW)
    assert (v.doctors_on_duty, v.doctors_available, v.estimated_wait_minutes) == (1, 1, 30)
    enc = queue.take_next(session, doctor_actor(doctor), NOW + timedelta(minutes=1))
    session.commit()
    assert enc.patient_id == patients[0].id and enc.status == "in-progress"
    with pytest.raises(Conflict) as exc:
        queue.take_next(session, doctor_actor(doctor), NOW)
    assert exc.value.code == "already_in_consultation"
    session.rollback()
    assert queue.view(session, entries[1], NOW).position == 1
    taken = queue.view(session, session.get(QueueEntry, entries[0].id), NOW)
    assert taken.status == "taken" and taken.encounter_id == enc.id

    # the record: only the consulting doctor writes; another doctor gets 404
    encounters.update_record(session, doctor_actor(doctor), enc.id, notes="Examen rassurant",
                             diagnosis_text="Rhinopharyngite", diagnosis_code="j00")
    with pytest.raises(Invalid):
        encounters.update_record(session, doctor_actor(doctor), enc.id, diagnosis_code="ZZ")
    session.commit()
    with pytest.raises(NotFound):
        encounters.get_encounter(session, doctor_actor(doctor2), enc.id)
    assert not can_see_patient(session, doctor_actor(doctor2), patients[0].id)
    assert can_see_patient(session, doctor_actor(doctor), patients[0].id)
    got = encounters.get_encounter(session, patient_actor(patients[0]), enc.id)
    assert got.diagnosis_code == "J00"

    rx = prescriptions.issue(session, doctor_actor(doctor), enc.id,
                             [{"name": "Paracétamol 1 g", "dosage": "1 cp x 3/j",
                               "duration": "5 jours"}], NOW)
    session.commit()
    body = prescriptions.pdf(session, rx, SECRET, "http://test")
    assert body.startswith(b"%PDF")
    from oasis.care.prescribing import verification_code

    assert prescriptions.check(session, rx.id, verification_code(rx.id, SECRET),
                               SECRET)["genuine"]
    assert not prescriptions.check(session, rx.id, "AAAAAAAAAA", SECRET)["genuine"]
    with pytest.raises(NotFound):
        prescriptions.get(session, doctor_actor(doctor2), rx.id)

    enc2, st = encounters.close(session, doctor_actor(doctor), enc.id, Situation(),
                                NOW + timedelta(minutes=13), partners=())
    session.commit()
    assert enc2.status == "finished" and enc2.duration_seconds == 12 * 60
    # No médecin traitant declared, no territorial organisation, adult: outside the
    # teleconsultation conditions (convention 2024 art. 87-3), TCG 25 € not reimbursed.
    assert (st.act_code, st.fee_cents, st.amo_cents, st.patient_cents) == ("TCG", 2500, 0,
                                                                           2500)
    assert st.situation["reimbursable"] is False
    assert queue.presence_of(session, doctor.id) == "available"
    csv = export_csv(session, "2026-06", "Assurance Maladie")
    assert f"TLC-{enc.id:08d}" not in csv  # nothing claimed from the Assurance Maladie


def test_gp_partner_mutuelle_integral(session, world):
    _, doctor, _, _ = world
    p = people.create_patient(session, Actor.system(), family_name="Leroy", given_name="Paul",
                              birth_date=date(1980, 1, 1), commune_code="58194",
                              gp_id=doctor.id, mutuelle_name="Mutuelle Oasis Solidarité")
    queue.set_presence(session, doctor_actor(doctor), "available", NOW)
    queue.join(session, patient_actor(p), patient_id=p.id, reason="toux", now=NOW)
    enc = queue.take_next(session, doctor_actor(doctor), NOW)
    _, st = encounters.close(session, doctor_actor(doctor), enc.id, Situation(),
                             NOW + timedelta(minutes=10))
    session.commit()
    # Partner: a teleconsultation service the partner funds under its agreement — the
    # whole 25 € to the partner, nothing claimed from the Assurance Maladie, patient 0 €.
    assert (st.amo_cents, st.mutuelle_cents, st.patient_cents,
            st.patient_advance_cents, st.tiers_payant) == (0, 2500, 0, 0, "partenaire")
    assert f"TLC-{enc.id:08d}" not in export_csv(session, "2026-06", "Assurance Maladie")
    assert ";2500;2500;2500;partenaire" in export_csv(session, "2026-06",
                                                      "Mutuelle Oasis Solidarité")


def test_referral_visible_to_receiving_site(session, world):
    site, doctor, doctor2, patients = world
    from oasis.care.scheduling import service as scheduling
    from oasis.care.scheduling.models import Schedule

    p = patients[0]
    queue.set_presence(session, doctor_actor(doctor), "available", NOW)
    queue.join(session, patient_actor(p), patient_id=p.id, reason="douleur genou", now=NOW)
    enc = queue.take_next(session, doctor_actor(doctor), NOW)
    session.commit()
    # doctor2 works at another site; refer to doctor2's site
    site2 = session.scalar(select(Schedule.location_id).where(
        Schedule.practitioner_id == doctor2.id))
    ref = referrals.create(session, doctor_actor(doctor), enc.id, reason="examen clinique",
                           target_location_id=site2, specialty="generaliste")
    session.commit()
    assert [r.id for r in referrals.for_site(session, doctor_actor(doctor2), site2)] == [ref.id]
    assert can_see_patient(session, doctor_actor(doctor2), p.id)
    with pytest.raises(NotFound):
        referrals.for_site(session, doctor_actor(doctor2), site.id)
    with pytest.raises(NotFound):
        referrals.get(session, patient_actor(patients[1]), ref.id)
    sched = session.scalar(select(Schedule).where(Schedule.practitioner_id == doctor2.id))
    scheduling.generate_slots(session, sched.id, days=14, now=NOW)
    session.commit()
    options = referrals.in_person_options(session, ref, now=NOW)
    assert options and all(o["location"]["id"] == site2 for o in options)
    assert all(o["slots"] and o["mode"] == "in_person" for o in options)


def _take(url: str, practitioner_id: int, results: list, barrier: threading.Barrier) -> None:
    s = session_factory(url)()
    actor = Actor(account_id=None, role="practitioner", practitioner_id=practitioner_id)
    try:
        barrier.wait()
        enc = queue.take_next(s, actor, NOW)
        s.commit()
        results.append(enc.patient_id)
    except (Conflict, NotFound) as exc:
        s.rollback()
        results.append(exc.code)
    finally:
        s.close()


def test_concurrent_take_next_never_shares_a_patient(session, db_url):
    doctors = []
    for i in range(6):
        doctors.append(people.create_practitioner(
            session, rpps=rpps_with_check_digit(f"{900 + i:010d}"), family_name="Doc",
            given_name=str(i), specialty="generaliste", teleconsultation=True))
    patients = [make_patient(session, name=f"C{i}") for i in range(4)]
    session.flush()
    for d in doctors:
        queue.set_presence(session, doctor_actor(d), "available", NOW)
    for i, p in enumerate(patients):
        queue.join(session, patient_actor(p), patient_id=p.id, reason="rhume",
                   now=NOW - timedelta(minutes=10 - i))
    session.commit()
    results: list = []
    barrier = threading.Barrier(len(doctors))
    threads = [threading.Thread(target=_take, args=(db_url, d.id, results, barrier))
               for d in doctors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    taken = [r for r in results if isinstance(r, int)]
    assert sorted(taken) == sorted(p.id for p in patients)
    assert results.count("queue_empty") == 2
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Encounter)) == 4
    assert session.scalar(select(func.count()).where(QueueEntry.status == "waiting")) == 0


def test_finder_sees_the_live_queue(session, world):
    from oasis.care.finder.waits import estimated_wait

    _, doctor, _, patients = world
    before = estimated_wait(session, "generaliste", NOW)
    assert before.source != "file d'attente"  # nobody on duty: the agendas answer
    queue.set_presence(session, doctor_actor(doctor), "available", NOW)
    for p in patients[:2]:
        queue.join(session, patient_actor(p), patient_id=p.id, reason="rhume", now=NOW)
    session.commit()
    wait = estimated_wait(session, "generaliste", NOW)
    # 2 waiting, 1 doctor idle: (2 - 1 + 1) x 15 min / 1
    assert (wait.source, wait.waiting, wait.available, wait.minutes) == (
        "file d'attente", 2, 1, 30)


def test_one_alembic_head_and_teleconsult_in_the_chain():
    from alembic.script import ScriptDirectory

    from oasis.care.core.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    assert scripts.get_revision("0002_teleconsult").down_revision == "0001_care_core"
