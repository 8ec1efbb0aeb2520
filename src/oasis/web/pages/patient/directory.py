"""Public directory pages: one per practitioner (``/praticien/{id}``), one per site
(``/lieu/{id}``), with the multi-day availability grid and links to book.

Anonymous pages: a directory is public (RPPS and FINESS are); nothing here is health
data.  The patient's commune (``ou``, or a signed-in patient's own) only serves the
reachability rule of the grid, so no slot is offered that the patient cannot reach.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid
from oasis.care.core.geo import geography
from oasis.care.core.vocab import (
    LANGUAGES,
    PAYMENTS,
    PROFESSIONS,
    SECTOR_LABELS,
    SECTOR_MEANINGS,
    SITE_KINDS,
    SPECIALTIES,
)
from oasis.care.finder import PlaceError, resolve
from oasis.care.finder.grid import MODE_LABELS, grids, travel_to, window_start
from oasis.care.finder.places import Place
from oasis.care.finder.text import DAYS
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.scheduling.models import Schedule
from oasis.care.sites.models import Location
from oasis.web.api.care_options import patient_of
from oasis.web.kit.auth import Visitor, visitor
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)
MODE_ORDER = ("in_person", "ett", "video", "phone")
Where = Query("", max_length=80, description="commune du patient (trajet)")
Start = Query("", max_length=20, description="premier jour de la grille, AAAA-MM-JJ")


def _place(session: Session, who: Visitor, ou: str) -> tuple[Place | None, str | None]:
    """The patient's commune for the drive times, or the French reason it is not known."""
    text = ou.strip()
    if not text:
        patient = patient_of(session, who.account, "fiche annuaire (trajet)")
        text = patient.commune_code if patient is not None else ""
    if not text:
        return None, None
    try:
        return resolve(text, geography(), codes="ask"), None
    except PlaceError as exc:
        return None, exc.message


def _hours_by_site(session: Session, practitioner_id: int) -> list[dict]:
    """The practitioner's weekly consultation hours per site and mode (their agendas)."""
    schedules = session.scalars(
        select(Schedule).options(selectinload(Schedule.available_times))
        .where(Schedule.practitioner_id == practitioner_id, Schedule.active.is_(True))
        .order_by(Schedule.location_id, Schedule.mode)).all()
    out = []
    for s in schedules:
        by_day: dict[int, list[str]] = {}
        for t in sorted(s.available_times, key=lambda t: (t.weekday, t.start_time)):
            by_day.setdefault(t.weekday, []).append(
                f"{t.start_time.hour} h {t.start_time.minute:02d} – "
                f"{t.end_time.hour} h {t.end_time.minute:02d}")
        out.append({"location_id": s.location_id, "mode": s.mode,
                    "days": [(DAYS[d], spans) for d, spans in sorted(by_day.items())]})
    return out


def site_hours(site: Location) -> list[tuple[str, list[str]]]:
    """« lundi : 8 h 00 – 19 h 00 » rows from the site's opening hours, every weekday."""
    by_day = site.opening_hours()
    return [(DAYS[d], [f"{a.hour} h {a.minute:02d} – {b.hour} h {b.minute:02d}"
                       for a, b in by_day.get(d, [])]) for d in range(7)]


def _commune_name(code: str) -> str:
    geo = geography()
    i = geo.index.get(code)
    return str(geo.name[i]) if i is not None else code


def _not_found(request: Request, who: Visitor, message: str):
    return render(request, "patient/fiche_introuvable.html", who, status_code=404,
                  title="Fiche introuvable", message=message)


def _url(path: str, **params) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return path + (f"?{urlencode(kept)}" if kept else "")


