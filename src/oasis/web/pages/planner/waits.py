"""Planners' « Délais d'accès aux spécialistes »: measured waits per department and
specialty (téléexpertise answer, in-person appointment) beside the specialist APL, and
the CSV export of the same table.

The waits come from :func:`oasis.care.teleexpertise.waits.measured_waits`; the APL from
:func:`oasis.territory.demo.specialist_apl_by_department` (synthetic demo supply, ~10 s
per specialty the first time, so it is asked for with ``apl=1``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from oasis.care.core.vocab import SPECIALTIES
from oasis.care.teleexpertise.waits import DEFAULT_SPECIALTIES, measured_waits, to_csv
from oasis.territory.demo import specialist_apl_by_department
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)
Planner = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
PAGE = "/planification/delais"
Dep = Annotated[str | None, Query(max_length=3, pattern=r"^([0-9AB]{2,3})?$")]  # "": all


def _apl(wanted: bool):
    if not wanted:
        return None
    return lambda dep, specialty: specialist_apl_by_department(specialty).get(dep)


def _rows(session, departement: str | None, apl: bool):
    return measured_waits(session, specialties=DEFAULT_SPECIALTIES,
                          department_filter=departement or None, apl=_apl(apl))


@router.get(PAGE)
def waits_page(request: Request, session: SessionDep, who: Planner,
               departement: Dep = None, apl: bool = False):
    return render(request, "delais.html", who, title="Délais d'accès aux spécialistes",
                  section="planification", rows=_rows(session, departement, apl),
                  departement=departement or "", with_apl=apl, specialties=SPECIALTIES)


@router.get(PAGE + ".csv")
def waits_csv(session: SessionDep, _who: Planner, departement: Dep = None,
              apl: bool = False) -> Response:
    return Response(to_csv(_rows(session, departement, apl)),
                    media_type="text/csv; charset=utf-8", headers={
                        "Content-Disposition": 'attachment; filename="delais-specialistes.csv"'})
