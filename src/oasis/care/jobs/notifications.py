"""Confirmations, reminders and waiting-list offers: queued in the outbox, then delivered.

Two steps, both idempotent, so the jobs can run as often as wanted on any number of
workers:

1. :func:`queue_due` adds the messages that are due and not yet in the outbox (the
   unique ``(kind, ref)`` of :class:`~oasis.care.jobs.models.JobMessage` makes a
   second insert impossible, even from a concurrent worker);
2. :func:`deliver_pending` hands each undelivered message to the :class:`Notifier` and
   marks it delivered in the same transaction.  A crash between the hand-over and the
   commit delivers it again on the next run: at-least-once, as every mail queue.

The notifier is the seam for the e-mail notifications being built elsewhere (branch
``journeys``): any callable taking a :class:`Notice`, named by ``OASIS_NOTIFIER``
(``package.module:function``).  The default, :func:`keep_in_outbox`, sends nothing: the
message stays readable in the outbox, marked with the channel ``outbox``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.jobs.models import JobMessage
from oasis.care.people.models import Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location

# Labelled parameters (Oasis's choice; no public rule fixes them): a reminder the day
# before, a confirmation only for bookings of the last day (a first run on an old
# database does not send a confirmation for every past booking).
REMINDER_LEAD = timedelta(hours=24)
CONFIRMATION_WINDOW = timedelta(hours=24)
DELIVERY_BATCH = 200


@dataclass(frozen=True)
class Notice:
    """What a notifier is given: who, what about, and the French text."""

    outbox_id: int
    kind: str  # "confirmation" | "reminder" | "waitlist_offer"
    patient_id: int
    subject: str
    body: str


class Notifier(Protocol):
    def __call__(self, notice: Notice) -> str | None:
        """Deliver ``notice``; return the channel used (e.g. "email"), raise to retry."""


def keep_in_outbox(notice: Notice) -> str:
    """The default notifier: nothing leaves the server, the outbox row is the message."""
    return "outbox"


def notifier_from(path: str | None) -> Notifier:
    """The notifier named ``package.module:function`` (``None``: :func:`keep_in_outbox`)."""
    if not path:
        return keep_in_outbox
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _when(value: datetime) -> str:
    local = value.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%Hh%M}"


def _add(session: Session, *, kind: str, ref: str, patient_id: int, subject: str,
         body: str) -> bool:
    try:
        with session.begin_nested():
            session.add(JobMessage(kind=kind, ref=ref, patient_id=patient_id,
                                      subject=subject, body=body))
            session.flush()
    except IntegrityError:  # already queued (by this job earlier or another worker)
        return False
    return True


def queue_due(session: Session, now: datetime | None = None) -> int:
    """Queue the confirmations, reminders and offers that are due; returns how many."""
    now = now or utcnow()
    system = Actor.system()
    queued = 0
    already = {(kind, ref) for kind, ref in session.execute(
        select(JobMessage.kind, JobMessage.ref)
        .where(JobMessage.created_at >= now - CONFIRMATION_WINDOW - REMINDER_LEAD))}
    rows = session.execute(
        select(Appointment, Practitioner, Location.name)
        .join(Practitioner, Practitioner.id == Appointment.practitioner_id)
        .join(Location, Location.id == Appointment.location_id)
        .where(Appointment.status == "booked", Appointment.start_at > now,
               (Appointment.created_at >= now - CONFIRMATION_WINDOW)
               | (Appointment.start_at <= now + REMINDER_LEAD))).all()
    for appointment, doctor, site in rows:
        ref = f"appointment:{appointment.id}"
        what = f"{_when(appointment.start_at)} avec {doctor.display_name} ({site})"
        due = []
        if appointment.created_at >= now - CONFIRMATION_WINDOW:
            due.append(("confirmation", "Rendez-vous confirmé",
                        f"Votre rendez-vous est confirmé : {what}."))
        if appointment.start_at <= now + REMINDER_LEAD:
            due.append(("reminder", "Rappel de rendez-vous",
                        f"Rappel : vous avez rendez-vous le {what}. En cas d'empêchement, "
                        "annulez-le pour libérer le créneau."))
        for kind, subject, body in due:
            if (kind, ref) in already:
                continue
            if _add(session, kind=kind, ref=ref, patient_id=appointment.patient_id,
                    subject=subject, body=body):
                queued += 1
                record(session, system, "read", "Appointment", appointment.id,
                       patient_id=appointment.patient_id, purpose=f"envoi : {kind}")
    offers = session.execute(
        select(WaitlistEntry, Slot.start_at)
        .join(Slot, Slot.id == WaitlistEntry.offered_slot_id)
        .where(WaitlistEntry.status == "offered")).all()
    for entry, start_at in offers:
        ref = f"waitlist:{entry.id}:slot:{entry.offered_slot_id}"
        if ("waitlist_offer", ref) in already:
            continue
        expires = _when(entry.offer_expires_at) if entry.offer_expires_at else "bientôt"
        if _add(session, kind="waitlist_offer", ref=ref, patient_id=entry.patient_id,
                subject="Un créneau s'est libéré",
                body=f"Un créneau plus proche vous est proposé : {_when(start_at)}. "
                     f"Acceptez-le avant le {expires}, sinon il passera au patient suivant."):
            queued += 1
            record(session, system, "read", "WaitlistEntry", entry.id,
                   patient_id=entry.patient_id, purpose="envoi : proposition de créneau")
    return queued


def deliver_pending(session: Session, notifier: Notifier = keep_in_outbox,
                    now: datetime | None = None, limit: int = DELIVERY_BATCH) -> int:
    """Hand undelivered messages to ``notifier``; returns how many were delivered.

    On PostgreSQL the rows are claimed ``FOR UPDATE SKIP LOCKED`` so two workers deliver
    different messages; SQLite job sessions hold the write lock from their start.
    """
    now = now or utcnow()
    stmt = (select(JobMessage).where(JobMessage.delivered_at.is_(None))
            .order_by(JobMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    delivered = 0
    for message in session.scalars(stmt).all():
        channel = notifier(Notice(message.id, message.kind, message.patient_id,
                                  message.subject, message.body))
        message.delivered_at, message.channel = now, (channel or "unknown")[:30]
        delivered += 1
    session.flush()
    return delivered
