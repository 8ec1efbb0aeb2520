"""A small téléexpertise world: a GP and their patient in Nevers, two dermatologists (one
in a CPTS covering Nevers), real image and PDF bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from oasis.care.accounts import service as accounts
from oasis.care.core.actor import Actor
from oasis.care.networks import service as networks
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling import service as scheduling
from tests.factories.care import PASSWORD, make_patient, make_practice


def png_bytes(size=(8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 60, 40)).save(out, format="JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@dataclass
class World:
    gp: Practitioner
    derm: Practitioner
    other_derm: Practitioner
    patient: Patient
    network_id: int
    gp_actor: Actor
    derm_actor: Actor
    other_actor: Actor
    patient_actor: Actor


def make_world(session: Session, *, accounts_too: bool = False) -> World:
    _, gp, _ = make_practice(session, rpps_seed=11)
    derm_site, derm, derm_schedule = make_practice(
        session, specialty="dermatologue", rpps_seed=12, slot_minutes=30,
        weekly=[(d, time(9), time(12)) for d in range(6)])
    _, other, _ = make_practice(session, specialty="dermatologue", rpps_seed=13,
                                commune="25056")
    scheduling.generate_slots(session, derm_schedule.id, days=21)
    patient = make_patient(session)
    patient.gp_id = gp.id
    net = networks.create_network(session, name="CPTS test", kind="cpts", communes=["58194"])
    networks.add_member(session, net.id, practitioner_id=derm.id)
    networks.add_member(session, net.id, practitioner_id=gp.id)
    networks.add_member(session, net.id, location_id=derm_site.id)
    session.flush()
    ids = {}
    if accounts_too:
        for email, role, links in (
                ("gp@test.fr", "practitioner", {"practitioner_id": gp.id}),
                ("derm@test.fr", "practitioner", {"practitioner_id": derm.id}),
                ("autre@test.fr", "practitioner", {"practitioner_id": other.id}),
                ("patient@test.fr", "patient", {"patient_id": patient.id})):
            ids[email] = accounts.create_account(session, email=email, password=PASSWORD,
                                                 role=role, display_name=email, **links).id
    return World(gp, derm, other, patient, net.id,
                 Actor(ids.get("gp@test.fr"), "practitioner", practitioner_id=gp.id),
                 Actor(ids.get("derm@test.fr"), "practitioner", practitioner_id=derm.id),
                 Actor(ids.get("autre@test.fr"), "practitioner", practitioner_id=other.id),
                 Actor(ids.get("patient@test.fr"), "patient", patient_id=patient.id))
