"""Real WebRTC calls between headless chromium pages through the app's signalling."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from oasis.web.kit.rooms import invite
from tests.factories.visio_pages import FRAMES_JS, open_call, wait_connected, wait_video

REDIS_URL = os.environ.get("OASIS_TEST_REDIS_URL")


def room() -> str:
    return f"salle-{uuid.uuid4().hex[:10]}"


def assert_playing(page, within_s: float = 15.0) -> None:
    """Frames keep coming: decoded frame count and the video clock both advance."""
    before = page.evaluate(FRAMES_JS)
    deadline = time.monotonic() + within_s
    while True:
        page.wait_for_timeout(500)
        after = page.evaluate(FRAMES_JS)
        if all(f["frames"] > before[peer]["frames"] and f["time"] > before[peer]["time"]
               and f["width"] > 0 for peer, f in after.items()):
            return
        assert time.monotonic() < deadline, ("video stopped", before, after)


def test_doctor_and_patient_see_each_other(live_server, new_page):
    name = room()
    doctor = open_call(new_page, live_server, name, "doctor-1", "doctor", "Dr Martin")
    patient = open_call(new_page, live_server, name, "patient-1", "patient", "Mme Duval")
    times = [wait_connected(doctor, 1), wait_connected(patient, 1)]
    print(f"time to connect (page load -> connected): doctor {times[0]:.0f} ms, "
          f"patient {times[1]:.0f} ms")
    for page in (doctor, patient):
        figures = wait_video(page)
        assert all(f["frames"] > 0 and f["audio"] == 1 for f in figures.values()), figures
        assert_playing(page)
    tile = patient.locator('figure[data-peer="doctor-1"]')
    assert "Médecin · Dr Martin — Connecté" in tile.inner_text()
    assert "Connecté" in patient.get_by_role("status").first.inner_text()

    mute = doctor.get_by_role("button", name="Couper le micro")
    mute.click()
    assert doctor.get_by_role("button", name="Réactiver le micro").get_attribute(
        "aria-pressed") == "true"
    assert doctor.evaluate(
        "window.oasisVisio.stream.getAudioTracks().every(t => !t.enabled)")

    doctor.get_by_role("button", name="Raccrocher").click()
    patient.wait_for_function("() => window.oasisVisio.peers.size === 0", timeout=30_000)
    assert "En attente des autres participants" in patient.locator("#visio-status").inner_text()
    assert doctor.locator("#visio-status").inner_text() == "Appel terminé."


def test_ett_three_parties_and_live_measurements(live_server, new_page):
    name = room()
    doctor = open_call(new_page, live_server, name, "doctor-1", "doctor", "Dr Martin")
    nurse = open_call(new_page, live_server, name, "nurse-1", "nurse", "Claire")
    patient = open_call(new_page, live_server, name, "patient-1", "patient", "M. Roy")
    times = [wait_connected(page, 2) for page in (doctor, nurse, patient)]
    print("ETT time to connect (ms): " + ", ".join(f"{t:.0f}" for t in times))
    for page in (doctor, nurse, patient):
        figures = wait_video(page)
        assert len(figures) == 2 and all(f["frames"] > 0 for f in figures.values()), figures

    nurse.get_by_label("Tension systolique (mmHg)").fill("128")
    nurse.get_by_label("Tension diastolique (mmHg)").fill("82")
    nurse.get_by_label("Température (°C)").fill("38,2")
    nurse.get_by_label("Saturation en oxygène, SpO2 (%)").fill("95")
    nurse.get_by_role("button", name="Envoyer les mesures").click()
    entry = doctor.locator("#visio-measure-list li").first
    entry.wait_for(timeout=30_000)
    text = entry.inner_text()
    assert "Infirmier(ère) · Claire" in text
    assert "Tension : 128/82 mmHg ; Température : 38,2 °C ; SpO2 : 95 %" in text
    assert doctor.locator("#visio-measure-empty").is_hidden()
    assert nurse.get_by_label("Tension systolique (mmHg)").input_value() == ""
    assert doctor.locator("#visio-measure").count() == 0  # the form is the nurse's

    nurse.get_by_label("Poids (kg)").fill("7200")
    nurse.get_by_role("button", name="Envoyer les mesures").click()
    alert = nurse.locator("#visio-measure-error")
    alert.filter(has_text="hors de la plage").wait_for(timeout=30_000)
    assert "Poids : 7200,0 kg est hors de la plage admise (0,5 à 400,0 kg)." in alert.inner_text()
    patient.wait_for_timeout(300)
    assert patient.locator("#visio-measure-list li").count() == 1


def test_audio_only_participant(live_server, new_page):
    """The phone-like fallback: no camera sent, the other side's video still received."""
    name = room()
    doctor = open_call(new_page, live_server, name, "doctor-1", "doctor")
    patient = open_call(new_page, live_server, name, "patient-1", "patient", audio_only=True)
    wait_connected(doctor, 1)
    wait_connected(patient, 1)
    wait_video(patient)
    doctor.wait_for_function("() => [...window.oasisVisio.peers.values()][0]"
                             ".remote.getAudioTracks().length === 1", timeout=30_000)
    figures = doctor.evaluate(FRAMES_JS)["patient-1"]
    assert figures["video"] == 0 and figures["frames"] == 0
    assert patient.evaluate("window.oasisVisio.stream.getVideoTracks().length") == 0
    assert patient.get_by_role("button", name="Couper la caméra").is_disabled()


@pytest.mark.skipif(not REDIS_URL, reason="OASIS_TEST_REDIS_URL not set "
                    "(e.g. redis://127.0.0.1:6379/15): two app servers need Redis")
def test_peers_on_two_servers_sharing_redis(live_server_factory, new_page):
    prefix = f"oasis-test-{uuid.uuid4().hex}:"
    servers = []
    for _ in range(2):
        server = live_server_factory(redis_url=REDIS_URL)
        server.app.state.hub_prefix = prefix
        servers.append(server)
    name = room()
    doctor = open_call(new_page, servers[0], name, "doctor-1", "doctor")
    patient = open_call(new_page, servers[1], name, "patient-1", "patient")
    times = [wait_connected(doctor, 1), wait_connected(patient, 1)]
    print("two servers + Redis, time to connect (ms): " + ", ".join(f"{t:.0f}" for t in times))
    for page in (doctor, patient):
        wait_video(page)


def test_call_page_on_a_small_phone(live_server, new_page):
    """360 px wide, keyboard only: no sideways scrolling, join reachable with Tab."""
    link = invite(live_server.app.state.settings, room(), "patient-1", "patient")
    page = new_page("patient-360px", viewport={"width": 360, "height": 740})
    page.goto(live_server.url + link.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("button", name="Raccrocher").is_hidden()  # not in the call yet
    page.get_by_label("Audio seulement (comme un appel téléphonique)").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "visio-join"
    page.keyboard.press("Enter")
    page.locator("#visio-status").filter(has_text="En attente des autres participants").wait_for(
        timeout=30_000)
    assert page.get_by_role("button", name="Raccrocher").is_visible()
    assert page.get_by_role("button", name="Rejoindre l'appel").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
