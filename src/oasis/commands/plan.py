"""``oasis plan``: where to open new sites (MCLP) and how to deploy volunteer doctors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

plan_app = typer.Typer(help="Planification : implantation de sites, missions de médecins "
                            "volontaires.", no_args_is_help=True)

STATUS_FR = {"optimal": "optimal (prouvé)", "time_limit": "limite de temps atteinte",
             "greedy": "glouton (non prouvé)"}


@plan_app.command("sites")
def plan_sites_command(
    k: Annotated[int, typer.Option("--k", help="Nombre de nouveaux sites à ouvrir.")] = 10,
    sites: SitesOpt = None,
    candidates: Annotated[Path | None, typer.Option(
        help="Communes candidates (CSV avec une colonne commune, ou un code INSEE par "
             "ligne) ; défaut : communes d'au moins --min-population habitants.")] = None,
    minutes: Annotated[float, typer.Option(help="Temps de trajet maximal.")] = 30.0,
    region: Annotated[str | None, typer.Option(help="Limiter à une région (code, ex. 27).")
                      ] = None,
    dep: Annotated[str | None, typer.Option(help="Limiter à un département (ex. 58).")] = None,
    min_population: Annotated[int, typer.Option(
        help="Population minimale d'une commune candidate.")] = 1_000,
    weight: Annotated[str, typer.Option(
        help="Pondération : population, ou deficit (demande × écart au seuil d'APL, offre "
             "synthétique sauf --supply).")] = "population",
    supply: Annotated[Path | None, typer.Option(help="Offre pour --weight deficit.")] = None,
    method: Annotated[str, typer.Option(help="exact (MILP HiGHS) ou greedy (très grandes "
                                             "instances).")] = "exact",
    time_limit: Annotated[float, typer.Option(help="Limite de temps du solveur (s).")] = 10.0,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Où ouvrir k sites pour couvrir le plus d'habitants à N minutes (MCLP exact)."""
    from rich.table import Table

    from oasis.cli import _geography, console, err, fail, fmt_int
    from oasis.commands.common import load_apl
    from oasis.territory.export import write_frame
    from oasis.territory.mclp import MclpError
    from oasis.territory.siting import SitingError, build_instance, plan_sites, read_candidates

    if k < 0:
        fail(f"--k doit être positif ou nul (reçu : {k})")
    if method not in ("exact", "greedy"):
        fail(f"méthode inconnue : « {method} » (exact, greedy)")
    check_out(out)
    geo = _geography()
    existing = load_sites(sites, geo, seed, demo=False)
    apl = None
    if weight == "deficit":
        geo, apl = load_apl("generaliste", supply, seed)
    try:
        cand = read_candidates(candidates, geo) if candidates is not None else None
        with spinner("Construction de l'instance") as say:
            inst = build_instance(geo, minutes=minutes, min_population=min_population,
                                  candidates=cand, existing=existing, region=region, dep=dep,
                                  weighting=weight, apl=apl)
            say("Résolution (réduction, glouton, MILP HiGHS)")
            plan = plan_sites(inst, k, method=method, time_limit=time_limit)
    except (SitingError, MclpError) as exc:
        fail(str(exc))
    summary = plan.summary()
    if out is not None:
        with spinner(f"Écriture de {out.name}"):
            rows = inst.rows[plan.sites["unit"].to_numpy()]
            write_frame(plan.sites, out, geo=geo, rows=rows,
                        metadata={k2: v for k2, v in summary.items() if k2 != "reduction"})
    if as_json:
        print_json({**summary, "sites": records(plan.sites)})
        return
    if existing is None:
        err.print("Aucun site existant (--sites) : toute la population part non couverte.")
    table = Table("Rang", "Commune", "Dép.", "Population", "Nouvellement couverts",
                  title=f"{len(plan.sites)} nouveaux sites — {inst.area}, "
                        f"{fr(minutes, 0)} min")
    for rec in plan.sites.itertuples():
        table.add_row(str(rec.rank), f"{rec.name} ({rec.code})", rec.dep,
                      fmt_int(int(rec.population)), fmt_int(int(rec.newly_covered)))
    console.print(table)
    pop = plan.population or 1
    s = plan.solution
    st = s.stats
    console.print(
        f"Couverts : avant {fmt_int(plan.covered_before)} ({fr(100 * plan.covered_before / pop, 1)}"
        f" %), après {fmt_int(plan.covered_after)} ({fr(100 * plan.covered_after / pop, 1)} %) "
        f"sur {fmt_int(plan.population)} habitants ; +{fmt_int(plan.newly_covered)}.")
    console.print(
        f"Solveur : {STATUS_FR.get(s.status, s.status)}, écart d'optimalité "
        f"{fr(100 * s.gap, 3)} %, {fr(s.seconds, 2)} s ; réduction : "
        f"{fmt_int(st.get('demand', 0))} → {fmt_int(st.get('merged_demand', 0))} points de "
        f"demande, {fmt_int(st.get('candidates', 0))} → {fmt_int(st.get('kept_candidates', 0))}"
        f" candidats." + (f" → {out}" if out else ""))
    for note in plan.notes:
        err.print(f"[dim]Note : {note}[/]")
