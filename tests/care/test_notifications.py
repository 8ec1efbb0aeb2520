"""Notifications through a real local SMTP server (aiosmtpd): confirmation, reminder the
day before with its .ics, the stored outbox without SMTP, a mail server that is down."""

from __future__ import annotations

import email
import socket
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.notifications import service as notifications
from oasis.care.notifications.models import OutboxMessage
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from tests.factories.care import make_practice

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)  # Monday 10:00 in Paris


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd API name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", inbox
    finally:
        controller.stop()


@pytest.fixture
def appointment(session):
    _, _, schedule = make_practice(session, weekly=[(1, time(9), time(10))])
    scheduling.generate_slots(session, schedule.id, days=3, now=NOW)
    patient = people.create_patient(session, Actor.system(), family_name="Durand",
                                    given_name="Jeanne", birth_date=date(1950, 3, 2),
                                    commune_code="58194", email="jeanne@test.fr")
    from oasis.care.scheduling.models import Slot

    slot = session.scalars(select(Slot).where(Slot.schedule_id == schedule.id)
                           .order_by(Slot.start_at)).first()
    a = booking.book(session, Actor.system(), slot_id=slot.id, patient_id=patient.id, now=NOW)
    session.commit()
    return a


def test_reminder_the_day_before_reaches_the_smtp_server_with_an_ics(session, appointment,
                                                                    smtp):
    url, inbox = smtp
    # Tuesday 2 June 2026 9:00 Paris = 07:00 UTC
    assert appointment.start_at == datetime(2026, 6, 2, 7, tzinfo=UTC)
    messages = notifications.reminders_for(session, date(2026, 6, 2), now=NOW)
    session.commit()
    assert len(messages) == 1
    assert notifications.deliver(session, messages, url, now=NOW) == 1
    session.commit()
    (got,) = inbox.messages
    assert got["To"] == "jeanne@test.fr" and "Rappel" in got["Subject"]
    parts = {p.get_content_type(): p for p in got.walk()}
    body = parts["text/plain"].get_payload(decode=True).decode()
    assert "Mardi 2 juin à 9 h 00" in body or "Demain à 9 h 00" in body
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert "DTSTART;TZID=Europe/Paris:20260602T090000" in ics  # 07:00 UTC by hand
    assert "DTEND;TZID=Europe/Paris:20260602T092000" in ics
    assert parts["text/calendar"].get_filename() == "rendez-vous.ics"
    # once only: a second run finds nothing new
    assert notifications.reminders_for(session, date(2026, 6, 2), now=NOW) == []
    stored = session.scalars(select(OutboxMessage)).all()
    assert [(m.kind, m.status) for m in stored] == [("reminder", "sent")]


def test_without_smtp_the_outbox_keeps_everything(session, appointment):
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    assert notifications.deliver(session, [m], None) == 0
    session.commit()
    (kept,) = notifications.outbox(session)
    assert kept.status == "stored" and "Votre rendez-vous est confirmé" in kept.body
    assert "BEGIN:VCALENDAR" in kept.ics


def test_a_mail_server_down_is_recorded_never_raised(session, appointment):
    port = free_port()  # closed once chosen: nobody listens there
    m = notifications.booking_confirmed(session, appointment, now=NOW)
    assert notifications.deliver(session, [m], f"smtp://127.0.0.1:{port}") == 0
    assert m.status == "failed" and "SMTP injoignable" in m.error


def test_sms_default_provider_only_logs(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="oasis.care.notifications.service"):
        notifications.LoggingSms().send("0612345678", "Rappel")
    assert "non envoyé" in caplog.text and "0612345678" not in caplog.text
