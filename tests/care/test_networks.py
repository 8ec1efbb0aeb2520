"""Networks: routing order, territory, SAS publication rules and participation; the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from oasis.care.core.actor import Actor
from oasis.care.core.errors import Forbidden, Invalid, NotFound
from oasis.care.networks import sas
from oasis.care.networks import service as networks
from oasis.care.networks.models import CareNetwork, SasReservation
from oasis.care.scheduling.models import Slot
from oasis.care.teleexpertise.waits import measured_waits
from tests.factories.teleexpertise import make_world


def test_route_protocol_then_network_then_specialty(session):
    w = make_world(session)
    assert networks.route(session, w.patient, "dermatologue").practitioner_ids == [
        w.derm.id, w.other_derm.id]
    other_net = networks.create_network(session, name="Réseau Doubs", kind="reseau_sante",
                                        communes=["25056"])
    networks.add_member(session, other_net.id, practitioner_id=w.other_derm.id)
    protocol = networks.add_protocol(session, other_net.id, name="Plaie chronique",
                                     specialty="dermatologue", expert_ids=[w.other_derm.id])
    plan = networks.route(session, w.patient, "dermatologue", protocol_id=protocol.id)
    assert plan.practitioner_ids == [w.other_derm.id, w.derm.id]
    assert plan.network_id == other_net.id
    with pytest.raises(Invalid):
        networks.add_protocol(session, other_net.id, name="X", specialty="dermatologue",
                              expert_ids=[w.derm.id])  # not a member


def test_sas_publish_rules_and_participation(session):
    w = make_world(session)
    now = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday, 8 h in Paris
    slots = list(session.scalars(select(Slot).where(Slot.practitioner_id == w.derm.id)
                                 .order_by(Slot.start_at)))
    soon = [s for s in slots if now < s.start_at <= now + timedelta(hours=48)]
    late = next(s for s in slots if s.start_at > now + timedelta(hours=48))
    site = soon[0].location_id
    with pytest.raises(Invalid):
        sas.publish(session, w.derm_actor, site, [late.id], now=now)
    with pytest.raises(Forbidden):
        sas.publish(session, w.other_actor, site, [soon[0].id], now=now)
    rows = sas.publish(session, w.derm_actor, site, [soon[0].id, soon[1].id], now=now)
    assert session.get(Slot, soon[0].id).status == "busy-unavailable"
    regulator = Actor(None, "regulator")
    assert [r.id for r, _ in sas.open_reservations(session, regulator, now=now)] == [
        r.id for r in rows]
    with pytest.raises(NotFound):
        sas.open_reservations(session, w.gp_actor, now=now)
    caller = sas.Caller("Appel", "Jean", datetime(1960, 1, 1).date(), "58194")
    with pytest.raises(NotFound):
        sas.book(session, w.gp_actor, rows[0].id, caller, now=now)
    appointment = sas.book(session, regulator, rows[0].id, caller, now=now)
    assert appointment.slot_id == soon[0].id
    p = sas.sas_participation(session, site, (now, now + timedelta(days=2)))
    # Two 30-minute slots published = 1 hour, one booked.
    assert (p["published_slots"], p["published_hours"], p["booked_slots"]) == (2, 1.0, 1)
    assert p["participates"] and p["network_member"]
    assert not sas.sas_participation(session, site, (now - timedelta(days=9),
                                                     now - timedelta(days=2)))["participates"]


def test_demo_networks_and_measured_waits(session):
    from oasis.care.demo import load_demo
    from oasis.care.networks.demo import CPTS

    load_demo(session, days=7)
    session.flush()
    cpts = session.scalar(select(CareNetwork).where(CareNetwork.name == CPTS))
    people = networks.member_practitioners(session, cpts.id)
    from oasis.care.people.models import Practitioner

    specialties = sorted(session.get(Practitioner, p).specialty for p in people)
    assert specialties == ["dermatologue", "dermatologue", "generaliste", "ophtalmologue"]
    assert [p.name for p in cpts.protocols] == [
        "Plaie chronique", "Lésion cutanée suspecte", "Dépistage de la rétinopathie diabétique"]
    rows = {r.specialty: r for r in measured_waits(session) if r.department == "58"}
    # Answers after 30, 70, 118, 52 h (dermatology) and 96, 160 h (ophthalmology).
    assert rows["dermatologue"].expertise_answered == 4
    assert rows["dermatologue"].expertise_median_days == round(61 / 24, 1)  # 2.5
    assert rows["ophtalmologue"].expertise_median_days == round(128 / 24, 1)  # 5.3
    before = session.scalar(select(func.count(SasReservation.id)))
    load_demo(session, days=7)  # idempotent
    assert session.scalar(select(func.count(SasReservation.id))) == before
