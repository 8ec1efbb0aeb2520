"""Shared fixtures: the real national geography, loaded once per test session."""

from __future__ import annotations

import pytest

from oasis.territory.geography import Geography, load_geography


@pytest.fixture(scope="session")
def geo() -> Geography:
    return load_geography()
