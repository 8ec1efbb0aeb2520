"""``oasis geo``: communes, EPCIs, name search and counts of the embedded geography."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from oasis.commands.console import JsonFlag, console, fail, fmt_int, geography, print_json

geo_app = typer.Typer(help="Géographie administrative (COG 2026) : communes, EPCI, recherche.",
                      no_args_is_help=True)


@geo_app.command("commune")
def geo_commune(
    code: Annotated[str, typer.Argument(help="Code INSEE (ex. 58194) ; un code postal ou un nom "
                                              "donne des suggestions.")],
    as_json: JsonFlag = False,
) -> None:
    """Fiche d'une commune : population, département, région, EPCI, coordonnées, surface."""
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownCommuneError

    geo = geography()
    try:
        commune = geo.commune(code)
    except UnknownCommuneError as exc:
        hint = ("\nVouliez-vous dire : " + " ; ".join(exc.suggestions)) if exc.suggestions else ""
        fail(f"{exc}{hint}")
    except InvalidCodeError as exc:
        fail(str(exc))
    if as_json:
        print_json(commune.as_dict())
        return
    table = Table(show_header=False, title=f"{commune.name} ({commune.code})")
    rows = [
        ("Population (municipale)", fmt_int(commune.population)),
        ("Département", f"{commune.dep_name} ({commune.dep})"),
        ("Région", f"{commune.region_name} ({commune.region})"),
        ("EPCI", f"{commune.epci_name} ({commune.epci})" if commune.epci else "aucun"),
        ("Coordonnées", f"{commune.lat:.5f}, {commune.lon:.5f}" if commune.lat is not None
         else "inconnues"),
        ("Surface", f"{commune.area_km2:.2f} km²" if commune.area_km2 else "inconnue"),
        ("Codes postaux", ", ".join(commune.postal_codes)),
    ]
    arr = geo.arrondissements(commune.code)
    if arr:
        rows.append(("Arrondissements", str(len(arr))))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


@geo_app.command("epci")
def geo_epci(
    code: Annotated[str, typer.Argument(help="SIREN de l'EPCI (9 chiffres, ex. 245804406).")],
    as_json: JsonFlag = False,
) -> None:
    """Fiche d'un EPCI : nature, population, communes membres."""
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownEpciError

    geo = geography()
    try:
        epci = geo.epci_info(code)
    except (InvalidCodeError, UnknownEpciError) as exc:
        fail(str(exc))
    if as_json:
        payload = epci.as_dict()
        payload["members"] = [{"code": c, "name": str(geo.name[geo.index[c]])}
                              for c in epci.members]
        print_json(payload)
        return
    console.print(f"[bold]{epci.name}[/] ({epci.code}) — {epci.kind}, "
                  f"{fmt_int(epci.population)} habitants, {len(epci.members)} communes, "
                  f"département(s) {', '.join(epci.departments)}")
    table = Table("Code", "Commune", "Population")
    for c in epci.members:
        i = geo.index[c]
        table.add_row(c, str(geo.name[i]), fmt_int(int(geo.population[i])))
    console.print(table)


@geo_app.command("search")
def geo_search(
    text: Annotated[str, typer.Argument(help="Nom (sans accents ni majuscules nécessaires), "
                                              "code INSEE ou code postal.")],
    limit: Annotated[int, typer.Option(min=1, max=200, help="Nombre maximal de résultats.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Recherche de communes par nom, insensible aux accents et à la casse."""
    geo = geography()
    rows = geo.search(text, limit)
    if not rows:
        suggestions = geo.suggest(text)
        hint = ("\nVouliez-vous dire : " + " ; ".join(suggestions)) if suggestions else ""
        fail(f"aucune commune ne correspond à « {text} »{hint}", 1)
    hits = [{"code": str(geo.code[i]), "name": str(geo.name[i]), "dep": str(geo.dep[i]),
             "population": int(geo.population[i]), "kind": str(geo.kind[i])} for i in rows]
    if as_json:
        print_json(hits)
        return
    table = Table("Code", "Commune", "Dép.", "Population")
    for hit in hits:
        table.add_row(hit["code"], hit["name"], hit["dep"],
                      fmt_int(hit["population"]))
    console.print(table)


@geo_app.command("stats")
def geo_stats(as_json: JsonFlag = False) -> None:
    """Effectifs : communes, EPCI, départements, régions, population totale."""
    stats = geography().stats()
    if as_json:
        print_json(stats)
        return
    table = Table("Indicateur", "Valeur")
    for key, value in stats.items():
        table.add_row(key, fmt_int(value))
    console.print(table)
