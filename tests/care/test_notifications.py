"""Every notification through the one outbox to a real local SMTP server (aiosmtpd):
confirmation, reminder the day before, cancellation by the practice (.ics CANCEL), the
waiting-list offer, « le médecin est prêt »; once per (kind, ref), also between two
workers; failures kept and retried; the .ics checked against RFC 5545 by hand (the
``icalendar`` package is not installed)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.notifications import service as notifications
from oasis.care.notifications.ics import fold
from oasis.care.notifications.models import OutboxMessage
from oasis.care.people import service as people
from oasis.care.scheduling import agenda
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from tests.factories.care import free_port, make_patient, make_practice

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)  # Monday 10:00 in Paris


# ------------------------------------------------------------------ .ics read by hand
def parse_ics(text: str) -> list[tuple[str, dict[str, str], str]]:
    """Content lines (name, parameters, value) after unfolding; checks CRLF and lengths."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in raw)
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    out = []
    for line in lines:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        out.append((name, dict(p.split("=", 1) for p in params), value))
    return out


def components(lines) -> dict[str, list[dict[str, tuple[dict, str]]]]:
    """Every component by name with its properties; BEGIN/END must nest."""
    stack: list[tuple[str, dict]] = []
    found: dict[str, list] = {}
    for name, params, value in lines:
        if name == "BEGIN":
            stack.append((value, {}))
        elif name == "END":
            kind, props = stack.pop()
            assert kind == value, f"END:{value} closes BEGIN:{kind}"
            found.setdefault(kind, []).append(props)
        else:
            stack[-1][1][name] = (params, value)
    assert not stack
    return found


def paris_offset(local: datetime, tz: dict) -> timedelta:
    """The UTC offset a VTIMEZONE's RRULEs (last Sunday of BYMONTH) give a wall time."""
    def last_sunday(year: int, month: int, at: str) -> datetime:
        day = (date(year, month + 1, 1) - timedelta(days=1)) if month < 12 else date(year, 12,
                                                                                     31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        return datetime.combine(day, time(int(at[9:11])))

    def rule(props) -> tuple[datetime, timedelta]:
        month = int(props["RRULE"][1].split("BYMONTH=")[1].split(";")[0])
        to = props["TZOFFSETTO"][1]
        sign = 1 if to[0] == "+" else -1
        return (last_sunday(local.year, month, props["DTSTART"][1]),
                sign * timedelta(hours=int(to[1:3]), minutes=int(to[3:5])))

    (summer_start, summer), (winter_start, winter) = rule(tz["DAYLIGHT"][0]), rule(
        tz["STANDARD"][0])
    return summer if summer_start <= local < winter_start else winter


def event_of(text: str):
    found = components(parse_ics(text))
    (cal,) = found["VCALENDAR"]
    (event,) = found["VEVENT"]
    assert cal["VERSION"][1] == "2.0" and "PRODID" in cal
    (tz,) = found["VTIMEZONE"]
    assert tz["TZID"][1] == "Europe/Paris"
    params, start = event["DTSTART"]
    assert params == {"TZID": "Europe/Paris"}
    local = datetime.strptime(start, "%Y%m%dT%H%M%S")
    utc = (local - paris_offset(local, found)).replace(tzinfo=UTC)
    return cal, event, utc


def test_fold_cuts_at_75_octets_never_inside_a_character():
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_paris_offsets_of_the_vtimezone_by_hand():
    from oasis.care.notifications.ics import VTIMEZONE_PARIS

    tz = components([(n, {}, v) for n, _, v in parse_ics("\r\n".join(VTIMEZONE_PARIS)
                                                          + "\r\n")])
    # 2026: summer time from Sunday 29 March 2:00, winter time from Sunday 25 October 3:00
    assert paris_offset(datetime(2026, 3, 29, 1, 59), tz) == timedelta(hours=1)
    assert paris_offset(datetime(2026, 3, 29, 3, 0), tz) == timedelta(hours=2)
    assert paris_offset(datetime(2026, 10, 25, 2, 0), tz) == timedelta(hours=2)
    assert paris_offset(datetime(2026, 12, 2, 9, 30), tz) == timedelta(hours=1)


# ------------------------------------------------------------------ the world
@pytest.fixture
def practice(session):
    _, doctor, schedule = make_practice(session, weekly=[(1, time(9), time(12))])
    scheduling.generate_slots(session, schedule.id, days=3, now=NOW)
    return doctor, schedule


def slots(session, schedule) -> list[Slot]:
    return list(session.scalars(select(Slot).where(Slot.schedule_id == schedule.id)
                                .order_by(Slot.start_at)))


@pytest.fixture
def appointment(session, practice):
    _, schedule = practice
    patient = people.create_patient(session, Actor.system(), family_name="Durand",
                                    given_name="Jeanne", birth_date=date(1950, 3, 2),
                                    commune_code="58194", email="jeanne@test.fr")
    a = booking.book(session, Actor.system(), slot_id=slots(session, schedule)[0].id,
                     patient_id=patient.id, now=NOW)
    session.commit()
    return a


def doctor_of(a) -> Actor:
    return Actor(account_id=None, role="practitioner", practitioner_id=a.practitioner_id)


# ------------------------------------------------------------------ each kind by SMTP
def test_confirmation_reaches_the_smtp_server_with_a_request_ics(session, appointment, smtp):
    url, inbox = smtp
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    session.commit()
    assert notifications.deliver(session, [m], url, now=NOW) == 1
    (got,) = inbox.messages
    assert (got["To"], got["Subject"]) == ("jeanne@test.fr", "Oasis — Rendez-vous confirmé")
    parts = inbox.parts(got)
    assert "Votre rendez-vous est confirmé : mardi 2 juin à 9 h 00" in parts["text/plain"]
    cal, event, start = event_of(parts["text/calendar"])
    assert cal["METHOD"][1] == "REQUEST" and event["STATUS"][1] == "CONFIRMED"
    assert start == datetime(2026, 6, 2, 7, tzinfo=UTC)  # 9:00 summer time = 07:00 UTC
    assert event["UID"][1] == f"rdv-{appointment.id}@oasis" and event["SEQUENCE"][1] == "0"
    assert event["ATTENDEE"][1] == "mailto:jeanne@test.fr" and "ORGANIZER" in event
    # queued once: a second call (the job's backstop) adds nothing
    assert notifications.booking_confirmed(session, appointment, now=NOW) is None


def test_reminder_the_day_before_once_however_often_it_runs(session, appointment, smtp):
    url, inbox = smtp
    messages = notifications.reminders_for(session, date(2026, 6, 2), now=NOW)
    session.commit()
    assert notifications.deliver(session, messages, url, now=NOW) == 1
    assert notifications.reminders_for(session, date(2026, 6, 2), now=NOW) == []
    # the job's queue sees the same (kind, ref): nothing new, nothing sent twice
    notifications.queue_due(session, NOW + timedelta(hours=1))
    session.commit()
    assert notifications.deliver_pending(session, url, now=NOW + timedelta(hours=1)) == 1
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == ["Oasis — Rappel : rendez-vous demain", "Oasis — Rendez-vous confirmé"]
    reminder = next(m for m in inbox.messages if "Rappel" in m["Subject"])
    assert "mardi 2 juin à 9 h 00" in inbox.parts(reminder)["text/plain"]
    assert [(m.kind, m.status) for m in session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id))] == [
        ("reminder", "sent"), ("booking_confirmed", "sent")]


