"""/planification/criteres-ministere: the five-criteria ranking on the planners' pages,
each criterion's source (« donnée synthétique » without a file), the overlap with an
official list when one is configured, and the CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oasis.config import Settings
from oasis.territory import ministry
from oasis.territory.demo import demo_regulatory_apl
from oasis.web.app import create_app

FIX = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    db = tmp_path_factory.mktemp("m") / "a.db"
    return TestClient(create_app(Settings(database_url=f"sqlite:///{db}")))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db = tmp_path_factory.mktemp("m") / "b.db"
    return TestClient(create_app(Settings(
        database_url=f"sqlite:///{db}", filosofi_file=FIX / "filosofi-com-sample.csv",
        ald_file=FIX / "ald-dep-sample.csv",
        official_epci_file=FIX / "epci-officiels-sample.csv")))


def _rows(html: str) -> list[str]:
    body = html[html.index('id="criteres-ministere"'):]
    return re.findall(r'<th scope="row">([^<]+) <span class="muted">\((\d{9})\)', body)


def test_without_files_every_absent_criterion_says_synthetic(bare):
    r = bare.get("/planification/criteres-ministere")
    assert r.status_code == 200
    sources = r.text[r.text.index('id="criteres-sources"'):r.text.index("</table>")]
    for key in ("median_income", "ald_share", "emergency_minutes", "apl", "young_gp_share"):
        row = re.search(rf'data-critere="{key}">(.*?)</tr>', sources, re.S).group(1)
        assert "donnée synthétique" in row, key  # demo supply: even APL and ages
    assert "Aucune liste officielle chargée" in r.text
    # the page's ranking is the CLI's: oasis deserts --method ministere on the demo
    expected = ministry.ministry_ranking(demo_regulatory_apl()).table.head(151)
    assert [code for _, code in _rows(r.text)] == expected["epci"].astype(str).tolist()
    assert "Score Oasis" in r.text and 'aria-current="page"' in r.text  # the tab


def test_with_files_sources_overlap_and_csv(loaded):
    r = loaded.get("/planification/criteres-ministere", params={"top": 40})
    assert r.status_code == 200 and len(_rows(r.text)) == 40
    sources = r.text[r.text.index('id="criteres-sources"'):r.text.index("</table>")]
    income = re.search(r'data-critere="median_income">(.*?)</tr>', sources, re.S).group(1)
    assert "donnée synthétique" not in income and "filosofi-com-sample.csv" in income
    assert "Recouvrement avec la liste officielle" in r.text
    official = ministry.read_official_epci(FIX / "epci-officiels-sample.csv")
    result = demo_regulatory_apl()
    ranking = ministry.ministry_ranking(result, **ministry.page_inputs(
        ministry.MinistryFiles(income=FIX / "filosofi-com-sample.csv",
                               ald=FIX / "ald-dep-sample.csv"), result.geo))
    over = ministry.overlap(official, ranking.table, 151)
    assert over.summary() in r.text.replace("&#39;", "'")
    got = loaded.get("/planification/criteres-ministere.csv", params={"top": 40})
    assert got.headers["content-disposition"].startswith(
        'attachment; filename="epci-criteres-ministere-top40.csv"')
    lines = got.text.splitlines()
    assert lines[0].startswith("# Classement des EPCI") and "65 ans ou moins" in lines[0]
    table = list(csv.DictReader(io.StringIO("\n".join(x for x in lines
                                                      if not x.startswith("#")))))
    assert len(table) == 40 and table[0]["rang"] == "1"
    top = ranking.table.head(40)
    assert [t["code_epci"] for t in table] == top["epci"].astype(str).tolist()
    # APL with 2 decimals, the ALD share in % (Nièvre: 26 %)
    assert float(table[0]["apl"]) == pytest.approx(top["apl"].iloc[0], abs=0.005)
    assert {t["liste_officielle"] for t in table} <= {"oui", "non"}
    assert any("median_income (€/an" in x and "filosofi" in x for x in lines[:7])


def test_bad_top_is_a_french_error(bare):
    r = bare.get("/planification/criteres-ministere", params={"top": 0})
    assert r.status_code == 422
