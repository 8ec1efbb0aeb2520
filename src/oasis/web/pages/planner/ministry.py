"""The ministry's five-criteria ranking of EPCIs for the planners (a tab of the priority
EPCIs): `oasis deserts --method ministere` on the demo, each criterion's value and its
source (« donnée synthétique » where no public file is loaded), the overlap with an
official list when one is configured, and the same table as CSV.

The files are the server's (Settings: ``filosofi_file``, ``ald_file``, ``finess_file``,
``urgences_file``, ``official_epci_file``); the ranking is computed once per set of files
(about a second) and cached.
"""

from __future__ import annotations

import csv
import io
import math
from functools import lru_cache

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from oasis.territory import ministry
from oasis.territory.errors import TerritoryInputError
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.download import attachment
from oasis.web.kit.templating import render
from oasis.web.pages.planner import charts

router = APIRouter(tags=["planification"], include_in_schema=False)
PAGE = "/planification/criteres-ministere"
PROGRAMME = 151  # the national programme's size
CRITERIA = {  # column label, unit, digits, scale
    "apl": ("APL", "consultations/an/hab.", 2, 1.0),
    "young_gp_share": ("Généralistes de moins de 40 ans", "%", 1, 100.0),
    "ald_share": ("Patients en ALD", "%", 1, 100.0),
    "emergency_minutes": ("Temps jusqu'aux urgences", "min", 0, 1.0),
    "median_income": ("Revenu disponible médian", "€/an", 0, 1.0),
}
CSV_COLUMNS = ["rang", "code_epci", "nom", "population", *CRITERIA, "score",
               "liste_officielle"]


def files_of(request: Request) -> ministry.MinistryFiles:
    s = request.app.state.settings
    return ministry.MinistryFiles(income=s.filosofi_file, ald=s.ald_file,
                                  finess=s.finess_file, urgences=s.urgences_file,
                                  official=s.official_epci_file)


@lru_cache(maxsize=4)
def _ranking(files: ministry.MinistryFiles):
    from oasis.territory.demo import demo_regulatory_apl

    result = demo_regulatory_apl()
    ranking = ministry.ministry_ranking(result, **ministry.page_inputs(files, result.geo))
    official = (ministry.read_official_epci(files.official)
                if files.official is not None else None)
    over = ministry.overlap(official, ranking.table, PROGRAMME) if official else None
    return result, ranking, official, over


def _value(x: float, scale: float, digits: int) -> float | None:
    x = float(x)
    return round(x * scale, digits) if math.isfinite(x) else None


def ranking_rows(files: ministry.MinistryFiles, top: int) -> tuple[list[dict], dict]:
    """The first ``top`` EPCIs with each criterion's value, and the page's context."""
    result, ranking, official, over = _ranking(files)
    listed = set(official.sirens) if official else set()
    rows = []
    for rec in ranking.table.head(top).to_dict("records"):
        row = {"rang": int(rec["rank"]), "code_epci": str(rec["epci"]),
               "nom": str(rec["name"]), "population": int(rec["population"]),
               "score": round(float(rec["score"]), 4),
               "liste_officielle": ("oui" if str(rec["epci"]) in listed else "non")
               if official else ""}
        for c, (_, _, digits, scale) in CRITERIA.items():
            row[c] = _value(rec[c], scale, digits)
        rows.append(row)
    names = dict(zip(ranking.table["epci"].astype(str), ranking.table["name"].astype(str),
                     strict=True))
    criteria = [{"key": c, "label": label, "unit": unit,
                 "weight": ranking.weights.get(c, 0.0) / (sum(ranking.weights.values()) or 1),
                 "source": ministry.criterion_source(ranking, c),
                 "detail": ranking.sources.get(c, ""),
                 "synthetic": c in ranking.synthetic}
                for c, (label, unit, _, _) in CRITERIA.items()]
    context = {"criteria": criteria, "variant": result.variant, "overlap": over,
               "official_file": files.official.name if files.official else None,
               "names": names, "total": len(ranking.table)}
    return rows, context


def _top(top: int, total: int) -> None:
    if not 1 <= top <= total:
        raise TerritoryInputError(f"top doit être entre 1 et {total} (reçu : {top})",
                                  code="invalid_top")


@router.get(PAGE, response_class=HTMLResponse)
def ministry_page(request: Request, session: SessionDep,
                  top: int = Query(PROGRAMME, ge=1, le=2000)) -> HTMLResponse:
    files = files_of(request)
    _top(top, len(_ranking(files)[1].table))
    rows, context = ranking_rows(files, top)
    return render(request, "criteres_ministere.html", visitor(request, session), rows=rows,
                  top=top, programme=PROGRAMME, fr=charts.fr_number, **context)


@router.get(PAGE + ".csv")
def ministry_csv(request: Request, top: int = Query(PROGRAMME, ge=1, le=2000)) -> Response:
    files = files_of(request)
    _top(top, len(_ranking(files)[1].table))
    rows, context = ranking_rows(files, top)
    out = io.StringIO()
    out.write("# Classement des EPCI sur les cinq critères du ministère (démonstration "
              f"Oasis), {context['variant']}\n")
    for c in context["criteria"]:
        out.write(f"# {c['key']} ({c['unit']}, poids {c['weight']:.2f}) : {c['source']}\n")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"epci-criteres-ministere-top{top}.csv")})
