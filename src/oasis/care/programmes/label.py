"""The France Santé label check of a site, measured from the database.

Each criterion of :func:`oasis.care.programmes.france_sante.check_label` is fed from
what the platform stores, never from a declaration alone:

* **nurse** — staff members of kind ``nurse`` attached to the site, or else nurses
  attached to another active site within ``NURSE_NEARBY_MINUTES`` by road;
* **open ≥ 5 days** — the site's opening hours (``location_hours``);
* **no dépassement** — every active practitioner in secteur 1, or the site's declared
  tarif opposable (``sector1_only``) for its OPTAM / secteur 2 doctors;
* **doctor present** — at least one active practitioner role at the site;
* **SAS** — the participation recorded on the site (``sas_since``, ``sas_evidence``);
* the site's *catchment* (the communes of its EPCI for which it is the nearest active care
  site, and the share of their population within 30 minutes) is still measured, as a
  figure for the coverage dashboard, no longer as a per-site criterion;
* **care within 48 h** — *requests* over the last ``weeks`` weeks (default 4):
  every appointment booked at the site whose ``created_at`` falls in the period is one
  request, made at ``created_at`` and offered the slot it booked (``start_at``), whatever
  became of it afterwards (cancelled or not: the site did offer that slot).  An
  appointment that is a reschedule of another is the same request and is not counted
  again; an appointment booked from the waiting list counts from when the patient joined
  the list.  A waiting-list entry for the site still waiting 48 h after it was made is
  a request not served.  A request is served when the slot starts ≤ 48 h after
  it was made; the site passes when at least 80 % are served.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid, NotFound
from oasis.care.core.geo import geography
from oasis.care.people.models import Practitioner, PractitionerRole, StaffMember
from oasis.care.programmes.france_sante import (
    MAX_DELAY,
    MAX_MINUTES,
    NURSE_NEARBY_MINUTES,
    CareRequest,
    LabelInput,
    LabelReport,
    check_label,
)
from oasis.care.sites.models import Location
from oasis.territory.travel import TravelModel, haversine_km

DEFAULT_WEEKS = 4
TIE_MINUTES = 1e-6


@dataclass(frozen=True)
class SiteLabel:
    """A site's report with the period and catchment it was measured on."""

    location_id: int
    location_name: str
    commune_code: str
    kind: str
    lat: float
    lon: float
    report: LabelReport
    period_start: datetime
    period_end: datetime
    catchment_communes: int

    @property
    def eligible(self) -> bool:
        return self.report.eligible


def requests_at(session: Session, location_id: int, since: datetime,
                until: datetime) -> list[CareRequest]:
    """The site's care requests in [since, until) (definition in the module docstring)."""
    from_waitlist = dict(session.execute(select(
        WaitlistEntry.appointment_id, WaitlistEntry.created_at).join(
        Appointment, Appointment.id == WaitlistEntry.appointment_id).where(
        Appointment.location_id == location_id, Appointment.created_at >= since,
        Appointment.created_at < until)).all())
    rows = session.execute(select(Appointment.id, Appointment.created_at,
                                  Appointment.start_at).where(
        Appointment.location_id == location_id, Appointment.rescheduled_from_id.is_(None),
        Appointment.created_at >= since, Appointment.created_at < until)).all()
    out = [CareRequest(min(created, from_waitlist.get(aid, created)), start)
           for aid, created, start in rows]
    unserved = session.scalars(select(WaitlistEntry.created_at).where(
        WaitlistEntry.location_id == location_id, WaitlistEntry.status == "waiting",
        WaitlistEntry.created_at >= since, WaitlistEntry.created_at < until - MAX_DELAY)).all()
    out += [CareRequest(created, None) for created in unserved]
    return out


