"""« Un médecin près de chez vous » for the coordination: zones, sites, days, indemnities.

A thin page over :mod:`oasis.care.programmes.service`, the same calls as the JSON API
under ``/api/v1/missions``: scheduling a day is :func:`~oasis.care.programmes.service.
sign_up`, cancelling and closing are ``cancel_day`` / ``close_day``, the money comes from
``statements`` / ``zone_totals``.  Nothing here re-implements a rule: the 2-days-a-month
cap is the database's (the service's check gives the message in the ordinary case, a
trigger refuses the race), and this module only turns its ``Conflict`` into a French
sentence for a coordinator — re-showing the form exactly as it was typed, so a refusal
never costs the user their input.  Money is integer cents until the template's
``euros`` filter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from oasis.care.core.errors import CareError, Conflict
from oasis.care.core.inputs import parse_id
from oasis.care.people.models import Practitioner
from oasis.care.programmes import service
from oasis.care.programmes.missions import (
    ACTIVE_DAY_STATUSES,
    MAX_DAYS_PER_MONTH,
    MissionRuleError,
    daily_rate,
)
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.templating import long_date, month_name, render
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
PAGE = "/coordination/missions"
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."
DAY_STATUS_LABELS = {"planned": "Prévue", "completed": "Effectuée", "cancelled": "Annulée",
                     "not_done": "Non effectuée"}
DAY_SOURCE_LABELS = {"volunteer": "le médecin", "coordinator": "la coordination",
                     "optimiser": "plan d'affectation"}


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


def current_month() -> str:
    return service.today_paris().strftime("%Y-%m")


def _month(raw: str | None) -> tuple[str, str | None]:
    """(month shown, error): an unreadable ``mois`` falls back to this month, said so."""
    if not raw:
        return current_month(), None
    try:
        first, _ = service.month_bounds(raw)
    except CareError as exc:
        return current_month(), _sentence(exc.message)
    return first.strftime("%Y-%m"), None


def _shift(month: str, step: int) -> str:
    first, following = service.month_bounds(month)
    other = following if step > 0 else (first - timedelta(days=1))
    return other.strftime("%Y-%m")


def doctors(session) -> list[Practitioner]:
    """Who can be scheduled: the programme is for doctors (the service checks it too)."""
    return list(session.scalars(select(Practitioner).where(
        Practitioner.profession == "medecin").order_by(
        Practitioner.family_name, Practitioner.given_name, Practitioner.id)).all())


def days_used(days) -> Counter:
    """Active days per doctor among ``days`` (one month): what counts towards the cap."""
    return Counter(d.practitioner_id for d in days if d.status in ACTIVE_DAY_STATUSES)


def _page(request: Request, session, who: Visitor, month: str, status_code: int = 200,
          **extra):
    first, _ = service.month_bounds(month)
    sites = service.list_mission_sites(session)
    days = service.list_days(session, who.actor, month=month)
    by_site: dict[int, list] = defaultdict(list)
    for d in days:
        by_site[d.mission_site_id].append(d)
    used = days_used(days)
    names = {p.id: p for p in doctors(session)}
    usage = sorted(({"doctor": names.get(pid) or session.get(Practitioner, pid), "used": n}
                    for pid, n in used.items()), key=lambda u: u["doctor"].family_name)
    statements = service.statements(session, who.actor, month=month)
    zone_totals = service.zone_totals(session, who.actor, month=month)
    try:
        rate_cents = daily_rate(first).amount_cents
    except MissionRuleError:
        rate_cents = None
    context = {
        "month": month, "month_label": month_name(month),
        "previous_month": _shift(month, -1), "next_month": _shift(month, 1),
        "zones": service.list_zones(session), "sites": sites,
        "assistants": {s.id: service.medical_assistants(session, s.location_id)
                       for s in sites},
        "by_site": by_site, "usage": usage, "cap": MAX_DAYS_PER_MONTH,
        "doctors": list(names.values()), "statements": statements,
        "zone_totals": zone_totals,
        "total_cents": sum(s.amount_cents for s in statements),
        "total_days": sum(s.paid_days for s in statements),
        "rate_cents": rate_cents, "today": service.today_paris(),
        "status_labels": DAY_STATUS_LABELS, "source_labels": DAY_SOURCE_LABELS,
        "form": {}, "form_errors": [], "invalid": set(), "ok": None, "erreur": None, **extra}
    return render(request, "pro/missions.html", who, status_code,
                  title="Missions « Un médecin près de chez vous »", section="missions",
                  **context)


@router.get(PAGE)
def missions_page(request: Request, session: SessionDep, who: Coordinator,
                  mois: str | None = None, ok: str | None = None,
                  erreur: str | None = None):
    month, month_error = _month(mois)
    return _page(request, session, who, month, ok=ok, erreur=erreur or month_error)


def refusal(exc: CareError, doctor: Practitioner | None, day: date | None) -> str:
    """The service's refusal, said to a coordinator (who is not the doctor)."""
    who = doctor.display_name if doctor is not None else "Ce médecin"
    if isinstance(exc, Conflict) and exc.code == "mission_day_cap" and day is not None:
        return (f"{who} a déjà {MAX_DAYS_PER_MONTH} journées de mission en "
                f"{month_name(day.strftime('%Y-%m'))} : le programme limite chaque médecin "
                f"à {MAX_DAYS_PER_MONTH} journées par mois, tous sites confondus. Choisissez "
                f"une date dans un autre mois ou un autre médecin.")
    if isinstance(exc, Conflict) and exc.code == "mission_day_taken" and day is not None:
        return (f"{who} a déjà une journée de mission le {long_date(day)} : choisissez une "
                f"autre date.")
    return _sentence(exc.message)