def test_absence_cancels_and_every_patient_gets_an_ics_cancel(session, practice, smtp):
    url, inbox = smtp
    doctor, schedule = practice
    free = slots(session, schedule)
    patients = [make_patient(session, name=n, email=f"{n.lower()}@test.fr")
                for n in ("Un", "Deux")]
    booked = [booking.book(session, Actor.system(), slot_id=free[i].id,
                           patient_id=p.id, now=NOW) for i, p in enumerate(patients)]
    exception, ids = scheduling.add_exception(
        session, schedule.id, datetime(2026, 6, 2, 6, tzinfo=UTC),
        datetime(2026, 6, 2, 12, tzinfo=UTC), "formation")
    assert sorted(ids) == sorted(a.id for a in booked)
    someone_else = Actor(account_id=None, role="practitioner", practitioner_id=doctor.id + 99)
    with pytest.raises(Exception, match="introuvable"):
        agenda.cancel_in_exception(session, someone_else, exception.id, now=NOW)
    cancelled = agenda.cancel_in_exception(session, doctor_of(booked[0]), exception.id,
                                           now=NOW)
    session.commit()
    assert sorted(a.id for a in cancelled) == sorted(a.id for a in booked)
    assert {a.status for a in cancelled} == {"cancelled"}
    assert {session.get(Slot, a.slot_id).status for a in cancelled} == {"busy-unavailable"}
    assert agenda.cancel_in_exception(session, doctor_of(booked[0]), exception.id) == []
    assert notifications.deliver_pending(session, url, now=NOW) == 2
    assert sorted(m["To"] for m in inbox.messages) == ["deux@test.fr", "un@test.fr"]
    for got in inbox.messages:
        assert got["Subject"] == "Oasis — Rendez-vous annulé par le cabinet"
        cal, event, _ = event_of(inbox.parts(got)["text/calendar"])
        assert cal["METHOD"][1] == "CANCEL" and event["STATUS"][1] == "CANCELLED"


