"""Téléexpertise: routing, parties-only access (404), attachments, answer, acts, booking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Forbidden, Invalid, NotFound
from oasis.care.teleexpertise import attachments as files
from oasis.care.teleexpertise import service as te
from oasis.care.teleexpertise.models import ExpertiseAttachment, ExpertiseRequest
from oasis.care.teleexpertise.rules import bill_act
from oasis.care.teleexpertise.waits import measured_waits, to_csv
from tests.factories.teleexpertise import jpeg_bytes, make_world, pdf_bytes, png_bytes

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _send(session, w, store, uploads=None, **kw):
    uploads = [te.Upload("lesion.png", png_bytes())] if uploads is None else uploads
    return te.create(session, w.gp_actor, patient_id=w.patient.id, specialty="dermatologue",
                     question="Lésion pigmentée du dos, évolutive ?", consent=True,
                     uploads=uploads, store=store, now=NOW, **kw)


def test_journey_gp_photo_to_in_person_slot(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    req = _send(session, w, store, uploads=[te.Upload("lesion.png", png_bytes()),
                                            te.Upload("ecg.pdf", pdf_bytes()),
                                            te.Upload("photo.jpg", jpeg_bytes())])
    # Routed to the CPTS member first, then the other dermatologist.
    assert req.routed_to == [w.derm.id, w.other_derm.id]
    assert req.due_at - req.created_at == timedelta(days=7)
    assert [a.content_type for a in req.attachments] == ["image/png", "application/pdf",
                                                         "image/jpeg"]
    assert store.count() == 3
    line, = te.queue(session, w.derm_actor, now=NOW + timedelta(days=2))
    assert line.request.id == req.id and line.left == timedelta(days=5)
    te.answer(session, w.derm_actor, req.id, text="Nævus atypique : à voir.",
              recommendation="in_person", now=NOW + timedelta(days=2))
    # Taken: the other dermatologist no longer sees it.
    assert te.queue(session, w.other_actor, now=NOW) == []
    with pytest.raises(NotFound):
        te.get(session, w.other_actor, req.id)
    options = te.in_person_options(session, w.patient_actor, req.id, now=NOW)
    assert options and options[0].practitioner_id == w.derm.id
    appointment = te.book(session, w.patient_actor, req.id, options[0].slots[0].slot_id,
                          now=NOW)
    assert appointment.patient_id == w.patient.id and req.appointment_id == appointment.id
    att, data = te.read_attachment(session, w.patient_actor, req.id, req.attachments[0].id,
                                   store)
    assert data == png_bytes() and att.sha256 == files.check("x.png", data).sha256


def test_non_party_gets_404_and_is_audited(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    req = _send(session, w, store)
    att_id = req.attachments[0].id
    te.answer(session, w.derm_actor, req.id, text="Bénin.", recommendation="none", now=NOW)
    session.commit()
    strangers = [w.other_actor, Actor(None, "coordinator"), Actor(None, "admin"),
                 Actor(None, "patient", patient_id=w.patient.id + 1000),
                 Actor(None, "nurse", staff_id=1, location_id=1)]
    for who in strangers:
        with pytest.raises(NotFound):
            te.get(session, who, req.id)
        with pytest.raises(NotFound):
            te.read_attachment(session, who, req.id, att_id, store)
    denied = session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "ExpertiseRequest", AuditEvent.outcome == "denied"))
    assert denied == 2 * len(strangers)
    reads_before = session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.outcome == "success", AuditEvent.action == "read"))
    te.get(session, w.patient_actor, req.id)
    te.read_attachment(session, w.gp_actor, req.id, att_id, store)
    session.flush()
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.outcome == "success", AuditEvent.action == "read")) == reads_before + 2


@pytest.mark.parametrize("name,data,code", [
    ("faux.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "attachment_corrupt"),
    ("notes.txt", b"bonjour", "attachment_type"),
    ("vide.jpg", b"", "attachment_empty"),
    ("script.pdf", b"<script>alert(1)</script>", "attachment_type"),
])
def test_bad_attachment_refused_nothing_stored(session, tmp_path, name, data, code):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    with pytest.raises(Invalid) as exc:
        _send(session, w, store, uploads=[te.Upload("ok.png", png_bytes()),
                                          te.Upload(name, data)])
    assert exc.value.code == code
    assert store.count() == 0
    assert session.scalar(select(func.count(ExpertiseRequest.id))) == 0
    assert session.scalar(select(func.count(ExpertiseAttachment.id))) == 0


def test_oversized_attachment_refused(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    big = png_bytes((600, 600))
    with pytest.raises(Invalid) as exc:
        _send(session, w, store, uploads=[te.Upload("big.png", big)],
              max_bytes=len(big) - 1)
    assert exc.value.code == "attachment_too_large" and store.count() == 0


def test_consent_and_requester_rules(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    with pytest.raises(Invalid) as exc:
        te.create(session, w.gp_actor, patient_id=w.patient.id, specialty="dermatologue",
                  question="?", consent=False, now=NOW)
    assert exc.value.code == "consent_required"
    with pytest.raises(Forbidden):
        te.create(session, w.patient_actor, patient_id=w.patient.id, specialty="dermatologue",
                  question="?", consent=True, now=NOW)
    # A practitioner with no link to the patient cannot ask about them.
    with pytest.raises(NotFound):
        te.create(session, w.other_actor, patient_id=w.patient.id, specialty="dermatologue",
                  question="?", consent=True, now=NOW)
    req = _send(session, w, store, named_expert_id=w.other_derm.id)
    assert req.routed_to == [w.other_derm.id]
    with pytest.raises(NotFound):  # not routed to the CPTS dermatologist
        te.get(session, w.derm_actor, req.id)


def test_hand_computed_bills():
    # TE2: 20 € before 2026 (avenant 9), 23 € from 1 January 2026 (convention 2024).
    assert bill_act("TE2", date(2025, 12, 31), 0).amount_cents == 2000
    te2 = bill_act("TE2", date(2026, 12, 1), 0)
    assert (te2.amount_cents, te2.amo_cents, te2.patient_cents) == (2300, 2300, 0)
    rqd = bill_act("RQD", date(2026, 12, 1), 3)
    assert (rqd.amount_cents, rqd.amo_cents, rqd.patient_cents, rqd.billable) == (
        1000, 1000, 0, True)
    fifth = bill_act("RQD", date(2026, 12, 1), 4)
    assert not fifth.billable and fifth.amount_cents == 0 and "4" in fifth.reason


def test_answer_bills_both_acts_and_yearly_limit(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    bills = []
    for i in range(5):
        req = _send(session, w, store, uploads=[])
        te.answer(session, w.derm_actor, req.id, text=f"Avis {i}", recommendation="none",
                  now=NOW + timedelta(hours=i))
        bills.append({a.code: (a.amount_cents, a.billable) for a in te.acts(session, req)})
    # 4 × (23 € + 10 €) billed, the 5th of the calendar year for this patient is not.
    assert bills[:4] == [{"TE2": (2300, True), "RQD": (1000, True)}] * 4
    assert bills[4] == {"TE2": (0, False), "RQD": (0, False)}
    total = sum(c for b in bills for c, _ in b.values())
    assert total == 4 * 2300 + 4 * 1000 == 13200


def test_measured_waits(session, tmp_path):
    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    for hours in (24, 72):
        req = _send(session, w, store, uploads=[])
        te.answer(session, w.derm_actor, req.id, text="ok", recommendation="none",
                  now=NOW + timedelta(hours=hours))
    late = _send(session, w, store, uploads=[])
    late.due_at = NOW - timedelta(days=1)
    row, = [r for r in measured_waits(session, now=NOW) if r.specialty == "dermatologue"]
    assert (row.department, row.expertise_answered, row.expertise_median_days) == ("58", 2, 2.0)
    assert (row.expertise_open, row.expertise_late) == (1, 1)
    assert to_csv([row]).splitlines()[1].startswith("58;dermatologue;2;2.0;1;1;")


def test_ett_nurse_requests_and_bills_rqd(session, tmp_path):
    from oasis.care.booking import service as booking
    from oasis.care.people import service as people
    from oasis.care.scheduling.models import Slot

    store = files.Store(tmp_path / "pj")
    w = make_world(session)
    slot = session.scalar(select(Slot).where(Slot.practitioner_id == w.derm.id))
    nurse = people.create_staff(session, kind="nurse", family_name="Dupont", given_name="M",
                                location_id=slot.location_id)
    actor = Actor(None, "nurse", staff_id=nurse.id, location_id=slot.location_id)
    with pytest.raises(NotFound):  # not yet seen at the nurse's site
        te.create(session, actor, patient_id=w.patient.id, specialty="dermatologue",
                  question="Plaie ?", consent=True, now=NOW)
    booking.book(session, Actor.system(), slot_id=slot.id, patient_id=w.patient.id,
                 now=NOW - timedelta(days=30))
    req = te.create(session, actor, patient_id=w.patient.id, specialty="dermatologue",
                    question="Plaie chronique de jambe ?", consent=True,
                    uploads=[te.Upload("plaie.jpg", jpeg_bytes())], store=store, now=NOW)
    te.get(session, actor, req.id)
    te.answer(session, w.derm_actor, req.id, text="Soins locaux.", recommendation="none",
              now=NOW)
    rqd = next(a for a in te.acts(session, req) if a.code == "RQD")
    assert (rqd.staff_id, rqd.practitioner_id, rqd.amount_cents) == (nurse.id, None, 1000)
