"""Every message Oasis sends, through one outbox: queue it, then deliver what is pending.

* :func:`queue` is the one way to write to someone (account notices, appointment
  messages, waiting-list offers, « le médecin est prêt »).  A message about one thing
  carries a ``ref``; the database refuses a second ``(kind, ref)``, so a message is
  queued once however often, and by however many workers, the code runs.
* :func:`deliver` hands given messages to the transport, :func:`deliver_pending` every
  pending one (the ``notify`` job).  E-mail goes through SMTP when ``OASIS_SMTP_URL`` is
  set (``smtp://host:port`` or ``smtps://user:password@host:465``); otherwise it stays
  ``stored``, readable by admins — nothing is lost on a server without mail.  SMS go
  through :class:`SmsProvider`; the default one only logs (no provider contracted yet),
  so SMS stay ``stored`` too.  A failure keeps the message ``failed`` with its error and
  ``attempts``; it is tried again later, :data:`MAX_ATTEMPTS` times in all.
* The appointment messages (:func:`booking_confirmed`, :func:`reminder`,
  :func:`cancelled_by_practice`) carry an ``.ics`` (:mod:`oasis.care.notifications.ics`).

Services never commit; the caller does (the job sessions, the web routes after their
business commit, so a mail server outage never undoes a booking).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, object_session

from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.db import is_write_conflict
from oasis.care.finder.text import when_text
from oasis.care.notifications.ics import appointment_ics
from oasis.care.notifications.models import OutboxMessage
from oasis.care.people.models import Patient, PatientGuardian, Practitioner
from oasis.care.scheduling.models import Slot

log = logging.getLogger(__name__)
MAIL_FROM = "Oasis <ne-pas-repondre@oasis.invalid>"
PUBLIC_URL = "http://127.0.0.1:8000"
SUBJECTS = {"booking_confirmed": "Rendez-vous confirmé",
            "reminder": "Rappel : rendez-vous demain",
            "cancelled_by_practice": "Rendez-vous annulé par le cabinet",
            "waitlist_offer": "Un créneau plus tôt s'est libéré",
            "doctor_ready": "Le médecin est prêt"}
KINDS = SUBJECTS  # the name the admin page and older callers use
# Labelled parameters (Oasis's choice; no public rule fixes them): a reminder the day
# before; a confirmation only for bookings of the last day (a first run on an old
# database does not confirm every past booking); delivery tried 5 times over 2 days at
# most (a message about a past appointment is not worth sending any more).
REMINDER_LEAD = timedelta(hours=24)
CONFIRMATION_WINDOW = timedelta(hours=24)
MAX_ATTEMPTS = 5
MAX_AGE = timedelta(days=2)
DELIVERY_BATCH = 200


# ------------------------------------------------------------------------------ SMS
class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> bool:
        """Hand ``text`` to the provider: True once accepted, raise on failure."""


class LoggingSms:
    """The default SMS provider: writes the message to the log, sends nothing."""

    def send(self, phone: str, text: str) -> bool:
        log.info("SMS (non envoyé, aucun fournisseur) à %s : %s", phone[-4:].rjust(10, "*"),
                 text)
        return False


_sms: SmsProvider = LoggingSms()


def register_sms(provider: SmsProvider | None) -> None:
    global _sms
    _sms = provider or LoggingSms()


# ------------------------------------------------------------------------------ queue
def queue(session: Session, *, kind: str, subject: str, body: str, email: str | None = None,
          phone: str | None = None, ref: str | None = None, ics: str | None = None,
          patient_id: int | None = None, account_id: int | None = None,
          now: datetime | None = None) -> OutboxMessage | None:
    """Queue one message: an e-mail to ``email``, else an SMS to ``phone``.

    Returns None when there is nobody to write to, or when ``(kind, ref)`` is already in
    the outbox (queued earlier, or by a concurrent worker: the unique constraint decides).
    """
    email = (email or "").strip().lower()
    phone = (phone or "").strip()
    if "@" in email:
        channel, recipient = "email", email
    elif phone:
        channel, recipient = "sms", phone
    else:
        return None
    if ref is not None and session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.kind == kind, OutboxMessage.ref == ref)) is not None:
        return None
    message = OutboxMessage(channel=channel, kind=kind[:40], ref=ref, patient_id=patient_id,
                            account_id=account_id, recipient=recipient[:200],
                            subject=subject[:200], body=body, ics=ics, status="stored",
                            attempts=0, created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:  # queued meanwhile by another transaction
        return None
    return message


def _to_patient(session: Session, patient: Patient, *, kind: str, body: str, ref: str,
                ics: str | None = None, now: datetime | None = None,
                phone: str | None = None) -> OutboxMessage | None:
    return queue(session, kind=kind, subject=f"Oasis — {SUBJECTS[kind]}", body=body,
                 email=patient.email, phone=phone or patient.phone, ref=ref, ics=ics,
                 patient_id=patient.id, now=now)


def day_text(at: datetime) -> str:
    """« mardi 2 décembre à 9 h 30 » (Paris): absolute, as a message may be read later."""
    return when_text(at)


def _appointment_text(a: Appointment) -> str:
    where = "en téléconsultation" if a.mode == "video" else a.location.name
    return (f"{day_text(a.start_at)} avec {a.practitioner.display_name}, {where}"
            f"{_for_whom(a)}")


def _for_whom(a: Appointment) -> str:
    """« , pour Léo Durand » when the appointment is a relative's: the message reaches the
    guardian (whose address the relative's record carries), who must know whose it is."""
    session = object_session(a)
    if session is None or session.scalar(select(PatientGuardian.id).where(
            PatientGuardian.dependant_id == a.patient_id)) is None:
        return ""
    return f", pour {a.patient.given_name} {a.patient.family_name}"


# ------------------------------------------------------------------------------ messages
def booking_confirmed(session: Session, a: Appointment,
                      now: datetime | None = None) -> OutboxMessage | None:
    now = now or utcnow()
    body = (f"Votre rendez-vous est confirmé : {_appointment_text(a)}.\n\n"
            "Pour le déplacer ou l'annuler : « Mes rendez-vous » sur Oasis.")
    return _to_patient(session, a.patient, kind="booking_confirmed", body=body,
                       ref=f"appointment:{a.id}", now=now,
                       ics=appointment_ics(session, a, attendee=a.patient.email, now=now))


def reminder(session: Session, a: Appointment, now: datetime | None = None
             ) -> OutboxMessage | None:
    now = now or utcnow()
    body = (f"Rappel : vous avez rendez-vous {_appointment_text(a)}.\n\n"
            f"Référence du rendez-vous : {a.id}. Empêché·e ? Annulez-le dans « Mes "
            "rendez-vous » pour libérer la place.")
    return _to_patient(session, a.patient, kind="reminder", body=body,
                       ref=f"appointment:{a.id}", now=now,
                       ics=appointment_ics(session, a, attendee=a.patient.email, now=now))


def cancelled_by_practice(session: Session, a: Appointment,
                          now: datetime | None = None) -> OutboxMessage | None:
    """The practice (absence, cancellation by the doctor or the coordination) cancelled."""
    now = now or utcnow()
    body = (f"Le cabinet a dû annuler votre rendez-vous : {_appointment_text(a)}.\n\n"
            "Nous vous prions de nous en excuser. Choisissez un autre horaire dans « Trouver "
            "un soin » sur Oasis.")
    return _to_patient(session, a.patient, kind="cancelled_by_practice", body=body,
                       ref=f"appointment:{a.id}", now=now,
                       ics=appointment_ics(session, a, method="CANCEL",
                                           attendee=a.patient.email, now=now))


def after_cancel(session: Session, actor: Actor, a: Appointment,
                 now: datetime | None = None) -> OutboxMessage | None:
    """After ``actor`` cancelled ``a``: the patient is told unless they cancelled it."""
    if actor.role == "patient" or a.status != "cancelled" or a.cancel_reason == "déplacé":
        return None
    return cancelled_by_practice(session, a, now)


def waitlist_offer(session: Session, entry: WaitlistEntry, link_base: str = PUBLIC_URL,
                   now: datetime | None = None) -> OutboxMessage | None:
    """A freed slot held for ``entry``: when, with whom, the link and the expiry time."""
    slot = session.get(Slot, entry.offered_slot_id) if entry.offered_slot_id else None
    patient = session.get(Patient, entry.patient_id)
    if slot is None or patient is None or entry.status != "offered":
        return None
    doctor = session.get(Practitioner, slot.practitioner_id)
    link = f"{link_base.rstrip('/')}/mes-rendez-vous"
    who = f" avec {doctor.display_name}" if doctor else ""
    body = f"Un créneau plus tôt s'est libéré : {day_text(slot.start_at)}{who}.\n\n"
    if entry.offer_expires_at is not None:
        body += (f"Il vous est réservé jusqu'au {day_text(entry.offer_expires_at)} : "
                 f"acceptez-le sur {link}, sinon il sera proposé au patient suivant.")
    else:
        body += f"Acceptez-le sur {link}."
    return _to_patient(session, patient, kind="waitlist_offer", body=body,
                       ref=f"waitlist:{entry.id}:slot:{slot.id}", now=now)


def doctor_ready(session: Session, encounter, now: datetime | None = None
                 ) -> OutboxMessage | None:
    """« Le médecin est prêt »: a doctor took the patient from the teleconsultation queue.

    ``encounter`` is the teleconsultation's Encounter, read by attribute so that this
    module does not depend on the teleconsultation domain, which calls it.  Once per
    queue entry; an SMS to the callback number when the patient has no e-mail.
    """
    patient = session.get(Patient, encounter.patient_id)
    if patient is None:
        return None
    doctor = session.get(Practitioner, encounter.practitioner_id)
    name = doctor.display_name if doctor else "Le médecin"
    body = (f"{name} est prêt à vous recevoir en téléconsultation.\n\n"
            "Revenez sur la page « Téléconsultation » d'Oasis : la consultation commence.")
    ref = (f"queue:{encounter.queue_entry_id}" if encounter.queue_entry_id
           else f"encounter:{encounter.id}")
    return _to_patient(session, patient, kind="doctor_ready", body=body, ref=ref, now=now,
                       phone=patient.phone or getattr(encounter, "callback_phone", None))


def reminders_for(session: Session, day: date, now: datetime | None = None
                  ) -> list[OutboxMessage]:
    """The day-before reminders of every booked appointment on ``day`` (Paris), once each."""
    now = now or utcnow()
    start = datetime.combine(day, datetime.min.time(), PARIS)
    end = start + timedelta(days=1)
    out = []
    for a in session.scalars(select(Appointment).where(
            Appointment.status == "booked", Appointment.start_at >= start,
            Appointment.start_at < end).order_by(Appointment.start_at, Appointment.id)):
        m = reminder(session, a, now)
        if m is not None:
            out.append(m)
            record(session, Actor.system(), "read", "Appointment", a.id,
                   patient_id=a.patient_id, purpose="envoi : reminder")
    return out


def queue_due(session: Session, now: datetime | None = None,
              link_base: str = PUBLIC_URL) -> int:
    """What the ``notify`` job queues each minute; returns how many messages were added.

    Confirmations of the last day's bookings (a backstop for bookings made without the
    web's immediate confirmation), reminders 24 h ahead, and every waiting-list offer.
    """
    now = now or utcnow()
    system = Actor.system()
    queued = 0
    already = {(kind, ref) for kind, ref in session.execute(
        select(OutboxMessage.kind, OutboxMessage.ref)
        .where(OutboxMessage.created_at >= now - CONFIRMATION_WINDOW - REMINDER_LEAD,
               OutboxMessage.ref.is_not(None)))}
    rows = session.scalars(select(Appointment).where(
        Appointment.status == "booked", Appointment.start_at > now,
        (Appointment.created_at >= now - CONFIRMATION_WINDOW)
        | (Appointment.start_at <= now + REMINDER_LEAD)).order_by(Appointment.id)).all()
    for a in rows:
        ref = f"appointment:{a.id}"
        due = []
        if a.created_at >= now - CONFIRMATION_WINDOW:
            due.append(("booking_confirmed", booking_confirmed))
        if a.start_at <= now + REMINDER_LEAD:
            due.append(("reminder", reminder))
        for kind, make in due:
            if (kind, ref) in already:
                continue
            if make(session, a, now) is not None:
                queued += 1
                record(session, system, "read", "Appointment", a.id,
                       patient_id=a.patient_id, purpose=f"envoi : {kind}")
    for entry in session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.status == "offered").order_by(WaitlistEntry.id)).all():
        if ("waitlist_offer", f"waitlist:{entry.id}:slot:{entry.offered_slot_id}") in already:
            continue
        if waitlist_offer(session, entry, link_base, now) is not None:
            queued += 1
            record(session, system, "read", "WaitlistEntry", entry.id,
                   patient_id=entry.patient_id, purpose="envoi : proposition de créneau")
    return queued