def test_only_a_cancellation_by_the_practice_is_announced(session, appointment):
    patient = Actor(account_id=None, role="patient", patient_id=appointment.patient_id)
    a = booking.cancel(session, patient, appointment.id, now=NOW)
    assert notifications.after_cancel(session, patient, a, now=NOW) is None


def test_cancellation_by_the_doctor_is_announced_once(session, appointment):
    a = booking.cancel(session, doctor_of(appointment), appointment.id, now=NOW)
    m = notifications.after_cancel(session, doctor_of(appointment), a, now=NOW)
    assert m is not None and m.kind == "cancelled_by_practice" and "METHOD:CANCEL" in m.ics
    assert notifications.after_cancel(session, doctor_of(appointment), a, now=NOW) is None


def test_reschedule_keeps_the_uid_and_increments_the_sequence(session, practice, appointment):
    _, schedule = practice
    patient = Actor(account_id=None, role="patient", patient_id=appointment.patient_id)
    moved = booking.reschedule(session, patient, appointment.id,
                               new_slot_id=slots(session, schedule)[3].id, now=NOW)
    m = notifications.booking_confirmed(session, moved, now=NOW)
    _, event, start = event_of(m.ics)
    assert event["UID"][1] == f"rdv-{appointment.id}@oasis" and event["SEQUENCE"][1] == "1"
    assert start == datetime(2026, 6, 2, 8, tzinfo=UTC)  # the 4th 20-minute slot: 10:00


def test_waiting_list_offer_has_the_link_and_the_expiry(session, practice, appointment, smtp):
    url, inbox = smtp
    waiting = make_patient(session, name="Attente", email="attente@test.fr")
    entry = booking.join_waitlist(session, Actor.system(), patient_id=waiting.id,
                                  specialty="generaliste")
    booking.cancel(session, Actor.system(), appointment.id, now=NOW)  # freed: offered
    session.commit()
    assert notifications.queue_due(session, NOW, "https://oasis.example.fr") >= 1
    session.commit()
    notifications.deliver_pending(session, url, now=NOW)
    (got,) = [m for m in inbox.messages if m["To"] == "attente@test.fr"]
    body = inbox.parts(got)["text/plain"]
    assert got["Subject"] == "Oasis — Un créneau plus tôt s'est libéré"
    assert "mardi 2 juin à 9 h 00" in body
    assert "https://oasis.example.fr/mes-rendez-vous" in body
    assert "réservé jusqu'au lundi 1 juin à 12 h 00" in body  # NOW + 2 h, Paris
    session.refresh(entry)
    assert notifications.queue_due(session, NOW) == 0  # the same offer: once


def test_doctor_ready_when_the_doctor_takes_the_patient(session, smtp):
    from oasis.care.teleconsult import queue

    url, inbox = smtp
    _, doctor, _ = make_practice(session, rpps_seed=21)
    patient = make_patient(session, name="Video", email="video@test.fr")
    session.commit()
    at = datetime(2026, 6, 1, 18, tzinfo=UTC)
    queue.join(session, Actor(account_id=None, role="patient", patient_id=patient.id),
               patient_id=patient.id, reason="fièvre", now=at)
    doc = Actor(account_id=None, role="practitioner", practitioner_id=doctor.id)
    queue.set_presence(session, doc, "available", at)
    session.commit()
    queue.take_next(session, doc, at)
    session.commit()
    assert notifications.deliver_pending(session, url, now=at) == 1
    (got,) = inbox.messages
    assert (got["To"], got["Subject"]) == ("video@test.fr", "Oasis — Le médecin est prêt")
    assert "est prêt à vous recevoir" in inbox.parts(got)["text/plain"]


# ------------------------------------------------------------------ transport
def test_without_smtp_the_outbox_keeps_everything(session, appointment):
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    assert notifications.deliver(session, [m], None) == 0
    assert notifications.deliver_pending(session, None, now=NOW) == 0
    session.commit()
    (kept,) = notifications.outbox(session)
    assert (kept.status, kept.attempts) == ("stored", 0)
    assert "Votre rendez-vous est confirmé" in kept.body and "BEGIN:VCALENDAR" in kept.ics


def test_a_failure_is_kept_then_retried_until_sent(session, appointment, smtp):
    url, inbox = smtp
    port = free_port()  # closed once chosen: nobody listens there
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    assert notifications.deliver(session, [m], f"smtp://127.0.0.1:{port}", now=NOW) == 0
    session.commit()
    assert (m.status, m.attempts) == ("failed", 1) and "SMTP injoignable" in m.error
    later = NOW + timedelta(minutes=1)
    assert notifications.deliver_pending(session, url, now=later) == 1
    session.commit()
    assert (m.status, m.attempts, m.error, m.sent_at) == ("sent", 2, None, later)
    assert len(inbox.messages) == 1


