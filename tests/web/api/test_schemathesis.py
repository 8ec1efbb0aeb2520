"""Schemathesis over the whole OpenAPI: no input may crash the server or break the schema.

Every JSON operation is called in-process (ASGI, no network) with generated valid and
invalid inputs, anonymously and as a patient, a practitioner and a coordinator, on SQLite
and — when ``OASIS_TEST_POSTGRES_URL`` answers — on PostgreSQL.  Each answer must not be a
5xx, must carry a documented status code and must match the documented schema (the one
error body included).  ``OASIS_SCHEMATHESIS_EXAMPLES`` bounds the examples per operation
(default 3 per generation mode: the two back-ends together take about two minutes on
a 2-core machine).
"""

from __future__ import annotations

import os
import shutil

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from oasis.care.accounts import service as accounts
from oasis.care.core.db import dispose_engine, session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories import care as factories
from tests.factories.care import PASSWORD, make_patient, make_practice

EXAMPLES = int(os.environ.get("OASIS_SCHEMATHESIS_EXAMPLES", "3"))
ACTORS = ("anonymous", "patient", "practitioner", "coordinator")
EMAILS = {"patient": "patient@fuzz.fr", "practitioner": "doc@fuzz.fr",
          "coordinator": "coord@fuzz.fr"}
# Operations that end the caller's own session would sign the next examples out.
SELF_ENDING = {"POST /api/v1/auth/logout"}
OPENAPI = "/api/v1/openapi.json"


def _populate(url: str) -> None:
    """A small world so that generated ids sometimes hit real rows: a practice with slots,
    a patient with an appointment, and one account per role."""
    session = session_factory(url)()
    site, doctor, schedule = make_practice(session, rpps_seed=41)
    scheduling.generate_slots(session, schedule.id, days=7)
    patient = make_patient(session)
    coordinator = people.create_staff(session, kind="coordinator", family_name="Roy",
                                      given_name="Léa", organisation="ARS BFC")
    accounts.create_account(session, email=EMAILS["patient"], password=PASSWORD,
                            role="patient", patient_id=patient.id, display_name="Jeanne")
    accounts.create_account(session, email=EMAILS["practitioner"], password=PASSWORD,
                            role="practitioner", practitioner_id=doctor.id,
                            display_name="Dr Martin")
    accounts.create_account(session, email=EMAILS["coordinator"], password=PASSWORD,
                            role="coordinator", staff_id=coordinator.id, display_name="Léa")
    session.commit()
    session.close()
    del site


@pytest.fixture(scope="module", params=factories.DB_PARAMS)
def fuzz_db(request, tmp_path_factory):
    """A populated database per back-end, shared by the actors of the module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "care.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
        _populate(url)
        yield url
        dispose_engine(url)
        return
    template = request.getfixturevalue("_postgres_template")
    base = factories.postgres_base_url()
    name = f"oasis_fuzz_{factories._worker()}"
    url = factories._pg_create(base, name, template)
    _populate(url)
    yield url
    factories._pg_drop(base, name)


@pytest.fixture(scope="module")
def fuzz_app(fuzz_db):
    return create_app(Settings(database_url=fuzz_db, secret_key="fuzz-secret"))


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app):
    return schemathesis.openapi.from_asgi(OPENAPI, fuzz_app)


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> dict[str, dict]:
    """Each actor's bearer header, from a real sign-in (none for the anonymous visitor)."""
    with TestClient(fuzz_app) as client:
        return {"anonymous": {}} | {role: factories.login(client, email)
                                    for role, email in EMAILS.items()}


def _operations() -> list[str]:
    """``METHOD path`` of every documented operation (the schema needs no database)."""
    app = create_app(Settings(database_url="sqlite://", secret_key="fuzz-secret"))
    return [f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items()
            for method in item]


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _has_inputs(operation) -> bool:
    """Whether the operation takes any parameter or body (else every case is the same)."""
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody")
                or operation.path_parameters or operation.query)


def fuzz(operation, headers: dict, mode: GenerationMode) -> list[str]:
    """Failures of ``operation`` over a bounded number of generated cases.

    An operation without inputs has one case: it is called once (positive) and has no
    negative case.  Derandomised, without shrinking: the same cases every run.
    """
    failures: list[str] = []
    has_inputs = _has_inputs(operation)
    if not has_inputs and mode is GenerationMode.NEGATIVE:
        return []
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # an operation that cannot be negated has no negative case
        if mode is GenerationMode.NEGATIVE:
            return []
        raise AssertionError(f"{operation.label}: {exc}") from exc

    @given(case=strategy)
    @settings(max_examples=EXAMPLES if has_inputs else 1, deadline=None, database=None,
              derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        try:
            # timeout: a hang guard for the national maps on a loaded machine, not a timing test
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=300)
        except FailureGroup as exc:
            failures.append(str(exc)[:3000])
        except Exception as exc:  # raised in the app: what a client would get as a 500
            failures.append(f"server error: {type(exc).__name__}: {exc}"[:3000]
                            + f"\n  case: {case.as_curl_command()}"[:1000])

    try:
        run()
    except Unsatisfiable:  # nothing to negate: an operation without inputs
        if mode is not GenerationMode.NEGATIVE:
            raise
    return failures


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("label", _operations())
def test_no_server_error_and_schema_holds(fuzz_schema, tokens, label, actor):
    if actor != "anonymous" and label in SELF_ENDING:
        pytest.skip("signing out would end the session the next operations use")
    method, path = label.split(" ", 1)
    operation = fuzz_schema[path][method]
    failures = [f for mode in GenerationMode for f in fuzz(operation, tokens[actor], mode)]
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures[:3])