# ------------------------------------------------------------------------------ transport
def _smtp_client(smtp_url: str):
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("OASIS_SMTP_URL : schéma smtp:// ou smtps:// attendu")
    port = url.port or (465 if url.scheme == "smtps" else 25)
    client = (smtplib.SMTP_SSL(url.hostname, port, context=ssl.create_default_context(),
                               timeout=10) if url.scheme == "smtps"
              else smtplib.SMTP(url.hostname, port, timeout=10))
    return client, url


def _failed(m: OutboxMessage, error: str) -> None:
    m.status, m.error = "failed", error[:500]


def deliver(session: Session, messages: Iterable[OutboxMessage | None], smtp_url: str | None,
            mail_from: str = MAIL_FROM, now: datetime | None = None) -> int:
    """Send the given stored or failed messages; returns how many were sent.

    E-mails without SMTP configured, and SMS with the logging provider, stay ``stored``.
    Failures are kept with their error and one more attempt counted, never raised.
    """
    now = now or utcnow()
    todo = _claim(session, [m for m in messages
                            if m is not None and m.status in ("stored", "failed")])
    sent = 0
    for m in (m for m in todo if m.channel == "sms"):
        try:
            if _sms.send(m.recipient, f"Oasis : {m.subject}. " + m.body.split("\n", 1)[0]):
                m.status, m.sent_at, m.error = "sent", now, None
                m.attempts += 1
                sent += 1
        except Exception as exc:  # a provider's failure, whatever its library raises
            m.attempts += 1
            _failed(m, f"SMS : {exc}")
    mails = [m for m in todo if m.channel == "email"]
    if smtp_url and mails:
        for m in mails:
            m.attempts += 1
        try:
            client, url = _smtp_client(smtp_url)
            with client:
                if url.username:
                    client.login(unquote(url.username), unquote(url.password or ""))
                for m in mails:
                    try:
                        client.send_message(_email(m, mail_from))
                        m.status, m.sent_at, m.error = "sent", now, None
                        sent += 1
                    except smtplib.SMTPException as exc:
                        _failed(m, str(exc))
        except (OSError, smtplib.SMTPException) as exc:
            for m in mails:
                if m.status != "sent":
                    _failed(m, f"SMTP injoignable : {exc}")
    session.flush()
    return sent