def test_retries_stop_after_max_attempts(session, appointment):
    port = free_port()
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    for _ in range(notifications.MAX_ATTEMPTS + 2):
        notifications.deliver_pending(session, f"smtp://127.0.0.1:{port}", now=NOW)
    assert (m.status, m.attempts) == ("failed", notifications.MAX_ATTEMPTS)


def test_sms_without_email_stays_stored_with_the_logging_provider(session, caplog):
    import logging

    patient = make_patient(session, name="Sms", phone="0612345678")
    m = notifications.queue(session, kind="reminder", ref="appointment:0", subject="Rappel",
                            body="Demain", phone=patient.phone, patient_id=patient.id)
    assert (m.channel, m.recipient) == ("sms", "0612345678")
    with caplog.at_level(logging.INFO, logger="oasis.care.notifications.service"):
        assert notifications.deliver(session, [m], None) == 0
    assert m.status == "stored"
    assert "non envoyé" in caplog.text and "0612345678" not in caplog.text

    class Provider:
        def __init__(self) -> None:
            self.sent: list[tuple[str, str]] = []

        def send(self, phone, text):
            self.sent.append((phone, text))
            return True

    provider = Provider()
    notifications.register_sms(provider)
    try:
        assert notifications.deliver_pending(session, None, now=m.created_at) == 1
    finally:
        notifications.register_sms(None)
    assert m.status == "sent" and provider.sent[0][0] == "0612345678"


# ------------------------------------------------------------------ two workers (PG)
def test_two_workers_deliver_each_message_once(db_url, smtp):
    url, inbox = smtp
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's")
    s = session_factory(db_url)()
    for i in range(3):
        notifications.queue(s, kind="signup-confirm", email=f"p{i}@test.fr", subject="x",
                            body="y", now=NOW)
    s.commit()
    s.close()
    first, second = session_factory(db_url)(), session_factory(db_url)()
    claimed = notifications.pending(first, url, NOW)  # worker 1 holds the rows...
    assert len(claimed) == 3
    assert notifications.deliver_pending(second, url, now=NOW) == 0  # ...worker 2 skips them
    second.commit()
    assert notifications.deliver(first, claimed, url, now=NOW) == 3
    first.commit()
    assert notifications.deliver_pending(second, url, now=NOW) == 0  # already sent
    second.commit()
    # and really concurrent: two threads running the whole delivery
    s = session_factory(db_url)()
    for i in range(20):
        notifications.queue(s, kind="signup-confirm", email=f"q{i}@test.fr", subject="x",
                            body="y", now=NOW)
    s.commit()
    s.close()
    barrier, counts = threading.Barrier(2), []

    def worker() -> None:
        session = session_factory(db_url)()
        barrier.wait()
        counts.append(notifications.deliver_pending(session, url, now=NOW))
        session.commit()
        session.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 20
    received = [m["To"] for m in inbox.messages]
    assert len(received) == 23 and len(set(received)) == 23
    first.close()
    second.close()


def test_two_workers_queue_a_message_once(db_url):
    world_session = session_factory(db_url)()
    patient = make_patient(world_session, email="once@test.fr")
    world_session.commit()
    results = []

    def worker() -> None:
        session = session_factory(db_url)()
        results.append(notifications.queue(session, kind="reminder", ref="appointment:1",
                                           email="once@test.fr", subject="x", body="y",
                                           patient_id=patient.id) is not None)
        session.commit()
        session.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert len(notifications.messages_to(world_session, "once@test.fr")) == 1
    world_session.close()


def test_times_are_paris_wall_times_in_winter_too():
    from oasis.care.notifications.service import day_text

    assert day_text(datetime(2026, 12, 2, 8, 30, tzinfo=UTC)) == "mercredi 2 décembre à 9 h 30"
    assert day_text(datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))) == \
        "mardi 1 décembre à 9 h 30"


def test_a_route_and_the_job_never_send_the_same_message_twice(db_url, smtp):
    """The route delivers its message after its commit; the job may have sent it since."""
    url, inbox = smtp
    s = session_factory(db_url)()
    m = notifications.queue(s, kind="signup-confirm", email="r@test.fr", subject="x",
                            body="y", now=NOW)
    s.commit()
    route = session_factory(db_url, deferred=True)()  # as the web server's sessions
    stale = route.get(OutboxMessage, m.id)
    assert stale.status == "stored"
    job = session_factory(db_url)()
    assert notifications.deliver_pending(job, url, now=NOW) == 1
    job.commit()
    job.close()
    assert notifications.deliver(route, [stale], url, now=NOW) == 0
    route.commit()
    route.close()
    assert [got["To"] for got in inbox.messages] == ["r@test.fr"]
    s.close()
