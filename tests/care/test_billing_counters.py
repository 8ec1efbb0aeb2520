"""Participation forfaitaire counters and a doctor's teleconsultation share, in the database.

pf.cap_day (4 €, same doctor, same day) and pf.cap_year (50 €) hold when acts are closed
at the same moment: each writer computes its participation under the patient's lock
(advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so six parallel 2 € acts on one
day charge 4 € in all, never 12 €.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import select

from oasis.care.billing import Act, counters, price
from oasis.care.billing.models import ParticipationDay, ParticipationYear
from oasis.care.billing.situation import Declared, seen_in_person, situation_of
from oasis.care.booking.models import Appointment
from oasis.care.core.db import session_factory
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from tests.factories.care import make_patient, make_practice

DAY = date(2026, 12, 1)


def _world(db_url):
    s = session_factory(db_url)()
    site, doctor, schedule = make_practice(s)
    patient = make_patient(s)
    patient.gp_id = doctor.id
    s.commit()
    ids = site.id, doctor.id, schedule.id, patient.id
    s.close()
    return ids


def _close_one(db_url, patient_id, doctor_id, barrier, out, lock):
    s = session_factory(db_url)()
    try:
        barrier.wait()
        counters.lock_patient(s, patient_id)
        patient, doctor = s.get(Patient, patient_id), s.get(Practitioner, doctor_id)
        situation = situation_of(s, patient, doctor, DAY, partners=())
        st = price(Act(DAY), situation)
        counters.add_participation(s, patient_id, doctor_id, DAY,
                                   st.participation_forfaitaire_cents)
        s.commit()
        with lock:
            out.append(st.participation_forfaitaire_cents)
    finally:
        s.close()


def test_parallel_acts_never_exceed_the_daily_cap(db_url):
    _, doctor_id, _, patient_id = _world(db_url)
    n = 6
    barrier, lock, out = threading.Barrier(n), threading.Lock(), []
    threads = [threading.Thread(target=_close_one,
                                args=(db_url, patient_id, doctor_id, barrier, out, lock))
               for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(out) == [0] * (n - 2) + [200, 200]
    s = session_factory(db_url)()
    try:
        assert s.get(ParticipationDay, (patient_id, doctor_id, DAY)).amount_cents == 400
        assert s.get(ParticipationYear, (patient_id, 2026)).amount_cents == 400
    finally:
        s.close()


def test_yearly_cap_across_doctors(session):
    """pf.cap_year: 49 € paid this year with other doctors → the next act charges 1 €."""
    _, doctor, _ = make_practice(session)
    patient = make_patient(session)
    _, other, _ = make_practice(session, rpps_seed=2)
    counters.add_participation(session, patient.id, other.id, DAY, 4900)
    s = situation_of(session, patient, doctor, DAY, partners=())
    assert (s.pf_paid_today_cents, s.pf_paid_year_cents) == (0, 4900)
    assert price(Act(DAY), s).participation_forfaitaire_cents == 100


def test_connaissance_prealable_from_the_platforms_appointments(session):
    """teleconsultation.prior_in_person_months 12: a fulfilled in-person visit counts."""
    site, doctor, schedule = make_practice(session)
    _, gp, _ = make_practice(session, rpps_seed=3)
    patient = make_patient(session)
    patient.gp_id = gp.id  # the médecin traitant oriented the patient to ``doctor``
    assert not seen_in_person(session, patient.id, doctor.id, DAY)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    end = datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    slot = Slot(schedule_id=schedule.id, practitioner_id=doctor.id, location_id=site.id,
                specialty="generaliste", mode="in_person", start_at=start, end_at=end,
                status="busy")
    session.add(slot)
    session.flush()
    session.add(Appointment(slot_id=slot.id, patient_id=patient.id, practitioner_id=doctor.id,
                            location_id=site.id, mode="in_person", start_at=start,
                            end_at=end, status="fulfilled"))
    session.flush()
    assert seen_in_person(session, patient.id, doctor.id, DAY)
    assert not seen_in_person(session, patient.id, doctor.id, date(2027, 4, 1))
    tele = Act(DAY, "teleconsultation", "video")
    s = situation_of(session, patient, doctor, DAY, Declared(referred=True), partners=())
    assert s.seen_in_person_12_months and price(tele, s).reimbursable


def test_doctor_share_of_teleconsultations(session):
    """teleconsultation.doctor_yearly_share 20 %, own patients excluded (convention 2024)."""
    _, doctor, _ = make_practice(session)
    for own in (True, True, False):
        counters.record_teleconsultation(session, doctor.id, DAY, own_patient=own)
    share = counters.doctor_share(session, doctor.id, 2026)
    assert (share.counted, share.own_patients, share.in_person, share.cap_percent) == (
        1, 2, 0, 20)
    assert share.share_percent == round(100 / 3, 1) and share.over_cap
    assert "plafond 20 %" in share.sentence()
    assert counters.doctor_share(session, doctor.id, 2026, "psychiatre").cap_percent == 40
    rows = session.scalars(select(ParticipationDay)).all()
    assert rows == []
