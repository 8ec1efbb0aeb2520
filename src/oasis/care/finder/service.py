"""One ranked answer to « I need a doctor »: in person soon, ETT, teleconsultation now, later.

The order is the France Santé promise (Gouvernement, 2025): care **within 30 minutes
and 48 hours** first.  Then, when nothing in person keeps it, the answers that still
get the patient seen quickly, best care first:

1. ``in_person_48h`` — in-person slots at sites ≤ 30 min away starting ≤ 48 h from now;
2. ``ett`` — an Espace de télésanté ≤ 30 min away with a teleconsultation slot ≤ 48 h
   (a nurse is there, with the measuring devices);
3. ``teleconsultation_now`` — the on-demand queue, with its current estimated wait;
4. ``later`` — the next in-person (or ETT) options beyond 48 h, or up to an hour away.

A slot at a site is only offered if the patient can get there: it must start after
``now + drive time + ARRIVAL_MARGIN_MINUTES`` (a slot at 9 h 50 is no use at 9 h 49 for
a 28-minute drive).  Within a category, the soonest start wins, then the shorter trip.
One option is one practitioner at one site in one mode, carrying its next few slots so
the patient can choose a time without another search.  « 48 h » is 48 real hours (UTC
arithmetic), so a clock change inside the window neither adds nor removes an hour of
promise.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid
from oasis.care.core.geo import geography
from oasis.care.core.vocab import SECTORS_WITHOUT_FREE_FEES, SPECIALTIES
from oasis.care.finder import costs
from oasis.care.finder.places import Place, resolve
from oasis.care.finder.text import local, when_text
from oasis.care.finder.waits import WaitEstimate, estimated_wait
from oasis.care.people.models import Practitioner
from oasis.care.programmes.models import MissionSite
from oasis.care.scheduling.models import Slot
from oasis.care.scheduling.search import in_sites, sites_within
from oasis.care.sites.models import Location
from oasis.territory.travel import TravelModel

PROMISE_MINUTES = 30.0
PROMISE_HOURS = 48
WIDE_MINUTES = 60.0  # « later » options reach up to an hour's drive
HORIZON_DAYS = 21  # as far ahead as the agendas are generated
SLOTS_PER_OPTION = 4
# Parking, finding the door and checking in. No public figure found: an Oasis parameter.
ARRIVAL_MARGIN_MINUTES = 10
CATEGORIES = ("in_person_48h", "ett", "teleconsultation_now", "later")
LIMITS = {"in_person_48h": 5, "ett": 3, "teleconsultation_now": 1, "later": 5}
TITLES = {"in_person_48h": "Au cabinet, près de chez vous, sous 48 h",
          "ett": "En espace de télésanté, avec un·e infirmier·ère",
          "teleconsultation_now": "En téléconsultation, maintenant",
          "later": "Au cabinet, plus tard ou plus loin"}


MIN_FILTER_MINUTES = 5
FILTER_MODES = {"cabinet": "Au cabinet", "video": "En vidéo (espace de télésanté ou "
                "téléconsultation)"}


@dataclass(frozen=True)
class Filters:
    """What the patient narrows the answer to (« Trouver un soin » GET parameters).

    ``max_minutes`` caps the drive (5 to 60 min: beyond an hour nothing is offered
    anyway); ``mode`` keeps in-person options (« cabinet ») or video ones (ETT and the
    on-demand queue); ``no_overrun`` keeps practitioners without free fees (secteur 1,
    or OPTAM: overruns capped) — on-demand teleconsultation is billed at the tariff.
    """

    max_minutes: float = WIDE_MINUTES
    mode: str | None = None
    no_overrun: bool = False

    @property
    def active(self) -> bool:
        return self != Filters()


def parse_filters(distance: str | None = None, mode: str | None = None,
                  tarif: str | None = None) -> Filters:
    """Filters from the page's GET parameters; a bad value is refused in French."""
    minutes = WIDE_MINUTES
    if distance not in (None, ""):
        text = distance.strip()
        # ASCII digits only: str.isdigit() also accepts « ³ », which int() refuses.
        if not (text.isascii() and text.isdigit()) or len(text) > 3 or not (
                MIN_FILTER_MINUTES <= int(text) <= WIDE_MINUTES):
            raise Invalid(f"durée de trajet invalide : un nombre de minutes de "
                          f"{MIN_FILTER_MINUTES} à {int(WIDE_MINUTES)}",
                          code="invalid_distance")
        minutes = float(int(text))
    if mode not in (None, "") and mode not in FILTER_MODES:
        raise Invalid("mode de consultation invalide : « cabinet » ou « video »",
                      code="invalid_mode")
    if tarif not in (None, "", "sans_depassement"):
        raise Invalid("filtre de tarif invalide : « sans_depassement » ou rien",
                      code="invalid_tarif")
    return Filters(max_minutes=minutes, mode=mode or None,
                   no_overrun=tarif == "sans_depassement")


