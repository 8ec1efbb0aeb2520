"""Planner / coordinator pages ("Tableau de bord ARS"): key figures and priority EPCIs.

Pages render server-side from :mod:`oasis.territory.indicators` (computed once per
process) and :mod:`oasis.web.pages.planner.charts`, so they work without JavaScript; the only script
on these pages is the map's.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.territory import indicators as data
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.planner import charts

router = APIRouter(tags=["planification"], include_in_schema=False)

CLASS_COLORS = ("#d7301f", "#fdae61", "#1a9850")  # same as the map's legend
HIST_STEP, HIST_MAX = 0.5, 8.0

def apl_histogram() -> dict:
    """Population per APL bin of :data:`HIST_STEP` (values above HIST_MAX in the last)."""
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


@router.get("/planification", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep) -> HTMLResponse:
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
        "priority": data.priority_rows(10, "rang", "asc"), "fr": charts.fr_number,
    }
    return render(request, "planification.html", visitor(request, session), **context)


@router.get("/planification/epci-prioritaires", response_class=HTMLResponse)
def priority_page(request: Request, session: SessionDep,
                  top: int = data.PRIORITY_PROGRAMME_SIZE,
                  tri: str = "rang", ordre: str | None = None) -> HTMLResponse:
    ordre = ordre or ("asc" if tri in data.SORT_KEYS and data.SORT_KEYS[tri][2] else "desc")
    rows = data.priority_rows(top, tri, ordre)
    columns = [(key, label, ("ascending" if ordre == "asc" else "descending")
                if key == tri else None,
                "desc" if key == tri and ordre == "asc" else "asc" if key == tri
                else ("asc" if default_asc else "desc"))
               for key, (_, label, default_asc) in data.SORT_KEYS.items()]
    context = {"rows": rows, "columns": columns, "top": top, "tri": tri, "ordre": ordre,
               "total_population": sum(r["population"] for r in rows),
               "total_sous_dense": sum(r["population_sous_dense"] for r in rows),
               "fr": charts.fr_number, "programme": data.PRIORITY_PROGRAMME_SIZE}
    return render(request, "epci_prioritaires.html", visitor(request, session), **context)
