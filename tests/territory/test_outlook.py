"""« Et dans 5 ans ? »: three scenarios of the projection, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from oasis.territory.apl import compute
from oasis.territory.outlook import GPS_PER_NEW_SITE, outlook, site_installs
from oasis.territory.supply import Supply, unit_positions


def test_outlook_scenarios_by_hand(geo):
    _, pos = unit_positions(geo)
    old, young = pos["58062"], pos["58194"]
    supply = Supply(np.array(["a", "b"], dtype=object), np.array([old, young]),
                    np.array([5000.0, 5000.0]), np.array(["generaliste"] * 2, dtype=object),
                    np.array([64.0, 40.0]))
    base = compute(geo, supply)
    gain = np.zeros(len(base.units))
    gain[old] = 0.5
    o = outlook(base, supply, base_year=2026, site_codes=["58062"], volunteer_gain=gain)
    assert (o.base_year, o.horizon) == (2026, 2031)
    # trend: the 64-year-old GP survives 5 years with 0.93·0.85·0.78³ (hazard table)
    survival = 0.93 * 0.85 * 0.78 ** 3
    assert o.later["tendance"][old] / o.now[old] == pytest.approx(survival)
    # sites: one more GP (5 000 C+V) from 2027, aged 32.6: no retirement before 2031
    assert o.later["sites"][old] == pytest.approx(o.now[old] * (survival + GPS_PER_NEW_SITE))
    assert o.later["sites_volontaires"][old] == pytest.approx(o.later["sites"][old] + 0.5)
    nat = o.national().set_index("scenario")
    assert nat.loc["tendance", "apl_horizon"] < nat.loc["tendance", "apl_now"]
    assert nat.loc["sites", "apl_horizon"] > nat.loc["tendance", "apl_horizon"]
    assert set(nat["year_horizon"]) == {2031}
    deps = o.departments()
    assert deps.iloc[0]["dep"] == "58" and deps.iloc[0]["change"] < 0
    installs = site_installs(geo, ["58062", "75056"], 2027)
    assert installs.code.tolist() == ["58062"]  # Paris: give an arrondissement
