"""The FHIR R4 API: every emitted resource parses with fhir.resources (R4B models, the R4
structure), errors are OperationOutcome only on /fhir, access and audit are the REST
API's, and a FHIR client library drives search, paging, booking and cancelling."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from fhirclient import client as fhir_client
from fhirclient.models.appointment import Appointment as ClientAppointment
from fhirclient.models.slot import Slot as ClientSlot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.audit.models import AuditEvent
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.core.identifiers import nir_with_key
from oasis.care.demo import DEMO_PASSWORD, load_demo
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.care.teleconsult import encounters, prescriptions, queue, referrals
from oasis.config import Settings
from oasis.web.api.fhir import appointments as fa
from oasis.web.api.fhir import people as fp
from oasis.web.api.fhir import scheduling as fs
from oasis.web.api.fhir.capability import RESOURCES
from oasis.web.api.fhir.common import FHIR_JSON, IDNAT_PS, INS_NIR
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, login, make_practice


def valid(resource: dict):
    """Parse with the fhir.resources model of its type (raises on any structural error);
    a Bundle's entries are parsed as part of it."""
    model = get_fhir_model_class(resource["resourceType"])
    return model.model_validate(resource)


@pytest.fixture
def world(db_url):
    session = session_factory(db_url)()
    site, doc1, sched1 = make_practice(session, rpps_seed=21)
    site.finess = "580780039"
    _, doc2, sched2 = make_practice(session, rpps_seed=22, commune="58303")
    for s in (sched1, sched2):
        scheduling.generate_slots(session, s.id, days=14)
    actor = Actor.system()
    p1 = people.create_patient(session, actor, family_name="Durand", given_name="Jeanne",
                               birth_date=date(1950, 3, 2), commune_code="58194", sex="F",
                               nir=nir_with_key("2500358194001"), phone="0386000000")
    p2 = people.create_patient(session, actor, family_name="Petit", given_name="Paul",
                               birth_date=date(1971, 7, 9), commune_code="58194", sex="M")
    for email, role, kw in (("jeanne@test.fr", "patient", {"patient_id": p1.id}),
                            ("paul@test.fr", "patient", {"patient_id": p2.id}),
                            ("doc1@test.fr", "practitioner", {"practitioner_id": doc1.id}),
                            ("doc2@test.fr", "practitioner", {"practitioner_id": doc2.id})):
        accounts.create_account(session, email=email, password=PASSWORD, role=role,
                                display_name=email, **kw)
    coord = people.create_staff(session, kind="coordinator", family_name="Roy",
                                given_name="Lea", organisation="ARS BFC")
    accounts.create_account(session, email="coord@test.fr", password=PASSWORD,
                            role="coordinator", display_name="Léa", staff_id=coord.id)
    session.commit()
    ids = {"site": site.id, "doc1": doc1.id, "doc2": doc2.id, "sched1": sched1.id,
           "p1": p1.id, "p2": p2.id}
    session.close()
    return ids