@router.post(PAGE + "/journees")
def schedule_day(request: Request, session: SessionDep, who: Coordinator,
                 csrf: Annotated[str, Form()] = "", site: Annotated[str, Form()] = "",
                 medecin: Annotated[str, Form()] = "", jour: Annotated[str, Form()] = "",
                 remplacant: Annotated[str, Form()] = "", mois: Annotated[str, Form()] = ""):
    month, _ = _month(mois)
    form = {"site": site, "medecin": medecin, "jour": jour, "remplacant": remplacant}
    if not csrf_valid(request, csrf):
        return _page(request, session, who, month, 403, form=form, form_errors=[CSRF_ERROR])
    errors: list[str] = []
    invalid: set[str] = set()
    site_id = parse_id(site)
    doctor_id = parse_id(medecin)
    if site_id is None:
        errors.append("Choisissez le site de mission.")
        invalid.add("site")
    if doctor_id is None:
        errors.append("Choisissez le médecin volontaire.")
        invalid.add("medecin")
    try:
        day = date.fromisoformat(jour)
    except ValueError:
        day = None
        errors.append("Indiquez la date de la journée (jj/mm/aaaa).")
        invalid.add("jour")
    if errors:
        return _page(request, session, who, month, 422, form=form, form_errors=errors,
                     invalid=invalid)
    doctor = session.get(Practitioner, doctor_id)
    replacement = service.Replacement(remplacant.strip()) if remplacant.strip() else None
    try:
        mission_day = service.sign_up(session, who.actor, mission_site_id=site_id, day=day,
                                      practitioner_id=doctor_id, replacement=replacement,
                                      source="coordinator")
        session.commit()
    except CareError as exc:
        session.rollback()
        shown = day.strftime("%Y-%m") if day else month
        field = {"mission_day_cap": "jour", "mission_day_taken": "jour",
                 "day_in_past": "jour", "site_closed": "jour", "no_daily_rate": "jour",
                 "unknown_mission_site": "site", "zone_inactive": "site"}.get(exc.code,
                                                                              "medecin")
        return _page(request, session, who, shown, 409 if isinstance(exc, Conflict) else 422,
                     form=form, form_errors=[refusal(exc, doctor, day)], invalid={field})
    return see_other(PAGE, mois=mission_day.day.strftime("%Y-%m"),
                     ok=f"Journée programmée : {doctor.display_name}, "
                        f"{mission_day.mission_site.location.name}, "
                        f"{long_date(mission_day.day)}. Ses créneaux sont ouverts à la "
                        f"réservation.")


@router.post(PAGE + "/journees/{day_id}/annuler")
def cancel_day(request: Request, day_id: Id, session: SessionDep, who: Coordinator,
               csrf: Annotated[str, Form()] = "", motif: Annotated[str, Form()] = "",
               mois: Annotated[str, Form()] = ""):
    month, _ = _month(mois)
    if not csrf_valid(request, csrf):
        return see_other(PAGE, mois=month, erreur=CSRF_ERROR)
    try:
        mission_day, cancelled = service.cancel_day(session, who.actor, day_id,
                                                    reason=motif.strip() or None)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other(PAGE, mois=month, erreur="Journée non annulée : "
                         + _sentence(exc.message))
    doctor = mission_day.practitioner.display_name
    text = (f"Journée du {long_date(mission_day.day)} annulée ({doctor}) ; ses créneaux ne "
            f"sont plus proposés.")
    if cancelled:
        text += (f" {len(cancelled)} rendez-vous de patients annulé(s) (n° "
                 f"{', '.join(map(str, cancelled))}) : prévenez ces patients.")
    return see_other(PAGE, mois=month, ok=text)


@router.post(PAGE + "/journees/{day_id}/cloturer")
def close_day(request: Request, day_id: Id, session: SessionDep, who: Coordinator,
              csrf: Annotated[str, Form()] = "", statut: Annotated[str, Form()] = "",
              mois: Annotated[str, Form()] = ""):
    month, _ = _month(mois)
    if not csrf_valid(request, csrf):
        return see_other(PAGE, mois=month, erreur=CSRF_ERROR)
    try:
        mission_day = service.close_day(session, who.actor, day_id, status=statut)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other(PAGE, mois=month, erreur="Journée non clôturée : "
                         + _sentence(exc.message))
    paid = ("elle sera indemnisée" if mission_day.status == "completed"
            else "elle ne sera pas indemnisée")
    return see_other(PAGE, mois=month,
                     ok=f"Journée du {long_date(mission_day.day)} notée "
                        f"« {DAY_STATUS_LABELS[mission_day.status].lower()} » : {paid}.")
