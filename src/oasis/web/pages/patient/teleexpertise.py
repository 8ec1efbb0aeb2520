"""« Mes avis de spécialiste »: the patient sees their téléexpertises, the expert's answer
and, after « consultation en présentiel », the finder's slots near home to book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.people.models import Practitioner
from oasis.care.teleexpertise import service as te
from oasis.care.teleexpertise.models import RECOMMENDATIONS, STATUSES
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import SessionDep, SettingsDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
PAGE = "/mes-avis-specialiste"


def _page(request, session, settings, who, request_id=None, status_code=200, **ctx):
    rows = te.sent_by(session, who.actor)
    req, options, names = None, [], {}
    if request_id is not None:
        try:
            req = te.get(session, who.actor, request_id, "mes avis de spécialiste")
        except NotFound:
            raise PageNotFound() from None
        ids = [x for x in (req.expert_id, req.requester_practitioner_id) if x]
        names = {p.id: p.display_name for p in
                 session.query(Practitioner).filter(Practitioner.id.in_(ids)).all()}
        if req.recommendation in ("in_person", "urgent") and req.appointment_id is None:
            options = te.in_person_options(session, who.actor, req.id,
                                           partners=tuple(settings.partner_mutuelles))[:5]
    session.commit()
    return render(request, "patient/teleexpertise.html", who, status_code=status_code,
                  title="Mes avis de spécialiste", section="avis", rows=rows, req=req,
                  options=options, names=names, specialties=SPECIALTIES, statuses=STATUSES,
                  recommendations=RECOMMENDATIONS, now=utcnow(), **ctx)


@router.get(PAGE)
def my_requests(request: Request, session: SessionDep, settings: SettingsDep):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    return _page(request, session, settings, who)


@router.get(PAGE + "/{request_id}")
def my_request(request_id: int, request: Request, session: SessionDep, settings: SettingsDep,
               ok: str | None = None):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    return _page(request, session, settings, who, request_id,
                 ok="Votre rendez-vous est réservé." if ok else None)


@router.post(PAGE + "/{request_id}/rendez-vous")
def book(request_id: int, request: Request, session: SessionDep, settings: SettingsDep,
         csrf: Annotated[str, Form()] = "", slot_id: Annotated[int, Form()] = 0):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    if not csrf_valid(request, csrf):
        return _page(request, session, settings, who, request_id, 403,
                     erreur="Le formulaire a expiré : rechargez la page et recommencez.")
    try:
        te.book(session, who.actor, request_id, slot_id)
        session.commit()
    except NotFound:
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _page(request, session, settings, who, request_id, 409, erreur=exc.message)
    return see_other(f"{PAGE}/{request_id}", ok="1")
