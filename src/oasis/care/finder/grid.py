"""A practitioner's free slots, day by day, over a week: the availability grid.

The directory page shows 7 columns (one per day) and « Voir plus de créneaux » moves the
window 7 days on; « Trouver un soin » shows the same grid in compact form under each
option.  The finder's rule holds here too: a slot at a site (in person, or in video at an
Espace de télésanté) is only offered if it starts after ``now + drive time + margin``
(:func:`oasis.care.finder.service.earliest_reachable`).  When the patient's commune is
unknown the drive time is unknown: only the margin is applied, and the page says so.
A phone or video slot taken from home only has to start after ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.errors import Invalid
from oasis.care.finder.places import Place
from oasis.care.finder.service import HORIZON_DAYS, earliest_reachable
from oasis.care.finder.text import DAYS, MONTHS, local
from oasis.care.scheduling.agenda import day_bounds
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.territory.travel import TravelModel, minutes_from

WINDOW_DAYS = 7
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                "oct.", "nov.", "déc.")
MODES = ("in_person", "video", "phone")
MODE_LABELS = {"in_person": "au cabinet", "video": "en vidéo", "phone": "par téléphone",
               "ett": "en espace de télésanté"}


@dataclass(frozen=True)
class GridSlot:
    slot_id: int
    start_at: datetime
    end_at: datetime
    mode: str  # "in_person", "ett" (video at an ETT), "video" or "phone" (from home)
    location_id: int

    @property
    def hour(self) -> str:
        t = local(self.start_at)
        return f"{t.hour} h {t.minute:02d}"


@dataclass(frozen=True)
class GridDay:
    day: date
    slots: list[GridSlot] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return DAYS[self.day.weekday()]

    @property
    def label(self) -> str:
        """« mardi 2 juin » (the column head)."""
        return f"{self.weekday} {self.day.day} {MONTHS[self.day.month - 1]}"

    @property
    def short(self) -> str:
        """« mar. 2 juin » (the compact grid's column head)."""
        return f"{self.weekday[:3]}. {self.day.day} {SHORT_MONTHS[self.day.month - 1]}"


@dataclass(frozen=True)
class Grid:
    first_day: date
    days: list[GridDay]
    today: date
    next_first_day: date | None  # the next window, when it is within the horizon
    previous_first_day: date | None
    travel_known: bool

    @property
    def empty(self) -> bool:
        return not any(d.slots for d in self.days)

    @property
    def count(self) -> int:
        return sum(len(d.slots) for d in self.days)


def window_start(requested: str | date | None, now: datetime) -> date:
    """The grid's first day: today, or a requested day from today to the horizon.

    ``requested`` comes from a link (``?debut=2026-06-08``): a malformed or out-of-range
    date is refused in French (the page answers 422, never 500).
    """
    today = local(now).date()
    if requested in (None, ""):
        return today
    if isinstance(requested, str):
        try:
            requested = date.fromisoformat(requested.strip()[:10])
        except ValueError as exc:
            raise Invalid("date de début invalide : attendu AAAA-MM-JJ, par exemple "
                          f"{today.isoformat()}", code="invalid_grid_start") from exc
    last = today + timedelta(days=HORIZON_DAYS - 1)
    if not today <= requested <= last:
        raise Invalid(f"date de début hors des agendas publiés : du {today.isoformat()} au "
                      f"{last.isoformat()}", code="invalid_grid_start")
    return requested


def travel_to(session: Session, place: Place | None, location_ids: Iterable[int],
              model: TravelModel | None = None) -> dict[int, float]:
    """Car minutes from the patient's commune to each site (the finder's own model: a
    site in the patient's commune costs the mean trip across it)."""
    ids = list(location_ids)
    if place is None or not ids:
        return {}
    model = model or TravelModel()
    rows = session.execute(select(Location.id, Location.lat, Location.lon,
                                  Location.commune_code).where(Location.id.in_(ids))).all()
    mins = minutes_from(place.lat, place.lon, np.array([r.lat for r in rows]),
                        np.array([r.lon for r in rows]), model)
    intra = float(model.intra_minutes(place.area_km2 or math.nan))
    return {r.id: max(float(m), intra) if r.commune_code == place.code else float(m)
            for r, m in zip(rows, mins, strict=True)}


def _cutoff(mode: str, location_id: int, ett_sites: Collection[int],
            travel: dict[int, float] | None, now: datetime) -> datetime:
    """The earliest start the patient can make for a slot of this mode at this site."""
    at_site = mode == "in_person" or (mode == "video" and location_id in ett_sites)
    if not at_site:
        return now
    return earliest_reachable(now, (travel or {}).get(location_id, 0.0))


Key = tuple[int, int | None, str | None]  # practitioner, site (None: all), mode (None: all)


def grids(session: Session, keys: Collection[Key], *, now: datetime,
          first_day: date | None = None, days: int = WINDOW_DAYS,
          travel: dict[int, float] | None = None, modes: Collection[str] = MODES,
          specialty: str | None = None) -> dict[Key, Grid]:
    """One grid per (practitioner, site, mode) key, from one query; a site or mode None
    takes them all.  Modes of a key are the grid's: "ett" is a video slot at an ETT.
    ``travel`` (site → minutes) applies the reachability rule; a site missing from it
    gets the margin only."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = local(now).date()
    first = first_day or today
    start, _ = day_bounds(first)
    _, end = day_bounds(first + timedelta(days=days - 1))
    start = max(start, now)
    pids = {k[0] for k in keys}
    stmt = (select(Slot.id, Slot.start_at, Slot.end_at, Slot.mode, Slot.practitioner_id,
                   Slot.location_id)
            .where(Slot.practitioner_id.in_(pids), Slot.status == "free",
                   Slot.mode.in_(list(modes)), Slot.start_at >= start, Slot.start_at < end)
            .order_by(Slot.start_at, Slot.id))
    if specialty:
        stmt = stmt.where(Slot.specialty == specialty)
    rows = session.execute(stmt).all() if pids else []
    sites = {r.location_id for r in rows}
    ett_sites = set(session.scalars(select(Location.id).where(
        Location.id.in_(sites), Location.kind == "ett")).all()) if sites else set()
    by_key: dict[Key, dict[date, list[GridSlot]]] = {k: {} for k in keys}
    for r in rows:
        if r.start_at < _cutoff(r.mode, r.location_id, ett_sites, travel, now):
            continue
        mode = "ett" if r.mode == "video" and r.location_id in ett_sites else r.mode
        cell = GridSlot(r.id, r.start_at, r.end_at, mode, r.location_id)
        for key in {(r.practitioner_id, site, m) for site in (r.location_id, None)
                    for m in (mode, None)}:
            if key in by_key:
                by_key[key].setdefault(local(r.start_at).date(), []).append(cell)
    horizon_last = today + timedelta(days=HORIZON_DAYS - 1)
    nxt = first + timedelta(days=days)
    prev = first - timedelta(days=days)
    out = {}
    for key, cells in by_key.items():
        out[key] = Grid(
            first_day=first, today=today, travel_known=travel is not None,
            days=[GridDay(first + timedelta(days=i), cells.get(first + timedelta(days=i), []))
                  for i in range(days)],
            next_first_day=nxt if nxt <= horizon_last else None,
            previous_first_day=(max(prev, today) if first > today else None))
    return out


def grid(session: Session, practitioner_id: int, **kwargs) -> Grid:
    """The grid of one practitioner across all their sites."""
    key = (practitioner_id, None, None)
    return grids(session, [key], **kwargs)[key]
