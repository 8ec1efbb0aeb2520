"""Booking confirmations, reminders the day before and cancellations, by e-mail and SMS.

Every message is first written to the outbox (``notification_outbox``), then handed to
the transport: SMTP when ``OASIS_SMTP_URL`` is set (``smtp://host:port``, or
``smtps://user:password@host:465``), otherwise it stays stored, readable by admins —
nothing is lost on a server without mail.  Each appointment message carries an
``.ics`` (RFC 5545) so the patient adds it to their calendar in one tap.  SMS go through
:class:`SmsProvider`; the default one only logs (no provider contracted yet).

Services never commit; the caller does, after :func:`deliver` (so a failed SMTP send is
recorded as ``failed`` with its error, and can be retried).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.finder.text import when_text
from oasis.care.notifications.models import OutboxMessage
from oasis.care.people.models import Patient

log = logging.getLogger(__name__)
MAIL_FROM = "Oasis <ne-pas-repondre@oasis.invalid>"
KINDS = {"booking_confirmed": "Rendez-vous confirmé", "reminder": "Rappel : rendez-vous demain",
         "cancelled_by_practice": "Rendez-vous annulé par le cabinet",
         "waitlist_offer": "Un créneau plus tôt s'est libéré",
         "doctor_ready": "Le médecin est prêt"}


# ------------------------------------------------------------------------------ SMS
class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSms:
    """The default SMS provider: writes the message to the log, sends nothing."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS (non envoyé, aucun fournisseur) à %s : %s", phone[-4:].rjust(10, "*"),
                 text)


_sms: SmsProvider = LoggingSms()


def register_sms(provider: SmsProvider | None) -> None:
    global _sms
    _sms = provider or LoggingSms()


# ------------------------------------------------------------------------------ .ics
def _ics_time(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def appointment_ics(a: Appointment, *, cancelled: bool = False,
                    now: datetime | None = None) -> str:
    """An RFC 5545 calendar with the appointment (Europe/Paris wall times)."""
    now = now or utcnow()
    where = a.location.name if a.location else ""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Oasis//Rendez-vous//FR",
        "METHOD:" + ("CANCEL" if cancelled else "PUBLISH"), "BEGIN:VEVENT",
        f"UID:rdv-{a.id}@oasis", "DTSTAMP:" + now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
        f"DTSTART;TZID=Europe/Paris:{_ics_time(a.start_at)}",
        f"DTEND;TZID=Europe/Paris:{_ics_time(a.end_at)}",
        "SUMMARY:" + _escape(f"Rendez-vous avec {a.practitioner.display_name}"),
        "LOCATION:" + _escape(where),
        "STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"),
        "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


# ------------------------------------------------------------------------------ messages
def _queue(session: Session, *, kind: str, patient: Patient, body: str,
           ics: str | None = None, ref: str | None = None) -> OutboxMessage | None:
    if not patient.email:
        return None
    message = OutboxMessage(channel="email", kind=kind, patient_id=patient.id, ref=ref,
                            recipient=patient.email, subject=f"Oasis — {KINDS[kind]}",
                            body=body, ics=ics, status="stored")
    session.add(message)
    session.flush()
    if patient.phone:
        _sms.send(patient.phone, f"Oasis : {KINDS[kind]}. " + body.split("\n", 1)[0])
    return message


def _appointment_text(a: Appointment, now: datetime) -> str:
    return (f"{when_text(a.start_at, now).capitalize()} avec {a.practitioner.display_name}, "
            f"{a.location.name}.")


def booking_confirmed(session: Session, a: Appointment,
                      now: datetime | None = None) -> OutboxMessage | None:
    now = now or utcnow()
    body = (f"Votre rendez-vous est confirmé : {_appointment_text(a, now)}\n\n"
            "Pour le déplacer ou l'annuler : « Mes rendez-vous » sur Oasis.")
    return _queue(session, kind="booking_confirmed", patient=a.patient, body=body,
                  ics=appointment_ics(a, now=now), ref=f"booking:{a.id}")


def cancelled_by_practice(session: Session, a: Appointment,
                          now: datetime | None = None) -> OutboxMessage | None:
    now = now or utcnow()
    body = (f"Le cabinet a dû annuler votre rendez-vous : {_appointment_text(a, now)}\n\n"
            "Choisissez un autre horaire dans « Trouver un soin » sur Oasis.")
    return _queue(session, kind="cancelled_by_practice", patient=a.patient, body=body,
                  ics=appointment_ics(a, cancelled=True, now=now))


def reminders_for(session: Session, day: date, now: datetime | None = None
                  ) -> list[OutboxMessage]:
    """The day-before reminders of every booked appointment on ``day`` (Paris), once each."""
    now = now or utcnow()
    start = datetime.combine(day, datetime.min.time(), PARIS)
    end = start + timedelta(days=1)
    done = set(session.scalars(select(OutboxMessage.ref).where(
        OutboxMessage.kind == "reminder", OutboxMessage.ref.is_not(None))).all())
    out = []
    for a in session.scalars(select(Appointment).where(
            Appointment.status == "booked", Appointment.start_at >= start,
            Appointment.start_at < end).order_by(Appointment.start_at, Appointment.id)):
        body = (f"Rappel : {_appointment_text(a, now)}\n\n"
                f"Référence du rendez-vous : {a.id}. Empêché·e ? Annulez-le dans « Mes "
                "rendez-vous » pour libérer la place.")
        if f"reminder:{a.id}" in done:
            continue
        m = _queue(session, kind="reminder", patient=a.patient, body=body,
                   ics=appointment_ics(a, now=now), ref=f"reminder:{a.id}")
        if m is not None:
            out.append(m)
    return out


# ------------------------------------------------------------------------------ transport
def deliver(session: Session, messages: list[OutboxMessage | None], smtp_url: str | None,
            mail_from: str = MAIL_FROM, now: datetime | None = None) -> int:
    """Send stored e-mails through SMTP (none configured: they stay in the outbox).

    Returns how many were sent; failures are kept with their error, never raised.
    """
    todo = [m for m in messages if m is not None and m.status in ("stored", "failed")]
    if not smtp_url or not todo:
        return 0
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("OASIS_SMTP_URL : schéma smtp:// ou smtps:// attendu")
    sent = 0
    try:
        port = url.port or (465 if url.scheme == "smtps" else 25)
        client = (smtplib.SMTP_SSL(url.hostname, port, context=ssl.create_default_context(),
                                   timeout=10) if url.scheme == "smtps"
                  else smtplib.SMTP(url.hostname, port, timeout=10))
        with client:
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            for m in todo:
                try:
                    client.send_message(_email(m, mail_from))
                    m.status, m.sent_at, m.error = "sent", now or utcnow(), None
                    sent += 1
                except smtplib.SMTPException as exc:
                    m.status, m.error = "failed", str(exc)[:500]
    except (OSError, smtplib.SMTPException) as exc:
        for m in todo:
            if m.status != "sent":
                m.status, m.error = "failed", f"SMTP injoignable : {exc}"[:500]
    session.flush()
    return sent


def _email(m: OutboxMessage, mail_from: str) -> EmailMessage:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = mail_from, m.recipient, m.subject
    e["Message-ID"] = f"<oasis-{m.id}@oasis.invalid>"
    e.set_content(m.body)
    if m.ics:
        e.add_attachment(m.ics.encode(), maintype="text", subtype="calendar",
                         filename="rendez-vous.ics")
    return e


def outbox(session: Session, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                .limit(limit)).all())
