"""``oasis deserts``: zoning by commune, EPCI, department or region, most in need first."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from oasis.commands.common import (
    JsonOpt,
    OutOpt,
    ProfessionOpt,
    SeedOpt,
    SitesOpt,
    SupplyOpt,
    check_out,
    fr,
    load_apl,
    load_sites,
    print_json,
    records,
    spinner,
)
from oasis.commands.console import console, fail, fmt_int

LEVEL_LABELS = {"commune": "Commune", "epci": "EPCI", "departement": "Département",
                "region": "Région"}


def deserts(
    level: Annotated[str, typer.Option(help="Niveau : commune, epci, departement, region.")
                     ] = "epci",
    top: Annotated[int | None, typer.Option(
        help="Garder les N territoires les plus prioritaires (151 : taille du programme "
             "national).")] = None,
    profession: ProfessionOpt = "generaliste",
    supply: SupplyOpt = None,
    sites: SitesOpt = None,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Déserts médicaux : APL pondérée, classes et score de priorité (docs/planning.md)."""
    from rich.table import Table

    from oasis.territory.export import write_frame
    from oasis.territory.zoning import LEVELS, ZoningError, zoning

    if level not in LEVELS:
        fail(f"niveau inconnu : « {level} » (attendu : {', '.join(LEVELS)})")
    if top is not None and top < 1:
        fail(f"--top doit être un entier positif (reçu : {top})")
    check_out(out)
    geo, result = load_apl(profession, supply, seed)
    site_data = load_sites(sites, geo, seed, demo=False)
    try:
        z = zoning(result, site_data)
        frame = z.priority(top, level)
    except ZoningError as exc:
        fail(str(exc))
    key, _ = LEVELS[level]
    if out is not None:
        with spinner(f"Écriture de {out.name}"):
            meta = {"niveau": level, "offre_synthetique": result.synthetic,
                    "seuils": list(result.thresholds), "score": "docs/planning.md"}
            if level == "commune":
                row_of = dict(zip(z.communes["code"], result.units.tolist(), strict=True))
                rows = np.array([row_of[c] for c in frame["code"]], dtype=np.int64)
                write_frame(frame, out, geo=geo, rows=rows, metadata=meta)
            else:
                write_frame(frame, out, geo=geo, rows=result.units,
                            groups=z.communes[key].tolist(), key=key, metadata=meta)
    if as_json:
        print_json({"level": level, "synthetic_supply": result.synthetic,
                    "thresholds": list(result.thresholds), "rows": records(frame)})
        return
    low, high = result.thresholds
    shown = frame.head(top if top is not None else 20)
    table = Table("Rang", LEVEL_LABELS[level], "Population", "APL",
                  f"Pop. < {fr(low)}", "Part", "Min. site", "Score",
                  title=f"Territoires prioritaires ({LEVEL_LABELS[level].lower()}), "
                        f"{len(shown)} sur {fmt_int(len(z.level(level)))}")
    for rec in shown.itertuples():
        label = f"{rec.name} ({getattr(rec, key)})"
        share = (rec.pop_sous_dense / rec.population if level != "commune"
                 else float(rec.apl < low)) if rec.population else 0.0
        minutes = rec.minutes_to_site
        table.add_row(str(rec.rank), label, fmt_int(int(rec.population)), fr(rec.apl),
                      fmt_int(int(rec.pop_sous_dense if level != "commune"
                                  else rec.population * (rec.apl < low))),
                      f"{share * 100:.0f} %", fr(minutes, 1) if np.isfinite(minutes) else "—",
                      fmt_int(round(rec.score)))
    console.print(table)
    under = int(z.communes.loc[z.communes["apl"] < low, "population"].sum())
    total = int(z.communes["population"].sum())
    chosen = frame["population"].sum()
    console.print(
        f"France : {fmt_int(under)} habitants sous {fr(low)} ({fr(100 * under / total, 1)} %) ; "
        f"seuil vigilance {fr(high)}. Sélection : {fmt_int(int(chosen))} habitants."
        + (f" → {out}" if out else ""))
