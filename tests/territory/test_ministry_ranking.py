"""Five-criteria ('ministere') ranking, its importers and the official-list overlap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oasis.territory.ministry import (
    CRITERIA,
    MinistryFileError,
    OfficialList,
    load_criteria_weights,
    ministry_ranking,
    overlap,
    read_ald,
    read_filosofi,
    read_finess,
    read_finess_list,
    read_official_epci,
)
from oasis.territory.supply import unit_positions
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.zoning import regulatory_apl, zoning

FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def reg(geo):
    units, _ = unit_positions(geo)
    return regulatory_apl(geo, synthetic_supply(geo.population[units], n=20000, seed=3))


def test_importers():
    f = read_filosofi(FIX / "filosofi-com-sample.csv")
    values = dict(zip(f.codes, f.values, strict=True))
    assert values["58062"] == 18020 and np.isnan(values["01039"]) and "MED21" in f.label
    with pytest.raises(MinistryFileError) as err:
        read_filosofi(FIX / "filosofi-com-malformed.csv")
    assert err.value.lines == [3, 4]
    ald = read_ald(FIX / "ald-dep-sample.csv")
    assert ald.level == "departement" and dict(zip(ald.codes, ald.share, strict=True)) == {
        "58": pytest.approx(0.26), "89": pytest.approx(0.182)}
    assert read_finess_list(FIX / "finess-urgences-list.txt") == {"580000016"}


def test_finess_with_list_and_proxy(geo):
    urg = read_finess(FIX / "etalab-cs1100507-stock-sample.csv", geo, {"580000016"})
    assert urg.codes.tolist() == ["58194"] and "1 établissements" in urg.label
    proxy = read_finess(FIX / "etalab-cs1100507-stock-sample.csv", geo)
    assert proxy.codes.tolist() == ["58194", "58062", "89024"] and "approximation" in proxy.label
    with pytest.raises(MinistryFileError, match="absents"):
        read_finess(FIX / "etalab-cs1100507-stock-sample.csv", geo, {"580000016", "580000024",
                                                                       "750000001"})


def test_weights_documented_and_equal():
    w = load_criteria_weights()
    assert set(w) == set(CRITERIA) and all(v == pytest.approx(0.2) for v in w.values())


def test_ranking_formula_sources_and_labels(reg, geo):
    income = read_filosofi(FIX / "filosofi-com-sample.csv")
    r = ministry_ranking(reg, income=income, ald=read_ald(FIX / "ald-dep-sample.csv"),
                         emergency=read_finess(FIX / "etalab-cs1100507-stock-sample.csv", geo))
    t = r.table
    assert t["rank"].tolist() == list(range(1, len(t) + 1)) and t["score"].is_monotonic_decreasing
    row = t.iloc[len(t) // 3]
    assert row["score"] == pytest.approx(sum(0.2 * row["need_" + c] for c in CRITERIA))
    # need is the percentile rank, worst = 1: lowest APL gets the highest need_apl
    assert t.loc[t["apl"].idxmin(), "need_apl"] == t["need_apl"].max()
    # the EPCI of Château-Chinon (income 18 020) has more income need than Nevers' (19 870)
    cc = t[t["epci"] == geo.epci[geo.index["58062"]]].iloc[0]
    nv = t[t["epci"] == geo.epci[geo.index["58194"]]].iloc[0]
    assert cc["need_median_income"] > nv["need_median_income"]
    assert nv["ald_share"] == pytest.approx(0.26)
    assert "Filosofi" in r.sources["median_income"] and "FINESS" in r.sources["emergency_minutes"]
    assert t.attrs["variant"] == "praticiens de 65 ans ou moins"
    # absent files: labelled defaults, neutral criteria
    bare = ministry_ranking(reg)
    assert {"median_income", "ald_share", "emergency_minutes"} <= set(bare.synthetic)
    assert (bare.table["need_median_income"] == 0.5).all()
    assert "SYNTHÉTIQUE" in bare.sources["emergency_minutes"]


def test_national_ranking_is_fast(reg):
    import time
    t0 = time.perf_counter()
    ministry_ranking(reg)
    assert time.perf_counter() - t0 < 2.0


def test_official_list_and_overlap(tmp_path, reg):
    r = ministry_ranking(reg)
    top = r.table["epci"].tolist()
    p = tmp_path / "officielle.csv"
    p.write_text("siren\n" + top[0] + "\n" + top[2] + "\n" + top[-1] + "\n", encoding="utf-8")
    official = read_official_epci(p)
    assert official.sirens.tolist() == [top[0], top[2], top[-1]]
    o = overlap(official, r.table, top=3)
    # common {top0, top2}; only official {top-1}; only ranking {top1}
    assert o.common == [top[0], top[2]] and o.only_ranking == [top[1]]
    assert o.recall == pytest.approx(2 / 3) and o.jaccard == pytest.approx(2 / 4)
    assert "2 EPCI en commun sur 3" in o.summary()
    # the same list against Oasis's own score
    own = overlap(official, zoning(reg).priority())
    assert own.top == 3 and own.known == 3
    unknown = overlap(OfficialList(p, np.array(["999999999"]), np.array([2])), r.table)
    assert unknown.unknown == ["999999999"] and unknown.known == 0


def test_official_list_errors(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("siren\n200067890\n123\n200067890\n200067891\n", encoding="utf-8")
    with pytest.raises(MinistryFileError) as err:
        read_official_epci(p)
    assert err.value.lines == [3, 4, 5] and "bad.csv" in str(err.value)


def test_regulatory_variant_is_labelled(reg):
    z = zoning(reg)
    assert z.regulatory and z.variant == "praticiens de 65 ans ou moins"
    assert z.priority(5).attrs["variant"] == z.variant
    assert (reg.supply.age <= 65).all()
    assert isinstance(reg.table(), pd.DataFrame) and reg.table().attrs["max_age"] == 65
