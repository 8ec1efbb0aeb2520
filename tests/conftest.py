"""Shared fixtures: the real national geography, loaded once per test session."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from oasis.territory.geography import Geography, load_geography

# Outside development the server refuses to start without a secret (oasis.config): tests
# are a deployment with a known, test-only key; apps built with Settings(secret_key=...)
# use their own.
os.environ.setdefault("OASIS_SECRET_KEY", "tests-only-secret-key")

# Care platform database fixtures (db_url, empty_db_url, session): tests/factories/care.py.
pytest_plugins = ["tests.factories.care"]

# Speed is measured in benchmarks, not in tests: no per-example deadline, so a loaded CI
# machine cannot turn a correct property into a failure.
settings.register_profile("oasis", deadline=None)
settings.load_profile("oasis")


@pytest.fixture(scope="session")
def geo() -> Geography:
    return load_geography()
