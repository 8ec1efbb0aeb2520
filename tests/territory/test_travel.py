"""Travel-time model and origin–destination matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oasis.territory.travel import (
    ODMatrixError,
    TravelModel,
    haversine_km,
    minutes_from,
    read_od_matrix,
    travel_times,
)

MODEL = TravelModel()


@given(st.floats(0, 500), st.floats(0, 500))
def test_minutes_increase_with_distance(a, b):
    lo, hi = sorted((a, b))
    assert MODEL.minutes(np.array([lo]))[0] <= MODEL.minutes(np.array([hi]))[0] + 1e-12


@given(st.floats(0.1, 240))
def test_max_straight_km_inverts_minutes(minutes):
    km = MODEL.max_straight_km(minutes)
    assert MODEL.minutes(np.array([km]))[0] == pytest.approx(minutes, rel=1e-9)


def test_band_speeds():
    # 5 km of road at 30 km/h = 10 min; the next 15 km at 60 km/h = 15 min.
    assert MODEL.road_minutes(np.array([5.0, 20.0]))[:2].tolist() == pytest.approx([10, 25])


def test_nevers_to_paris_is_plausible(geo):
    n, p = geo.commune("58194"), geo.commune("75056")
    km = haversine_km(n.lat, n.lon, p.lat, p.lon)
    assert 205 < km < 225  # about 215 km as the crow flies, town hall to centre
    minutes = minutes_from(n.lat, n.lon, np.array([p.lat]), np.array([p.lon]))[0]
    assert 150 < minutes < 210  # 2 h 30 – 3 h by car


def test_matrix_matches_brute_force(geo):
    rows = np.flatnonzero((geo.dep == "58") & geo.analysis_units)
    lat, lon, area = geo.lat[rows], geo.lon[rows], geo.area_km2[rows]
    tt = travel_times(lat, lon, 20, area_km2=area)
    dense = np.full((len(rows), len(rows)), np.inf)
    dense[tt.origin, tt.dest] = tt.minutes
    full = MODEL.minutes(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]))
    np.fill_diagonal(full, MODEL.intra_minutes(area))
    expected = np.where(full <= 20, full, np.inf)
    finite = np.isfinite(expected)
    assert (np.isfinite(dense) == finite).all()
    np.testing.assert_allclose(dense[finite], expected[finite], rtol=1e-9)


def test_matrix_to_other_destinations():
    lat = np.array([47.0, 47.0, np.nan])
    lon = np.array([3.0, 3.1, 3.0])
    tt = travel_times(lat, lon, 30, dest_lat=np.array([47.0]), dest_lon=np.array([3.05]))
    assert sorted(tt.origin.tolist()) == [0, 1] and set(tt.dest.tolist()) == {0}


def test_od_matrix_csv(tmp_path, geo):
    good = tmp_path / "od.csv"
    good.write_text("origin,destination,minutes\n58194,58194,0\n58194,58051,7.5\n")
    tt = read_od_matrix(good, geo.index, len(geo))
    assert len(tt) == 2 and tt.lookup(geo.index["58194"], geo.index["58051"]) == 7.5


def test_od_matrix_bad_rows_are_reported_with_line_numbers(tmp_path, geo):
    bad = tmp_path / "od.csv"
    bad.write_text("origin,destination,minutes\n58194,58051,7\n99999,58051,3\n58194,58051,x\n")
    with pytest.raises(ODMatrixError) as info:
        read_od_matrix(bad, geo.index, len(geo))
    assert "ligne 3" in str(info.value) and "ligne 4" in str(info.value)


def test_od_matrix_bad_header(tmp_path, geo):
    bad = tmp_path / "od.csv"
    bad.write_text("from,to,time\n")
    with pytest.raises(ODMatrixError, match="en-tête"):
        read_od_matrix(bad, geo.index, len(geo))
