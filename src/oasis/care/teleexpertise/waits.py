"""Measured waits for planners, per department and specialty, from the platform's data.

Two delays, so « six months for a dermatologist » is a figure, not an anecdote:

* **téléexpertise**: from the request to the expert's answer (answered requests), with
  how many are still open and how many are past the promised time;
* **in-person specialist appointment**: from the booking to the appointment's start
  (active in-person appointments with a practitioner of that specialty).

The department is the patient's (téléexpertise) or the site's (appointment), from the
commune code.  Medians in days (one decimal); nothing is estimated, only counted.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import ACTIVE_APPOINTMENT_STATUSES, SPECIALTIES
from oasis.care.people.models import Patient, Practitioner
from oasis.care.sites.models import Location
from oasis.care.teleexpertise.models import ExpertiseRequest

DEFAULT_SPECIALTIES = ("dermatologue", "ophtalmologue")
DAY = 86400.0


def department(commune: str) -> str:
    return commune[:3] if commune.startswith("97") else commune[:2]


@dataclass
class WaitRow:
    department: str
    specialty: str
    expertise_answered: int = 0
    expertise_median_days: float | None = None
    expertise_open: int = 0
    expertise_late: int = 0
    appointments: int = 0
    appointment_median_days: float | None = None
    apl: float | None = None  # specialist APL of the department (population-weighted)

    @property
    def specialty_label(self) -> str:
        return SPECIALTIES.get(self.specialty, self.specialty)


def _median_days(values: list[float]) -> float | None:
    return round(statistics.median(values) / DAY, 1) if values else None


def measured_waits(session: Session, *, specialties=DEFAULT_SPECIALTIES,
                   department_filter: str | None = None, now: datetime | None = None,
                   apl: Callable[[str, str], float | None] | None = None) -> list[WaitRow]:
    now = now or utcnow()
    specialties = tuple(specialties)
    answered: dict[tuple[str, str], list[float]] = defaultdict(list)
    open_: dict[tuple[str, str], list[ExpertiseRequest]] = defaultdict(list)
    q = (select(ExpertiseRequest, Patient.commune_code)
         .join(Patient, Patient.id == ExpertiseRequest.patient_id)
         .where(ExpertiseRequest.specialty.in_(specialties)))
    for req, commune in session.execute(q):
        key = (department(commune), req.specialty)
        if req.status == "answered" and req.answered_at is not None:
            answered[key].append((req.answered_at - req.created_at).total_seconds())
        elif req.status == "sent":
            open_[key].append(req)
    booked: dict[tuple[str, str], list[float]] = defaultdict(list)
    q = (select(Appointment.created_at, Appointment.start_at, Practitioner.specialty,
                Location.commune_code)
         .join(Practitioner, Practitioner.id == Appointment.practitioner_id)
         .join(Location, Location.id == Appointment.location_id)
         .where(Appointment.mode == "in_person", Practitioner.specialty.in_(specialties),
                Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES)))
    for created, start, specialty, commune in session.execute(q):
        booked[(department(commune), specialty)].append(
            max(0.0, (start - created).total_seconds()))
    keys = sorted(set(answered) | set(open_) | set(booked))
    if department_filter:
        keys = [k for k in keys if k[0] == department_filter]
    rows = []
    for dep, specialty in keys:
        opened = open_.get((dep, specialty), [])
        rows.append(WaitRow(
            dep, specialty, expertise_answered=len(answered.get((dep, specialty), [])),
            expertise_median_days=_median_days(answered.get((dep, specialty), [])),
            expertise_open=len(opened), expertise_late=sum(1 for r in opened if r.due_at < now),
            appointments=len(booked.get((dep, specialty), [])),
            appointment_median_days=_median_days(booked.get((dep, specialty), [])),
            apl=apl(dep, specialty) if apl else None))
    return rows


CSV_HEADER = ["departement", "specialite", "teleexpertises_rendues",
              "delai_median_avis_jours", "teleexpertises_en_attente", "teleexpertises_en_retard",
              "rdv_presentiel", "delai_median_rdv_jours", "apl_specialiste"]


def to_csv(rows: list[WaitRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow([r.department, r.specialty, r.expertise_answered,
                    "" if r.expertise_median_days is None else r.expertise_median_days,
                    r.expertise_open, r.expertise_late, r.appointments,
                    "" if r.appointment_median_days is None else r.appointment_median_days,
                    "" if r.apl is None else round(r.apl, 2)])
    return out.getvalue()
