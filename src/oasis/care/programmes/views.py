"""REST API of the national programmes: France Santé label and dashboard, missions.

Nothing here reads health data: label figures are counts, statements are about doctors.
Errors are the care API's ``{"detail": …, "code": …}`` (a refused third day answers 409
with code ``mission_day_cap``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from oasis.care.access import Actor
from oasis.care.programmes import proposals as proposal_service
from oasis.care.programmes import service as missions
from oasis.care.programmes.dashboard import dashboard
from oasis.care.programmes.label import DEFAULT_WEEKS, SiteLabel, label_site, label_sites
from oasis.care.programmes.missions import daily_rate
from oasis.care.programmes.models import MissionDay, MissionSite, PriorityZone
from oasis.web.api.schemas import ORM
from oasis.web.auth import require_role
from oasis.web.deps import SessionDep

france_sante = APIRouter(prefix="/api/v1/france-sante", tags=["France Santé"])
router = APIRouter(prefix="/api/v1/missions", tags=["Un médecin près de chez vous"])

Reader = Annotated[Actor, Depends(require_role("coordinator", "admin", "practitioner"))]
Coordinator = Annotated[Actor, Depends(require_role("coordinator", "admin"))]
Weeks = Annotated[int, Query(ge=1, le=52, description="Période de mesure des demandes "
                                                      "(semaines).")]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Mois AAAA-MM.")]


# ------------------------------------------------------------------------ France Santé
class CriterionOut(BaseModel):
    code: str
    label: str
    passed: bool
    evidence: str
    figures: dict


class LabelOut(BaseModel):
    location_id: int
    name: str
    commune_code: str
    kind: str
    eligible: bool
    failing: list[str]
    criteria: list[CriterionOut]
    period_start: datetime
    period_end: datetime
    catchment_communes: int


def _label_out(s: SiteLabel) -> LabelOut:
    return LabelOut(location_id=s.location_id, name=s.location_name,
                    commune_code=s.commune_code, kind=s.kind, eligible=s.eligible,
                    failing=[c.code for c in s.report.failing()],
                    criteria=[CriterionOut(code=c.code, label=c.label, passed=c.passed,
                                           evidence=c.evidence, figures=c.figures)
                              for c in s.report.criteria],
                    period_start=s.period_start, period_end=s.period_end,
                    catchment_communes=s.catchment_communes)


@france_sante.get("/sites/{location_id}/label", response_model=LabelOut,
                  summary="Vérification du label France Santé d'un site")
def site_label(location_id: int, session: SessionDep, _actor: Reader,
               weeks: Weeks = DEFAULT_WEEKS) -> LabelOut:
    """Chaque critère (infirmier, 5 jours, secteur 1, 30 min, 48 h) avec ses preuves."""
    return _label_out(label_site(session, location_id, weeks=weeks))


@france_sante.get("/sites/labels", response_model=list[LabelOut],
                  summary="Label France Santé de tous les sites actifs")
def all_labels(session: SessionDep, _actor: Reader,
               weeks: Weeks = DEFAULT_WEEKS) -> list[LabelOut]:
    return [_label_out(s) for s in label_sites(session, weeks=weeks)]


@france_sante.get("/dashboard", summary="Tableau de bord territorial France Santé")
def territory_dashboard(session: SessionDep, _actor: Reader,
                        departement: Annotated[str | None, Query(
                            max_length=3, description="Limiter à un département.")] = None,
                        gaps: Annotated[int, Query(ge=0, le=1000, description="Communes "
                                                   "non couvertes listées.")] = 50,
                        weeks: Weeks = DEFAULT_WEEKS) -> dict:
    """Par commune : site labellisé à ≤ 30 min **et** créneau libre ≤ 48 h, maintenant."""
    d = dashboard(session, department=departement, weeks=weeks)
    gap_frame = d.gaps()
    return {
        "summary": d.summary(),
        "labelled_sites": [{"location_id": s.location_id, "name": s.location_name,
                            "commune_code": s.commune_code,
                            "free_slot_48h": s.location_id in d.with_slot}
                           for s in d.labelled],
        "departments": d.departments().to_dict("records"),
        "gaps_total": len(gap_frame),
        "gaps": gap_frame.head(gaps)[["code", "name", "dep", "population",
                                       "minutes_to_labelled", "gap"]]
        .replace({float("inf"): None}).to_dict("records"),
    }


# ----------------------------------------------------------------------------- zones
class ZoneOut(ORM):
    id: int
    epci: str
    name: str
    rank: int | None
    score: float | None
    source: str
    active: bool


class ZoneIn(BaseModel):
    epci: str = Field(min_length=9, max_length=9)


class PrefillIn(BaseModel):
    top: int = Field(151, ge=1, le=1500)


@router.get("/zones", response_model=list[ZoneOut], summary="Zones prioritaires (EPCI)")
def zones(session: SessionDep, _actor: Reader) -> list[PriorityZone]:
    return missions.list_zones(session)


@router.post("/zones", response_model=ZoneOut, status_code=201,
             summary="Ajouter une zone prioritaire")
def add_zone(body: ZoneIn, session: SessionDep, _actor: Coordinator) -> PriorityZone:
    zone = missions.add_zone(session, body.epci)
    session.commit()
    return zone


@router.post("/zones/prefill", summary="Pré-remplir depuis le classement des EPCI prioritaires")
def prefill(body: PrefillIn, session: SessionDep, _actor: Coordinator) -> dict:
    created, updated = missions.prefill_zones(session, top=body.top)
    session.commit()
    return {"created": created, "updated": updated}


@router.get("/zones/totals", summary="Indemnités par zone (centimes)")
def totals(session: SessionDep, actor: Coordinator, month: Month = None) -> list[dict]:
    return [t.__dict__ for t in missions.zone_totals(session, actor, month=month)]


# --------------------------------------------------------------------- mission sites
class MissionSiteOut(BaseModel):
    id: int
    location_id: int
    name: str
    commune_code: str
    zone_id: int
    epci: str
    slot_minutes: int
    equipment: list[str]
    medical_assistants: int


class MissionSiteIn(BaseModel):
    location_id: int
    zone_id: int
    slot_minutes: int = Field(20, ge=10, le=60)
    note: str | None = Field(None, max_length=300)


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
class ReplacementIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    rpps: str | None = None
    note: str | None = Field(None, max_length=1000)


class DayIn(BaseModel):
    mission_site_id: int
    day: date
    practitioner_id: int | None = Field(None, description="Coordination : le médecin inscrit.")
    replacement: ReplacementIn | None = None


class DayOut(ORM):
    id: int
    practitioner_id: int
    mission_site_id: int
    day: date
    status: str
    source: str
    replacement_name: str | None
    replacement_rpps: str | None
    replacement_note: str | None
    cancel_reason: str | None
    daily_rate_cents: int = 0


class CancelIn(BaseModel):
    reason: str | None = Field(None, max_length=200)


class CloseIn(BaseModel):
    status: str = Field(pattern="^(completed|not_done)$")


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


@router.post("/days/{day_id}/cancel", summary="Annuler une journée (rendez-vous annulés)")
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


@router.get("/statements", summary="Relevés mensuels d'indemnités (centimes)")
def statements(session: SessionDep, actor: Reader, month: Month = None,
               practitioner_id: int | None = None) -> list[dict]:
    return [s.__dict__ for s in missions.statements(session, actor, month=month,
                                                    practitioner_id=practitioner_id)]


# ------------------------------------------------------------------------- optimiser
class ProposalIn(BaseModel):
    doctor: int | str = Field(description="Identifiant du praticien ou numéro RPPS.")
    date: date
    site: int | None = Field(None, description="Site de mission.")
    commune: str | None = Field(None, description="Ou : commune INSEE du site de mission.")


class ProposalsIn(BaseModel):
    proposals: list[ProposalIn] = Field(min_length=1, max_length=5000)


@router.post("/proposals/accept", summary="Accepter les propositions de l'optimiseur")
def accept(body: ProposalsIn, session: SessionDep, actor: Coordinator) -> dict:
    outcomes = proposal_service.accept_proposals(session, actor,
                                                 [p.model_dump() for p in body.proposals])
    session.commit()
    return {"accepted": sum(o.accepted for o in outcomes),
            "refused": sum(not o.accepted for o in outcomes),
            "outcomes": [{"doctor": o.proposal.doctor, "date": o.proposal.day.isoformat(),
                          "accepted": o.accepted, "mission_day_id": o.mission_day_id,
                          "code": o.code, "message": o.message} for o in outcomes]}
