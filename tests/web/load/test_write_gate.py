"""The SQLite write gate: a request that lost a write conflict is replayed, body included,
and one that keeps losing gets 503 ``database_busy`` instead of a 500."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from oasis.care.core.db import is_write_conflict
from oasis.config import Settings
from oasis.web.kit.errors import install_errors
from oasis.web.kit.writes import ATTEMPTS, install_write_gate


def _locked() -> OperationalError:
    return OperationalError("UPDATE slot …", {}, sqlite3.OperationalError("database is locked"))


def _app(tmp_path, fail_times: int) -> tuple[FastAPI, list]:
    app = FastAPI()
    app.state.settings = Settings(database_url=f"sqlite:///{tmp_path / 'g.db'}")
    install_errors(app)
    seen: list = []

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        seen.append(await request.json())
        if len(seen) <= fail_times:
            raise _locked()
        return {"attempts": len(seen)}

    install_write_gate(app)
    return app, seen


def test_conflict_is_replayed_with_the_same_body(tmp_path):
    app, seen = _app(tmp_path, fail_times=2)
    with TestClient(app) as client:
        r = client.post("/echo", json={"slot_id": 7})
    assert r.status_code == 200 and r.json() == {"attempts": 3}
    assert seen == [{"slot_id": 7}] * 3


def test_endless_conflict_answers_503_not_500(tmp_path):
    app, seen = _app(tmp_path, fail_times=10 * ATTEMPTS)
    with TestClient(app) as client:
        r = client.post("/echo", json={"slot_id": 7})
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "database_busy" and r.headers["Retry-After"] == "1"
    assert len(seen) == ATTEMPTS


def test_other_errors_are_not_retried(tmp_path):
    assert not is_write_conflict(ValueError("database is locked"))
    app = FastAPI()
    app.state.settings = Settings(database_url=f"sqlite:///{tmp_path / 'g.db'}")
    calls = []

    @app.post("/boom")
    async def boom() -> dict:
        calls.append(1)
        raise RuntimeError("not a conflict")

    install_write_gate(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/boom").status_code == 500
    assert calls == [1]


@pytest.mark.parametrize("url", ["postgresql+psycopg://u@127.0.0.1/x"])
def test_no_gate_on_postgresql(url):
    app = FastAPI()
    app.state.settings = Settings(database_url=url)
    install_write_gate(app)
    assert app.user_middleware == []
