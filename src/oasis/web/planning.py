"""Planner / coordinator pages ("Tableau de bord ARS") and their small JSON/CSV API.

Pages render server-side from :mod:`oasis.web.territory_data` (computed once per
process) and :mod:`oasis.web.charts`, so they work without JavaScript; the only script
on these pages is the map's.
"""

from __future__ import annotations

import csv
import io
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from oasis.web import charts, planning_coverage
from oasis.web import territory_data as data


def warm_up() -> None:
    """Compute the demo APL, aggregates and dissolved boundaries ahead of the first
    planner's request (~2 s, or ~15 s when the boundaries were never dissolved), so the
    first page answers as fast as the next ones."""
    from oasis.web.maps import territories

    data.priority_epci()
    planning_coverage.demo_coverage()
    for level in data.LEVELS:
        data.aggregate(level)
    territories()


@asynccontextmanager
async def lifespan(app):
    """Start the warm-up in the background when a server starts; never block startup."""
    threading.Thread(target=warm_up, name="oasis-planning-warm-up", daemon=True).start()
    yield


router = APIRouter(tags=["planification"], lifespan=lifespan)
router.include_router(planning_coverage.router)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

CLASS_COLORS = ("#d7301f", "#fdae61", "#1a9850")  # same as the map's legend
HIST_STEP, HIST_MAX = 0.5, 8.0

# French query keys of the priority table -> column, label, default order.
SORT_KEYS: dict[str, tuple[str, str, bool]] = {
    "rang": ("rank", "Rang", True),
    "nom": ("name", "EPCI", True),
    "departements": ("departements", "Départements", True),
    "population": ("population", "Population", False),
    "apl": ("apl", "APL", True),
    "population_sous_dense": ("pop_sous_dense", "Population sous-dense", False),
    "minutes": ("minutes_to_site", "Minutes au site le plus proche", False),
    "part_sous_dense": ("share_sous_dense", "Part sous-dense", False),
    "score": ("score", "Score de priorité", False),
}
CSV_COLUMNS = ("rang", "code_epci", "nom", "departements", "population", "apl", "classe",
               "population_sous_dense", "part_sous_dense", "deficit_consultations",
               "minutes", "score")
SCORE_TEXT = ("déficit (consultations par an manquantes pour amener chaque habitant "
              "sous-dense au seuil de 2,5) × (1 + minutes au site le plus proche / 30)")


def bad_request(message: str) -> HTTPException:
    return HTTPException(400, detail={"code": "invalid_parameter", "message": message})


def apl_histogram() -> dict:
    """Population per APL bin of :data:`HIST_STEP` (values above HIST_MAX in the last)."""
    import numpy as np

    frame = data.communes()
    n = int(HIST_MAX / HIST_STEP)
    edges = [i * HIST_STEP for i in range(n + 1)]
    idx = np.minimum((frame["apl"].to_numpy() / HIST_STEP).astype(int), n - 1)
    heights = np.bincount(idx, weights=frame["population"].to_numpy(dtype=float), minlength=n)
    low, high = frame.attrs["thresholds"]
    colors = [CLASS_COLORS[0] if edges[i + 1] <= low else CLASS_COLORS[1]
              if edges[i + 1] <= high else CLASS_COLORS[2] for i in range(n)]
    return {"edges": edges, "heights": heights.tolist(), "colors": colors}


def _millions(value: float) -> str:
    return f"{charts.fr_number(value / 1e6, 1)} M"


def class_rows(level: str) -> list[dict]:
    """Population per class of every territory of ``level``, most sous-dense first."""
    frame = data.aggregate(level).sort_values("share_sous_dense", ascending=False)
    return [{"code": code, "name": row["name"], "population": int(row["population"]),
             "values": [int(row[c]) for c in data.CLASS_COLUMNS],
             "share": float(row["share_sous_dense"])}
            for code, row in frame.iterrows()]


