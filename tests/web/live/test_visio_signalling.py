"""Signalling websocket /ws/visio/{room} on a real uvicorn server, both hub backends."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from oasis.config import IceServer, Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from oasis.web.kit.rooms import TokenError, invite, issue_token, verify_token
from oasis.web.live.visio_hooks import MeasurementEvent, on_measurement, set_measurement_history
from tests.factories.visio_client import Peer

SECRET = "test-secret"
REDIS_URL = os.environ.get("OASIS_TEST_REDIS_URL")
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def settings(tmp_path, redis_url=None) -> Settings:
    return Settings(secret_key=SECRET, database_url=f"sqlite:///{tmp_path}/oasis.db",
                    redis_url=redis_url,
                    ice_servers=[IceServer(urls="stun:stun.example.org:3478")])


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.skipif(
    not REDIS_URL, reason="OASIS_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/15)"))])
def server(request, tmp_path):
    app = create_app(settings(tmp_path, REDIS_URL if request.param == "redis" else None))
    app.state.hub_prefix = f"oasis-test-{uuid.uuid4().hex}:"
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def room() -> str:
    return f"r{uuid.uuid4().hex[:12]}"


async def join(server, room, participant, role, name="", **kw) -> Peer:
    return await Peer.join(server.ws_url, SECRET, room, participant, role, name, **kw)


# ------------------------------------------------------------------------ tokens
def test_token_roundtrip_and_refusals():
    token = issue_token(SECRET, "salle-1", "patient-7", "patient", name="Mme Duval")
    grant = verify_token(SECRET, token, room="salle-1")
    assert (grant.room, grant.participant, grant.role, grant.name) == (
        "salle-1", "patient-7", "patient", "Mme Duval")
    assert grant.expires_at.tzinfo is not None
    with pytest.raises(TokenError, match="invalide"):
        verify_token("other-secret", token)
    _body, mac = token.split(".")
    forged = issue_token(SECRET, "salle-1", "patient-7", "doctor").split(".")[0]
    with pytest.raises(TokenError, match="invalide"):
        verify_token(SECRET, f"{forged}.{mac}")
    with pytest.raises(TokenError, match="cette salle"):
        verify_token(SECRET, token, room="salle-2")
    with pytest.raises(TokenError, match="expiré le"):
        verify_token(SECRET, token, now=datetime.now(UTC) + timedelta(hours=5))
    for bad in ("", "abc", "a.b.c", "." + mac):
        with pytest.raises(TokenError):
            verify_token(SECRET, bad)
    with pytest.raises(ValueError, match="role"):
        issue_token(SECRET, "salle-1", "x", "admin")
    with pytest.raises(ValueError, match="room"):
        issue_token(SECRET, "salle 1", "x", "doctor")


def test_invite_gives_the_page_link(tmp_path):
    s = settings(tmp_path)
    link = invite(s, "salle-9", "doctor-1", "doctor", name="Dr Martin",
                  ttl=timedelta(minutes=30))
    assert link.url.startswith("/visio/salle-9?token=")
    assert str(link.expires_at.tzinfo) == "Europe/Paris"
    assert verify_token(s.secret_key, link.token, room="salle-9").name == "Dr Martin"


# ------------------------------------------------------------------------ page
def test_call_page(tmp_path):
    s = settings(tmp_path)
    with LiveServer(create_app(s)) as live:
        link = invite(s, "salle-9", "nurse-1", "nurse", name="Claire")
        page = httpx.get(live.url + link.url)
        assert page.status_code == 200
        assert page.headers["referrer-policy"] == "no-referrer"
        text = page.text
        assert '<html lang="fr">' in text and "Rejoindre l'appel" in text
        assert 'data-role="nurse"' in text and "Saisir des mesures" in text
        assert '<label for="m-spo2">' in text
        patient = httpx.get(live.url + invite(s, "salle-9", "p-1", "patient").url).text
        assert "Saisir des mesures" not in patient and "Mesures de la consultation" in patient
        refused = httpx.get(live.url + "/visio/salle-9?token=nimporte.quoi")
        assert refused.status_code == 403 and "Lien de consultation invalide" in refused.text
        other = httpx.get(live.url + invite(s, "salle-8", "p-1", "patient").url.replace(
            "salle-8", "salle-9"))
        assert other.status_code == 403 and "cette salle" in other.text
        assert httpx.get(live.url + "/static/js/visio.js").status_code == 200


# ------------------------------------------------------------------------ socket
async def test_admission_refusals(server, room):
    bad = await join(server, room, "x", "doctor", token="forged.token")
    assert "invalide" in (await bad.expect("error"))["message"]
    assert await bad.closed_with() == 4401
    other = await join(server, room, "x", "doctor",
                       token=issue_token(SECRET, "another", "x", "doctor"))
    await other.expect("error")
    assert await other.closed_with() == 4403
    weird = await join(server, "bad.room", "x", "doctor",
                       token=issue_token(SECRET, "another", "x", "doctor"))
    assert await weird.closed_with() == 4400


async def test_join_peer_list_and_relay(server, room):
    doctor = await join(server, room, "doctor-1", "doctor", "Dr Martin")
    welcome = await doctor.expect("welcome")
    assert welcome["you"] == {"id": "doctor-1", "role": "doctor", "name": "Dr Martin"}
    assert welcome["peers"] == [] and welcome["max_participants"] == 3
    assert welcome["ice_servers"] == [{"urls": "stun:stun.example.org:3478"}]

    patient = await join(server, room, "patient-1", "patient")
    welcome = await patient.expect("welcome")
    assert [p["id"] for p in welcome["peers"]] == ["doctor-1"]
    joined = await doctor.expect("peer-joined")
    assert joined["peer"] == {"id": "patient-1", "role": "patient", "name": ""}

    offer = {"description": {"type": "offer", "sdp": "v=0\r\n..."}}
    await doctor.send(type="signal", to="patient-1", data=offer)
    got = await patient.expect("signal")
    assert got == {"type": "signal", "from": "doctor-1", "data": offer}
    await patient.send(type="signal", to="doctor-1", data={"candidate": {"candidate": "c"}})
    assert (await doctor.expect("signal"))["data"] == {"candidate": {"candidate": "c"}}
    # not echoed to the sender, dropped when addressed to nobody in the room
    await doctor.send(type="signal", to="ghost", data={"x": 1})
    await doctor.silent()
    await patient.silent()

    await doctor.send(type="ping")
    await doctor.expect("pong")
    await doctor.ws.send("not json")
    assert (await doctor.expect("error"))["code"] == "bad-message"
    await doctor.send(type="signal", to="patient-1")
    assert "destinataire" in (await doctor.expect("error"))["message"]

    await patient.close()
    assert await doctor.expect("peer-left") == {"type": "peer-left", "id": "patient-1"}
    await doctor.close()


async def test_room_holds_three(server, room):
    peers = []
    for pid, role in (("d", "doctor"), ("p", "patient"), ("n", "nurse")):
        peers.append(await join(server, room, pid, role))
        await peers[-1].expect("welcome")
    fourth = await join(server, room, "intrus", "patient")
    refusal = await fourth.expect("error")
    assert refusal["code"] == "room-full" and "3 participants au maximum" in refusal["message"]
    assert await fourth.closed_with() == 4409
    await peers[1].close()
    assert (await peers[0].expect("peer-joined"))["peer"]["id"] == "p"
    assert (await peers[0].expect("peer-joined"))["peer"]["id"] == "n"
    assert (await peers[0].expect("peer-left"))["id"] == "p"
    late = await join(server, room, "p2", "patient")
    assert {p["id"] for p in (await late.expect("welcome"))["peers"]} == {"d", "n"}
    for peer in (peers[0], peers[2], late):
        await peer.close()


async def test_second_tab_replaces_the_first(server, room):
    doctor = await join(server, room, "d", "doctor")
    await doctor.expect("welcome")
    first = await join(server, room, "p", "patient")
    await first.expect("welcome")
    await doctor.expect("peer-joined")
    second = await join(server, room, "p", "patient")
    assert [p["id"] for p in (await second.expect("welcome"))["peers"]] == ["d"]
    assert (await first.expect("error"))["code"] == "replaced"
    assert await first.closed_with() == 4410
    assert (await doctor.expect("peer-joined"))["peer"]["id"] == "p"
    await doctor.silent(0.5)  # the old tab's departure is not announced
    await second.send(type="signal", to="d", data={"n": 1})
    assert (await doctor.expect("signal"))["data"] == {"n": 1}
    await doctor.close()
    await second.close()


async def test_measurements_are_validated_recorded_then_shown(server, room):
    recorded: list[MeasurementEvent] = []
    on_measurement(server.app, recorded.append)
    doctor = await join(server, room, "d", "doctor")
    await doctor.expect("welcome")
    nurse = await join(server, room, "n", "nurse", "Claire")
    await nurse.expect("welcome")
    await doctor.expect("peer-joined")

    await nurse.send(type="measurement", values={"systolic": "142", "diastolic": "91",
                                                 "spo2": 96, "temperature": "37,9"})
    shown = await doctor.expect("measurement")
    assert shown["values"] == {"systolic": 142, "diastolic": 91, "temperature": 37.9,
                               "spo2": 96}
    assert shown["summary"][0] == "Tension : 142/91 mmHg"
    assert shown["from"] == {"id": "n", "role": "nurse", "name": "Claire"}
    assert shown["recorded_at"].endswith(("+01:00", "+02:00"))
    assert (await nurse.expect("measurement"))["id"] == shown["id"]
    assert len(recorded) == 1 and recorded[0].room == room and recorded[0].vitals.spo2 == 96

    await nurse.send(type="measurement", values={"temperature": 98.6})
    error = await nurse.expect("error")
    assert error["code"] == "invalid-measurement"
    assert "Température : 98,6 °C est hors de la plage admise" in error["message"]
    await doctor.silent()

    patient = await join(server, room, "p", "patient")
    await patient.expect("welcome")
    await patient.send(type="measurement", values={"weight": 70})
    assert (await patient.expect("error"))["code"] == "forbidden"
    assert len(recorded) == 1

    def broken(event):
        raise RuntimeError("database down")

    on_measurement(server.app, broken)
    await nurse.send(type="measurement", values={"weight": "70,5"})
    assert (await nurse.expect("peer-joined"))["peer"]["id"] == "p"
    assert (await nurse.expect("error"))["code"] == "not-recorded"
    await doctor.expect("peer-joined")
    await doctor.silent()
    for peer in (doctor, nurse, patient):
        await peer.close()


async def test_late_joiner_gets_history(server, room):
    events = []
    on_measurement(server.app, events.append)

    async def history(room_name):
        return [e for e in events if e.room == room_name]

    set_measurement_history(server.app, history)
    nurse = await join(server, room, "n", "nurse")
    await nurse.expect("welcome")
    await nurse.send(type="measurement", values={"weight": 81})
    await nurse.expect("measurement")
    doctor = await join(server, room, "d", "doctor")
    welcome = await doctor.expect("welcome")
    assert [m["values"] for m in welcome["measurements"]] == [{"weight": 81.0}]
    await nurse.close()
    await doctor.close()


@pytest.mark.skipif(not REDIS_URL, reason="OASIS_TEST_REDIS_URL not set "
                    "(e.g. redis://127.0.0.1:6379/15)")
async def test_peers_on_two_workers_through_redis(tmp_path, room):
    prefix = f"oasis-test-{uuid.uuid4().hex}:"
    apps = [create_app(settings(tmp_path, REDIS_URL)) for _ in range(2)]
    for app in apps:
        app.state.hub_prefix = prefix
    with LiveServer(apps[0]) as one, LiveServer(apps[1]) as two:
        doctor = await join(one, room, "d", "doctor")
        await doctor.expect("welcome")
        patient = await join(two, room, "p", "patient")
        assert [p["id"] for p in (await patient.expect("welcome"))["peers"]] == ["d"]
        await doctor.expect("peer-joined")
        await patient.send(type="signal", to="d", data={"description": {"type": "offer"}})
        assert (await doctor.expect("signal"))["from"] == "p"
        nurse = await join(one, room, "n", "nurse")
        await nurse.expect("welcome")
        await nurse.send(type="measurement", values={"spo2": 91})
        assert (await patient.expect("peer-joined"))["peer"]["id"] == "n"
        assert (await patient.expect("measurement"))["values"] == {"spo2": 91}
        fourth = await join(two, room, "x", "patient")
        assert (await fourth.expect("error"))["code"] == "room-full"
        await asyncio.gather(doctor.close(), patient.close(), nurse.close())
