"""Booking: the database refuses double bookings and overlaps, also under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from oasis.care.audit.models import AuditEvent
from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from tests.factories.care import make_patient, make_practice

NOW = datetime(2026, 6, 1, 5, tzinfo=UTC)  # Monday 07:00 in Paris
SYSTEM = Actor.system()


def _slots(session, schedule_id=None):
    stmt = select(Slot).order_by(Slot.start_at, Slot.id)
    if schedule_id is not None:
        stmt = stmt.where(Slot.schedule_id == schedule_id)
    return session.scalars(stmt).all()


@pytest.fixture
def practice(session):
    site, doctor, schedule = make_practice(session)
    scheduling.generate_slots(session, schedule.id, days=7, now=NOW)
    patients = [make_patient(session, name=f"P{i}") for i in range(3)]
    session.commit()
    return site, doctor, schedule, patients


def test_book_cancel_and_rebook(session, practice):
    _, _, _, (p1, p2, _) = practice
    slot = _slots(session)[0]
    appt = booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p1.id, now=NOW)
    session.commit()
    assert appt.start_at == slot.start_at and appt.status == "booked"
    with pytest.raises(Conflict) as exc:
        booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p2.id, now=NOW)
    assert exc.value.code == "slot_taken"
    session.rollback()
    booking.cancel(session, SYSTEM, appt.id, reason="empêchement", now=NOW)
    session.commit()
    again = booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p2.id, now=NOW)
    session.commit()
    assert again.id != appt.id
    assert session.get(Slot, slot.id).status == "busy"


def test_errors_are_precise(session, practice):
    _, _, _, (p1, _, _) = practice
    with pytest.raises(NotFound):
        booking.book(session, SYSTEM, slot_id=10**6, patient_id=p1.id, now=NOW)
    slot = _slots(session)[0]
    with pytest.raises(Invalid) as exc:
        booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p1.id,
                     now=slot.start_at + timedelta(minutes=1))
    assert exc.value.code == "slot_in_past"
    other = Actor(account_id=None, role="patient", patient_id=p1.id + 1)
    with pytest.raises(NotFound):
        booking.book(session, other, slot_id=slot.id, patient_id=p1.id, now=NOW)


def test_one_patient_cannot_hold_two_overlapping_appointments(session, practice):
    """The patient check is inside the booking statement: the overlapping slot of another
    practitioner is refused and stays free; an unknown patient is a 404, nothing claimed."""
    _, _, _, (p1, _, _) = practice
    _, _, other = make_practice(session, rpps_seed=2)
    scheduling.generate_slots(session, other.id, days=7, now=NOW)
    session.commit()
    mine, theirs = _slots(session, practice[2].id)[0], _slots(session, other.id)[0]
    assert mine.start_at == theirs.start_at
    booking.book(session, SYSTEM, slot_id=mine.id, patient_id=p1.id, now=NOW)
    session.commit()
    with pytest.raises(Conflict) as exc:
        booking.book(session, SYSTEM, slot_id=theirs.id, patient_id=p1.id, now=NOW)
    assert exc.value.code == "patient_overlap"
    session.rollback()
    with pytest.raises(NotFound):
        booking.book(session, SYSTEM, slot_id=theirs.id, patient_id=10**6, now=NOW)
    session.rollback()
    assert session.scalar(select(Slot.status).where(Slot.id == theirs.id)) == "free"
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "Appointment", AuditEvent.patient_id == p1.id)) == 1


def test_reschedule_moves_atomically_and_no_show(session, practice):
    _, _, _, (p1, p2, _) = practice
    s1, s2, s3 = _slots(session)[:3]
    appt = booking.book(session, SYSTEM, slot_id=s1.id, patient_id=p1.id, now=NOW)
    booking.book(session, SYSTEM, slot_id=s3.id, patient_id=p2.id, now=NOW)
    session.commit()
    with pytest.raises(Conflict):  # s3 is taken: nothing changes
        booking.reschedule(session, SYSTEM, appt.id, new_slot_id=s3.id, now=NOW)
    session.rollback()
    assert session.get(Appointment, appt.id).status == "booked"
    moved = booking.reschedule(session, SYSTEM, appt.id, new_slot_id=s2.id, now=NOW)
    session.commit()
    assert moved.rescheduled_from_id == appt.id and moved.slot_id == s2.id
    assert session.get(Appointment, appt.id).status == "cancelled"
    assert session.get(Slot, s1.id).status == "free"
    with pytest.raises(Invalid):
        booking.mark_no_show(session, SYSTEM, moved.id, now=NOW)
    booking.mark_no_show(session, SYSTEM, moved.id, now=s2.start_at + timedelta(minutes=5))
    session.commit()
    assert session.get(Appointment, moved.id).status == "noshow"


def test_waiting_list_gets_the_freed_slot_first(session, practice):
    _, doctor, _, (p1, p2, p3) = practice
    slot = _slots(session)[0]
    appt = booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p1.id, now=NOW)
    e2 = booking.join_waitlist(session, SYSTEM, patient_id=p2.id, specialty="generaliste")
    e3 = booking.join_waitlist(session, SYSTEM, patient_id=p3.id, specialty="generaliste",
                               practitioner_id=doctor.id)
    session.commit()
    booking.cancel(session, SYSTEM, appt.id, now=NOW)
    session.commit()
    session.refresh(e2)
    assert e2.status == "offered" and e2.offered_slot_id == slot.id
    # Held for p2: nobody else can take it meanwhile, and search does not show it.
    with pytest.raises(Conflict) as exc:
        booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p3.id, now=NOW)
    assert exc.value.code == "slot_held"
    session.rollback()
    # p2 declines: it goes to p3, who accepts.
    booking.decline_offer(session, SYSTEM, e2.id, now=NOW)
    session.commit()
    session.refresh(e3)
    assert e3.status == "offered" and session.get(WaitlistEntry, e2.id).status == "waiting"
    got = booking.accept_offer(session, SYSTEM, e3.id, now=NOW)
    session.commit()
    assert got.patient_id == p3.id and session.get(WaitlistEntry, e3.id).status == "booked"


def test_expired_offer_goes_back_to_free(session, practice):
    _, _, _, (p1, p2, _) = practice
    slot = _slots(session)[-1]
    appt = booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p1.id, now=NOW)
    entry = booking.join_waitlist(session, SYSTEM, patient_id=p2.id, specialty="generaliste")
    booking.cancel(session, SYSTEM, appt.id, now=NOW)
    session.commit()
    later = NOW + booking.OFFER_HOLD + timedelta(minutes=1)
    assert booking.expire_offers(session, later) == 1
    session.commit()
    assert session.get(Slot, slot.id).status == "free"
    assert session.get(WaitlistEntry, entry.id).status == "waiting"


def test_database_refuses_a_second_active_appointment_on_a_slot(session, practice):
    _, _, _, (p1, p2, _) = practice
    slot = _slots(session)[0]
    booking.book(session, SYSTEM, slot_id=slot.id, patient_id=p1.id, now=NOW)
    session.commit()
    # Bypass the service: the partial unique index must still refuse it.
    session.add(Appointment(slot_id=slot.id, patient_id=p2.id, practitioner_id=slot
                            .practitioner_id, location_id=slot.location_id, mode=slot.mode,
                            start_at=slot.start_at, end_at=slot.end_at, status="booked"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # A cancelled one next to it is fine.
    session.add(Appointment(slot_id=slot.id, patient_id=p2.id, practitioner_id=slot
                            .practitioner_id, location_id=slot.location_id, mode=slot.mode,
                            start_at=slot.start_at, end_at=slot.end_at, status="cancelled"))
    session.commit()


def test_practitioner_never_has_two_overlapping_appointments(session, practice):
    site, doctor, _, (p1, p2, _) = practice
    video = scheduling.create_schedule(session, practitioner_id=doctor.id, location_id=site.id,
                                       mode="video", slot_minutes=30,
                                       weekly=[(d, time(9), time(12)) for d in range(5)])
    scheduling.generate_slots(session, video.id, days=7, now=NOW)
    session.commit()
    in_person = _slots(session, _slots(session)[0].schedule_id)[1]  # 09:20–09:40
    overlapping = next(s for s in _slots(session, video.id)
                       if s.start_at < in_person.end_at and in_person.start_at < s.end_at)
    booking.book(session, SYSTEM, slot_id=in_person.id, patient_id=p1.id, now=NOW)
    session.commit()
    with pytest.raises(Conflict) as exc:
        booking.book(session, SYSTEM, slot_id=overlapping.id, patient_id=p2.id, now=NOW)
    assert exc.value.code == "practitioner_overlap"
    session.rollback()
    assert session.get(Slot, overlapping.id).status == "free"


def test_audit_log_is_append_only_in_the_database(session, practice):
    _, _, _, (p1, _, _) = practice
    booking.book(session, SYSTEM, slot_id=_slots(session)[0].id, patient_id=p1.id, now=NOW)
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) >= 1
    for statement in ("UPDATE audit_event SET purpose = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()


def _race(db_url, n, attempt) -> list[str]:
    """Run ``attempt(session, i)`` in n threads released together; collect outcomes."""
    factory = session_factory(db_url)
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        session = factory()
        try:
            barrier.wait()
            attempt(session, i)
            session.commit()
            result = "ok"
        except Conflict as exc:
            session.rollback()
            result = exc.code
        except Exception as exc:  # anything else is a bug the test must show
            session.rollback()
            result = f"error: {exc!r}"
        finally:
            session.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


N = 16


def test_parallel_bookings_of_one_slot_exactly_one_wins(db_url, session):
    _, _, schedule = make_practice(session)
    scheduling.generate_slots(session, schedule.id, days=7, now=utcnow())
    patients = [make_patient(session, name=f"R{i}").id for i in range(N)]
    slot_id = _slots(session)[0].id
    session.commit()
    outcomes = _race(db_url, N, lambda s, i: booking.book(
        s, SYSTEM, slot_id=slot_id, patient_id=patients[i]))
    assert sorted(outcomes) == ["ok"] + ["slot_taken"] * (N - 1), outcomes
    assert session.scalar(select(func.count()).select_from(Appointment)
                          .where(Appointment.slot_id == slot_id)) == 1


def test_parallel_overlapping_bookings_of_one_practitioner_exactly_one_wins(db_url, session):
    # N schedules of one doctor at N sites, same hours: N slots at the same time.
    _, doctor, first = make_practice(session)
    from oasis.care.people import service as people
    from oasis.care.sites import service as sites

    schedules = [first]
    for i in range(N - 1):
        other = sites.create_location(session, name=f"Annexe {i}", kind="cabinet",
                                      commune_code="58194")
        people.add_role(session, doctor.id, other.id)
        schedules.append(scheduling.create_schedule(
            session, practitioner_id=doctor.id, location_id=other.id,
            weekly=[(d, time(9), time(12)) for d in range(7)]))

    scheduling.set_weekly(session, first.id, [(d, time(9), time(12)) for d in range(7)])
    now = utcnow()
    for s in schedules:
        scheduling.generate_slots(session, s.id, days=3, now=now)
    start = min(s.start_at for s in _slots(session, first.id))
    same_time = session.scalars(select(Slot.id).where(Slot.start_at == start)).all()
    assert len(same_time) == N
    patients = [make_patient(session, name=f"O{i}").id for i in range(N)]
    session.commit()
    outcomes = _race(db_url, N, lambda s, i: booking.book(
        s, SYSTEM, slot_id=same_time[i], patient_id=patients[i]))
    assert sorted(outcomes) == ["ok"] + ["practitioner_overlap"] * (N - 1), outcomes
