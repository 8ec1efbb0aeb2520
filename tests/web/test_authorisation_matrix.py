"""Issue 16: the authorisation matrix, walked from the application's own route table.

Every route of the app is either *probed* here or *exempted* with a reason (public
directory, territory aggregates, the sign-in flows tested in ``api/test_security.py``…):
a route added without an entry fails :func:`test_every_route_is_probed_or_exempted`.

A probe names the route, which world ids go in its path (or body), and who may.  It is
called for eleven actors — anonymous, the owner patient, her child who manages her
record (« Mes proches »: the guardian speaks for her), another patient, the treating
practitioner, another practitioner, the ETT nurse of the encounter, another nurse, a
coordinator, an admin, and the dermatologist the téléexpertise is routed to.  Whoever
may gets a 2xx; everybody else gets exactly the answer of a missing id (same status,
same ``code``, same ``detail``), so existence never leaks.  Changes are only called by
refused actors (a refusal changes nothing); lists without ids are probed with markers:
the owner's name and reasons never appear in a refused actor's answer.

The same world then checks that every successful read of health data is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.audit.models import AuditEvent
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.networks import service as networks
from oasis.care.people import service as people
from oasis.care.people.models import PatientGuardian
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.care.sites import service as sites
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.care import PASSWORD, login, make_patient, make_practice
from tests.factories.teleexpertise import png_bytes

ORIGIN = {"Origin": "http://testserver"}
MISSING = 987654
MISSING_RX = "ORD-AAAA-BBBB-CCCC-DDDD"
MARKERS = ("Zorglub", "marqueur-7731")  # the owner's family name, her reasons
ACTORS = (
    "anonymous",
    "patient_a",
    "guardian",
    "patient_b",
    "doctor_a",
    "doctor_other",
    "nurse_ett",
    "nurse_other",
    "coordinator",
    "admin",
    "expert",
)
EMAILS = {
    "patient_a": "pa@m.fr",
    "guardian": "proche@m.fr",
    "patient_b": "pb@m.fr",
    "doctor_a": "doca@m.fr",
    "doctor_other": "doco@m.fr",
    "nurse_ett": "ett@m.fr",
    "nurse_other": "ide@m.fr",
    "coordinator": "coord@m.fr",
    "admin": "admin@m.fr",
    "expert": "derm@m.fr",
}
PARTIES = {"patient_a", "doctor_a"}
MANAGERS = {"coordinator", "admin"}


# ------------------------------------------------------------------------ the world
@pytest.fixture
def world(db_url):
    s = session_factory(db_url)()
    site_a, doc_a, sched = make_practice(s, rpps_seed=61)
    site_o, doc_o, _ = make_practice(s, rpps_seed=62, commune="58303")
    derm_site, derm, _ = make_practice(
        s, specialty="dermatologue", rpps_seed=63, weekly=[(d, time(9), time(12)) for d in range(6)]
    )
    scheduling.generate_slots(s, sched.id, days=10)
    net = networks.create_network(s, name="CPTS matrice", kind="cpts", communes=["58194"])
    networks.add_member(s, net.id, practitioner_id=derm.id)
    networks.add_member(s, net.id, practitioner_id=doc_a.id)
    ett = sites.create_location(
        s, name="ETT de Saint-Saulge", kind="ett", commune_code="58194", nurse_present=True
    )
    nurse_ett = people.create_staff(
        s, kind="nurse", family_name="Petit", given_name="Anne", location_id=ett.id
    )
    nurse_o = people.create_staff(
        s, kind="nurse", family_name="Blanc", given_name="Inès", location_id=site_o.id
    )
    coord = people.create_staff(s, kind="coordinator", family_name="Roy", given_name="Léa")
    pa, pb = make_patient(s, name=MARKERS[0]), make_patient(s, name="Bravo")
    child = make_patient(s, name="Enfant")
    s.add(PatientGuardian(guardian_id=child.id, dependant_id=pa.id, relation="parent"))
    s.flush()
    links = {
        "patient_a": {"patient_id": pa.id},
        "guardian": {"patient_id": child.id},
        "patient_b": {"patient_id": pb.id},
        "doctor_a": {"practitioner_id": doc_a.id},
        "doctor_other": {"practitioner_id": doc_o.id},
        "expert": {"practitioner_id": derm.id},
        "nurse_ett": {"staff_id": nurse_ett.id},
        "nurse_other": {"staff_id": nurse_o.id},
        "coordinator": {"staff_id": coord.id},
        "admin": {},
    }
    roles = {
        "patient_a": "patient",
        "guardian": "patient",
        "patient_b": "patient",
        "doctor_a": "practitioner",
        "doctor_other": "practitioner",
        "expert": "practitioner",
        "nurse_ett": "nurse",
        "nurse_other": "nurse",
        "coordinator": "coordinator",
        "admin": "admin",
    }
    account_ids = {}
    for actor, email in EMAILS.items():
        account_ids[actor] = accounts.create_account(
            s, email=email, password=PASSWORD, role=roles[actor], display_name=email, **links[actor]
        ).id
    slots = s.scalars(
        select(Slot).where(Slot.status == "free").order_by(Slot.start_at).limit(3)
    ).all()
    appointment = booking.book(
        s, Actor.system(), slot_id=slots[0].id, patient_id=pa.id, reason=f"Genou {MARKERS[1]}"
    )
    entry = booking.join_waitlist(s, Actor.system(), patient_id=pa.id, specialty="generaliste")
    absence, _ = scheduling.add_exception(
        s, sched.id, datetime(2030, 1, 7, 9, tzinfo=UTC), datetime(2030, 1, 7, 12, tzinfo=UTC)
    )
    s.commit()
    ids = {
        "patient": pa.id,
        "patient_b": pb.id,
        "appointment": appointment.id,
        "waitlist": entry.id,
        "ett": ett.id,
        "site_a": site_a.id,
        "site_o": site_o.id,
        "schedule": sched.id,
        "slot": slots[1].id,
        "doctor_a": doc_a.id,
        "network": net.id,
        "derm_site": derm_site.id,
        "account_b": account_ids["patient_b"],
        "absence": absence.id,
    }
    s.close()
    return ids


@pytest.fixture
def app(db_url, world, tmp_path):
    return create_app(
        Settings(
            database_url=db_url,
            secret_key="matrix-secret",
            attachments_dir=str(tmp_path / "pieces"),
        )
    )


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def headers(client) -> dict[str, dict]:
    return {"anonymous": {}} | {actor: login(client, email) for actor, email in EMAILS.items()}


@pytest.fixture
def live(client, world, headers):
    """The care journeys that make the rest of patient A's data, through the API:
    an ETT teleconsultation (nurse queues her, doctor A measures, prescribes, refers to
    his site and closes it: a statement), then an open video consultation, and a
    téléexpertise with an image sent by doctor A to the dermatologist."""

    def call(actor, method, path, **kw):
        r = client.request(method, path, headers={**headers[actor], **ORIGIN}, **kw)
        assert r.status_code < 300, (method, path, r.text)
        return r.json()

    call("doctor_a", "PUT", "/api/v1/teleconsult/presence", json={"status": "available"})
    q_ett = call(
        "nurse_ett",
        "POST",
        "/api/v1/teleconsult/queue",
        json={
            "reason": f"Fièvre {MARKERS[1]}",
            "mode": "ett",
            "patient_id": world["patient"],
            "patient_birth_date": "1950-03-02",
        },
    )
    enc_ett = call("doctor_a", "POST", "/api/v1/teleconsult/queue/next")["encounter"]
    measure = call(
        "nurse_ett",
        "POST",
        f"/api/v1/encounters/{enc_ett['id']}/measurements",
        json={"temperature": 38.5},
    )
    rx = call(
        "doctor_a",
        "POST",
        f"/api/v1/encounters/{enc_ett['id']}/prescriptions",
        json={
            "lines": [
                {"name": "Paracétamol 1 g", "dosage": "1 comprimé 3 fois", "duration": "5 jours"}
            ]
        },
    )
    ref = call(
        "doctor_a",
        "POST",
        f"/api/v1/encounters/{enc_ett['id']}/referrals",
        json={"reason": f"Bilan {MARKERS[1]}", "target_location_id": world["site_a"]},
    )
    call("doctor_a", "POST", f"/api/v1/encounters/{enc_ett['id']}/close", json={})
    call("doctor_a", "PUT", "/api/v1/teleconsult/presence", json={"status": "available"})
    q_video = call(
        "patient_a", "POST", "/api/v1/teleconsult/queue", json={"reason": f"Toux {MARKERS[1]}"}
    )
    taken = call("doctor_a", "POST", "/api/v1/teleconsult/queue/next")
    enc = taken["encounter"] | {"room": taken["call"]["room"]}
    in_call = call(
        "patient_a",
        "POST",
        f"/api/v1/encounters/{enc['id']}/attachments",
        files=[("file", ("photo.png", png_bytes(), "image/png"))],
    )
    te = call(
        "doctor_a",
        "POST",
        "/api/v1/teleexpertises",
        data={
            "patient_id": world["patient"],
            "specialty": "dermatologue",
            "consent": "true",
            "question": f"Lésion {MARKERS[1]} ?",
        },
        files=[("files", ("lesion.png", png_bytes(), "image/png"))],
    )
    from oasis.care.teleconsult.models import EncounterMeasurement
    from oasis.web.api.fhir.clinical import observations

    with session_factory(client.app.state.settings.database_url)() as s:
        row = s.scalar(
            select(EncounterMeasurement).where(EncounterMeasurement.encounter_id == enc_ett["id"])
        )
        observation = observations(row, world["patient"])[0]["id"]
    del measure
    return world | {
        "observation": observation,
        "queue": q_ett["entry"]["entry_id"],
        "queue_video": q_video["entry"]["entry_id"],
        "encounter_ett": enc_ett["id"],
        "encounter": enc["id"],
        "room": enc["room"],
        "rx": rx["id"],
        "referral": ref["id"],
        "request": te["id"],
        "attachment": te["attachments"][0]["id"],
        "call_file": in_call["id"],
    }


# ------------------------------------------------------------------------ the probes
@dataclass(frozen=True)
class Probe:
    """One route of the matrix.  ``args`` fill the path (``{key}`` names world ids, in a
    format string); ``json``/``data``/``params`` may name them too.  ``allowed`` get a
    2xx (a change is not called for them: its success path is another test's); the
    others get the answer of the same call with every world id replaced by a missing
    one — except ``sees`` (they may read the resource, not do this: any 4xx) and, when
    ``public_ids`` (schedules, sites, networks: public directory), any refusal.
    ``listing``: a route without ids, whose refused actors must not see the
    markers (and whose allowed actors must)."""

    allowed: frozenset[str]
    sees: frozenset[str] = frozenset()
    public_ids: bool = False
    args: dict[str, str] = field(default_factory=dict)
    json: object = None
    data: dict | None = None
    params: dict | None = None
    change: bool = False
    listing: bool = False
    file: bool = False  # send one PNG as the ``file`` field (uploads)


def probe(allowed=(), change=False, listing=False, sees=(), own=False, **kw) -> Probe:
    """``own``: the patient's own account only (not a relative's); otherwise the guardian
    may whatever patient A may (``speaks_for``)."""
    allowed, sees = set(allowed), set(sees)
    if not own:
        allowed |= {"guardian"} if "patient_a" in allowed else set()
        sees |= {"guardian"} if "patient_a" in sees else set()
    return Probe(frozenset(allowed), frozenset(sees), change=change, listing=listing, **kw)


# Routes that carry nobody's personal data, or whose only id is a secret: the reason.
PUBLIC = "public directory, territory or tariff data: nobody's personal data"
AUTH = (
    "sign-in, sign-up and session flows: own account only, secrets in the link or "
    "the body; tested in tests/web/api/test_security.py (items 3, 5, 6, 7, 8)"
)
OWN = "acts on the caller's own account or presence only (no id from outside)"
PLANNING = (
    "coordinator tools over programmes, networks and aggregates (no patient "
    "data); role-gated, tested in tests/web/api/test_programmes.py, test_care_api.py"
)
FHIR_CATCH_ALL = "unsupported FHIR interaction: always 404 unsupported_interaction"
EXEMPT: dict[str, str] = {
    **{
        f"GET {p}": PUBLIC
        for p in (
            "/",
            "/api/docs",
            "/favicon.ico",
            "/healthz",
            "/carte",
            "/combien-vais-je-payer",
            "/regles",
            "/trouver-un-soin",
            "/api/v1/billing/rules",
            "/api/v1/care-options",
            "/api/v1/carte/chemins/{niveau}.json",
            "/api/v1/carte/communes.geojson",
            "/api/v1/carte/departements",
            "/api/v1/carte/etiquettes",
            "/api/v1/carte/fiche/{niveau}/{code}",
            "/api/v1/carte/indicateurs/{name}",
            "/api/v1/carte/recherche",
            "/api/v1/carte/sites-proposes",
            "/api/v1/carte/territoires/{niveau}.geojson",
            "/api/v1/france-sante/dashboard",
            "/api/v1/france-sante/sites/labels",
            "/api/v1/france-sante/sites/{location_id}/label",
            "/api/v1/places",
            "/api/v1/planification/chiffres",
            "/api/v1/planification/couverture",
            "/api/v1/planification/dans-5-ans",
            "/api/v1/planification/epci-prioritaires",
            "/api/v1/practitioners",
            "/api/v1/practitioners/{practitioner_id}",
            "/api/v1/reseaux",
            "/api/v1/sites",
            "/api/v1/sites/{site_id}",
            "/api/v1/slots",
            "/fhir/metadata",
            "/fhir/Practitioner",
            "/fhir/Practitioner/{ident}",
            "/fhir/PractitionerRole",
            "/fhir/PractitionerRole/{ident}",
            "/fhir/Organization",
            "/fhir/Organization/{ident}",
            "/fhir/Location",
            "/fhir/Location/{ident}",
            "/fhir/HealthcareService",
            "/fhir/HealthcareService/{ident}",
            "/fhir/Schedule",
            "/fhir/Schedule/{ident}",
            "/fhir/Slot",
            "/fhir/Slot/{ident}",
            "/planification",
            "/planification/couverture",
            "/planification/dans-5-ans",
            "/planification/delais",
            "/planification/delais.csv",
            "/planification/epci-prioritaires",
            "/planification/epci-prioritaires.csv",
            "/api/v1/teleexpertises/delais",
            "/api/v1/teleexpertises/delais.csv",
            "/teleconsultation",
            "/praticien/{practitioner_id}",
            "/lieu/{site_id}",
            "/api/v1/teleconsult/specialties",
            "/planification/criteres-ministere",
            "/planification/criteres-ministere.csv",
        )
    },
    "GET /visio/{room}": "token-gated, not account-gated: test_matrix_rooms_refuse_foreign_tokens",
    "POST /api/v1/billing/simulate": PUBLIC,
    **{
        f"{m} /fhir/{{rest:path}}": FHIR_CATCH_ALL
        for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
    **{
        r: AUTH
        for r in (
            "POST /api/v1/auth/token",
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/logout",
            "GET /api/v1/auth/me",
            "POST /api/v1/auth/password",
            "POST /api/v1/auth/confirm",
            "POST /api/v1/auth/invitation",
            "POST /api/v1/patients",
            "GET /connexion",
            "POST /connexion",
            "GET /inscription",
            "POST /inscription",
            "POST /deconnexion",
            "GET /inscription/confirmer/{secret}",
            "POST /inscription/confirmer/{secret}",
            "GET /invitation/{secret}",
            "POST /invitation/{secret}",
        )
    },
    **{
        r: OWN
        for r in (
            "PUT /api/v1/teleconsult/presence",
            "POST /api/v1/teleconsult/presence/heartbeat",
            "POST /api/v1/teleconsult/queue/next",
            "POST /mon-profil/medecin-traitant",
            "POST /mon-profil/mutuelle",
            "POST /api/v1/patients/me/relatives",
            "POST /mon-profil/proches",
            "POST /api/v1/schedules",
            "POST /pro/disponibilites/nouveau",
            "GET /api/v1/schedules",
            "GET /pro/disponibilites",
            "GET /rendez-vous/confirmer",
            "POST /rendez-vous/confirmer",
        )
    },
    **{
        r: PLANNING
        for r in (
            "GET /api/v1/missions/days",
            "POST /api/v1/missions/days",
            "POST /api/v1/missions/days/{day_id}/cancel",
            "POST /api/v1/missions/days/{day_id}/close",
            "POST /api/v1/missions/proposals/accept",
            "GET /api/v1/missions/sites",
            "POST /api/v1/missions/sites",
            "GET /api/v1/missions/statements",
            "GET /api/v1/missions/zones",
            "POST /api/v1/missions/zones",
            "POST /api/v1/missions/zones/prefill",
            "GET /api/v1/missions/zones/totals",
            "POST /api/v1/reseaux",
            "POST /api/v1/sites",
            "GET /coordination/implantation",
            "GET /coordination/missions",
            "POST /coordination/missions/journees",
            "POST /coordination/missions/journees/{day_id}/annuler",
            "POST /coordination/missions/journees/{day_id}/cloturer",
            "GET /coordination/reseaux",
            "POST /coordination/reseaux/{network_id}/protocoles",
            "GET /coordination/volontaires",
            "POST /coordination/volontaires/accepter",
            "GET /api/v1/sas/participation",
        )
    },
}

NURSE_AND_PARTIES = PARTIES | {"nurse_ett"}
# Booking and the waiting list on someone's behalf: their carers, and the coordination
# (and SAS regulators) booking for a caller on the line — see docs/security.md.
ON_BEHALF = NURSE_AND_PARTIES | MANAGERS
AGENDA = {"doctor_a"} | MANAGERS  # « seul le praticien ou un coordinateur gère cet agenda »
TE_PARTIES = PARTIES | {"expert"}
PAGE_TE_PARTIES = {"doctor_a", "expert"}
RX = {"prescription_id": "{rx}"}
ENC = {"encounter_id": "{encounter}"}
ENC_ETT = {"encounter_id": "{encounter_ett}"}
TE = {"request_id": "{request}"}
PROBES: dict[str, Probe] = {
    # patients and their records
    "GET /api/v1/patients/{patient_id}": probe(NURSE_AND_PARTIES, args={"patient_id": "{patient}"}),
    "GET /fhir/Patient/{ident}": probe(NURSE_AND_PARTIES, args={"ident": "{patient}"}),
    "GET /api/v1/patients": probe({"doctor_a"}, listing=True),
    "GET /api/v1/patients/me": probe({"patient_a"}, listing=True, own=True),
    "GET /fhir/Patient": probe(NURSE_AND_PARTIES, listing=True),
    "GET /api/v1/teleconsult/ett/patients": probe(
        {"nurse_ett"}, listing=True, params={"nom": MARKERS[0], "naissance": "1950-03-02"}
    ),
    "GET /mon-profil": probe({"patient_a"}, listing=True),  # lists her relatives
    # « Mes proches »: the guardian manages patient A's identity; nobody else does
    "GET /api/v1/patients/me/relatives": probe({"guardian"}, listing=True),
    "GET /api/v1/patients/me/relatives/{relative_id}": probe(
        {"guardian"}, args={"relative_id": "{patient}"}
    ),
    "PATCH /api/v1/patients/me/relatives/{relative_id}": probe(
        {"guardian"},
        change=True,
        args={"relative_id": "{patient}"},
        json={
            "family_name": "X",
            "given_name": "Y",
            "birth_date": "1950-03-02",
            "relation": "parent",
        },
    ),
    "DELETE /api/v1/patients/me/relatives/{relative_id}": probe(
        {"guardian"}, change=True, args={"relative_id": "{patient}"}
    ),
    "GET /mon-profil/proches/{relative_id}": probe({"guardian"}, args={"relative_id": "{patient}"}),
    "POST /mon-profil/proches/{relative_id}": probe(
        {"guardian"},
        change=True,
        args={"relative_id": "{patient}"},
        data={"family_name": "X", "given_name": "Y", "birth_date": "1950-03-02"},
    ),
    "POST /mon-profil/proches/{relative_id}/retirer": probe(
        {"guardian"}, change=True, args={"relative_id": "{patient}"}
    ),
    # appointments and the waiting list
    "GET /api/v1/appointments/{appointment_id}": probe(
        NURSE_AND_PARTIES, args={"appointment_id": "{appointment}"}
    ),
    "GET /fhir/Appointment/{ident}": probe(NURSE_AND_PARTIES, args={"ident": "{appointment}"}),
    "PUT /fhir/Appointment/{ident}": probe(
        PARTIES,
        change=True,
        sees={"nurse_ett"},
        args={"ident": "{appointment}"},
        json={
            "resourceType": "Appointment",
            "id": "{appointment}",
            "status": "cancelled",
            "participant": [],
        },
    ),
    "PATCH /fhir/Appointment/{ident}": probe(
        PARTIES,
        change=True,
        sees={"nurse_ett"},
        args={"ident": "{appointment}"},
        json=[{"op": "replace", "path": "/status", "value": "cancelled"}],
    ),
    "POST /api/v1/appointments/{appointment_id}/cancel": probe(
        PARTIES, change=True, sees={"nurse_ett"}, args={"appointment_id": "{appointment}"}, json={}
    ),
    "POST /api/v1/appointments/{appointment_id}/no-show": probe(
        {"doctor_a"},
        change=True,
        sees={"patient_a", "nurse_ett"},
        args={"appointment_id": "{appointment}"},
    ),
    "POST /api/v1/appointments/{appointment_id}/reschedule": probe(
        PARTIES,
        change=True,
        sees={"nurse_ett"},
        args={"appointment_id": "{appointment}"},
        json={"slot_id": "{slot}"},
    ),
    "POST /api/v1/appointments": probe(
        ON_BEHALF, change=True, json={"slot_id": "{slot}", "patient_id": "{patient}"}
    ),
    "POST /fhir/Appointment": probe(
        ON_BEHALF,
        change=True,
        json={
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": "Slot/{slot}"}],
            "participant": [{"actor": {"reference": "Patient/{patient}"}, "status": "accepted"}],
        },
    ),
    "GET /api/v1/appointments/mine": probe(PARTIES, listing=True),
    "GET /fhir/Appointment": probe(PARTIES, listing=True),
    "GET /mes-rendez-vous": probe({"patient_a"}, listing=True),
    "GET /pro/agenda": probe({"doctor_a"}, listing=True),
    "GET /pro": probe({"doctor_a"}, listing=True),
    "GET /mes-rendez-vous/{appointment_id}/annuler": probe(
        {"patient_a"}, args={"appointment_id": "{appointment}"}
    ),
    "POST /mes-rendez-vous/{appointment_id}/annuler": probe(
        {"patient_a"}, change=True, args={"appointment_id": "{appointment}"}
    ),
    "GET /mes-rendez-vous/{appointment_id}/deplacer": probe(
        {"patient_a"}, args={"appointment_id": "{appointment}"}
    ),
    "POST /mes-rendez-vous/{appointment_id}/deplacer": probe(
        {"patient_a"},
        change=True,
        args={"appointment_id": "{appointment}"},
        data={"slot_id": "{slot}"},
    ),
    "POST /mes-rendez-vous/{appointment_id}/liste-attente": probe(
        {"patient_a"}, change=True, args={"appointment_id": "{appointment}"}
    ),
    "POST /pro/agenda/{appointment_id}/absent": probe(
        {"doctor_a"}, change=True, args={"appointment_id": "{appointment}"}
    ),
    "POST /api/v1/waitlist": probe(ON_BEHALF, change=True, json={"patient_id": "{patient}"}),
    "GET /api/v1/waitlist/mine": probe({"patient_a"}, listing=True),
    "DELETE /api/v1/waitlist/{entry_id}": probe(
        NURSE_AND_PARTIES, change=True, args={"entry_id": "{waitlist}"}
    ),
    "POST /api/v1/waitlist/{entry_id}/accept": probe(
        NURSE_AND_PARTIES, change=True, args={"entry_id": "{waitlist}"}
    ),
    "POST /api/v1/waitlist/{entry_id}/decline": probe(
        NURSE_AND_PARTIES, change=True, args={"entry_id": "{waitlist}"}
    ),
    "GET /mes-rendez-vous/{appointment_id}/calendrier.ics": probe(
        {"patient_a"}, args={"appointment_id": "{appointment}"}
    ),
    "POST /liste-attente/{entry_id}/{action}": probe(
        {"patient_a"}, change=True, args={"entry_id": "{waitlist}", "action": "quitter"}
    ),
    # teleconsultation: queue, encounters, measurements, statements
    "GET /api/v1/teleconsult/queue/{entry_id}": probe(PARTIES, args={"entry_id": "{queue_video}"}),
    "DELETE /api/v1/teleconsult/queue/{entry_id}": probe(
        {"patient_a"}, change=True, sees={"doctor_a"}, args={"entry_id": "{queue_video}"}
    ),
    "POST /api/v1/teleconsult/queue": probe(
        {"nurse_ett"},
        change=True,
        json={
            "reason": "Fièvre",
            "mode": "ett",
            "patient_id": "{patient}",
            "patient_birth_date": "1950-03-02",
        },
    ),
    "GET /api/v1/teleconsult/queue": probe({"doctor_a"}, listing=True),
    "GET /api/v1/encounters/{encounter_id}": probe(NURSE_AND_PARTIES, args=ENC_ETT),
    "GET /fhir/Encounter/{ident}": probe(NURSE_AND_PARTIES, args={"ident": "{encounter_ett}"}),
    "GET /api/v1/encounters/{encounter_id}/statement": probe(NURSE_AND_PARTIES, args=ENC_ETT),
    "GET /api/v1/encounters/{encounter_id}/call": probe(PARTIES, args=ENC),
    "PATCH /api/v1/encounters/{encounter_id}": probe(
        {"doctor_a"}, change=True, sees={"patient_a"}, args=ENC, json={"notes": "x"}
    ),
    "POST /api/v1/encounters/{encounter_id}/close": probe(
        {"doctor_a"}, change=True, sees={"patient_a"}, args=ENC, json={}
    ),
    "POST /api/v1/encounters/{encounter_id}/measurements": probe(
        {"doctor_a"}, change=True, sees={"patient_a"}, args=ENC, json={"temperature": 37.2}
    ),
    "POST /api/v1/encounters/{encounter_id}/prescriptions": probe(
        {"doctor_a"},
        change=True,
        sees={"patient_a"},
        args=ENC,
        json={"lines": [{"name": "Ibuprofène", "dosage": "1 comprimé", "duration": "3 jours"}]},
    ),
    "POST /api/v1/encounters/{encounter_id}/referrals": probe(
        {"doctor_a"},
        change=True,
        sees={"patient_a"},
        args=ENC,
        json={"reason": "Bilan", "specialty": "cardiologue"},
    ),
    "GET /api/v1/encounters": probe(NURSE_AND_PARTIES, listing=True),
    "GET /fhir/Encounter": probe(NURSE_AND_PARTIES, listing=True),
    "GET /fhir/Observation/{ident}": probe(NURSE_AND_PARTIES, args={"ident": "{observation}"}),
    "GET /fhir/Observation": probe(
        NURSE_AND_PARTIES, params={"encounter": "Encounter/{encounter_ett}"}
    ),
    "GET /mes-consultations": probe({"patient_a"}, listing=True),
    "GET /pro/consultations": probe({"doctor_a"}, listing=True),
    "GET /pro/consultation/{encounter_id}": probe({"doctor_a"}, args=ENC),
    "POST /pro/consultation/{encounter_id}/cloture": probe({"doctor_a"}, change=True, args=ENC),
    "POST /pro/consultation/{encounter_id}/compte-rendu": probe(
        {"doctor_a"}, change=True, args=ENC, data={"notes": "x"}
    ),
    "POST /pro/consultation/{encounter_id}/ordonnance": probe(
        {"doctor_a"}, change=True, args=ENC, data={"name": "Ibuprofène"}
    ),
    "POST /pro/consultation/{encounter_id}/orientation": probe(
        {"doctor_a"}, change=True, args=ENC, data={"reason": "Bilan"}
    ),
    "GET /teleconsultation/ett": probe({"nurse_ett"}, listing=True),
    # files and chat of the call, the end-of-call summary
    "POST /api/v1/teleconsult/queue/{entry_id}/attachments": probe(
        {"patient_a"}, change=True, file=True, args={"entry_id": "{queue_video}"}
    ),
    "POST /api/v1/encounters/{encounter_id}/attachments": probe(
        PARTIES, change=True, file=True, args=ENC
    ),
    "GET /api/v1/encounters/{encounter_id}/attachments": probe(PARTIES, args=ENC),
    "GET /api/v1/teleconsult/attachments/{attachment_id}": probe(
        PARTIES, args={"attachment_id": "{call_file}"}
    ),
    "GET /api/v1/encounters/{encounter_id}/messages": probe(PARTIES, args=ENC),
    "POST /api/v1/encounters/{encounter_id}/messages": probe(
        PARTIES, change=True, args=ENC, json={"text": "Bonjour"}
    ),
    "GET /teleconsultation/{encounter_id}/recapitulatif": probe(NURSE_AND_PARTIES, args=ENC_ETT),
    "GET /teleconsultation/medecin": probe({"doctor_a"}, listing=True),
    # prescriptions (PDF), public check, referrals
    "GET /api/v1/prescriptions/{prescription_id}": probe(PARTIES, args=RX),
    "GET /api/v1/prescriptions/{prescription_id}/pdf": probe(PARTIES, args=RX),
    "GET /fhir/MedicationRequest/{ident}": probe(PARTIES, args={"ident": "{rx}"}),
    "GET /fhir/MedicationRequest": probe(
        NURSE_AND_PARTIES, params={"encounter": "Encounter/{encounter_ett}"}
    ),
    "GET /api/v1/prescriptions/verify/{prescription_id}": probe(
        set(ACTORS), args=RX, params={"code": "FAUX"}
    ),  # public, says only « not genuine »
    "GET /api/v1/referrals/{referral_id}": probe(PARTIES, args={"referral_id": "{referral}"}),
    "GET /fhir/ServiceRequest/{ident}": probe(PARTIES, args={"ident": "{referral}"}),
    "GET /fhir/ServiceRequest": probe({"patient_a"}, params={"patient": "Patient/{patient}"}),
    "GET /api/v1/referrals/mine": probe({"patient_a"}, listing=True),
    "GET /api/v1/sites/{location_id}/referrals": probe(
        {"doctor_a"}, args={"location_id": "{site_a}"}
    ),
    # téléexpertise (attachments: the image)
    "GET /api/v1/teleexpertises/{request_id}": probe(TE_PARTIES, args=TE),
    "GET /api/v1/teleexpertises/{request_id}/pieces/{attachment_id}": probe(
        TE_PARTIES, args=TE | {"attachment_id": "{attachment}"}
    ),
    "GET /api/v1/teleexpertises/{request_id}/actes": probe(
        PAGE_TE_PARTIES, args=TE, sees={"patient_a"}
    ),
    "GET /api/v1/teleexpertises/{request_id}/creneaux": probe(TE_PARTIES, args=TE),
    "POST /api/v1/teleexpertises/{request_id}/avis": probe(
        {"expert"},
        change=True,
        sees=PARTIES,
        args=TE,
        json={"text": "Avis", "recommendation": "none"},
    ),
    "POST /api/v1/teleexpertises/{request_id}/pieces": probe({"doctor_a"}, change=True, args=TE),
    "POST /api/v1/teleexpertises/{request_id}/rendez-vous": probe(
        TE_PARTIES, change=True, args=TE, json={"slot_id": "{slot}"}
    ),
    "POST /api/v1/teleexpertises": probe(
        {"doctor_a", "nurse_ett"},
        change=True,
        data={
            "patient_id": "{patient}",
            "specialty": "dermatologue",
            "consent": "true",
            "question": "Une autre lésion ?",
        },
    ),
    "GET /api/v1/teleexpertises": probe(TE_PARTIES, listing=True),
    "GET /api/v1/teleexpertises/file": probe({"expert"}, listing=True),
    "GET /fhir/CommunicationRequest/{ident}": probe(TE_PARTIES, args={"ident": "{request}"}),
    "GET /fhir/Communication/{ident}": probe(
        set(), sees=TE_PARTIES, args={"ident": "{request}"}
    ),  # no answer yet
    "GET /fhir/DocumentReference/{ident}": probe(TE_PARTIES, args={"ident": "{attachment}"}),
    "GET /fhir/CommunicationRequest": probe(TE_PARTIES, listing=True),
    "GET /fhir/Communication": probe(set(), listing=True),
    "GET /fhir/DocumentReference": probe(TE_PARTIES, listing=True),
    "GET /mes-avis-specialiste": probe({"patient_a"}, listing=True),
    "GET /mes-avis-specialiste/{request_id}": probe({"patient_a"}, args=TE),
    "POST /mes-avis-specialiste/{request_id}/rendez-vous": probe(
        {"patient_a"}, change=True, args=TE, data={"slot_id": "{slot}"}
    ),
    "GET /pro/teleexpertise": probe(PAGE_TE_PARTIES, listing=True),
    "GET /pro/teleexpertise/file": probe({"expert"}, listing=True),
    "POST /pro/teleexpertise": probe(
        {"doctor_a", "nurse_ett"},
        change=True,
        data={
            "patient_id": "{patient}",
            "specialty": "dermatologue",
            "consent": "on",
            "question": "Une autre lésion ?",
        },
    ),
    "GET /pro/teleexpertise/{request_id}": probe(PAGE_TE_PARTIES, args=TE),
    "POST /pro/teleexpertise/{request_id}/avis": probe(
        {"expert"},
        change=True,
        sees={"doctor_a"},
        args=TE,
        data={"text": "Avis", "recommendation": "none"},
    ),
    "POST /pro/teleexpertise/{request_id}/rendez-vous": probe(
        PAGE_TE_PARTIES, change=True, args=TE, data={"slot_id": "{slot}"}
    ),
    # a practitioner's schedule and sites, networks, SAS
    "POST /api/v1/schedules/{schedule_id}/exceptions": probe(
        AGENDA,
        change=True,
        public_ids=True,
        args={"schedule_id": "{schedule}"},
        json={"start": "2030-01-01T09:00:00+01:00", "end": "2030-01-01T12:00:00+01:00"},
    ),
    "POST /api/v1/schedules/{schedule_id}/generate": probe(
        AGENDA, change=True, public_ids=True, args={"schedule_id": "{schedule}"}, json={"days": 1}
    ),
    "PUT /api/v1/schedules/{schedule_id}/weekly": probe(
        AGENDA, change=True, public_ids=True, args={"schedule_id": "{schedule}"}, json=[]
    ),
    "POST /pro/disponibilites/absence/{exception_id}/annuler-rendez-vous": probe(
        {"doctor_a"}, change=True, args={"exception_id": "{absence}"}
    ),
    "POST /pro/disponibilites/{schedule_id}/absence": probe(
        {"doctor_a"}, change=True, public_ids=True, args={"schedule_id": "{schedule}"}
    ),
    "POST /pro/disponibilites/{schedule_id}/generer": probe(
        {"doctor_a"}, change=True, public_ids=True, args={"schedule_id": "{schedule}"}
    ),
    "POST /pro/disponibilites/{schedule_id}/semaine": probe(
        {"doctor_a"}, change=True, public_ids=True, args={"schedule_id": "{schedule}"}
    ),
    "PUT /api/v1/sites/{site_id}/hours": probe(
        MANAGERS, change=True, public_ids=True, args={"site_id": "{site_a}"}, json=[]
    ),
    "POST /api/v1/practitioners/{practitioner_id}/sites": probe(
        MANAGERS,
        change=True,
        public_ids=True,
        args={"practitioner_id": "{doctor_a}"},
        json={"location_id": "{site_o}"},
    ),
    "POST /api/v1/practitioners": probe(
        MANAGERS,
        change=True,
        public_ids=True,
        json={"rpps": "10000000646", "family_name": "X", "given_name": "Y", "email": "x@m.fr"},
    ),
    "POST /api/v1/reseaux/{network_id}/membres": probe(
        MANAGERS,
        change=True,
        public_ids=True,
        args={"network_id": "{network}"},
        json={"location_id": "{site_o}"},
    ),
    "POST /api/v1/reseaux/{network_id}/protocoles": probe(
        MANAGERS,
        change=True,
        public_ids=True,
        args={"network_id": "{network}"},
        json={"name": "Protocole", "specialty": "dermatologue"},
    ),
    "POST /api/v1/reseaux/{network_id}/tarifs": probe(
        MANAGERS,
        change=True,
        public_ids=True,
        args={"network_id": "{network}"},
        json={"act": "TE2", "amount_cents": 2000},
    ),
    "POST /coordination/reseaux/sites/{location_id}/sas": probe(
        MANAGERS, change=True, public_ids=True, args={"location_id": "{site_a}"}
    ),
    "GET /api/v1/sas/creneaux": probe(set(), listing=True),  # regulators
    "POST /api/v1/sas/creneaux": probe(
        {"doctor_a"},
        change=True,
        public_ids=True,
        json={"location_id": "{site_a}", "slot_ids": ["{slot}"]},
    ),
    "POST /api/v1/sas/creneaux/{reservation_id}/rendez-vous": probe(
        (),
        change=True,
        public_ids=True,
        args={"reservation_id": "{slot}"},
        json={"patient_id": "{patient}"},
    ),
    "GET /sas": probe(set(), listing=True),  # regulators
    "POST /sas/{reservation_id}": probe(
        (),
        change=True,
        public_ids=True,
        args={"reservation_id": "{slot}"},
        data={"patient_id": "{patient}"},
    ),
    # platform administration: accounts, outbox, audit log, billing export (CSV)
    "POST /api/v1/auth/accounts/{account_id}/revoke": probe(
        {"admin"}, change=True, args={"account_id": "{account_b}"}
    ),
    "GET /api/v1/admin/outbox": probe({"admin"}, listing=True),
    "GET /api/v1/audit": probe(MANAGERS, listing=True),
    "GET /fhir/AuditEvent": probe(MANAGERS, listing=True),
    "GET /fhir/AuditEvent/{ident}": probe(MANAGERS, args={"ident": "1"}),
    "GET /coordination/audit": probe(MANAGERS, listing=True),
    "GET /api/v1/billing/export": probe(
        MANAGERS, listing=True, params={"month": "2020-01", "payer": "Assurance Maladie"}
    ),
}
WEBSOCKETS = {"/ws/teleconsult/queue/{entry_id}", "/ws/visio/{room}"}


def _walk(routes):
    for route in routes:
        yield route
        sub = getattr(route, "original_router", None) or getattr(route, "router", None)
        if sub is not None and sub is not route:
            yield from _walk(getattr(sub, "routes", []))


def route_labels(app) -> set[str]:
    """``METHOD path`` of every HTTP route of the app (HEAD/OPTIONS aside)."""
    return {
        f"{m} {r.path}"
        for r in _walk(app.routes)
        if isinstance(r, APIRoute)
        for m in r.methods - {"HEAD", "OPTIONS"}
    }


def websocket_paths(app) -> set[str]:
    return {r.path for r in _walk(app.routes) if isinstance(r, APIWebSocketRoute)}


def test_every_route_is_probed_or_exempted():
    """A new route fails here until it is given a probe (or a reason to need none)."""
    app = create_app(Settings(database_url="sqlite://", secret_key="matrix-secret"))
    labels = route_labels(app)
    assert not set(PROBES) & set(EXEMPT)
    assert sorted(labels - set(PROBES) - set(EXEMPT)) == []  # routes nobody probes
    assert sorted((set(PROBES) | set(EXEMPT)) - labels) == []  # stale entries
    assert websocket_paths(app) == WEBSOCKETS


def _render(value, ids: dict):
    """Fill ``{key}`` placeholders; a bare ``"{key}"`` becomes the id itself (an int)."""
    if isinstance(value, str):
        bare = re.fullmatch(r"\{(\w+)\}", value)
        return ids[bare.group(1)] if bare else value.format_map(ids)
    if isinstance(value, list):
        return [_render(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, ids) for k, v in value.items()}
    return value


def missing_ids(ids: dict) -> dict:
    """Every world id replaced by one that does not exist (same kind)."""
    out = {}
    for key, value in ids.items():
        if key == "rx":
            out[key] = MISSING_RX
        elif key == "room":
            out[key] = "0" * len(value)
        elif key == "observation":
            out[key] = f"{MISSING}-{value.partition('-')[2]}"
        else:
            out[key] = MISSING
    return out


def _label_call(label: str, p: Probe, ids: dict) -> tuple[str, str, dict]:
    method, path = label.split(" ", 1)
    for name, template in p.args.items():
        path = path.replace(f"{{{name}}}", str(_render(template, ids)))
    kw: dict = {}
    if p.json is not None:
        kw["json"] = _render(p.json, ids)
    if p.data is not None:
        kw["data"] = {k: str(v) for k, v in _render(p.data, ids).items()}
    if p.params is not None:
        kw["params"] = _render(p.params, ids)
    if p.file:
        kw["files"] = [("file", ("photo.png", png_bytes(), "image/png"))]
    return method, path, kw


def _shape(r) -> tuple:
    """What a caller can tell apart: status, where it redirects (without the ``suite``
    query, which repeats the path), and the body."""
    location = r.headers.get("location", "")
    if location.startswith("/connexion"):
        location = location.split("?")[0]
    if r.headers.get("content-type", "").startswith(("application/json", "application/fhir+json")):
        body = r.json()
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            body = {k: v for k, v in body.items() if k != "id"}
        return r.status_code, location, body
    return r.status_code, location, r.text


@pytest.fixture
def callers(app, headers, live):
    """Per actor: a bearer client for the API and FHIR, a cookie client for pages."""
    pages = {"anonymous": TestClient(app, follow_redirects=False)}
    for actor, email in EMAILS.items():
        c = TestClient(app, follow_redirects=False)
        r = c.post(
            "/api/v1/auth/login", data={"email": email, "password": PASSWORD}, headers=ORIGIN
        )
        assert r.status_code == 200, r.text
        pages[actor] = c
    return pages


def _call(label, p, ids, actor, app, headers, pages):
    method, path, kw = _label_call(label, p, ids)
    if path.startswith(("/api/", "/fhir/")):
        client = TestClient(app, follow_redirects=False)
        h = {**headers[actor], **ORIGIN}
        if path.startswith("/fhir/") and "json" in kw:
            h["Content-Type"] = (
                "application/json-patch+json" if method == "PATCH" else "application/fhir+json"
            )
            import json as _json

            kw["content"] = _json.dumps(kw.pop("json"))
        return client.request(method, path, headers=h, **kw)
    return pages[actor].request(method, path, headers=ORIGIN, **kw)


def test_matrix_every_probe_every_actor(app, live, headers, callers):
    ids, missing = live, missing_ids(live)
    problems = []
    for label, p in PROBES.items():
        for actor in ACTORS:
            allowed = actor in p.allowed
            if allowed and p.change:
                continue
            r = _call(label, p, ids, actor, app, headers, callers)
            if r.status_code >= 500:
                problems.append(f"{label} {actor}: {r.status_code}")
                continue
            if allowed:
                redirect = r.status_code == 303 and not r.headers["location"].startswith(
                    "/connexion"
                )  # a page sending on to the right one
                if not (200 <= r.status_code < 300 or redirect):
                    problems.append(f"{label} {actor} allowed but {r.status_code} {r.text[:160]}")
                continue
            if p.listing:
                leaked = [m for m in MARKERS if m in r.text]
                if r.status_code < 300 and leaked:
                    problems.append(f"{label} {actor} sees {leaked}")
                continue
            if r.status_code < 300 or (
                r.status_code == 303
                and not r.headers["location"].startswith("/connexion")
                and "erreur=" not in r.headers["location"]
            ):  # pages answer a refusal by a redirect with an error
                problems.append(f"{label} {actor} refused but {r.status_code} {r.text[:160]}")
                continue
            if actor in p.sees or p.public_ids:
                continue
            other = _call(label, p, missing, actor, app, headers, callers)
            if _shape(r) != _shape(other):
                problems.append(
                    f"{label} {actor} tells apart: {_shape(r)!s:.200} vs {_shape(other)!s:.200}"
                )
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


# ------------------------------------------------------------------ websockets and rooms
def _first(client, url, **kw):
    """The first message of a socket, and its close code when it ends right away."""
    with client.websocket_connect(url, **kw) as ws:
        first = ws.receive_json()
        try:
            ws.receive_json()
        except WebSocketDisconnect as closed:
            return first, closed.code
        return first, None


def test_matrix_queue_socket_is_its_patients(client, live, headers):
    def message(entry_id, actor):
        token = headers[actor].get("Authorization", " x").split(" ")[1]
        with client.websocket_connect(
            f"/ws/teleconsult/queue/{entry_id}?access_token={token}"
        ) as ws:
            return ws.receive_json()

    for actor in ("patient_a", "guardian"):  # the patient, and her child for her
        assert "code" not in message(live["queue_video"], actor), actor
    for actor in ACTORS:
        if actor in ("patient_a", "guardian", "doctor_a"):
            continue
        got = message(live["queue_video"], actor)
        assert got == message(MISSING, actor), actor
        assert got["code"] in ("not_found", "unauthenticated", "invalid_token"), (actor, got)


def test_matrix_rooms_refuse_foreign_tokens(client, live, headers):
    """A room token opens its room only: not another room, not once signed elsewhere;
    the room page says so too.  Only the parties get a token at all (the matrix)."""
    from oasis.web.kit.rooms import issue_token

    room = live["room"]
    own = client.get(f"/api/v1/encounters/{live['encounter']}/call", headers=headers["patient_a"])
    token = own.json()["token"]
    # (its own room admits it: tests/web/api/test_security.py::test_10_…)
    other_room = "Z" * len(room)
    assert _first(client, f"/ws/visio/{other_room}?token={token}") == (
        {"type": "error", "code": "token", "message": "Ce lien ne donne pas accès à cette salle."},
        4403,
    )
    forged = issue_token("another-secret", room, "patient-x", "patient", name="P")
    first, code = _first(client, f"/ws/visio/{room}?token={forged}")
    assert (first["code"], code) == ("token", 4401)
    page = client.get(f"/visio/{other_room}?token={token}")
    assert page.status_code == 403, page.status_code
    assert client.get(f"/visio/{room}?token={forged}").status_code == 403
    assert client.get(f"/visio/{room}?token={token}").status_code == 200


# ------------------------------------------------------------------ one test per fix
def test_fix_only_ett_nurses_search_patients_by_name(client, live, headers):
    params = {"nom": MARKERS[0], "naissance": "1950-03-02"}
    found = client.get(
        "/api/v1/teleconsult/ett/patients", params=params, headers=headers["nurse_ett"]
    )
    assert [p["id"] for p in found.json()] == [live["patient"]]
    elsewhere = client.get(
        "/api/v1/teleconsult/ett/patients", params=params, headers=headers["nurse_other"]
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "not_found")


def test_fix_a_non_ett_nurse_learns_nothing_of_the_patient(client, live, headers):
    def join(patient_id):
        r = client.post(
            "/api/v1/teleconsult/queue",
            headers={**headers["nurse_other"], **ORIGIN},
            json={
                "reason": "Fièvre",
                "mode": "ett",
                "patient_id": patient_id,
                "patient_birth_date": "1950-03-02",
            },
        )
        return r.status_code, r.json()

    assert join(live["patient"]) == join(MISSING)
    assert join(MISSING)[1]["code"] == "not_an_ett"


def test_fix_the_ett_nurse_sees_the_encounter_not_its_prescriptions(client, live, headers):
    path = f"/api/v1/encounters/{live['encounter_ett']}"
    nurse = client.get(path, headers=headers["nurse_ett"]).json()
    assert nurse["id"] == live["encounter_ett"] and nurse["prescriptions"] == []
    patient = client.get(path, headers=headers["patient_a"]).json()
    assert [rx["id"] for rx in patient["prescriptions"]] == [live["rx"]]
    bundle = client.get(
        "/fhir/MedicationRequest",
        headers=headers["nurse_ett"],
        params={"encounter": f"Encounter/{live['encounter_ett']}"},
    ).json()
    assert bundle["total"] == 0
    assert (
        client.get(
            f"/api/v1/prescriptions/{live['rx']}/pdf", headers=headers["nurse_ett"]
        ).status_code
        == 404
    )


def test_fix_fhir_observation_and_document_refusals_look_missing(client, live, headers):
    for kind, key in (("Observation", "observation"), ("DocumentReference", "attachment")):
        foreign = client.get(f"/fhir/{kind}/{live[key]}", headers=headers["doctor_other"])
        missing = client.get(
            f"/fhir/{kind}/{missing_ids(live)[key]}", headers=headers["doctor_other"]
        )
        assert foreign.status_code == 404 and foreign.json() == missing.json(), kind
        assert f"{kind} introuvable" in foreign.text


def test_fix_a_guardian_polling_a_relatives_place_in_the_queue_is_audited(
    client, live, headers, db_url
):
    def reads(account_email):
        with session_factory(db_url)() as s:
            return s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .join(Account, Account.id == AuditEvent.account_id)
                .where(
                    Account.email == account_email,
                    AuditEvent.entity_type == "QueueEntry",
                    AuditEvent.action == "read",
                    AuditEvent.outcome == "success",
                )
            )

    path = f"/api/v1/teleconsult/queue/{live['queue_video']}"
    before = {a: reads(EMAILS[a]) for a in ("patient_a", "guardian")}
    for actor in ("patient_a", "guardian"):
        assert client.get(path, headers=headers[actor]).status_code == 200, actor
    assert reads(EMAILS["patient_a"]) == before["patient_a"]  # her own polling: not logged
    assert reads(EMAILS["guardian"]) == before["guardian"] + 1


# ------------------------------------------------------------------ every read audited
# Reads of health data: each success leaves a « read »/« search » row for the caller.
HEALTH_DATA = (
    "/api/v1/patients/",
    "/fhir/Patient/",
    "/api/v1/appointments/",
    "/fhir/Appointment/",
    "/api/v1/encounters/",
    "/fhir/Encounter/",
    "/fhir/Observation",
    "/api/v1/prescriptions/",
    "/fhir/MedicationRequest",
    "/api/v1/referrals/",
    "/fhir/ServiceRequest",
    "/api/v1/sites/",
    "/api/v1/teleexpertises/",
    "/fhir/CommunicationRequest/",
    "/fhir/DocumentReference/",
    "/api/v1/teleconsult/queue/",
)
# The patient's own place in the queue, polled while waiting: not logged (it would bury
# the log); anyone else reading it is.
OWN_POLLING = {("GET /api/v1/teleconsult/queue/{entry_id}", "patient_a")}  # not her guardian
NOT_HEALTH_DATA = {"GET /api/v1/prescriptions/verify/{prescription_id}"}  # says genuine or not


def test_every_successful_read_of_health_data_is_audited(app, client, live, headers, db_url):
    def events(account_id):
        with session_factory(db_url)() as s:
            return s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.account_id == account_id,
                    AuditEvent.outcome == "success",
                    AuditEvent.action.in_(("read", "search")),
                )
            )

    me = {a: client.get("/api/v1/auth/me", headers=headers[a]).json()["id"] for a in EMAILS}
    checked = []
    for label, p in PROBES.items():
        method, path = label.split(" ", 1)
        if (
            method != "GET"
            or p.listing
            or label in NOT_HEALTH_DATA
            or not path.startswith(HEALTH_DATA)
        ):
            continue
        for actor in sorted(p.allowed):
            if (label, actor) in OWN_POLLING:
                continue
            before = events(me[actor])
            r = _call(label, p, live, actor, app, headers, {})
            assert r.status_code == 200, (label, actor, r.text[:200])
            assert events(me[actor]) > before, f"{label} read by {actor} left no audit row"
            checked.append((label, actor))
    kinds = {label for label, _ in checked}
    assert len(kinds) >= 20, sorted(kinds)
    for must in (
        "GET /api/v1/patients/{patient_id}",
        "GET /api/v1/encounters/{encounter_id}",
        "GET /api/v1/prescriptions/{prescription_id}/pdf",
        "GET /api/v1/encounters/{encounter_id}/statement",
        "GET /api/v1/teleexpertises/{request_id}/pieces/{attachment_id}",
    ):
        assert must in kinds, must
