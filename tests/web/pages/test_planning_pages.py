"""Planner pages: dashboard, priority EPCIs (HTML, CSV, JSON), aggregated map layers."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from oasis.web.app import create_app
from oasis.web.pages.planner import charts


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def no_external_urls(html: str) -> bool:
    urls = re.findall(r"(?:src|href|action)=\"([^\"]+)\"", html)
    return all(u.startswith(("/", "?", "#")) for u in urls)


# ------------------------------------------------------------------ dashboard
def test_dashboard_key_figures_and_charts(client):
    r = client.get("/planification")
    assert r.status_code == 200
    page = r.text
    assert "Tableau de bord ARS" in page and '<html lang="fr">' in page
    figures = client.get("/api/v1/planification/chiffres").json()
    assert figures["synthetic"] is True and "synthétique" in page
    total = sum(figures[f"pop_{c}"] for c in ("sous_dense", "vigilance", "hors_zone"))
    assert total == figures["population"] > 60_000_000
    assert 0.05 < figures["share_sous_dense"] < 0.15
    shown = charts.fr_number(figures["pop_sous_dense"])
    assert f'<span class="n" id="pop-sous-dense">{shown}</span>' in page
    # three charts, each an accessible image with a title and a description
    for chart_id in ("histogramme-apl", "population-regions", "population-departements"):
        assert f'id="{chart_id}"' in page
        assert f'aria-labelledby="{chart_id}-t {chart_id}-d"' in page
    assert page.count('role="img"') == 3
    assert no_external_urls(page)
    assert 'href="/planification/epci-prioritaires"' in page


def test_histogram_bins_hold_the_whole_population(client):
    from oasis.territory.indicators import communes
    from oasis.web.pages.planner.dashboard import apl_histogram

    hist = apl_histogram()
    frame = communes()
    assert sum(hist["heights"]) == pytest.approx(frame["population"].sum())
    below = frame.loc[frame["apl"] < 0.5, "population"].sum()
    assert hist["heights"][0] == pytest.approx(below)
    assert hist["colors"][0] == "#d7301f" and hist["colors"][-1] == "#1a9850"


def test_region_rows_add_up(client):
    from oasis.web.pages.planner.dashboard import class_rows

    rows = class_rows("region")
    assert len(rows) == 18
    assert all(sum(r["values"]) == r["population"] for r in rows)
    shares = [r["share"] for r in rows]
    assert shares == sorted(shares, reverse=True)


# ------------------------------------------------------------------ priority EPCIs
def test_priority_page_lists_151_epci(client):
    r = client.get("/planification/epci-prioritaires")
    assert r.status_code == 200
    body = r.text.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 151
    assert 'aria-sort="ascending"' in r.text  # default sort: rank
    assert no_external_urls(r.text)
    assert 'href="/planification/epci-prioritaires.csv?top=151"' in r.text


def test_priority_page_sorts_by_any_column(client):
    page = client.get("/planification/epci-prioritaires?top=40&tri=apl&ordre=asc").text
    body = page.split("<tbody>")[1]
    apl = [float(v.replace(",", ".")) for v in
           re.findall(r'<td data-col="apl" class="num">([\d,]+)</td>', body)]
    assert len(apl) == 40 and apl == sorted(apl)
    assert 'aria-sort="ascending"' in page
    page = client.get("/planification/epci-prioritaires?top=40&tri=population").text
    assert 'aria-sort="descending"' in page  # population defaults to largest first


def test_priority_cells_sit_under_their_own_header(client):
    """Issue 15 defect 4: the share was printed under the minutes and vice versa."""
    from oasis.territory.indicators import SORT_KEYS, priority_rows

    page = client.get("/planification/epci-prioritaires?top=5&tri=minutes&ordre=desc").text
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert re.findall(r'data-col="(\w+)"', head) == list(SORT_KEYS)
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    expected = priority_rows(5, "minutes", "desc")
    for row, want in zip(rows, expected, strict=True):
        cells = dict(re.findall(r'data-col="(\w+)"[^>]*>(.*?)</t[dh]>', row, re.S))
        assert list(cells) == list(SORT_KEYS)
        assert cells["part_sous_dense"] == (
            charts.fr_number(100 * want["part_sous_dense"], 1) + " %")
        assert cells["minutes"] == charts.fr_number(want["minutes"], 1)
        assert "%" not in cells["minutes"]


@pytest.mark.parametrize("query", ["top=0", "top=5000", "tri=couleur", "ordre=haut",
                                   "top=abc"])
def test_priority_page_rejects_bad_parameters(client, query):
    r = client.get(f"/planification/epci-prioritaires?{query}")
    assert r.status_code == 422
    assert r.json()["code"] in ("invalid_parameter", "validation_error")
    assert isinstance(r.json()["detail"], str)


def test_priority_csv(client, geo):
    r = client.get("/planification/epci-prioritaires.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "epci-prioritaires-top151.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 151
    assert [int(x["rang"]) for x in rows] == list(range(1, 152))
    scores = [int(x["score"]) for x in rows]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    first = rows[0]
    assert geo.epci_info(first["code_epci"]).name == first["nom"]
    assert int(first["population_sous_dense"]) <= int(first["population"])
    assert len(list(csv.DictReader(io.StringIO(
        client.get("/planification/epci-prioritaires.csv?top=5").text)))) == 5


def test_priority_score_matches_its_definition(client):
    from oasis.territory.indicators import communes

    data = client.get("/api/v1/planification/epci-prioritaires?top=3").json()
    assert data["synthetic_supply"] is True and len(data["epci"]) == 3
    assert "minutes" in data["score"]
    frame = communes()
    top = data["epci"][0]
    members = frame[frame["epci"] == top["code_epci"]]
    under = members[members["apl"] < 2.5]
    deficit = (under["demand"] * (2.5 - under["apl"])).sum()
    minutes = (under["population"] * under["minutes_to_site"]).sum() / under["population"].sum()
    assert top["deficit_consultations"] == round(deficit)
    assert top["minutes"] == pytest.approx(minutes, abs=0.06)
    assert top["score"] == pytest.approx(deficit * (1 + minutes / 30), abs=1)
    assert top["population_sous_dense"] == under["population"].sum()
    csv_text = client.get("/api/v1/planification/epci-prioritaires?top=3&format=csv").text
    assert csv_text.startswith("rang,code_epci")
    assert client.get("/api/v1/planification/epci-prioritaires?format=xml").status_code == 422


# ------------------------------------------------------------------ aggregated map layers
def test_aggregated_apl_is_population_weighted(client, geo):
    communes_apl = client.get("/api/v1/carte/indicateurs/apl").json()["values"]
    deps = client.get("/api/v1/carte/indicateurs/apl?niveau=departement").json()
    assert deps["level"] == "departement" and len(deps["values"]) == 101
    rows = np.flatnonzero(geo.analysis_units & (geo.dep == "58"))
    pop = geo.population[rows].astype(float)
    apl = np.array([communes_apl[c] for c in geo.code[rows]])
    assert deps["values"]["58"] == pytest.approx((pop * apl).sum() / pop.sum(), abs=2e-3)
    epci = client.get("/api/v1/carte/indicateurs/apl?niveau=epci").json()["values"]
    assert geo.commune("58194").epci in epci and len(epci) > 1200


def test_desert_class_indicator(client):
    data = client.get("/api/v1/carte/indicateurs/classe?niveau=epci").json()
    assert data["categories"] == ["sous-dense", "vigilance", "autre"]
    from oasis.territory.indicators import aggregate

    apl = aggregate("epci")["apl"]  # unrounded
    for code, cls in data["values"].items():
        assert cls == (0 if apl[code] < 2.5 else 1 if apl[code] < 4 else 2), code
    assert set(data["values"].values()) == {0, 1, 2}
    share = client.get("/api/v1/carte/indicateurs/part_sous_dense?niveau=region").json()
    assert len(share["values"]) == 18 and all(0 <= v <= 100 for v in share["values"].values())
    assert client.get("/api/v1/carte/indicateurs/apl?niveau=canton").status_code == 404


def test_epci_layer_national_and_by_department(client, geo):
    r = client.get("/api/v1/carte/territoires/epci.geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    national = json.loads(r.content)["features"]
    assert 1150 < len(national) < 1300
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in national)
    nievre = json.loads(client.get("/api/v1/carte/territoires/epci.geojson?dep=58").content)
    codes = {f["properties"]["code"] for f in nievre["features"]}
    assert geo.commune("58194").epci in codes and 5 < len(codes) < 20
    regions = json.loads(client.get("/api/v1/carte/territoires/region.geojson").content)
    assert len(regions["features"]) == 13  # metropolitan regions
    deps = json.loads(client.get("/api/v1/carte/territoires/departement.geojson").content)
    assert len(deps["features"]) == 96
    reunion = client.get("/api/v1/carte/territoires/departement.geojson?dep=974").json()
    assert [f["properties"]["name"] for f in reunion["features"]] == ["La Réunion"]


def test_territory_layer_errors_and_commune_level(client):
    assert client.get("/api/v1/carte/territoires/canton.geojson").status_code == 404
    r = client.get("/api/v1/carte/territoires/epci.geojson?dep=99")
    assert r.status_code == 404 and r.json()["code"] == "unknown_department"
    communes = client.get("/api/v1/carte/territoires/commune.geojson?dep=58")
    assert communes.status_code == 200 and len(communes.json()["features"]) > 300


def test_map_page_has_a_level_selector(client):
    page = client.get("/carte?niveau=epci&indicateur=classe").text
    assert '<select id="niveau" name="niveau">' in page
    assert '<option value="epci" selected>' in page
    assert '<option value="classe" selected>' in page
    assert 'data-level-units=' in page and no_external_urls(page)


# ------------------------------------------------------------------ charts
def test_nice_ticks_and_french_numbers():
    assert charts.nice_ticks(9_300_000)[-1] >= 9_300_000
    assert charts.nice_ticks(9_300_000)[1] == 2_000_000
    assert charts.nice_ticks(0) == [0.0, 1.0]
    assert charts.fr_number(1234567) == "1\u202f234\u202f567"
    assert charts.fr_number(3.456, 2) == "3,46"


def test_chart_escapes_text_and_checks_shapes():
    svg = charts.stacked_bars([("<Corse>", [1, 1, 2])], ["#000", "#111", "#222"],
                              ["a", "b", "c"], chart_id="x", title="t", desc="d")
    assert "&lt;Corse&gt;" in svg and "<Corse>" not in svg and "25,0 %" in svg
    with pytest.raises(ValueError):
        charts.histogram([0, 1], [1, 2], ["#000", "#000"], chart_id="h", title="t", desc="d",
                         x_label="x", y_label="y")


# ------------------------------------------------------------------ coverage
def test_coverage_page_runs_with_the_planners_parameters(client, geo):
    page = client.get("/planification/couverture")
    assert page.status_code == 200 and no_external_urls(page.text)
    assert 'name="minutes"' in page.text and page.text.count('name="types"') == 5
    all_kinds = client.get("/api/v1/planification/couverture?minutes=30").json()
    assert all_kinds["synthetic_sites"] is True and all_kinds["minutes"] == 30
    assert all_kinds["share_covered"] > 0.99
    assert len(all_kinds["uncovered"]) == all_kinds["uncovered_communes"]
    assert all(c["minutes_to_site"] >= 30 for c in all_kinds["uncovered"])  # rounded
    # France Santé-like sites only (no isolated cabinets): more gaps, within 15 minutes more
    fs = client.get("/api/v1/planification/couverture?minutes=15&types=msp&types=centre_sante"
                    "&types=hopital_proximite&types=ett").json()
    assert fs["site_kinds"] == ["centre_sante", "ett", "hopital_proximite", "msp"]
    assert fs["uncovered_communes"] > all_kinds["uncovered_communes"]
    assert fs["covered_population"] < all_kinds["covered_population"]
    page = client.get("/planification/couverture?minutes=15&types=msp").text
    shown = page.split('id="communes-non-couvertes">')[1].split("<")[0]
    expected = client.get("/api/v1/planification/couverture?minutes=15&types=msp").json()
    assert shown == charts.fr_number(expected["uncovered_communes"])


@pytest.mark.parametrize("query", ["minutes=0", "minutes=500", "types=hopital",
                                   "minutes=trente"])
def test_coverage_rejects_bad_parameters(client, query):
    r = client.get(f"/api/v1/planification/couverture?{query}")
    assert r.status_code in (400, 422)
    assert client.get(f"/planification/couverture?{query}").status_code in (400, 422)


def test_coverage_map_indicator(client):
    data = client.get("/api/v1/carte/indicateurs/couverture?niveau=departement").json()
    assert len(data["values"]) == 101 and all(0 <= v <= 100 for v in data["values"].values())
    assert min(data["values"].values()) < 100
    communes = client.get("/api/v1/carte/indicateurs/couverture").json()["values"]
    assert set(communes.values()) <= {0.0, 100.0} and len(communes) > 34_000


def test_coverage_page_never_prints_absurd_minutes(client):
    """Issue 15 defect 5: unreachable reads as such; overseas have their own rows."""
    page = client.get("/planification/couverture?minutes=30&types=ett").text
    assert "hors de portée routière" in page
    assert "Guadeloupe" in page and "Corse" in page
    cells = re.findall(r"<td>([\d\u202f ]+) min", page)
    assert all(int(re.sub(r"\D", "", c)) <= 300 for c in cells), cells
    page = client.get("/planification/couverture?minutes=15&types=msp").text
    assert "non joignable en 15 min" in page
