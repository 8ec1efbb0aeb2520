"""« Mon agenda du jour » and schedule management (weekly hours, absences, slots)."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import pairwise
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.booking import service as booking
from oasis.care.core.errors import CareError
from oasis.care.core.vocab import MODES
from oasis.care.finder.text import DAYS
from oasis.care.notifications import service as notifications
from oasis.care.scheduling import agenda
from oasis.care.scheduling import service as scheduling
from oasis.web.kit import notify
from oasis.web.kit.auth import Visitor, page_gate, visitor
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.nav import home_of
from oasis.web.kit.templating import render
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
Practitioner = Annotated[Visitor, Depends(page_gate("practitioner"))]
AgendaReader = Annotated[Visitor, Depends(page_gate("practitioner", "nurse"))]
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."
MAX_INTERVALS = 4  # per weekday on the form


@router.get("/pro")
def pro_home(request: Request, session: SessionDep) -> RedirectResponse:
    """The professionals' entry point: each role's main page (sign-in first)."""
    who = visitor(request, session)
    if who.account is None:
        return see_other("/connexion", suite="/pro")
    return see_other(home_of(who.role))


def _parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@router.get("/pro/agenda")
def day_agenda(request: Request, session: SessionDep, who: AgendaReader,
               jour: str | None = None, ok: str | None = None, erreur: str | None = None):
    day = _parse_day(jour)
    bad_day = jour is not None and day is None
    day = day or agenda.today()
    lines = agenda.day_agenda(session, who.actor, day)
    session.commit()  # the audit events of what is shown
    today = agenda.today()
    return render(request, "pro/agenda.html", who, title="Mon agenda du jour",
                  section="agenda", day=day, today=today, lines=lines,
                  previous=day - timedelta(days=1), next=day + timedelta(days=1),
                  bad_day=bad_day, ok=ok, erreur=erreur,
                  now=agenda.utcnow())


@router.post("/pro/agenda/{appointment_id}/absent")
def mark_absent(request: Request, appointment_id: Id, session: SessionDep, who: AgendaReader,
                csrf: Annotated[str, Form()] = "", jour: Annotated[str, Form()] = ""):
    if not csrf_valid(request, csrf):
        return see_other("/pro/agenda", jour=jour, erreur=CSRF_ERROR)
    try:
        booking.mark_no_show(session, who.actor, appointment_id)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other("/pro/agenda", jour=jour, erreur=_sentence(exc.message))
    return see_other("/pro/agenda", jour=jour, ok="Patient noté absent.")


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


# ------------------------------------------------------------------ schedules
def _schedule_page(request: Request, session, who: Visitor, status_code: int = 200, **extra):
    summaries = agenda.schedules_of(session, who.actor.practitioner_id)
    sites = agenda.practitioner_sites(session, who.actor.practitioner_id)
    context = {"summaries": summaries, "sites": sites, "errors": {}, "forms": {},
               "contact": None, "exception": None, "ok": None, "erreur": None,
               "max_intervals": MAX_INTERVALS, "today": agenda.today(), **extra}
    return render(request, "pro/disponibilites.html", who, status_code,
                  title="Mes disponibilités", section="disponibilites", **context)


@router.get("/pro/disponibilites")
def schedules_page(request: Request, session: SessionDep, who: Practitioner,
                   ok: str | None = None, erreur: str | None = None,
                   absence: int | None = None):
    exception = contact = None
    if absence is not None:
        try:
            exception, contact = agenda.booked_in_exception(session, who.actor, absence)
            session.commit()
        except CareError:
            session.rollback()
    return _schedule_page(request, session, who, ok=ok, erreur=erreur, exception=exception,
                          contact=contact)


def _owned(session, who: Visitor, schedule_id: Id):
    return agenda.owned_schedule(session, who.actor, schedule_id)


def _time(raw: str) -> time | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    return time.fromisoformat(raw)  # ValueError on garbage, caught by the caller


@router.post("/pro/disponibilites/{schedule_id}/absence")
def add_absence(request: Request, schedule_id: Id, session: SessionDep, who: Practitioner,
                csrf: Annotated[str, Form()] = "", debut: Annotated[str, Form()] = "",
                heure_debut: Annotated[str, Form()] = "", fin: Annotated[str, Form()] = "",
                heure_fin: Annotated[str, Form()] = "", motif: Annotated[str, Form()] = ""):
    form = {"debut": debut, "heure_debut": heure_debut, "fin": fin, "heure_fin": heure_fin,
            "motif": motif}
    if not csrf_valid(request, csrf):
        return see_other("/pro/disponibilites", erreur=CSRF_ERROR)
    try:
        _owned(session, who, schedule_id)
    except CareError:
        return see_other("/pro/disponibilites", erreur="Agenda introuvable.")
    errors: dict[str, str] = {}
    start_day = _parse_day(debut)
    end_day = _parse_day(fin or debut)
    if start_day is None:
        errors["debut"] = "Indiquez le premier jour de l'absence."
    if end_day is None:
        errors["fin"] = "Indiquez le dernier jour de l'absence."
    try:
        start_time, end_time = _time(heure_debut), _time(heure_fin)
    except ValueError:
        errors["heure"] = "Heure invalide : utilisez le format 14:30."
    if not errors:
        try:
            start, end = agenda.parse_local_period(start_day, start_time, end_day, end_time)
            exception, _booked = scheduling.add_exception(
                session, schedule_id, start, end, motif.strip()[:200] or None)
            session.commit()
            return see_other("/pro/disponibilites", absence=exception.id,
                             ok="Absence enregistrée : les créneaux libres de la période "
                                "ne sont plus proposés.")
        except CareError as exc:
            session.rollback()
            errors["periode"] = _sentence(exc.message)
    return _schedule_page(request, session, who, 422, errors={schedule_id: errors},
                          forms={schedule_id: form},
                          erreur="L'absence n'a pas été enregistrée : corrigez le formulaire.")


@router.post("/pro/disponibilites/absence/{exception_id}/annuler-rendez-vous")
def cancel_absence_appointments(request: Request, exception_id: Id, session: SessionDep,
                                who: Practitioner, csrf: Annotated[str, Form()] = ""):
    """« Annuler ces rendez-vous et prévenir les patients »: each gets an e-mail (.ics)."""
    if not csrf_valid(request, csrf):
        return see_other("/pro/disponibilites", erreur=CSRF_ERROR)
    try:
        cancelled = agenda.cancel_in_exception(session, who.actor, exception_id)
        session.commit()
    except CareError:
        session.rollback()
        return see_other("/pro/disponibilites", erreur="Absence introuvable.")
    notify.send(request, session, notifications.outbox_for(
        session, "cancelled_by_practice", [f"appointment:{a.id}" for a in cancelled]))
    n = len(cancelled)
    return see_other("/pro/disponibilites", absence=exception_id,
                     ok=f"{n} rendez-vous annulé{'s' if n > 1 else ''} : "
                        f"{'les patients sont prévenus' if n > 1 else 'le patient est prévenu'}"
                        " par message.")


def _weekly_from_form(form) -> tuple[list[tuple[int, time, time]], list[str]]:
    rows, errors = [], []
    for weekday in range(7):
        for i in range(MAX_INTERVALS):
            start_raw = (form.get(f"j{weekday}_{i}_debut") or "").strip()
            end_raw = (form.get(f"j{weekday}_{i}_fin") or "").strip()
            if not start_raw and not end_raw:
                continue
            label = f"{agenda_day_name(weekday)}, plage {i + 1}"
            try:
                start, end = time.fromisoformat(start_raw), time.fromisoformat(end_raw)
            except ValueError:
                errors.append(f"{label} : indiquez un début et une fin (format 09:00).")
                continue
            if start >= end:
                errors.append(f"{label} : la fin doit être après le début.")
                continue
            rows.append((weekday, start, end))
    rows.sort()
    for (d1, _s1, e1), (d2, s2, _e2) in pairwise(rows):
        if d1 == d2 and s2 < e1:
            errors.append(f"{agenda_day_name(d1)} : deux plages se chevauchent.")
    return rows, errors


def agenda_day_name(weekday: int) -> str:
    return DAYS[weekday].capitalize()


@router.post("/pro/disponibilites/{schedule_id}/semaine")
async def set_week(request: Request, schedule_id: Id, session: SessionDep,
                   who: Practitioner):
    form = await request.form()
    if not csrf_valid(request, str(form.get("csrf") or "")):
        return see_other("/pro/disponibilites", erreur=CSRF_ERROR)
    try:
        _owned(session, who, schedule_id)
    except CareError:
        return see_other("/pro/disponibilites", erreur="Agenda introuvable.")
    rows, errors = _weekly_from_form(form)
    if errors:
        return _schedule_page(request, session, who, 422, errors={schedule_id: {
            "semaine": errors}}, erreur="Les horaires n'ont pas été modifiés : "
                                        "corrigez le formulaire.")
    try:
        scheduling.set_weekly(session, schedule_id, rows)
        created = scheduling.generate_slots(session, schedule_id)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other("/pro/disponibilites", erreur=_sentence(exc.message))
    return see_other("/pro/disponibilites",
                     ok=f"Horaires enregistrés ; {created} nouveaux créneaux ouverts.")


@router.post("/pro/disponibilites/{schedule_id}/generer")
def generate(request: Request, schedule_id: Id, session: SessionDep, who: Practitioner,
             csrf: Annotated[str, Form()] = "", jours: Annotated[str, Form()] = "21"):
    if not csrf_valid(request, csrf):
        return see_other("/pro/disponibilites", erreur=CSRF_ERROR)
    try:
        days = int(jours)
    except ValueError:
        days = 0
    if not 1 <= days <= 120:
        return see_other("/pro/disponibilites",
                         erreur="Nombre de jours entre 1 et 120.")
    try:
        _owned(session, who, schedule_id)
        created = scheduling.generate_slots(session, schedule_id, days=days)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other("/pro/disponibilites", erreur=_sentence(exc.message))
    return see_other("/pro/disponibilites",
                     ok=f"{created} nouveaux créneaux ouverts sur {days} jours.")


@router.post("/pro/disponibilites/nouveau")
def new_schedule(request: Request, session: SessionDep, who: Practitioner,
                 csrf: Annotated[str, Form()] = "", site: Annotated[str, Form()] = "",
                 mode: Annotated[str, Form()] = "in_person",
                 duree: Annotated[str, Form()] = "20"):
    if not csrf_valid(request, csrf):
        return see_other("/pro/disponibilites", erreur=CSRF_ERROR)
    allowed = {s.id for s in agenda.practitioner_sites(session, who.actor.practitioner_id)}
    try:
        location_id, minutes = int(site), int(duree)
    except ValueError:
        return see_other("/pro/disponibilites", erreur="Choisissez un site et une durée.")
    if location_id not in allowed or mode not in MODES:
        return see_other("/pro/disponibilites", erreur="Site ou mode inconnu.")
    try:
        scheduling.create_schedule(session, practitioner_id=who.actor.practitioner_id,
                                   location_id=location_id, mode=mode, slot_minutes=minutes)
        session.commit()
    except CareError as exc:
        session.rollback()
        return see_other("/pro/disponibilites", erreur=_sentence(exc.message))
    return see_other("/pro/disponibilites",
                     ok="Agenda créé : indiquez maintenant ses horaires de la semaine.")
