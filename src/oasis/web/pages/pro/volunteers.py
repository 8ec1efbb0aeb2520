"""Coordinators' volunteer plan: where volunteer doctors' days raise the APL most.

The page runs :func:`oasis.territory.volunteers.plan_volunteers` — the optimiser of
``oasis plan volunteers`` — with the CLI's inputs: the demo APL (synthetic GP supply,
seed 0, :func:`oasis.territory.demo.demo_apl`), the 151 priority EPCIs of the zoning, and the
500 SYNTHETIC volunteers of :func:`~oasis.territory.volunteers.synthetic_doctors`.  The
form narrows the priority EPCIs to one department or region, sets the monthly budget
(euros, parsed by the CLI's own ``parse_budget_cents``) and the maximum drive.  Every
figure shown (days, cost, population lifted above the sous-dense threshold, APL
before/after per EPCI) is the plan's own.

Synthetic volunteers are not people in the database, so their plan cannot become
mission days.  The second source, « médecins inscrits sur la plateforme », plans the
platform's GPs (home = the commune of their practice, days left under the monthly cap)
towards the communes holding a mission site, as the programmes README shows from Python
(``proposals.mission_hosts`` then ``plan_volunteers``); that plan's proposals can be
accepted, each through :func:`oasis.care.programmes.proposals.accept_proposals` — the same
sign-up as a volunteer's, cap and all — and every refusal is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from oasis.care.core.errors import CareError, Conflict
from oasis.care.core.inputs import parse_id
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.programmes import proposals as proposal_service
from oasis.care.programmes import service
from oasis.care.programmes.missions import MAX_DAYS_PER_MONTH, mission_terms
from oasis.care.programmes.models import MissionSite
from oasis.care.sites.models import Location
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import month_name, render
from oasis.web.pages.pro.missions import days_used, refusal

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
PAGE = "/coordination/volontaires"
TOP_EPCI = 151  # `oasis plan volunteers --top` default
SYNTHETIC_DOCTORS, SEED = 500, 0  # the CLI's defaults without --doctors
SOLVER_SECONDS = 10.0
MINUTES = (10, 180)
SOURCES = {"synthetiques": "500 volontaires synthétiques (démonstration, comme « oasis plan "
                           "volunteers »)",
           "plateforme": "Médecins généralistes inscrits sur la plateforme, vers les sites "
                         "de mission (propositions acceptables)"}
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."


def fr(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def thousands(value: float) -> str:
    return f"{round(value):,}".replace(",", "\u00a0")


@lru_cache(maxsize=1)
def areas() -> tuple[tuple[str, str], ...]:
    """(value, label) of every region then department of the analysis units."""
    from oasis.territory.geography import load_geography

    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    regions = sorted({(str(geo.region[i]), str(geo.region_name[i])) for i in units})
    deps = sorted({(str(geo.dep[i]), str(geo.dep_name[i])) for i in units})
    return (tuple((f"reg-{c}", f"{n} (région)") for c, n in regions)
            + tuple((f"dep-{c}", f"{c} — {n}") for c, n in deps))


def area_mask(geo, rows: np.ndarray, area: str) -> np.ndarray:
    """Analysis units (positions in ``rows``) of ``dep-58`` or ``reg-27``."""
    kind, code = area.split("-", 1)
    column = geo.dep if kind == "dep" else geo.region
    return column[rows].astype(str) == code


def epcis_in(geo, rows: np.ndarray, mask: np.ndarray, ranked: list[str]) -> list[str]:
    """The EPCIs of ``ranked`` with at least one member commune inside the area."""
    present = set(geo.epci[rows][mask].astype(str))
    return [e for e in ranked if e in present]


def top_priority_epcis() -> list[str]:
    """The CLI's default zones: the first 151 of the zoning's priority ranking."""
    from oasis.territory.indicators import priority_epci

    return priority_epci().sort_values("rank").index[:TOP_EPCI].astype(str).tolist()


@dataclass
class PlatformInput:
    """The platform's GPs as optimiser input, and what the page needs to name them."""

    doctors: object  # oasis.territory.volunteers.Doctors
    names: dict[str, str]
    epcis: list[str]
    hosts: np.ndarray
    left_out: list[str] = field(default_factory=list)  # no practice commune known


