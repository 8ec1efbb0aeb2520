"""Coordinators' planner: where to open k new sites (MCLP), with before/after coverage.

A form (department, k, minutes, minimum population of a candidate commune) runs
:func:`oasis.territory.siting.plan_sites` on the real geography, against the existing
(synthetic, labelled) demo sites as the "before"; the page shows the population covered
before and after, the solver's status and gap, the chosen communes and a link to the
coverage map of the department.  A plan of one department takes about a second; the
solver has a time limit so a page never hangs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
SOLVER_SECONDS = 10.0
LIMITS = {"k": (1, 50), "minutes": (5, 90), "population": (0, 100_000)}


def _int(raw: str, key: str, label: str, errors: list[str]) -> int | None:
    low, high = LIMITS[key]
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{label} : un nombre entier entre {low} et {high}.")
        return None
    if not low <= value <= high:
        errors.append(f"{label} : entre {low} et {high}.")
        return None
    return value


def site_plan(dep: str, k: int, minutes: int, min_population: int):
    """The plan for one department against the demo sites (module docstring)."""
    from oasis.territory.geography import load_geography
    from oasis.territory.sites import demo_sites
    from oasis.territory.siting import build_instance, plan_sites

    geo = load_geography()
    instance = build_instance(geo, minutes=minutes, min_population=min_population,
                              existing=demo_sites(geo), dep=dep)
    return plan_sites(instance, k, time_limit=SOLVER_SECONDS)


@router.get("/coordination/implantation")
def siting_page(request: Request, who: Coordinator, dep: str = "", k: str = "5",
                minutes: str = "15", population: str = "1000"):
    from oasis.territory.maps import departments, siting_map
    from oasis.territory.mclp import MclpError
    from oasis.territory.siting import STATUS_FR, SitingError

    deps = departments()
    form = {"dep": dep, "k": k, "minutes": minutes, "population": population}
    errors: list[str] = []
    plan = None
    if dep:
        if dep not in {d["code"] for d in deps}:
            errors.append("Département inconnu.")
        values = (_int(k, "k", "Nombre de sites", errors),
                  _int(minutes, "minutes", "Minutes", errors),
                  _int(population, "population", "Population minimale", errors))
        if not errors:
            try:
                plan = site_plan(dep, *values)
            except (SitingError, MclpError) as exc:
                errors.append(str(exc)[:1].upper() + str(exc)[1:] + ".")
    return render(request, "pro/implantation.html", who,
                  status_code=422 if errors else 200, title="Implantation de sites",
                  section="implantation", deps=deps, form=form, errors=errors, plan=plan,
                  status_fr=STATUS_FR, plan_map=siting_map(plan, dep) if plan else None)
