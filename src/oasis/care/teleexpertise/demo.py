"""Demo history of téléexpertise (synthetic patients, dated in the past), so the planners'
waits page has measured figures on a fresh demo: six requests of the CPTS GP answered by
its specialists after 30, 52, 70, 118 h (dermatology) and 96, 160 h (ophthalmology), and
one in-person dermatology appointment booked after an opinion.  Runs once, right after
the networks' demo created the CPTS.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.networks.demo import NIEVRE, demo_rpps
from oasis.care.people import service as people
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.care.teleexpertise import service as te

HISTORY = [  # specialty, expert number, hours to answer, recommendation, days ago
    ("dermatologue", 201, 30, "none", 20), ("dermatologue", 201, 70, "in_person", 16),
    ("dermatologue", 202, 118, "teleconsultation", 12), ("dermatologue", 201, 52, "none", 8),
    ("ophtalmologue", 203, 96, "none", 15), ("ophtalmologue", 203, 160, "in_person", 10),
]


def load_teleexpertise_demo(session: Session, report, *, now: datetime | None = None) -> None:
    """Add the history once (keyed on its first synthetic patient)."""
    now = now or utcnow()
    if session.scalar(select(Patient.id).where(Patient.family_name == "Démo-TE 1")):
        return
    gp = session.scalar(select(Practitioner).where(Practitioner.rpps == demo_rpps(1)))
    specialists = {n: session.scalar(select(Practitioner).where(Practitioner.rpps == demo_rpps(n)))
                   for n in (201, 202, 203)}
    if gp is None or None in specialists.values():
        return
    _history(session, gp, specialists, now, report)
    book_after_opinion(session, now=now)


def _history(session, gp, specialists, now, report) -> None:
    """Answered requests in the past (synthetic patients), for measured waits."""
    requester = Actor(None, "practitioner", practitioner_id=gp.id)
    for i, (specialty, number, hours, reco, ago) in enumerate(HISTORY):
        patient = people.create_patient(
            session, Actor.system(), family_name=f"Démo-TE {i + 1}", given_name="Patient",
            birth_date=date(1950 + 3 * i, 1 + i, 10), commune_code=NIEVRE[i % 3],
            gp_id=gp.id, synthetic=True)
        sent = now - timedelta(days=ago)
        req = te.create(session, requester, patient_id=patient.id, specialty=specialty,
                        question="Avis demandé (historique de démonstration)", consent=True,
                        consent_how="démonstration (données synthétiques)",
                        named_expert_id=specialists[number].id, now=sent)
        req.synthetic = True
        te.answer(session, Actor(None, "practitioner", practitioner_id=specialists[number].id),
                  req.id, text="Avis de démonstration.", recommendation=reco,
                  now=sent + timedelta(hours=hours))
        report.add("teleexpertises")


def book_after_opinion(session: Session, *, now: datetime | None = None) -> None:
    """One in-person dermatology appointment booked after an opinion (waits page)."""
    now = now or utcnow()
    location = session.scalar(select(Location).where(
        Location.name == "MSP du Banlay, Nevers (démo)"))
    if location is None:
        return
    derm_slot = session.scalar(select(Slot).where(
        Slot.specialty == "dermatologue", Slot.status == "free", Slot.location_id == location.id,
        Slot.start_at > now + timedelta(days=3)).order_by(Slot.start_at).limit(1))
    patient = session.scalar(select(Patient).where(Patient.family_name == "Démo-TE 2"))
    if derm_slot is not None and patient is not None:
        booking.book(session, Actor.system(), slot_id=derm_slot.id, patient_id=patient.id,
                     reason="Après téléexpertise (démo)", now=now)
