"""« Et dans 5 ans ? »: the planners' page comparing the APL now and in five years.

Three scenarios (territory/outlook.py): the trend (retirements, nobody installs), with
the proposed sites, and with the sites and the volunteers' missions.  Computed once per
process (:func:`oasis.web.api.planning.outlook_data`), on the labelled demo supply.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.territory.outlook import GPS_PER_NEW_SITE, SCENARIOS
from oasis.web.api.planning import outlook_data
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.planner import charts

router = APIRouter(tags=["planification"], include_in_schema=False)


@router.get("/planification/dans-5-ans", response_class=HTMLResponse)
def outlook_page(request: Request, session: SessionDep) -> HTMLResponse:
    o = outlook_data()
    national = o.national().to_dict("records")
    deps = o.departments()
    return render(request, "dans_5_ans.html", visitor(request, session), section="planification",
                  outlook=o, national=national, losing=deps.head(15).to_dict("records"),
                  scenarios=SCENARIOS, gps_per_site=GPS_PER_NEW_SITE, fr=charts.fr_number,
                  threshold=o.thresholds[0])