def platform_input(session, geo, rows: np.ndarray, mask: np.ndarray, month: str,
                   actor) -> PlatformInput:
    """GPs at the commune of their own practice (not a mission site), with the days the
    monthly cap still leaves them; hosts and zones from the database, in the area."""
    from oasis.territory.volunteers import Doctors

    zone_epcis, hosts = proposal_service.mission_hosts(session, geo)
    hosts = hosts[mask[hosts]]
    epcis = epcis_in(geo, rows, mask, zone_epcis)
    position = {str(code): k for k, code in enumerate(geo.code[rows])}
    mission_locations = select(MissionSite.location_id)
    practice = dict(session.execute(
        select(PractitionerRole.practitioner_id, Location.commune_code)
        .join(Location, Location.id == PractitionerRole.location_id)
        .where(PractitionerRole.active.is_(True), Location.active.is_(True),
               Location.id.not_in(mission_locations))
        .order_by(PractitionerRole.id.desc())).all())  # the first role wins
    used = days_used(service.list_days(session, actor, month=month))
    ids, units, days, names, left_out = [], [], [], {}, []
    for doctor in session.scalars(select(Practitioner).where(
            Practitioner.profession == "medecin", Practitioner.specialty == "generaliste")
            .order_by(Practitioner.family_name, Practitioner.id)):
        commune = practice.get(doctor.id)
        if commune not in position:
            left_out.append(doctor.display_name)
            continue
        ids.append(str(doctor.id))
        units.append(position[commune])
        days.append(max(0, MAX_DAYS_PER_MONTH - used.get(doctor.id, 0)))
        names[str(doctor.id)] = doctor.display_name
    return PlatformInput(Doctors(np.array(ids, dtype=object), np.array(units, dtype=np.int64),
                                 np.array(days, dtype=np.int64)), names, epcis, hosts,
                         left_out)


def _next_month() -> str:
    _, following = service.month_bounds(service.today_paris().strftime("%Y-%m"))
    return following.strftime("%Y-%m")


def _form(territoire: str, budget: str, minutes: str, medecins: str, mois: str) -> dict:
    return {"territoire": territoire, "budget": budget, "minutes": minutes,
            "medecins": medecins if medecins in SOURCES else "synthetiques",
            "mois": mois or _next_month()}


def _render(request: Request, who: Visitor, form: dict, status_code: int = 200, **extra):
    from oasis.territory.siting import STATUS_FR

    context = {"plan": None, "errors": [], "outcomes": None, "proposals": [], "names": {},
               "left_out": [], "threshold": None, **extra}
    return render(request, "pro/volontaires.html", who, status_code,
                  title="Médecins volontaires", section="volontaires", form=form,
                  areas=areas(), sources=SOURCES, status_fr=STATUS_FR, fr=fr,
                  thousands=thousands, cap=MAX_DAYS_PER_MONTH, **context)