class _Catchments:
    """Nearest-site catchments inside each EPCI, for every active site at once."""

    def __init__(self, session: Session, geo, model: TravelModel) -> None:
        self.geo, self.model = geo, model
        rows = session.execute(select(Location.id, Location.lat, Location.lon).where(
            Location.active.is_(True)).order_by(Location.id)).all()
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.lat = np.array([r[1] for r in rows], dtype=np.float64)
        self.lon = np.array([r[2] for r in rows], dtype=np.float64)
        self.units = np.flatnonzero(geo.analysis_units)
        self._epci = geo.epci[self.units]

    def members(self, commune_code: str) -> np.ndarray:
        geo = self.geo
        commune = geo.commune(commune_code)
        if commune.epci:
            return self.units[self._epci == commune.epci]
        return self.units[geo.code[self.units] == commune.code]

    def measure(self, location: Location) -> tuple[float, float, int]:
        """(catchment population, of which within 30 min, catchment communes)."""
        rows = self.members(location.commune_code)
        if rows.size == 0:
            return 0.0, 0.0, 0
        lat, lon = self.geo.lat[rows], self.geo.lon[rows]
        ok = np.isfinite(lat) & np.isfinite(lon)
        rows, lat, lon = rows[ok], lat[ok], lon[ok]
        to_site = self.model.minutes(haversine_km(lat, lon, location.lat, location.lon))
        if self.ids.size:
            km = haversine_km(lat[:, None], lon[:, None], self.lat[None, :], self.lon[None, :])
            nearest = self.model.minutes(km).min(axis=1)
            mine = to_site <= nearest + TIE_MINUTES
        else:
            mine = np.ones(rows.size, dtype=bool)
        pop = self.geo.population[rows].astype(np.float64)
        within = mine & (to_site <= MAX_MINUTES)
        return float(pop[mine].sum()), float(pop[within].sum()), int(mine.sum())


def _label_input(session: Session, location: Location, catchments: _Catchments,
                 since: datetime, until: datetime) -> tuple[LabelInput, int]:
    nurses = len(session.scalars(select(StaffMember.id).where(
        StaffMember.location_id == location.id, StaffMember.kind == "nurse")).all())
    sectors = list(session.scalars(select(Practitioner.sector).join(
        PractitionerRole, PractitionerRole.practitioner_id == Practitioner.id).where(
        PractitionerRole.location_id == location.id, PractitionerRole.active.is_(True))
        .order_by(Practitioner.id)).all())
    population, within, communes = catchments.measure(location)
    data = LabelInput(site_name=location.name, nurse_present=nurses > 0,
                      opening_hours=location.opening_hours(), practitioner_sectors=sectors,
                      catchment_population=population, catchment_within_minutes=within,
                      requests=requests_at(session, location.id, since, until), nurses=nurses,
                      nurses_nearby=0 if nurses else nurses_nearby(session, location,
                                                                   catchments.model),
                      tarif_opposable=bool(location.sector1_only),
                      sas_since=location.sas_since, sas_evidence=location.sas_evidence)
    return data, communes


def nurses_nearby(session: Session, location: Location, model: TravelModel) -> int:
    """Nurses attached to other active sites within the « à proximité » parameter."""
    rows = session.execute(select(Location.lat, Location.lon).join(
        StaffMember, StaffMember.location_id == Location.id).where(
        StaffMember.kind == "nurse", Location.id != location.id,
        Location.active.is_(True))).all()
    if not rows:
        return 0
    lat = np.array([r[0] for r in rows], dtype=np.float64)
    lon = np.array([r[1] for r in rows], dtype=np.float64)
    minutes = model.minutes(haversine_km(lat, lon, location.lat, location.lon))
    return int((minutes <= NURSE_NEARBY_MINUTES).sum())


def label_sites(session: Session, location_ids: Iterable[int] | None = None, *,
                weeks: int = DEFAULT_WEEKS, now: datetime | None = None, geo=None,
                model: TravelModel | None = None) -> list[SiteLabel]:
    """Label reports of the given sites (default: every active site), ordered by id."""
    if not 1 <= weeks <= 52:
        raise Invalid("période de mesure entre 1 et 52 semaines", code="invalid_weeks")
    now = now or utcnow()
    since = now - timedelta(weeks=weeks)
    catchments = _Catchments(session, geo or geography(), model or TravelModel())
    stmt = select(Location).order_by(Location.id)
    if location_ids is None:
        stmt = stmt.where(Location.active.is_(True))
    else:
        stmt = stmt.where(Location.id.in_(list(location_ids)))
    out = []
    for location in session.scalars(stmt).all():
        data, communes = _label_input(session, location, catchments, since, now)
        out.append(SiteLabel(location.id, location.name, location.commune_code, location.kind,
                             location.lat, location.lon, check_label(data), since, now,
                             communes))
    return out


def label_site(session: Session, location_id: int, **kwargs) -> SiteLabel:
    labels = label_sites(session, [location_id], **kwargs)
    if not labels:
        raise NotFound("site introuvable", code="unknown_location")
    return labels[0]