@dataclass(frozen=True)
class SlotRef:
    slot_id: int
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class CareOption:
    rank: int
    category: str
    mode: str  # "in_person", "ett" (video at an ETT), "on_demand" (queue, from home)
    start_at: datetime
    start_text: str
    travel_minutes: int  # by car, rounded up; 0 from home
    within_30_min: bool
    within_48_h: bool
    cost: costs.Cost
    parcours: costs.Parcours
    practitioner_id: int | None = None
    practitioner_name: str | None = None
    sector: str | None = None
    location_id: int | None = None
    location_name: str | None = None
    location_kind: str | None = None
    commune_code: str | None = None
    commune_name: str | None = None
    slots: list[SlotRef] = field(default_factory=list)
    wait: WaitEstimate | None = None

    @property
    def title(self) -> str:
        return TITLES[self.category]

    @property
    def keeps_promise(self) -> bool:
        return self.within_30_min and self.within_48_h


@dataclass(frozen=True)
class CareAnswer:
    place: Place
    need: str
    now: datetime
    options: list[CareOption]

    @property
    def need_label(self) -> str:
        return SPECIALTIES[self.need]

    @property
    def promise_kept(self) -> bool:
        """France Santé: an in-person consultation ≤ 30 min away and ≤ 48 h from now."""
        return any(o.category == "in_person_48h" for o in self.options)

    def by_category(self) -> dict[str, list[CareOption]]:
        out: dict[str, list[CareOption]] = {c: [] for c in CATEGORIES}
        for o in self.options:
            out[o.category].append(o)
        return out


def check_need(need: str | None) -> str:
    need = (need or "generaliste").strip().lower()
    if need not in SPECIALTIES:
        raise Invalid(f"besoin inconnu : « {need} » (valeurs : {', '.join(SPECIALTIES)})",
                      code="invalid_need")
    return need


def find_care(session: Session, where: str | Place, need: str | None = "generaliste", *,
              patient=None, now: datetime | None = None, geo=None,
              model: TravelModel | None = None, partners: Collection[str] = (),
              filters: Filters | None = None) -> CareAnswer:
    """The ranked options for a patient at ``where`` (code, postcode, name or Place).

    ``patient`` (a Patient row, optional) personalises cost and parcours; nothing is
    written, so an anonymous search is possible and nothing needs auditing.
    """
    if geo is None:
        geo = geography()
    need = check_need(need)
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    place = where if isinstance(where, Place) else resolve(where, geo)
    situation = (costs.Situation.of_patient(patient, local(now).date()) if patient is not None
                 else costs.Situation())
    filters = filters or Filters()
    travel = {site: m for site, m in _travel(session, place, geo, model).items()
              if m <= filters.max_minutes}
    groups = _slot_groups(session, travel, need, now, filters)
    for g in groups:
        g["travel"] = travel[g["location_id"]]
    wait = (estimated_wait(session, need, now) if filters.mode != "cabinet"
            else WaitEstimate(minutes=None, available=0, waiting=0, source="filtre"))
    ranked = _rank([(_category(g, now), g) for g in groups], wait, now)
    people, sites = _details(session, [g for _, g in ranked])
    # Mission days of « Un médecin près de chez vous » are at tarif opposable.
    missions = set(session.scalars(select(MissionSite.location_id).where(
        MissionSite.active.is_(True))).all())
    built = []
    for rank, (category, group) in enumerate(ranked, start=1):
        args = (rank, category, group, situation, need, now, partners)
        built.append(_on_demand(*args) if group["mode"] == "on_demand"
                     else _slot_option(*args, people, sites, geo, missions))
    return CareAnswer(place=place, need=need, now=now, options=built)


def _travel(session: Session, place: Place, geo, model: TravelModel | None) -> dict[int, float]:
    """Site id → car minutes; a site in the patient's own commune costs the mean trip
    across the commune (not 0: the town hall is rarely the patient's door)."""
    model = model or TravelModel()
    minutes = sites_within(session, place.lat, place.lon, WIDE_MINUTES, model)
    if not minutes:
        return {}
    # The commune's own sites, not an IN list of thousands of sites nearby.
    same = set(session.scalars(select(Location.id).where(
        Location.commune_code == place.code)).all()) & minutes.keys()
    if same:
        intra = float(model.intra_minutes(place.area_km2 or math.nan))
        for site in same:
            minutes[site] = max(minutes[site], intra)
    return minutes


def earliest_reachable(now: datetime, drive_minutes: float) -> datetime:
    """The first start time a patient leaving now can make at a site ``drive_minutes`` away."""
    return now + timedelta(minutes=math.ceil(drive_minutes) + ARRIVAL_MARGIN_MINUTES)


