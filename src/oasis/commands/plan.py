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
from oasis.commands.console import console, err, fail, fmt_int, geography
from oasis.territory.errors import TerritoryInputError

plan_app = typer.Typer(help="Planification : implantation de sites, missions de médecins "
                            "volontaires.", no_args_is_help=True)



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
    gap: Annotated[float, typer.Option(
        help="Écart d'optimalité accepté, en % (0 : optimum prouvé ou limite de temps ; "
             "0,1 suffit pour la France entière en quelques secondes).")] = 0.0,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Où ouvrir k sites pour couvrir le plus d'habitants à N minutes (MCLP exact)."""
    from rich.table import Table

    from oasis.commands.common import load_apl
    from oasis.territory.export import write_frame
    from oasis.territory.mclp import MclpError
    from oasis.territory.siting import (
        STATUS_FR,
        build_instance,
        plan_sites,
        read_candidates,
    )

    if k < 0:
        fail(f"--k doit être positif ou nul (reçu : {k})")
    if method not in ("exact", "greedy"):
        fail(f"méthode inconnue : « {method} » (exact, greedy)")
    if not 0 <= gap < 100:
        fail(f"--gap doit être un pourcentage entre 0 et 100 (reçu : {gap})")
    check_out(out)
    geo = geography()
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
            plan = plan_sites(inst, k, method=method, time_limit=time_limit,
                              mip_gap=max(gap / 100, 1e-6))
    except (TerritoryInputError, MclpError) as exc:
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


@plan_app.command("volunteers")
def plan_volunteers_command(
    doctors: Annotated[Path | None, typer.Option(
        help="Médecins volontaires, CSV id,commune,max_days (commune de résidence, 0 à 2 "
             "jours par mois) ; sans ce fichier : 500 volontaires SYNTHÉTIQUES.")] = None,
    budget: Annotated[str | None, typer.Option(
        help="Budget mensuel en euros (200 € par jour de mission) ; défaut : sans limite.")
                      ] = None,
    max_minutes: Annotated[float, typer.Option(
        help="Temps de trajet maximal depuis le domicile.")] = 90.0,
    top: Annotated[int, typer.Option(help="Nombre d'EPCI prioritaires (oasis deserts).")
                   ] = 151,
    epci: Annotated[list[str] | None, typer.Option(
        help="EPCI prioritaire (SIREN), répétable ; remplace --top.")] = None,
    month: Annotated[str | None, typer.Option(
        help="Mois des missions AAAA-MM (tarif en vigueur) ; défaut : ce mois-ci.")] = None,
    supply: Annotated[Path | None, typer.Option(help="Offre (défaut : synthétique).")] = None,
    time_limit: Annotated[float, typer.Option(help="Limite de temps du solveur (s).")] = 10.0,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Affecter les jours des médecins volontaires aux EPCI prioritaires (gain d'APL max)."""
    from datetime import date

    from rich.table import Table

    from oasis.care.core.clock import paris_today
    from oasis.care.programmes.missions import mission_terms
    from oasis.commands.common import load_apl
    from oasis.territory.export import write_frame
    from oasis.territory.siting import STATUS_FR
    from oasis.territory.volunteers import (
        parse_budget_cents,
        plan_volunteers,
        read_doctors,
        synthetic_doctors,
    )
    from oasis.territory.zoning import zoning

    if top < 1:
        fail(f"--top doit être un entier positif (reçu : {top})")
    if not (max_minutes > 0):
        fail(f"--max-minutes doit être positif (reçu : {max_minutes:g})")
    check_out(out)
    try:
        budget_cents = parse_budget_cents(budget)
    except TerritoryInputError as exc:
        fail(str(exc))
    if month is None:
        on = paris_today().replace(day=1)
    else:
        try:
            on = date.fromisoformat(f"{month}-01")
        except ValueError:
            fail(f"mois illisible : « {month} » (format AAAA-MM)")
    terms = mission_terms(on)
    geo, apl = load_apl("generaliste", supply, seed)
    try:
        docs = (read_doctors(doctors, geo, terms.day_cap) if doctors is not None
                else synthetic_doctors(apl, 500, seed))
    except TerritoryInputError as exc:
        fail(str(exc))
    if doctors is None:
        err.print("[yellow]500 médecins volontaires SYNTHÉTIQUES[/] (pas de --doctors).")
    epcis = list(epci) if epci else zoning(apl).priority(top)["epci"].tolist()
    try:
        with spinner("Affectation des jours (glouton puis MILP HiGHS)"):
            plan = plan_volunteers(apl, docs, epcis, terms, budget_cents=budget_cents,
                                   max_minutes=max_minutes, time_limit=time_limit)
    except TerritoryInputError as exc:
        fail(str(exc))
    if out is not None:
        with spinner(f"Écriture de {out.name}"):
            rows = [geo.index[c] for c in plan.assignment["host"]]
            write_frame(plan.assignment, out, geo=geo, rows=rows, metadata=plan.summary())
    if as_json:
        print_json({**plan.summary(), "assignment": records(plan.assignment),
                    "epcis": records(plan.epcis), "notes": plan.notes})
        return
    t = Table("Médecin", "Domicile", "Commune d'accueil", "Jours", "Min.", "Coût",
              title=f"Affectation ({fmt_int(len(plan.assignment))} lignes, 25 premières)")
    for rec in plan.assignment.head(25).itertuples():
        t.add_row(rec.doctor, rec.home, f"{rec.host_name} ({rec.host})", str(rec.days),
                  fr(rec.minutes, 0), f"{fmt_int(rec.cost_cents // 100)} €")
    console.print(t)
    e = Table("EPCI", "Population", "APL avant", "APL après", "Sous 2,5 avant", "après",
              title="EPCI prioritaires les plus aidés")
    shown = plan.epcis.assign(d=plan.epcis["apl_after"] - plan.epcis["apl_before"])
    for rec in shown.sort_values("d", ascending=False).head(15).itertuples():
        e.add_row(f"{rec.name} ({rec.epci})", fmt_int(rec.population), fr(rec.apl_before),
                  fr(rec.apl_after), fmt_int(rec.pop_under_before),
                  fmt_int(rec.pop_under_after))
    console.print(e)
    s = plan.summary()
    budget_txt = (f" sur un budget de {fmt_int(budget_cents // 100)} €"
                  if budget_cents is not None else "")
    console.print(
        f"{fmt_int(plan.days)} jours par mois, {s['doctors']} médecins, coût "
        f"{fmt_int(plan.cost_cents // 100)} € ({fmt_int(plan.cost_cents)} centimes)"
        f"{budget_txt} ; {fmt_int(plan.population_lifted)} habitants passent au-dessus de "
        f"2,5 ; solveur : {STATUS_FR.get(plan.status, plan.status)}, écart "
        f"{fr(100 * plan.gap, 3)} %, {fr(plan.seconds, 1)} s."
        + (f" {s['doctors_without_host']} volontaires sans commune d'accueil à moins de "
           f"{fr(max_minutes, 0)} min." if s["doctors_without_host"] else "")
        + (f" → {out}" if out else ""))
    for note in plan.notes:
        err.print(f"[dim]Note : {note}[/]")
