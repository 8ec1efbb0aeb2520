"""REST API of « Un médecin près de chez vous »: priority zones, mission sites and days,
indemnity statements, the optimiser's proposals.

Nothing here reads health data: statements are about doctors.  A refused third day in a
month answers 409 with code ``mission_day_cap``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from oasis.care.core.actor import Actor
from oasis.care.programmes import proposals as proposal_service
from oasis.care.programmes import service as missions
from oasis.care.programmes.missions import daily_rate
from oasis.care.programmes.models import MissionDay, MissionSite, PriorityZone
from oasis.care.programmes.service import DoctorStatement, ZoneTotal
from oasis.web.api.schemas.missions import (
    AcceptOut,
    CancelIn,
    CancelOut,
    CloseIn,
    DayIn,
    DayOut,
    MissionSiteIn,
    MissionSiteOut,
    PrefillIn,
    PrefillOut,
    ProposalsIn,
    ZoneIn,
    ZoneOut,
)
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import SessionDep

router = APIRouter(prefix="/api/v1/missions", tags=["Un médecin près de chez vous"])

Reader = Annotated[Actor, Depends(require_role("coordinator", "admin", "practitioner"))]
Coordinator = Annotated[Actor, Depends(require_role("coordinator", "admin"))]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Mois AAAA-MM.")]


# ----------------------------------------------------------------------------- zones


@router.get("/zones", response_model=list[ZoneOut], summary="Zones prioritaires (EPCI)")
def zones(session: SessionDep, _actor: Reader) -> list[PriorityZone]:
    return missions.list_zones(session)


@router.post("/zones", response_model=ZoneOut, status_code=201,
             summary="Ajouter une zone prioritaire")
def add_zone(body: ZoneIn, session: SessionDep, _actor: Coordinator) -> PriorityZone:
    zone = missions.add_zone(session, body.epci)
    session.commit()
    return zone


@router.post("/zones/prefill", response_model=PrefillOut,
             summary="Pré-remplir depuis le classement des EPCI prioritaires")
def prefill(body: PrefillIn, session: SessionDep, _actor: Coordinator) -> dict:
    created, updated = missions.prefill_zones(session, top=body.top)
    session.commit()
    return {"created": created, "updated": updated}


@router.get("/zones/totals", response_model=list[ZoneTotal],
            summary="Indemnités par zone (centimes)")
def totals(session: SessionDep, actor: Coordinator, month: Month = None) -> list[ZoneTotal]:
    return missions.zone_totals(session, actor, month=month)


# --------------------------------------------------------------------- mission sites


def _site_out(session, site: MissionSite) -> MissionSiteOut:
    return MissionSiteOut(id=site.id, location_id=site.location_id, name=site.location.name,
                          commune_code=site.location.commune_code, zone_id=site.zone_id,
                          epci=site.zone.epci, slot_minutes=site.slot_minutes,
                          equipment=list(site.location.equipment),
                          medical_assistants=missions.medical_assistants(session,
                                                                         site.location_id))


@router.get("/sites", response_model=list[MissionSiteOut], summary="Sites de mission")
def mission_sites(session: SessionDep, _actor: Reader,
                  zone_id: int | None = None) -> list[MissionSiteOut]:
    return [_site_out(session, s) for s in missions.list_mission_sites(session, zone_id)]


@router.post("/sites", response_model=MissionSiteOut, status_code=201,
             summary="Déclarer un site de mission")
def create_site(body: MissionSiteIn, session: SessionDep,
                _actor: Coordinator) -> MissionSiteOut:
    site = missions.create_mission_site(session, location_id=body.location_id,
                                        zone_id=body.zone_id, slot_minutes=body.slot_minutes,
                                        note=body.note)
    session.commit()
    return _site_out(session, site)


# ---------------------------------------------------------------------- mission days


def _day_out(day: MissionDay) -> DayOut:
    out = DayOut.model_validate(day)
    out.daily_rate_cents = daily_rate(day.day).amount_cents
    return out


@router.get("/days", response_model=list[DayOut], summary="Journées de mission")
def days(session: SessionDep, actor: Reader, month: Month = None,
         practitioner_id: int | None = None,
         mission_site_id: int | None = None) -> list[DayOut]:
    return [_day_out(d) for d in missions.list_days(
        session, actor, month=month, practitioner_id=practitioner_id,
        mission_site_id=mission_site_id)]


@router.post("/days", response_model=DayOut, status_code=201,
             responses={409: {"description": "Plus de 2 jours dans le mois (code "
                                             "mission_day_cap) ou déjà inscrit ce jour "
                                             "(mission_day_taken)"}},
             summary="S'inscrire à une journée de mission")
def sign_up(body: DayIn, session: SessionDep, actor: Reader) -> DayOut:
    replacement = (missions.Replacement(body.replacement.name, body.replacement.rpps,
                                        body.replacement.note) if body.replacement else None)
    day = missions.sign_up(session, actor, mission_site_id=body.mission_site_id, day=body.day,
                           practitioner_id=body.practitioner_id, replacement=replacement,
                           source="volunteer" if actor.role == "practitioner"
                           else "coordinator")
    session.commit()
    return _day_out(day)


@router.post("/days/{day_id}/cancel", response_model=CancelOut,
             summary="Annuler une journée (rendez-vous annulés)")
def cancel(day_id: int, body: CancelIn, session: SessionDep, actor: Reader) -> dict:
    day, cancelled = missions.cancel_day(session, actor, day_id, reason=body.reason)
    session.commit()
    return {"day": _day_out(day).model_dump(mode="json"),
            "cancelled_appointment_ids": cancelled}


@router.post("/days/{day_id}/close", response_model=DayOut,
             summary="Journée effectuée (payée) ou non effectuée")
def close(day_id: int, body: CloseIn, session: SessionDep, actor: Coordinator) -> DayOut:
    day = missions.close_day(session, actor, day_id, status=body.status)
    session.commit()
    return _day_out(day)


@router.get("/statements", response_model=list[DoctorStatement],
            summary="Relevés mensuels d'indemnités (centimes)")
def statements(session: SessionDep, actor: Reader, month: Month = None,
               practitioner_id: int | None = None) -> list[DoctorStatement]:
    return missions.statements(session, actor, month=month, practitioner_id=practitioner_id)


# ------------------------------------------------------------------------- optimiser


@router.post("/proposals/accept", response_model=AcceptOut,
             summary="Accepter les propositions de l'optimiseur")
def accept(body: ProposalsIn, session: SessionDep, actor: Coordinator) -> dict:
    outcomes = proposal_service.accept_proposals(session, actor,
                                                 [p.model_dump() for p in body.proposals])
    session.commit()
    return {"accepted": sum(o.accepted for o in outcomes),
            "refused": sum(not o.accepted for o in outcomes),
            "outcomes": [{"doctor": o.proposal.doctor, "date": o.proposal.day.isoformat(),
                          "accepted": o.accepted, "mission_day_id": o.mission_day_id,
                          "code": o.code, "message": o.message} for o in outcomes]}