@pytest.fixture
def client(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with TestClient(app) as c:
        yield c


def fhir_get(client, path, headers=None, expect=200, **params):
    r = client.get(f"/fhir/{path}", params=params, headers=headers or {})
    assert r.status_code == expect, r.text[:300]
    assert r.headers["content-type"].startswith(FHIR_JSON)
    body = r.json()
    valid(body)
    return body


def matches(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def free_slot(client, **params) -> dict:
    bundle = fhir_get(client, "Slot", commune="58194", specialty="generaliste",
                      start=f"le{(date.today() + timedelta(days=14)).isoformat()}", **params)
    return matches(bundle)[0]


def test_capability_statement_lists_exactly_what_is_served(client, world):
    cs = fhir_get(client, "metadata")
    assert cs["fhirVersion"] == "4.0.1" and cs["kind"] == "instance"
    declared = {r["type"]: r for r in cs["rest"][0]["resource"]}
    assert set(declared) == set(RESOURCES)
    headers = login(client, "coord@test.fr")
    for kind, spec in declared.items():
        codes = {i["code"] for i in spec["interaction"]}
        assert {"read", "search-type"} <= codes
        # search-type answers (a Bundle or an OperationOutcome of a rule, never "unsupported")
        r = client.get(f"/fhir/{kind}", headers=headers)
        assert r.json().get("issue", [{}])[0].get("details", {}).get("coding", [{}])[0] \
            .get("code") != "unsupported_interaction", kind
        for param in spec["searchParam"]:
            r = client.get(f"/fhir/{kind}", params={param["name"]: "x"}, headers=headers)
            code = r.json().get("issue", [{}])[0].get("details", {}).get("coding", [{}])[0]
            assert code.get("code") != "unsupported_search_parameter", (kind, param["name"])
    r = client.get("/fhir/Slot", params={"bogus": "1"})
    assert r.status_code == 422
    assert r.json()["issue"][0]["details"]["coding"][0]["code"] == \
        "unsupported_search_parameter"
    r = client.get("/fhir/Medication/1")
    assert r.status_code == 404 and r.json()["resourceType"] == "OperationOutcome"


def test_directory_resources_carry_french_identifiers(client, world):
    doc = fhir_get(client, f"Practitioner/{world['doc1']}")
    idnps = next(i for i in doc["identifier"] if i["system"] == IDNAT_PS)["value"]
    assert idnps.startswith("8") and len(idnps) == 12
    assert doc["meta"]["profile"] == [
        "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner"]
    found = matches(fhir_get(client, "Practitioner", identifier=f"{IDNAT_PS}|{idnps}"))
    assert [p["id"] for p in found] == [str(world["doc1"])]
    assert matches(fhir_get(client, "Practitioner", identifier=f"{IDNAT_PS}|{idnps[1:]}")) \
        == []
    org = fhir_get(client, f"Organization/{world['site']}")
    assert {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1580780039"}.items() <= \
        org["identifier"][0].items()
    loc = fhir_get(client, f"Location/{world['site']}")
    assert loc["address"]["extension"][0]["valueCoding"]["code"] == "58194"
    assert loc["hoursOfOperation"][0]["daysOfWeek"] == ["mon"]
    near = matches(fhir_get(client, "Location",
                            near=f"{loc['position']['latitude']}|"
                                 f"{loc['position']['longitude']}|10|min"))
    assert near[0]["id"] == str(world["site"])
    roles = matches(fhir_get(client, "PractitionerRole", practitioner=world["doc1"]))
    assert roles[0]["location"][0]["reference"] == f"Location/{world['site']}"
    service = fhir_get(client, f"HealthcareService/{world['site']}-generaliste")
    assert service["specialty"][0]["coding"][0]["code"] == "generaliste"
    fhir_get(client, f"HealthcareService/{world['site']}-orl", expect=404)
    sched = fhir_get(client, f"Schedule/{world['sched1']}")
    assert {a["reference"] for a in sched["actor"]} == {
        f"Practitioner/{world['doc1']}", f"Location/{world['site']}"}
    assert matches(fhir_get(client, "Schedule", actor=f"Practitioner/{world['doc1']}"))


def test_slot_search_paging_and_include(client, world):
    first = fhir_get(client, "Slot", commune="58194", specialty="generaliste", _count=5,
                     start=f"le{(date.today() + timedelta(days=14)).isoformat()}",
                     _include="Slot:schedule")
    page1 = matches(first)
    assert len(page1) == 5 and all(s["status"] == "free" for s in page1)
    assert [s["start"] for s in page1] == sorted(s["start"] for s in page1)
    included = [e for e in first["entry"] if e["search"]["mode"] == "include"]
    assert {e["resource"]["resourceType"] for e in included} == {"Schedule"}
    nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(nxt).json()
    valid(second)
    page2 = matches(second)
    assert not {s["id"] for s in page1} & {s["id"] for s in page2}
    assert page2[0]["start"] >= page1[-1]["start"]
    # Agenda view: every status of one schedule, in a window.
    agenda = matches(fhir_get(client, "Slot", schedule=f"Schedule/{world['sched1']}",
                              status="free,busy", _count=200))
    assert agenda and {s["schedule"]["reference"] for s in agenda} == {
        f"Schedule/{world['sched1']}"}
    doc2 = fhir_get(client, f"Practitioner/{world['doc2']}")
    idnps = next(i for i in doc2["identifier"] if i["system"] == IDNAT_PS)["value"]
    sas = matches(fhir_get(client, "Slot", **{
        "schedule.actor:Practitioner.identifier": f"{IDNAT_PS}|{idnps}", "status": "free"}))
    assert sas and all(s["schedule"]["reference"] != f"Schedule/{world['sched1']}"
                       for s in sas)
    by_actor = matches(fhir_get(client, "Slot", **{"schedule.actor":
                                                   f"Practitioner/{world['doc2']}"}))
    assert by_actor and all(s["schedule"]["reference"] != f"Schedule/{world['sched1']}"
                            for s in by_actor)
    # Remote slots exist nowhere here; a bad specialty is a 422 OperationOutcome.
    assert matches(fhir_get(client, "Slot", commune="58194", **{"service-type": "video"})) == []
    bad = fhir_get(client, "Slot", commune="58194", specialty="astrologue", expect=422)
    assert bad["issue"][0]["details"]["coding"][0]["code"] == "invalid_specialty"
    unknown = fhir_get(client, "Slot", commune="99999", expect=404)
    assert unknown["issue"][0]["details"]["coding"][0]["code"] == "unknown_commune"


def test_book_twice_read_back_cancel(client, world, db_url):
    jeanne = login(client, "jeanne@test.fr")
    paul = login(client, "paul@test.fr")
    slot = free_slot(client)
    body = {"resourceType": "Appointment", "status": "booked",
            "slot": [{"reference": f"Slot/{slot['id']}"}], "description": "renouvellement",
            "participant": [{"actor": {"reference": f"Patient/{world['p1']}"},
                             "status": "accepted"}]}
    valid(body)
    r = client.post("/fhir/Appointment", json=body, headers=jeanne)
    assert r.status_code == 201, r.text
    appt = valid(r.json())
    assert r.headers["location"].endswith(f"/fhir/Appointment/{appt.id}")
    body2 = body | {"participant": []}
    r = client.post("/fhir/Appointment", json=body2, headers=paul)
    assert r.status_code == 409
    outcome = valid(r.json())
    assert outcome.issue[0].code == "conflict"
    assert outcome.issue[0].details.coding[0].code == "slot_taken"
    # The REST API keeps its own body on the same error.
    rest = client.post("/api/v1/appointments", json={"slot_id": int(slot["id"])}, headers=paul)
    assert rest.status_code == 409 and rest.json()["code"] == "slot_taken"
    read = fhir_get(client, f"Appointment/{appt.id}", headers=jeanne)
    assert read["status"] == "booked" and read["slot"][0]["reference"] == f"Slot/{slot['id']}"
    # Paul cannot see it: 404, like a missing one.
    missing = fhir_get(client, "Appointment/999999", headers=paul, expect=404)
    other = fhir_get(client, f"Appointment/{appt.id}", headers=paul, expect=404)
    assert other["issue"][0]["details"] == missing["issue"][0]["details"]
    assert fhir_get(client, f"Slot/{slot['id']}")["status"] == "busy"
    # Only status may change.
    r = client.patch(f"/fhir/Appointment/{appt.id}", headers=jeanne,
                     json=[{"op": "replace", "path": "/start", "value": "2030-01-01"}])
    assert r.status_code == 422 and valid(r.json())
    r = client.patch(f"/fhir/Appointment/{appt.id}", headers=jeanne,
                     json=[{"op": "replace", "path": "/status", "value": "cancelled"}])
    assert r.status_code == 200, r.text
    assert valid(r.json()).status == "cancelled"
    assert fhir_get(client, f"Slot/{slot['id']}")["status"] == "free"
    # PUT cancels too (a second booking, then PUT of status).
    r = client.post("/fhir/Appointment", json=body2, headers=paul)
    assert r.status_code == 201, r.text
    again = r.json()
    r = client.put(f"/fhir/Appointment/{again['id']}", headers=paul,
                   json=again | {"status": "cancelled", "cancelationReason": {"text": "x"}})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    s = session_factory(db_url)()
    reads = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Appointment",
                                               AuditEvent.entity_id == str(appt.id))).all()
    assert {(e.action, e.outcome) for e in reads} >= {("create", "success"),
                                                       ("read", "success"),
                                                       ("read", "denied")}
    s.close()


def test_patient_access_and_audit(client, world, db_url):
    jeanne = login(client, "jeanne@test.fr")
    me = fhir_get(client, f"Patient/{world['p1']}", headers=jeanne)
    assert next(i for i in me["identifier"] if i["system"] == INS_NIR)["value"] \
        == nir_with_key("2500358194001")
    assert me["gender"] == "female" and me["birthDate"] == "1950-03-02"
    mine = matches(fhir_get(client, "Patient", headers=jeanne))
    assert [p["id"] for p in mine] == [str(world["p1"])]
    other = fhir_get(client, f"Patient/{world['p2']}", headers=jeanne, expect=404)
    missing = fhir_get(client, "Patient/999999", headers=jeanne, expect=404)
    assert other["issue"][0]["details"] == missing["issue"][0]["details"]
    # A practitioner sees only patients with a care relationship.
    doc = login(client, "doc1@test.fr")
    fhir_get(client, f"Patient/{world['p1']}", headers=doc, expect=404)
    assert matches(fhir_get(client, "Patient", headers=doc)) == []
    slot = free_slot(client)
    r = client.post("/fhir/Appointment", headers=jeanne, json={
        "resourceType": "Appointment", "status": "booked",
        "slot": [{"reference": f"Slot/{slot['id']}"}], "participant": []})
    assert r.status_code == 201
    booked_with = next(p["actor"]["reference"] for p in r.json()["participant"]
                       if p["actor"]["reference"].startswith("Practitioner/"))
    doc_headers = doc if booked_with == f"Practitioner/{world['doc1']}" else \
        login(client, "doc2@test.fr")
    fhir_get(client, f"Patient/{world['p1']}", headers=doc_headers)
    # Signed out: 401 OperationOutcome with the REST code.
    out = fhir_get(client, f"Patient/{world['p1']}", expect=401)
    assert out["issue"][0]["details"]["coding"][0]["code"] == "unauthenticated"
    # Audit: coordinators read AuditEvent, patients do not.
    events = fhir_get(client, "AuditEvent", headers=login(client, "coord@test.fr"),
                      patient=f"Patient/{world['p2']}")
    assert any(e["outcome"] == "4" for e in matches(events))  # the denied read
    fhir_get(client, "AuditEvent", headers=jeanne, expect=403)
    s = session_factory(db_url)()
    denied = s.scalars(select(AuditEvent).where(AuditEvent.patient_id == world["p2"],
                                                AuditEvent.outcome == "denied")).all()
    assert denied
    s.close()


def test_concurrent_creates_one_201_one_409(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        slot = free_slot(c)
        headers = [login(c, "jeanne@test.fr"), login(c, "paul@test.fr")]
        results = []
        barrier = threading.Barrier(2)

        def go(h):
            with httpx.Client(base_url=live.url, timeout=60) as own:
                barrier.wait()
                results.append(own.post("/fhir/Appointment", headers=h, json={
                    "resourceType": "Appointment", "status": "booked",
                    "slot": [{"reference": f"Slot/{slot['id']}"}], "participant": []}))

        threads = [threading.Thread(target=go, args=(h,)) for h in headers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(r.status_code for r in results) == [201, 409]
    conflict = next(r for r in results if r.status_code == 409).json()
    assert valid(conflict).issue[0].details.coding[0].code in ("slot_taken",
                                                                "practitioner_overlap")


def test_rest_errors_keep_their_body(client):
    r = client.get("/api/v1/slots", params={"commune": "99999"})
    assert r.status_code == 404 and set(r.json()) == {"detail", "code"}
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and set(r.json()) == {"detail", "code"}


def test_fhirclient_library_search_page_book_cancel(db_url, world):
    """The SMART ``fhirclient`` library against a real server."""
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with LiveServer(app) as live:
        with httpx.Client(base_url=live.url) as c:
            token = login(c, "jeanne@test.fr")["Authorization"]
        smart = fhir_client.FHIRClient(settings={"app_id": "oasis-test",
                                                 "api_base": live.url + "/fhir/"})
        smart.server.session.headers["Authorization"] = token
        server = smart.server
        assert server.capabilityStatement.fhirVersion == "4.0.1"
        search = ClientSlot.where(struct={"commune": "58194", "specialty": "generaliste",
                                          "_count": "3"})
        bundle = search.perform(server)
        assert len(bundle.entry) == 3
        nxt = next(link.url for link in bundle.link if link.relation == "next")
        page2 = server.request_json(nxt.replace(live.url + "/fhir/", ""))
        assert len(page2["entry"]) == 3
        slot = bundle.entry[0].resource
        appt = ClientAppointment({"resourceType": "Appointment", "status": "booked",
                                  "slot": [{"reference": f"Slot/{slot.id}"}],
                                  "participant": [{"actor": {"reference":
                                                             f"Patient/{world['p1']}"},
                                                   "status": "accepted"}]})
        created = appt.create(server)
        assert created["resourceType"] == "Appointment"
        again = ClientAppointment(created)
        read = ClientAppointment.read(again.id, server)
        assert read.status == "booked" and read.slot[0].reference == f"Slot/{slot.id}"
        read.status = "cancelled"
        updated = read.update(server)
        assert updated["status"] == "cancelled"
        with pytest.raises(Exception) as refused:
            ClientAppointment.read("999999", server)
        assert "404" in str(refused.value)


def test_property_round_trips(session, db_url):
    """Database → FHIR → database for Patient, Slot and Appointment."""
    _site, doc, sched = make_practice(session, rpps_seed=31)
    scheduling.generate_slots(session, sched.id, days=14)
    session.commit()
    slots = session.scalars(select(Slot).where(Slot.schedule_id == sched.id)).all()
    names = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll"),
                                           max_codepoint=0x17F), min_size=1, max_size=30)
    counter = iter(range(10_000))

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(family=names, given_name=names, born=st.dates(date(1900, 1, 1), date(2020, 1, 1)),
           sex=st.sampled_from(["F", "M", None]), with_nir=st.booleans(),
           phone=st.one_of(st.none(), st.from_regex(r"0[1-9][0-9]{8}", fullmatch=True)),
           slot_index=st.integers(0, len(slots) - 1))
    def check(family, given_name, born, sex, with_nir, phone, slot_index):
        n = next(counter)
        nir = nir_with_key(f"{1 if sex != 'F' else 2}{born.year % 100:02d}"
                           f"{born.month:02d}58194{n:03d}") if with_nir else None
        p = people.create_patient(session, Actor.system(), family_name=family,
                                  given_name=given_name, birth_date=born, sex=sex, nir=nir,
                                  commune_code="58194", phone=phone, gp_id=doc.id)
        res = fp.patient(p)
        valid(res)
        back = fp.patient_fields(res)
        for key, value in back.items():
            assert getattr(p, key) == value, key
        s = slots[slot_index]
        sres = fs.slot_of_row(s)
        valid(sres)
        for key, value in fs.slot_fields(sres).items():
            assert getattr(s, key) == value, key
        if s.status == "free":
            a = booking.book(session, Actor.system(), slot_id=s.id, patient_id=p.id)
            ares = fa.appointment(a)
            valid(ares)
            asked = fa.booking_request(ares | {"status": "booked"})
            assert (asked["slot_id"], asked["patient_id"]) == (a.slot_id, a.patient_id)
            assert ares["start"] == sres["start"]
        session.rollback()

    check()


def test_teleconsultation_resources(client, world, db_url):
    """Encounter, its LOINC-coded Observations, MedicationRequest and ServiceRequest."""
    s = session_factory(db_url)()
    patient = Actor(account_id=None, role="patient", patient_id=world["p1"])
    doctor = Actor(account_id=None, role="practitioner", practitioner_id=world["doc1"])
    queue.join(s, patient, patient_id=world["p1"], reason="toux depuis trois jours")
    queue.set_presence(s, doctor, "available")
    e = queue.take_next(s, doctor)
    encounters.measure(s, doctor, e.id, {"systolic": 132, "diastolic": 84,
                                         "temperature": 37.8, "spo2": 96, "weight": 71.5})
    rx = prescriptions.issue(s, doctor, e.id, [{"name": "Paracétamol 1 g",
                                                "dosage": "1 comprimé 3 fois par jour",
                                                "duration": "5 jours"}])
    ref = referrals.create(s, doctor, e.id, reason="auscultation", specialty="generaliste")
    s.commit()
    ids = {"e": e.id, "rx": rx.id, "ref": ref.id}
    s.close()
    jeanne, paul = login(client, "jeanne@test.fr"), login(client, "paul@test.fr")
    enc = fhir_get(client, f"Encounter/{ids['e']}", headers=jeanne)
    assert enc["class"]["code"] == "VR" and enc["subject"]["reference"] == \
        f"Patient/{world['p1']}"
    assert [x["id"] for x in matches(fhir_get(client, "Encounter", headers=jeanne))] == \
        [str(ids["e"])]
    obs = matches(fhir_get(client, "Observation", headers=jeanne,
                           encounter=f"Encounter/{ids['e']}"))
    codes = {o["code"]["coding"][0]["code"]: o for o in obs}
    assert set(codes) == {"85354-9", "8310-5", "2708-6", "29463-7"}
    assert any(c["code"] == "59408-5" for c in codes["2708-6"]["code"]["coding"])
    bp = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"]
          for c in codes["85354-9"]["component"]}
    assert bp == {"8480-6": 132, "8462-4": 84}
    assert codes["8310-5"]["valueQuantity"] == {"value": 37.8, "unit": "°C",
                                                "system": "http://unitsofmeasure.org",
                                                "code": "Cel"}
    one = fhir_get(client, f"Observation/{codes['29463-7']['id']}", headers=jeanne)
    assert one["valueQuantity"]["code"] == "kg"
    med = fhir_get(client, f"MedicationRequest/{ids['rx']}", headers=jeanne)
    assert med["intent"] == "order" and "Paracétamol" in med["dosageInstruction"][0]["text"]
    assert matches(fhir_get(client, "MedicationRequest", headers=jeanne,
                            encounter=f"Encounter/{ids['e']}"))[0]["id"] == ids["rx"]
    sr = fhir_get(client, f"ServiceRequest/{ids['ref']}", headers=jeanne)
    assert sr["performerType"]["coding"][0]["code"] == "generaliste"
    assert matches(fhir_get(client, "ServiceRequest", headers=jeanne,
                            patient=f"Patient/{world['p1']}"))[0]["id"] == str(ids["ref"])
    # Another patient: 404 everywhere, as for a missing resource.
    for path in (f"Encounter/{ids['e']}", f"Observation/{codes['8310-5']['id']}",
                 f"MedicationRequest/{ids['rx']}", f"ServiceRequest/{ids['ref']}"):
        out = fhir_get(client, path, headers=paul, expect=404)
        assert out["issue"][0]["code"] == "not-found"
    assert matches(fhir_get(client, "Encounter", headers=paul)) == []


