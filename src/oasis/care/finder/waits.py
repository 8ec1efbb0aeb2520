"""The current wait for an on-demand teleconsultation, behind a replaceable hook.

The default, :func:`from_queue`, asks the 24/7 queue (``oasis.care.teleconsult.queue``):
doctors on duty (their presence: available or in a call), idle doctors, patients
already waiting and the mean duration of recent consultations, through the queue's own
documented estimator — so the wait the finder announces is the one the patient sees
once in the queue.  Nobody on duty gives ``minutes=None``: the finder then offers no
« teleconsultation now » rather than a promise nobody can keep.

:func:`from_schedules` is the agenda-based estimate used before the queue existed
(teleconsulting doctors whose remote availability covers *now*, minus those in a booked
consultation); :func:`register` installs either, or any other estimator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment
from oasis.care.core.vocab import ACTIVE_APPOINTMENT_STATUSES
from oasis.care.finder.text import local
from oasis.care.people.models import Practitioner
from oasis.care.scheduling.models import AvailableTime, Schedule, ScheduleException
from oasis.care.teleconsult import queue
from oasis.care.teleconsult.models import QueueEntry

AVERAGE_MINUTES = 15  # a teleconsultation, door to door (Oasis assumption, see README)


@dataclass(frozen=True)
class WaitEstimate:
    minutes: int | None  # None: nobody can take a patient now
    available: int  # practitioners on duty now
    waiting: int  # patients already waiting
    source: str  # which estimator answered

    def as_dict(self) -> dict:
        return {"minutes": self.minutes, "available_practitioners": self.available,
                "waiting": self.waiting, "source": self.source}


WaitEstimator = Callable[[Session, str, datetime], WaitEstimate]


def queue_wait(available: int, free: int, waiting: int,
               average: int = AVERAGE_MINUTES) -> int | None:
    """Minutes until the next patient in line is taken (the new one joins at the back).

    A free doctor takes the patient at once; otherwise each round of ``available``
    doctors serves one patient every ``average`` minutes.
    """
    if available <= 0:
        return None
    if free > waiting:
        return 0
    return math.ceil((waiting - free + 1) / available) * average


def from_schedules(session: Session, specialty: str, now: datetime) -> WaitEstimate:
    """Fallback estimator: duty from the remote agendas, nobody waiting yet."""
    t = local(now)
    on_duty = (select(Schedule.practitioner_id)
               .join(AvailableTime, AvailableTime.schedule_id == Schedule.id)
               .join(Practitioner, Practitioner.id == Schedule.practitioner_id)
               .where(Schedule.active.is_(True), Schedule.mode.in_(("video", "phone")),
                      Practitioner.teleconsultation.is_(True),
                      Practitioner.specialty == specialty,
                      AvailableTime.weekday == t.weekday(),
                      AvailableTime.start_time <= t.time().replace(tzinfo=None),
                      AvailableTime.end_time > t.time().replace(tzinfo=None),
                      ~exists().where(ScheduleException.schedule_id == Schedule.id,
                                      ScheduleException.start_at <= now,
                                      ScheduleException.end_at > now))
               .distinct())
    ids = set(session.scalars(on_duty).all())
    if not ids:
        return WaitEstimate(None, 0, 0, "agendas")
    busy = set(session.scalars(select(Appointment.practitioner_id).where(and_(
        Appointment.practitioner_id.in_(ids), Appointment.start_at <= now,
        Appointment.end_at > now,
        Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES)))).all())
    free = len(ids - busy)
    return WaitEstimate(queue_wait(len(ids), free, 0), len(ids), 0, "agendas")


def from_queue(session: Session, specialty: str, now: datetime) -> WaitEstimate:
    """The queue's figures: a newcomer has every waiting patient ahead of them.

    With nobody on duty in the queue, the agendas answer instead (doctors whose remote
    hours cover now), so a patient is not told « nobody » while a doctor is due on duty.
    """
    from sqlalchemy import func


    on_duty, idle = queue.duty_counts(session, specialty)
    if on_duty == 0:
        return from_schedules(session, specialty, now)
    waiting = session.scalar(select(func.count()).where(
        QueueEntry.status == "waiting", QueueEntry.specialty == specialty)) or 0
    mean = queue.mean_consultation_minutes(session, specialty, now)
    return WaitEstimate(queue.estimate_wait_minutes(int(waiting), on_duty, idle, mean),
                        on_duty, int(waiting), "file d'attente")


_estimator: WaitEstimator = from_queue


def register(estimator: WaitEstimator | None) -> None:
    """Install another estimator (None restores the queue's)."""
    global _estimator
    _estimator = estimator or from_queue


def estimated_wait(session: Session, specialty: str, now: datetime) -> WaitEstimate:
    return _estimator(session, specialty, now)