FIRST_WINDOW = timedelta(hours=2)
SLOT_COLUMNS = (Slot.id, Slot.start_at, Slot.end_at, Slot.mode, Slot.practitioner_id,
                Slot.location_id)


def _slot_groups(session: Session, travel: dict[int, float], need: str,
                 now: datetime, filters: Filters | None = None) -> list[dict]:
    """The options :func:`_rank` keeps, each with its first few free, reachable slots.

    An option is one practitioner × site × mode; within a category the soonest first
    slot wins.  So each mode's slots (in person; video at an Espace de télésanté) are
    read soonest first, in time windows that widen (2 h, then ×4): a group first seen
    in a window has its first slot there, and a category is decided once it holds its
    :data:`LIMITS` groups with a first slot before the window's end (a group not seen
    yet starts later); the 48-hour categories are also decided past 48 h.  In a city
    the first window decides everything (two thousand slots instead of every reachable
    slot of 6,000 sites over three weeks, numbered by a window function and sorted on
    disk); in the country the windows widen to the horizon.  The « later » category
    takes the best of both modes' own best.  The kept options still short of slots get
    them in one small query.  Same answer as numbering every group's slots
    (``tests/care/test_finder_queries.py`` compares the two on both databases).
    """
    filters = filters or Filters()
    if not travel:
        return []
    cutoff = {site: earliest_reachable(now, m) for site, m in travel.items()}
    by_cat: dict[str, list[dict]] = {c: [] for c in CATEGORIES}
    streams = []
    if filters.mode != "video":
        streams.append(("in_person", list(travel)))
    if filters.mode != "cabinet":  # the few ETTs nearby, not every site again
        etts = [i for i in session.scalars(select(Location.id).where(
            Location.kind == "ett")).all() if i in travel]
        if etts:
            streams.append(("video", etts))
    for mode, sites in streams:
        for category, groups in _scan(session, mode, sites, travel, cutoff, need, now,
                                      filters).items():
            by_cat[category] += groups
    return [g for category, limit in LIMITS.items() for g in sorted(
        by_cat[category], key=lambda g: (g["slots"][0].start_at, g["travel"],
                                         g["slots"][0].slot_id))[:limit]]


def _scan(session: Session, mode: str, sites: list[int], travel: dict[int, float],
          cutoff: dict[int, datetime], need: str, now: datetime,
          filters: Filters) -> dict[str, list[dict]]:
    """One mode's best groups per category (up to its limit), by widening windows."""
    horizon = now + timedelta(days=HORIZON_DAYS)
    promise = now + timedelta(hours=PROMISE_HOURS)
    soon = "in_person_48h" if mode == "in_person" else "ett"
    where = [Slot.status == "free", Slot.specialty == need, Slot.mode == mode,
             in_sites(session, sites), Slot.start_at <= horizon]
    if filters.no_overrun:
        where.append(Slot.practitioner_id.in_(select(Practitioner.id).where(
            Practitioner.sector.in_(SECTORS_WITHOUT_FREE_FEES))))
    groups: dict[tuple, dict] = {}
    by_cat: dict[str, list[dict]] = {soon: [], "later": []}

    def take(rows) -> None:
        for r in sorted(rows, key=lambda r: (r.start_at, r.id)):
            if r.start_at < cutoff[r.location_id]:
                continue
            first = SlotRef(r.id, r.start_at, r.end_at)
            g = groups.get((r.practitioner_id, r.location_id))
            if g is None:
                g = groups[(r.practitioner_id, r.location_id)] = {
                    "practitioner_id": r.practitioner_id, "location_id": r.location_id,
                    "mode": "in_person" if mode == "in_person" else "ett", "slots": [first],
                    "travel": travel[r.location_id]}
                by_cat[_category(g, now)].append(g)
            elif len(g["slots"]) < SLOTS_PER_OPTION:
                g["slots"].append(first)

    def decided(hi: datetime) -> bool:
        return all((hi > promise and category == soon) or sum(
            1 for g in by_cat[category] if g["slots"][0].start_at < hi) >= LIMITS[category]
            for category in by_cat)

    lo, span = now, FIRST_WINDOW
    while True:
        hi = now + span
        take(session.execute(select(*SLOT_COLUMNS).where(
            *where, Slot.start_at >= lo, Slot.start_at < hi)).all())
        if hi > horizon or decided(hi):
            break
        lo, span = hi, span * 4
    kept = {category: sorted(groups_, key=lambda g: (
        g["slots"][0].start_at, g["travel"], g["slots"][0].slot_id))[:LIMITS[category]]
        for category, groups_ in by_cat.items()}
    short = [g for groups_ in kept.values() for g in groups_
             if len(g["slots"]) < SLOTS_PER_OPTION]
    if short and hi <= horizon:  # their next slots lie beyond the last window read
        wanted = {(g["practitioner_id"], g["location_id"]): g for g in short}
        for r in session.execute(select(*SLOT_COLUMNS).where(
                *where[:3], Slot.start_at <= horizon, Slot.start_at >= hi,
                Slot.practitioner_id.in_({g["practitioner_id"] for g in short}))
                .order_by(Slot.start_at, Slot.id)).all():
            g = wanted.get((r.practitioner_id, r.location_id))
            if g is not None and len(g["slots"]) < SLOTS_PER_OPTION \
                    and r.start_at >= cutoff[r.location_id]:
                g["slots"].append(SlotRef(r.id, r.start_at, r.end_at))
    return kept


