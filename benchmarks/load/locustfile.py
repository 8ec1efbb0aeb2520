"""Locust users of the Oasis load test; run by ``benchmarks/load/run.py`` (headless).

The run script writes the data the users need (bearer tokens, slot ids, communes) to the
JSON file named by ``OASIS_LOAD_DATA`` and picks the scenario with ``OASIS_LOAD_SCENARIO``:

* ``book``: each attempt books a never-used free slot for a never-used patient (the
  throughput of successful bookings; 409 would mean a bug here);
* ``hot``: every user fights for a few hot slots: each attempt must be 201 or 409;
* ``journey``: a patient searches slots, books the first one offered, then cancels;
* ``queue``: patients join the teleconsultation queue and poll their place; doctors
  take the next patient;
* ``search``: care options and slot search from communes weighted by population;
* ``planner``: a coordinator's planning pages.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from pathlib import Path

from locust import HttpUser, between, constant, task

DATA = json.loads(Path(os.environ["OASIS_LOAD_DATA"]).read_text(encoding="utf-8"))
SCENARIO = os.environ.get("OASIS_LOAD_SCENARIO", "book")
_lock = threading.Lock()
_free = iter(DATA.get("free_slots", []))
_patients = itertools.cycle(DATA.get("patient_tokens", []) or [""])
_fresh_patients = iter(DATA.get("patient_tokens", []))


def _next(it):
    with _lock:
        return next(it, None)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class _Base(HttpUser):
    abstract = True
    wait_time = constant(0)


class BookFree(_Base):
    """Free slots, one fresh patient per booking: every attempt should be a 201."""

    @task
    def book(self) -> None:
        slot, token = _next(_free), _next(_fresh_patients)
        if slot is None or token is None:
            self.environment.runner.quit()
            return
        with self.client.post("/api/v1/appointments", json={"slot_id": slot},
                              headers=_bearer(token), name="book free slot",
                              catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {r.text[:80]}")


class BookHot(_Base):
    """A handful of hot slots: the only right answers are 201 and 409."""

    @task
    def book(self) -> None:
        slot = random.choice(DATA["hot_slots"])
        with self.client.post("/api/v1/appointments", json={"slot_id": slot},
                              headers=_bearer(_next(_patients)), name="book hot slot",
                              catch_response=True) as r:
            if r.status_code in (201, 409):
                r.success()
            else:
                r.failure(f"{r.status_code} {r.text[:80]}")


class Journey(_Base):
    """Search → book the first slot found → cancel it (the slot goes back to free)."""

    wait_time = between(0, 0.05)

    @task
    def journey(self) -> None:
        token = _next(_patients)
        commune = random.choice(DATA["communes"])
        r = self.client.get("/api/v1/slots", params={"commune": commune, "within_hours": 168,
                                                      "per_page": 5}, name="slots search")
        items = r.json().get("items", []) if r.status_code == 200 else []
        if not items:
            return
        slot = random.choice(items)["slot_id"]
        with self.client.post("/api/v1/appointments", json={"slot_id": slot},
                              headers=_bearer(token), name="journey book",
                              catch_response=True) as b:
            if b.status_code == 409:
                b.success()
                return
        if b.status_code == 201:
            self.client.post(f"/api/v1/appointments/{b.json()['id']}/cancel",
                             json={"reason": "test de charge"}, headers=_bearer(token),
                             name="journey cancel")


class QueuePatient(_Base):
    weight = 3
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.token = _next(_fresh_patients)
        self.entry = None

    @task
    def queue(self) -> None:
        if self.token is None:
            return
        if self.entry is None:
            with self.client.post("/api/v1/teleconsult/queue", json={"reason": "fièvre"},
                                  headers=_bearer(self.token), name="queue join",
                                  catch_response=True) as r:
                if r.status_code == 201:
                    self.entry = r.json()["entry"]["entry_id"]
                else:
                    r.failure(f"{r.status_code} {r.text[:80]}")
                    self.token = None  # never loop on a refused join
            return
        r = self.client.get(f"/api/v1/teleconsult/queue/{self.entry}",
                            headers=_bearer(self.token), name="queue position")
        if r.status_code == 200 and r.json().get("status") != "waiting":
            self.token = None  # taken by a doctor: this patient's visit is over


class QueueDoctor(_Base):
    weight = 1
    wait_time = between(0.1, 0.3)

    def on_start(self) -> None:
        self.token = _next(iter_doctors)
        if self.token:
            self.client.put("/api/v1/teleconsult/presence", json={"status": "available"},
                            headers=_bearer(self.token), name="doctor presence")

    @task
    def take(self) -> None:
        if not self.token:
            return
        with self.client.post("/api/v1/teleconsult/queue/next", headers=_bearer(self.token),
                              name="queue take next", catch_response=True) as r:
            if r.status_code in (201, 404, 409):
                r.success()
        if r.status_code == 201:
            encounter = r.json()["encounter"]["id"]
            self.client.post(f"/api/v1/encounters/{encounter}/close", json={},
                             headers=_bearer(self.token), name="encounter close")
            self.client.put("/api/v1/teleconsult/presence", json={"status": "available"},
                            headers=_bearer(self.token), name="doctor presence")


iter_doctors = iter(DATA.get("doctor_tokens", []))


class Search(_Base):
    @task(2)
    def care_options(self) -> None:
        self.client.get("/api/v1/care-options", params={"commune": random.choice(
            DATA["communes"])}, name="care-options")

    @task(3)
    def slots(self) -> None:
        self.client.get("/api/v1/slots", params={"commune": random.choice(DATA["communes"]),
                                                 "within_minutes": 30, "within_hours": 48},
                        name="slots search")


class Planner(_Base):
    wait_time = between(0, 0.1)

    def on_start(self) -> None:
        self.client.cookies.set("oasis_session", DATA["coordinator_token"])

    @task
    def pages(self) -> None:
        for path in DATA["planner_pages"]:
            self.client.get(path, name=path)


USERS = {"book": [BookFree], "hot": [BookHot], "journey": [Journey],
         "queue": [QueuePatient, QueueDoctor], "search": [Search], "planner": [Planner]}
for _name, _classes in USERS.items():
    for _cls in _classes:
        _cls.abstract = _name != SCENARIO
del _name, _classes, _cls  # a module-level name bound to a User class would be run too