def _claim(session: Session, todo: list[OutboxMessage]) -> list[OutboxMessage]:
    """The messages of ``todo`` still unsent once this transaction holds them.

    A web route delivers its message right after its commit while the ``notify`` job may
    be delivering the same one: PostgreSQL locks the rows (``SKIP LOCKED``: one that a
    worker holds is that worker's); on SQLite a first write takes the database's write
    lock, then the status is read again.
    """
    if not todo:
        return todo
    ids = [m.id for m in todo]
    stmt = select(OutboxMessage.id).where(OutboxMessage.id.in_(ids),
                                          OutboxMessage.status.in_(("stored", "failed")))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        try:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(attempts=OutboxMessage.attempts)
                            .execution_options(synchronize_session=False))
        except OperationalError as exc:
            if not is_write_conflict(exc):
                raise
            # a worker wrote meanwhile (a web session's stale snapshot): it delivers them
            session.rollback()
            return []
    free = set(session.scalars(stmt).all())
    return [m for m in todo if m.id in free]


def pending(session: Session, smtp_url: str | None, now: datetime | None = None,
            limit: int = DELIVERY_BATCH) -> list[OutboxMessage]:
    """The messages a delivery run should try now, claimed for this transaction.

    On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: two workers deliver
    different messages and a message is never sent twice; SQLite serialises writers.
    """
    now = now or utcnow()
    channels = (["email"] if smtp_url else []) + \
        (["sms"] if not isinstance(_sms, LoggingSms) else [])
    if not channels:
        return []
    stmt = (select(OutboxMessage).where(
        OutboxMessage.status.in_(("stored", "failed")), OutboxMessage.channel.in_(channels),
        OutboxMessage.attempts < MAX_ATTEMPTS, OutboxMessage.created_at >= now - MAX_AGE)
        .order_by(OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt).all())