@router.get(PAGE)
def volunteers_page(request: Request, session: SessionDep, who: Coordinator,
                    territoire: str = "", budget: str = "20000", minutes: str = "90",
                    medecins: str = "synthetiques", mois: str = ""):
    from oasis.territory.demo import demo_apl
    from oasis.territory.maps import volunteer_map
    from oasis.territory.volunteers import (
        VolunteerInputError,
        parse_budget_cents,
        plan_volunteers,
        synthetic_doctors,
    )

    form = _form(territoire, budget, minutes, medecins, mois)
    if not territoire:
        return _render(request, who, form)
    errors: list[str] = []
    if territoire not in {value for value, _ in areas()}:
        errors.append("Territoire inconnu : choisissez un département ou une région.")
    budget_cents = None
    if budget.strip():
        try:
            budget_cents = parse_budget_cents(budget)
        except VolunteerInputError as exc:
            errors.append(f"Budget : {exc}.")
    try:
        max_minutes = int(minutes)
        if not MINUTES[0] <= max_minutes <= MINUTES[1]:
            raise ValueError
    except ValueError:
        max_minutes = 0
        errors.append(f"Temps de trajet : un nombre entier de minutes entre {MINUTES[0]} et "
                      f"{MINUTES[1]}.")
    try:
        first, _ = service.month_bounds(form["mois"])
    except CareError as exc:
        errors.append(f"Mois : {exc.message}.")
    if errors:
        return _render(request, who, form, 422, errors=errors)
    apl = demo_apl()
    geo, rows = apl.geo, apl.units
    mask = area_mask(geo, rows, territoire)
    names: dict[str, str] = {}
    left_out: list[str] = []
    if form["medecins"] == "plateforme":
        source = platform_input(session, geo, rows, mask, form["mois"], who.actor)
        doctors, epcis, hosts = source.doctors, source.epcis, source.hosts
        names, left_out = source.names, source.left_out
        if not hosts.size:
            errors.append("Aucun site de mission actif dans ce territoire : déclarez-en un "
                          "ou choisissez les volontaires synthétiques.")
        elif not len(doctors):
            errors.append("Aucun médecin généraliste de la plateforme n'a de commune "
                          "d'exercice connue.")
    else:
        doctors = synthetic_doctors(apl, SYNTHETIC_DOCTORS, SEED)
        epcis, hosts = epcis_in(geo, rows, mask, top_priority_epcis()), None
        if not epcis:
            errors.append(f"Aucun des {TOP_EPCI} EPCI prioritaires n'est dans ce territoire.")
    plan = None
    if not errors:
        try:
            plan = plan_volunteers(apl, doctors, epcis, mission_terms(first),
                                   budget_cents=budget_cents,
                                   max_minutes=float(max_minutes), hosts=hosts,
                                   time_limit=SOLVER_SECONDS)
        except VolunteerInputError as exc:
            errors.append(str(exc)[:1].upper() + str(exc)[1:] + ".")
    proposals = []
    if plan is not None and form["medecins"] == "plateforme":
        proposals = proposal_service.proposals_from_plan(plan, form["mois"])
    epci_rows = []
    if plan is not None:
        table = plan.epcis.assign(gain=plan.epcis["apl_after"] - plan.epcis["apl_before"])
        epci_rows = table.sort_values(["gain", "population"], ascending=False).to_dict(
            "records")
    return _render(request, who, form, 422 if errors else 200, errors=errors, plan=plan,
                   epci_rows=epci_rows, names=names, left_out=left_out, proposals=proposals,
                   commune_name=lambda code: str(geo.name[geo.index[code]]),
                   epci_name=lambda code: str(geo.epci_name[geo.index[code]] or ""),
                   threshold=float(apl.thresholds[0]), month_label=month_name(form["mois"]),
                   plan_map=volunteer_map(plan, float(apl.thresholds[0])) if plan else None)


def _outcome_line(outcome, doctors: dict[int, Practitioner]) -> dict:
    proposal = outcome.proposal
    doctor = doctors.get(parse_id(str(proposal.doctor)))
    message = None
    if not outcome.accepted:
        message = refusal(Conflict(outcome.message or "", code=outcome.code), doctor,
                          proposal.day if proposal.day != date.min else None)
    return {"doctor": doctor.display_name if doctor else str(proposal.doctor),
            "day": proposal.day if proposal.day != date.min else None,
            "commune": proposal.commune, "accepted": outcome.accepted,
            "mission_day_id": outcome.mission_day_id, "message": message}


@router.post(PAGE + "/accepter")
async def accept(request: Request, session: SessionDep, who: Coordinator):
    """Accept the shown plan's proposals (hidden fields ``médecin|commune|date``)."""
    data = await request.form()
    form = _form(*(str(data.get(k) or "") for k in ("territoire", "budget", "minutes",
                                                     "medecins", "mois")))
    if not csrf_valid(request, str(data.get("csrf") or "")):
        return _render(request, who, form, 403, errors=[CSRF_ERROR])
    records = []
    for raw in data.getlist("proposition"):
        doctor, _, rest = str(raw).partition("|")
        commune, _, day = rest.partition("|")
        records.append({"doctor": doctor, "commune": commune, "date": day})
    if not records:
        return _render(request, who, form, 422, errors=["Aucune proposition à accepter."])
    outcomes = proposal_service.accept_proposals(session, who.actor, records)
    session.commit()
    ids = {i for o in outcomes if (i := parse_id(str(o.proposal.doctor))) is not None}
    doctors = {p.id: p for p in session.scalars(select(Practitioner).where(
        Practitioner.id.in_(ids)))}
    lines = [_outcome_line(o, doctors) for o in outcomes]
    return _render(request, who, form, outcomes=lines,
                   accepted=sum(o.accepted for o in outcomes),
                   refused=sum(not o.accepted for o in outcomes),
                   month_label=month_name(form["mois"]))