@router.get("/planification", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request) -> HTMLResponse:
    figures = data.national_figures()
    hist = apl_histogram()
    low, high = figures["thresholds"]
    histogram = charts.histogram(
        hist["edges"], hist["heights"], hist["colors"], chart_id="histogramme-apl",
        title="Répartition de la population selon l'APL de sa commune",
        desc=(f"Population (en millions) par tranche d'APL de {charts.fr_number(HIST_STEP, 1)}"
              f" ; en rouge les communes sous-denses (APL < {charts.fr_number(low, 1)}), en "
              f"orange la vigilance (< {charts.fr_number(high, 1)}). Les APL de "
              f"{charts.fr_number(HIST_MAX, 0)} et plus sont dans la dernière barre."),
        x_label="APL (consultations par an et par habitant)", y_label="Habitants",
        y_format=_millions)
    regions = class_rows("region")
    departments = class_rows("departement")
    names = list(data.CLASS_LABELS)

    def bars(rows: list[dict], chart_id: str, what: str):
        return charts.stacked_bars(
            [(r["name"], r["values"]) for r in rows], CLASS_COLORS, names, chart_id=chart_id,
            title=f"Population par classe d'APL et par {what}",
            desc=f"Part de la population de chaque {what} en commune sous-dense, en "
                 f"vigilance ou autre ; triés du plus sous-dense au moins sous-dense.")

    context = {
        "figures": figures, "histogram": histogram, "hist": hist,
        "regions": regions, "departments": departments,
        "region_chart": bars(regions, "population-regions", "région"),
        "department_chart": bars(departments, "population-departements", "département"),
        "class_labels": data.CLASS_LABELS, "top": data.PRIORITY_PROGRAMME_SIZE,
        "priority": _priority_rows(10, "rang", "asc"), "fr": charts.fr_number,
    }
    return templates.TemplateResponse(request, "planification.html", context)


def _priority_rows(top: int, tri: str, ordre: str) -> list[dict]:
    if tri not in SORT_KEYS:
        raise bad_request(f"tri inconnu : {tri} ; tris possibles : {', '.join(SORT_KEYS)}")
    if ordre not in ("asc", "desc"):
        raise bad_request(f"ordre inconnu : {ordre} ; ordres possibles : asc, desc")
    ranked = data.priority_epci()
    if not 1 <= top <= len(ranked):
        raise bad_request(f"top doit être entre 1 et {len(ranked)} (reçu : {top})")
    frame = ranked.head(top)
    frame = frame.sort_values(SORT_KEYS[tri][0], ascending=ordre == "asc", kind="stable")
    return [{"rang": int(r["rank"]), "code_epci": code, "nom": r["name"],
             "departements": r["departements"], "population": int(r["population"]),
             "apl": round(float(r["apl"]), 3), "classe": r["apl_class"],
             "population_sous_dense": int(r["pop_sous_dense"]),
             "part_sous_dense": round(float(r["share_sous_dense"]), 4),
             "deficit_consultations": round(float(r["deficit"])),
             "minutes": round(float(r["minutes_to_site"]), 1),
             "score": round(float(r["score"]))} for code, r in frame.iterrows()]


@router.get("/planification/epci-prioritaires", response_class=HTMLResponse,
            include_in_schema=False)
def priority_page(request: Request, top: int = data.PRIORITY_PROGRAMME_SIZE,
                  tri: str = "rang", ordre: str | None = None) -> HTMLResponse:
    ordre = ordre or ("asc" if tri in SORT_KEYS and SORT_KEYS[tri][2] else "desc")
    rows = _priority_rows(top, tri, ordre)
    columns = [(key, label, ("ascending" if ordre == "asc" else "descending")
                if key == tri else None,
                "desc" if key == tri and ordre == "asc" else "asc" if key == tri
                else ("asc" if default_asc else "desc"))
               for key, (_, label, default_asc) in SORT_KEYS.items()]
    context = {"rows": rows, "columns": columns, "top": top, "tri": tri, "ordre": ordre,
               "total_population": sum(r["population"] for r in rows),
               "total_sous_dense": sum(r["population_sous_dense"] for r in rows),
               "fr": charts.fr_number, "programme": data.PRIORITY_PROGRAMME_SIZE}
    return templates.TemplateResponse(request, "epci_prioritaires.html", context)


@router.get("/planification/epci-prioritaires.csv", include_in_schema=False)
def priority_csv(top: int = data.PRIORITY_PROGRAMME_SIZE) -> Response:
    return _csv_response(_priority_rows(top, "rang", "asc"), top)


@router.get("/api/v1/planification/epci-prioritaires",
            summary="EPCI prioritaires (classement par score de besoin)", response_model=None)
def priority_api(
    top: int = Query(data.PRIORITY_PROGRAMME_SIZE, description="nombre d'EPCI (151 : le "
                                                                "programme national)"),
    format: str = Query("json", description="json ou csv"),
) -> Response | dict:
    rows = _priority_rows(top, "rang", "asc")
    if format == "csv":
        return _csv_response(rows, top)
    if format != "json":
        raise bad_request(f"format inconnu : {format} ; formats : json, csv")
    figures = data.national_figures()
    return {"top": top, "synthetic_supply": figures["synthetic"],
            "score": SCORE_TEXT,
            "epci": rows}


@router.get("/api/v1/planification/chiffres", summary="Chiffres clés nationaux (zonage APL)")
def key_figures() -> dict:
    figures = data.national_figures()
    figures["thresholds"] = list(figures["thresholds"])
    return figures


def _csv_response(rows: list[dict], top: int) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="epci-prioritaires-top{top}.csv"'})
