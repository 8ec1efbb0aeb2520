"""``oasis coverage``: population within N minutes of a care site, uncovered communes."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from oasis.commands.common import (
    JsonOpt,
    OutOpt,
    SeedOpt,
    SitesOpt,
    check_out,
    fr,
    load_sites,
    print_json,
    records,
    spinner,
)
from oasis.commands.console import console, fail, fmt_int, geography


def coverage(
    sites: SitesOpt = None,
    minutes: Annotated[float, typer.Option(help="Temps de trajet maximal en voiture.")] = 30.0,
    level: Annotated[str, typer.Option(
        help="Niveau du tableau et de --out : commune, epci, departement, region.")
    ] = "departement",
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Couverture : part de la population à moins de N minutes d'un site de soins."""
    from rich.table import Table

    from oasis.territory.coverage import LEVELS, CoverageError, minutes_text
    from oasis.territory.coverage import coverage as compute_coverage
    from oasis.territory.export import write_frame

    if level not in LEVELS:
        fail(f"niveau inconnu : « {level} » (attendu : {', '.join(LEVELS)})")
    if not np.isfinite(minutes) or minutes <= 0:
        fail(f"--minutes doit être un nombre positif (reçu : {minutes:g})")
    check_out(out)
    geo = geography()
    site_data = load_sites(sites, geo, seed)
    try:
        cov = compute_coverage(geo, site_data, minutes)
    except CoverageError as exc:
        fail(str(exc))
    table_frame = cov.level(level)
    uncovered = cov.uncovered()
    if out is not None:
        with spinner(f"Écriture de {out.name}"):
            meta = {"minutes": minutes, "sites_synthetiques": cov.synthetic, "niveau": level}
            units = np.flatnonzero(geo.analysis_units)
            if level == "commune":
                row_of = dict(zip(cov.communes["code"], units.tolist(), strict=True))
                rows = np.array([row_of[c] for c in table_frame["code"]], dtype=np.int64)
                write_frame(table_frame, out, geo=geo, rows=rows, metadata=meta)
            else:
                key = LEVELS[level][0]
                write_frame(table_frame, out, geo=geo, rows=units,
                            groups=cov.communes[key].tolist(), key=key, metadata=meta)
    if as_json:
        print_json({**cov.summary(), "sites": len(site_data), "level": level,
                    "rows": records(table_frame), "uncovered": records(uncovered)})
        return
    console.print(
        f"[bold]{fmt_int(cov.covered_population)}[/] habitants sur "
        f"{fmt_int(cov.population)} à {fr(minutes, 0)} minutes ou moins d'un site "
        f"({fr(100 * cov.share, 2)} %) ; {fmt_int(len(uncovered))} communes non couvertes "
        f"({fmt_int(cov.population - cov.covered_population)} habitants) ; "
        f"{fmt_int(len(site_data))} sites.")
    if level != "commune":
        t = Table("Territoire", "Population", "Couverte", "Part", "Communes non couvertes",
                  title=f"Les moins couverts ({level})")
        for rec in table_frame.head(15).itertuples():
            t.add_row(f"{rec.name} ({getattr(rec, LEVELS[level][0])})",
                      fmt_int(int(rec.population)), fmt_int(int(rec.covered_population)),
                      f"{fr(100 * rec.share_covered, 1)} %", fmt_int(int(rec.uncovered_communes)))
        console.print(t)
    if len(uncovered):
        t = Table("Commune", "Dép.", "Population", "Minutes", "Site le plus proche",
                  title=f"Communes non couvertes ({fmt_int(len(uncovered))}, 20 plus peuplées)")
        for rec in uncovered.head(20).itertuples():
            t.add_row(f"{rec.name} ({rec.code})", rec.dep, fmt_int(int(rec.population)),
                      minutes_text(rec.minutes_to_site, 1),
                      rec.nearest_site or "—")
        console.print(t)
    if out is not None:
        console.print(f"→ {out}")
