"""``GET /api/v1/care-options``: the finder's ranked answer for a commune and a need.

Anonymous callers get the answer for « an adult in the parcours without mutuelle »; a
signed-in patient gets their own costs and parcours (their record is read, so the read
is audited).  A commune that cannot be resolved is a 422 carrying ``suggestions``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from oasis.care.accounts.models import Account
from oasis.care.accounts.service import actor_for
from oasis.care.audit.service import record
from oasis.care.core.errors import Invalid, Unauthenticated
from oasis.care.core.geo import geography
from oasis.care.finder import PlaceError, find_care, resolve
from oasis.care.finder.places import Choice
from oasis.care.finder.serialize import answer_dict
from oasis.care.people.models import Patient
from oasis.web.api.schemas.care_options import CareAnswerOut, PlaceChoiceOut
from oasis.web.kit.auth import optional_account
from oasis.web.kit.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["trouver un soin"])


def lenient_account(request: Request, session: SessionDep,
                    settings: SettingsDep) -> Account | None:
    """The signed-in account, or None — a stale cookie must not block a public search."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    try:
        return optional_account(request, session, settings, token)
    except Unauthenticated:
        return None


LenientAccount = Annotated[Account | None, Depends(lenient_account)]


def patient_of(session, account: Account | None, purpose: str) -> Patient | None:
    """The account's patient record, its read audited (it personalises the answer)."""
    if account is None or account.role != "patient" or account.patient_id is None:
        return None
    patient = session.get(Patient, account.patient_id)
    record(session, actor_for(session, account), "read", "Patient", patient.id,
           patient_id=patient.id, purpose=purpose)
    return patient


def place_error(exc: PlaceError) -> JSONResponse:
    return JSONResponse({"detail": exc.message, "code": exc.code,
                         "suggestions": [c.as_dict() for c in exc.suggestions]}, 422)


@router.get("/care-options", response_model=CareAnswerOut,
            summary="Trouver un soin : options classées pour une commune",
            responses={422: {"description": "Commune inconnue, ambiguë ou mal formée "
                                            "(avec `suggestions`), ou besoin inconnu"}})
def care_options(
    session: SessionDep, settings: SettingsDep, account: LenientAccount,
    commune: Annotated[str | None, Query(
        description="Code INSEE (prioritaire) ou code postal ; par défaut la commune du "
                    "patient connecté", max_length=120)] = None,
    postcode: Annotated[str | None, Query(description="Code postal (à la place de commune)",
                                          max_length=10)] = None,
    need: Annotated[str, Query(description="generaliste ou une spécialité "
                                           "(ophtalmologue, pediatre, …)")] = "generaliste",
):
    """In person ≤ 30 min and ≤ 48 h first (France Santé), then an ETT, teleconsultation
    now, then later options; each with travel time, start, cost and parcours de soins."""
    geo = geography()
    patient = patient_of(session, account, "recherche de soins (coût, parcours)")
    try:
        if postcode:
            place = resolve(postcode, geo, codes="postcode")
        elif commune:
            place = resolve(commune, geo)
        elif patient is not None:
            place = resolve(patient.commune_code, geo)
        else:
            raise Invalid("indiquez commune= (code INSEE ou postal) ou postcode=",
                          code="missing_commune")
    except PlaceError as exc:
        return place_error(exc)
    answer = find_care(session, place, need, patient=patient, geo=geo,
                       partners=settings.partner_mutuelles)
    session.commit()
    return answer_dict(answer, personalised=patient is not None)


@router.get("/places", response_model=list[PlaceChoiceOut],
            summary="Communes correspondant à un texte (autocomplétion)")
def places(q: Annotated[str, Query(min_length=2, max_length=120)],
           limit: Annotated[int, Query(ge=1, le=20)] = 8) -> list[dict]:
    """Name, INSEE or postal code → communes, most populous first; ``label`` (« Nevers
    (58194) ») typed back into ``commune=`` or the search page resolves exactly."""
    geo = geography()
    out = []
    for i in geo.search(q, limit):
        out.append(Choice(str(geo.code[i]), str(geo.name[i]), str(geo.dep[i]),
                          tuple(str(geo.postal_codes[i]).split())).as_dict())
    return out