@router.get("/praticien/{practitioner_id}")
def practitioner_page(request: Request, session: SessionDep, practitioner_id: Id,
                      debut: str = Start, ou: str = Where):
    who = visitor(request, session)
    doctor = session.get(Practitioner, practitioner_id)
    if doctor is None:
        return _not_found(request, who, "Ce praticien n'existe pas dans l'annuaire Oasis.")
    now = utcnow()
    error = None
    try:
        first = window_start(debut, now)
    except Invalid as exc:
        first, error = window_start(None, now), exc.message
    place, place_error = _place(session, who, ou)
    sites = list(session.scalars(
        select(Location).join(PractitionerRole, PractitionerRole.location_id == Location.id)
        .where(PractitionerRole.practitioner_id == doctor.id,
               PractitionerRole.active.is_(True), Location.active.is_(True))
        .order_by(Location.name)))
    travel = travel_to(session, place, [s.id for s in sites]) if place else None
    by_id = {s.id: s for s in sites}
    # One grid per place and way of consulting (« au cabinet, MSP … », « par téléphone »).
    keys = sorted({(doctor.id, s.location_id,
                    "ett" if s.mode == "video" and by_id[s.location_id].kind == "ett"
                    else s.mode)
                   for s in session.scalars(select(Schedule).where(
                       Schedule.practitioner_id == doctor.id, Schedule.active.is_(True)))
                   if s.location_id in by_id},
                  key=lambda k: (MODE_ORDER.index(k[2]) if k[2] in MODE_ORDER else 9, k[1]))
    found = grids(session, keys, now=now, first_day=first, travel=travel)
    agendas = [{"site": by_id[k[1]], "mode": k[2], "grid": found[k]} for k in keys]
    grid = grids(session, [(doctor.id, None, None)], now=now, first_day=first,
                 travel=travel)[(doctor.id, None, None)]
    ou_value = place.search_label if place else ou.strip()
    here = _url(f"/praticien/{doctor.id}", debut=debut if not error else "", ou=ou_value)
    session.commit()
    return render(
        request, "patient/praticien.html", who,
        status_code=422 if (error or place_error) else 200,
        title=doctor.display_name, doctor=doctor, sites=sites, agendas=agendas,
        commune_names={s.id: _commune_name(s.commune_code) for s in sites},
        sites_by_id={s.id: s for s in sites}, grid=grid, now=now, travel=travel or {},
        place=place, ou=ou_value, error=error, place_error=place_error, here=here,
        hours=_hours_by_site(session, doctor.id), specialty=SPECIALTIES[doctor.specialty],
        profession=PROFESSIONS.get(doctor.profession, doctor.profession),
        sector_label=SECTOR_LABELS.get(doctor.sector, doctor.sector),
        sector_meaning=SECTOR_MEANINGS.get(doctor.sector, ""),
        languages=[LANGUAGES.get(c, c) for c in doctor.languages or []],
        mode_labels=MODE_LABELS, site_kinds=SITE_KINDS,
        more_url=(_url(f"/praticien/{doctor.id}", debut=grid.next_first_day.isoformat(),
                       ou=ou_value) + "#disponibilites") if grid.next_first_day else None,
        back_url=(_url(f"/praticien/{doctor.id}", debut=grid.previous_first_day.isoformat(),
                       ou=ou_value) + "#disponibilites") if grid.previous_first_day else None)


@router.get("/lieu/{site_id}")
def site_page(request: Request, session: SessionDep, site_id: Id, ou: str = Where):
    who = visitor(request, session)
    site = session.get(Location, site_id)
    if site is None or not site.active:
        return _not_found(request, who, "Ce lieu de soins n'existe pas dans l'annuaire Oasis.")
    now = utcnow()
    doctors = list(session.scalars(
        select(Practitioner).join(PractitionerRole,
                                  PractitionerRole.practitioner_id == Practitioner.id)
        .where(PractitionerRole.location_id == site.id, PractitionerRole.active.is_(True))
        .order_by(Practitioner.family_name, Practitioner.id)))
    place, place_error = _place(session, who, ou)
    travel = travel_to(session, place, [site.id]) if place else None
    keys = [(d.id, site.id, None) for d in doctors]
    by_doctor = grids(session, keys, now=now, travel=travel) if keys else {}
    ou_value = place.search_label if place else ou.strip()
    session.commit()
    return render(
        request, "patient/lieu.html", who, status_code=422 if place_error else 200,
        title=site.name, site=site, doctors=doctors, now=now, place=place, ou=ou_value,
        place_error=place_error, travel=travel or {},
        grids={d.id: by_doctor[(d.id, site.id, None)] for d in doctors},
        kind=SITE_KINDS.get(site.kind, site.kind), hours=site_hours(site),
        commune_name=_commune_name(site.commune_code),
        payments=[PAYMENTS[c] for c in site.payments or [] if c in PAYMENTS],
        specialties=SPECIALTIES, sector_labels=SECTOR_LABELS, mode_labels=MODE_LABELS,
        here=_url(f"/lieu/{site.id}", ou=ou_value),
        doctor_url=lambda d: _url(f"/praticien/{d.id}", ou=ou_value))
