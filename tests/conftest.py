"""Shared fixtures: the real national geography, loaded once per test session."""

from __future__ import annotations

import pytest

from oasis.territory.geography import Geography, load_geography


@pytest.fixture(scope="session")
def geo() -> Geography:
    return load_geography()


# Care platform database fixtures (db_url, empty_db_url, session): see care_fixtures.py.
from care_fixtures import (  # noqa: E402, F401
    _postgres_template,
    _sqlite_template,
    db_url,
    empty_db_url,
    session,
)