def _category(group: dict, now: datetime) -> str:
    soon = group["slots"][0].start_at <= now + timedelta(hours=PROMISE_HOURS)
    near = group["travel"] <= PROMISE_MINUTES
    if near and soon:
        return "in_person_48h" if group["mode"] == "in_person" else "ett"
    return "later"


def _rank(options: list[tuple[str, dict]], wait: WaitEstimate,
          now: datetime) -> list[tuple[str, dict]]:
    by_cat: dict[str, list[dict]] = {c: [] for c in CATEGORIES}
    for category, group in options:
        by_cat[category].append(group)
    if wait.minutes is not None:
        by_cat["teleconsultation_now"].append({"wait": wait, "mode": "on_demand",
                                               "slots": [], "location_id": None})
    out: list[tuple[str, dict]] = []
    for category in CATEGORIES:
        groups = sorted(by_cat[category], key=lambda g: (
            g["slots"][0].start_at if g["slots"] else now, g.get("travel", 0.0),
            g["slots"][0].slot_id if g["slots"] else 0))
        out += [(category, g) for g in groups[:LIMITS[category]]]
    return out


def _details(session: Session, groups: list[dict]) -> tuple[dict, dict]:
    """Practitioners and sites of the options kept, in two queries."""
    pids = {g["practitioner_id"] for g in groups if g.get("practitioner_id")}
    lids = {g["location_id"] for g in groups if g.get("location_id")}
    people = {p.id: p for p in session.scalars(
        select(Practitioner).where(Practitioner.id.in_(pids)))} if pids else {}
    sites = {s.id: s for s in session.scalars(
        select(Location).where(Location.id.in_(lids)))} if lids else {}
    return people, sites


def _on_demand(rank: int, category: str, group: dict, situation: costs.Situation, need: str,
               now: datetime, partners: Collection[str]) -> CareOption:
    wait: WaitEstimate = group["wait"]
    start = now + timedelta(minutes=wait.minutes or 0)
    parcours = costs.parcours(situation, specialty=need, practitioner_id=None,
                              on=local(start).date(), remote=True)
    cost = costs.estimate(situation, specialty=need, sector=None, remote=True,
                          on=local(start).date(), partners=partners)
    text = ("dès qu'un médecin de garde se connecte" if wait.from_agendas
            else "maintenant" if not wait.minutes else f"dans {wait.minutes} min environ")
    return CareOption(rank=rank, category=category, mode="on_demand", start_at=start,
                      start_text=text, travel_minutes=0, within_30_min=True,
                      within_48_h=True, cost=cost, parcours=parcours, wait=wait)


def _slot_option(rank: int, category: str, group: dict, situation: costs.Situation,
                 need: str, now: datetime, partners: Collection[str], people: dict,
                 sites: dict, geo, missions: Collection[int] = ()) -> CareOption:
    doctor: Practitioner = people[group["practitioner_id"]]
    site: Location = sites[group["location_id"]]
    first: SlotRef = group["slots"][0]
    remote = group["mode"] == "ett"
    day = local(first.start_at).date()
    parcours = costs.parcours(situation, specialty=need, practitioner_id=doctor.id, on=day,
                              remote=remote)
    cost = costs.estimate(situation, specialty=need, sector=doctor.sector, remote=remote,
                          on=day, partners=partners, practitioner_id=doctor.id,
                          mission=site.id in missions)
    i = geo.index.get(site.commune_code)
    minutes = group["travel"]
    return CareOption(
        rank=rank, category=category, mode=group["mode"], start_at=first.start_at,
        start_text=when_text(first.start_at, now), travel_minutes=max(1, math.ceil(minutes)),
        within_30_min=minutes <= PROMISE_MINUTES,
        within_48_h=first.start_at <= now + timedelta(hours=PROMISE_HOURS),
        cost=cost, parcours=parcours, practitioner_id=doctor.id,
        practitioner_name=doctor.display_name, sector=doctor.sector, location_id=site.id,
        location_name=site.name, location_kind=site.kind, commune_code=site.commune_code,
        commune_name=str(geo.name[i]) if i is not None else site.commune_code,
        slots=list(group["slots"]))