def deliver_pending(session: Session, smtp_url: str | None, mail_from: str = MAIL_FROM,
                    now: datetime | None = None, limit: int = DELIVERY_BATCH) -> int:
    """Deliver every pending message (the ``notify`` job); returns how many were sent."""
    return deliver(session, pending(session, smtp_url, now, limit), smtp_url, mail_from, now)


def _email(m: OutboxMessage, mail_from: str) -> EmailMessage:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = mail_from, m.recipient, m.subject
    e["Message-ID"] = f"<oasis-{m.id}@oasis.invalid>"
    e.set_content(m.body)
    if m.ics:
        method = "CANCEL" if "METHOD:CANCEL" in m.ics else "REQUEST"
        e.add_attachment(m.ics.encode(), maintype="text", subtype="calendar",
                         filename="rendez-vous.ics", params={"method": method})
    return e


def outbox(session: Session, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                .limit(limit)).all())


def outbox_for(session: Session, kind: str, refs: list[str]) -> list[OutboxMessage]:
    """The messages of ``kind`` about ``refs`` (to deliver them right after a commit)."""
    if not refs:
        return []
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == kind, OutboxMessage.ref.in_(refs))
        .order_by(OutboxMessage.id)).all())


def messages_to(session: Session, recipient: str, kind: str | None = None
                ) -> list[OutboxMessage]:
    """The messages queued for an address or phone, oldest first (what a sender reads)."""
    stmt = select(OutboxMessage).where(OutboxMessage.recipient == recipient.strip().lower())
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.scalars(stmt.order_by(OutboxMessage.id)).all())
