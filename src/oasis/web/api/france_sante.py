"""REST API of France Santé: the label check of each site and the territorial dashboard.

Nothing here reads health data: label figures are counts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from oasis.care.core.actor import Actor
from oasis.care.programmes.dashboard import dashboard
from oasis.care.programmes.label import DEFAULT_WEEKS, SiteLabel, label_site, label_sites
from oasis.web.api.schemas.france_sante import CriterionOut, DashboardOut, LabelOut
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import SessionDep

router = APIRouter(prefix="/api/v1/france-sante", tags=["France Santé"])

Reader = Annotated[Actor, Depends(require_role("coordinator", "admin", "practitioner"))]
Weeks = Annotated[int, Query(ge=1, le=52, description="Période de mesure des demandes "
                                                      "(semaines).")]


def _label_out(s: SiteLabel) -> LabelOut:
    return LabelOut(location_id=s.location_id, name=s.location_name,
                    commune_code=s.commune_code, kind=s.kind, eligible=s.eligible,
                    failing=[c.code for c in s.report.failing()],
                    criteria=[CriterionOut(code=c.code, label=c.label, passed=c.passed,
                                           evidence=c.evidence, figures=c.figures)
                              for c in s.report.criteria],
                    period_start=s.period_start, period_end=s.period_end,
                    catchment_communes=s.catchment_communes)


@router.get("/sites/{location_id}/label", response_model=LabelOut,
                  summary="Vérification du label France Santé d'un site")
def site_label(location_id: int, session: SessionDep, _actor: Reader,
               weeks: Weeks = DEFAULT_WEEKS) -> LabelOut:
    """Chaque critère (infirmier, 5 jours, sans dépassement, médecin, SAS, 48 h) et ses preuves."""
    return _label_out(label_site(session, location_id, weeks=weeks))


@router.get("/sites/labels", response_model=list[LabelOut],
                  summary="Label France Santé de tous les sites actifs")
def all_labels(session: SessionDep, _actor: Reader,
               weeks: Weeks = DEFAULT_WEEKS) -> list[LabelOut]:
    return [_label_out(s) for s in label_sites(session, weeks=weeks)]


@router.get("/dashboard", response_model=DashboardOut,
            summary="Tableau de bord territorial France Santé")
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


