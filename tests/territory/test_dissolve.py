"""Aggregated boundaries dissolved from the commune boundaries."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import shapely

from oasis.territory.dissolve import (
    SLIVER_MAX_DEG2,
    _drop_slivers,
    group_keys,
    load_territories,
    read_territories,
    write_territories,
)
from oasis.territory.geography import read_boundaries


@pytest.fixture(scope="module")
def territories(geo):
    return load_territories(geo)


def test_every_territory_is_dissolved(geo, territories):
    rows = np.flatnonzero(geo.is_commune)
    mapped = rows[[b is not None for b in read_boundaries(geo.source, rows)]]
    assert len(territories["departement"]) == len(set(geo.dep[mapped])) == 101
    assert len(territories["region"]) == 18
    assert len(territories["epci"]) == len({e for e in geo.epci[mapped] if e}) > 1200
    for t in territories.values():
        assert list(t.code) == sorted(t.code)
        assert all(b for b in t.wkb)


def test_department_is_the_union_of_its_communes(geo, territories):
    layer = territories["departement"]
    i = list(layer.code).index("58")
    assert layer.name[i] == "Nièvre" and layer.zone[i] == "metro"
    nievre = shapely.from_wkb(layer.wkb[i])
    rows = np.flatnonzero((geo.dep == "58") & geo.is_commune)
    parts = shapely.from_wkb([b for b in read_boundaries(geo.source, rows) if b])
    assert nievre.area == pytest.approx(shapely.area(parts).sum(), rel=0.01)
    nevers = geo.commune("58194")
    assert nievre.contains(shapely.Point(nevers.lon, nevers.lat))
    # a commune of the neighbouring Cher is outside
    bourges = geo.commune("18033")
    assert not nievre.contains(shapely.Point(bourges.lon, bourges.lat))


def test_epci_and_region_contain_their_town_halls(geo, territories):
    nevers = geo.commune("58194")
    point = shapely.Point(nevers.lon, nevers.lat)
    for level, code in (("epci", nevers.epci), ("region", nevers.region)):
        layer = territories[level]
        shape = shapely.from_wkb(layer.wkb[list(layer.code).index(code)])
        assert shape.contains(point), level


def test_slivers_are_dropped_but_real_holes_kept():
    outer = [(0, 0), (1, 0), (1, 1), (0, 1)]
    tiny = [(0.1, 0.1), (0.1 + 1e-3, 0.1), (0.1, 0.1 + 1e-3)]
    big = [(0.5, 0.5), (0.8, 0.5), (0.8, 0.8), (0.5, 0.8)]
    cleaned = _drop_slivers(shapely.Polygon(outer, [tiny, big]))
    assert len(cleaned.interiors) == 1
    assert shapely.Polygon(cleaned.interiors[0]).area > SLIVER_MAX_DEG2


def test_cache_is_rebuilt_when_the_commune_file_changes(geo, territories, tmp_path):
    source = tmp_path / "communes.parquet"
    shutil.copy(geo.source, source)
    path = tmp_path / "territoires.parquet"
    write_territories(territories, source, path)
    back = read_territories(path, source)
    assert back is not None
    assert list(back["epci"].code) == list(territories["epci"].code)
    assert back["region"].wkb == territories["region"].wkb
    source.write_bytes(source.read_bytes() + b"\0")  # a rebuilt geography
    assert read_territories(path, source) is None
    assert read_territories(tmp_path / "absent.parquet", source) is None


def test_unknown_level(geo):
    with pytest.raises(ValueError, match="niveau inconnu"):
        group_keys(geo, "canton")