def test_done_when_on_the_demo(db_url):
    """The issue's scenario on the demo data of ``make run``: capability, free GP slots
    near Nevers, book, refused second booking, read back, cancel, 404 on another
    patient."""
    s = session_factory(db_url)()
    load_demo(s, days=14)
    s.commit()
    s.close()
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with LiveServer(app) as live, httpx.Client(base_url=live.url + "/fhir",
                                               timeout=60) as c:
        assert valid(c.get("/metadata").json()).fhirVersion == "4.0.1"
        horizon = (date.today() + timedelta(days=14)).isoformat()
        found = c.get("/Slot", params={"commune": "58194", "specialty": "generaliste",
                                       "status": "free", "start": f"le{horizon}"}).json()
        valid(found)
        slot = matches(found)[0]

        def token(email):
            r = httpx.post(live.url + "/api/v1/auth/token",
                           data={"username": email, "password": DEMO_PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        jeanne, rene = token("patient@demo.oasis.fr"), token("patient.doubs@demo.oasis.fr")
        body = {"resourceType": "Appointment", "status": "booked",
                "slot": [{"reference": f"Slot/{slot['id']}"}], "participant": []}
        first = c.post("/Appointment", json=body, headers=jeanne)
        assert first.status_code == 201, first.text
        second = c.post("/Appointment", json=body, headers=rene)
        assert second.status_code == 409 and valid(second.json()).issue[0].code == "conflict"
        ident = first.json()["id"]
        assert c.get(f"/Appointment/{ident}", headers=jeanne).json()["status"] == "booked"
        cancelled = c.patch(f"/Appointment/{ident}", headers=jeanne,
                            json=[{"op": "replace", "path": "/status", "value": "cancelled"}])
        assert valid(cancelled.json()).status == "cancelled"
        jeanne_id = next(p["actor"]["reference"] for p in first.json()["participant"]
                         if p["actor"]["reference"].startswith("Patient/"))
        other = c.get(f"/{jeanne_id}", headers=rene)
        assert other.status_code == 404 and valid(other.json())
