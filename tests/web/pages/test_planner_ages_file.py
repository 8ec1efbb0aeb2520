"""OASIS_AGES_FILE: the planners' pages and maps use the age-standardised demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oasis.config import Settings
from oasis.territory.ages import AgeFileError
from oasis.territory.demo import demo_apl, use_ages_file
from oasis.web.app import create_app

FIX = Path(__file__).resolve().parents[2] / "fixtures"


def _ratio(client) -> float:
    values = client.get("/api/v1/carte/indicateurs/apl").json()["values"]
    return values["58062"] / values["58194"]  # elderly Château-Chinon / younger Nevers


def test_ages_file_reaches_the_maps_and_resets(tmp_path):
    try:
        raw = _ratio(TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}/a.db"))))
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/b.db",
                                  ages_file=FIX / "base-cc-evol-struct-pop-sample.CSV"))
        std = _ratio(TestClient(app))
        assert std < raw
        assert any("standardisée par âge" in n for n in demo_apl().notes)
        figures = TestClient(app).get("/api/v1/planification/chiffres")
        assert figures.status_code == 200
        with pytest.raises(AgeFileError) as err:
            create_app(Settings(database_url=f"sqlite:///{tmp_path}/c.db",
                                ages_file=FIX / "base-cc-evol-struct-pop-malformed.CSV"))
        assert err.value.lines == [3, 4, 5, 6]
    finally:
        use_ages_file(None)
    again = _ratio(TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}/d.db"))))
    assert again == pytest.approx(raw)
