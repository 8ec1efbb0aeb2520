"""Demo of the care networks and téléexpertise (every person and site is fictitious).

A CPTS in the Nièvre — « CPTS du Nivernais (démo) » — with two dermatologists, one
ophthalmologist, the Nevers ETT, the demo GP and her MSP; its protocols « plaie
chronique », « lésion cutanée suspecte » and « dépistage de la rétinopathie
diabétique »; a partner optical network of the partner mutuelle with a (synthetic) price
list; a SAS regulator account and two SAS slots of the next 48 h.  The dated history of
answered téléexpertises is :mod:`oasis.care.teleexpertise.demo`.  Idempotent: keyed on
the network's name, RPPS and e-mails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.networks import sas
from oasis.care.networks import service as networks
from oasis.care.networks.models import CareNetwork
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner, StaffMember
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.sites.models import Location
from oasis.territory.supply import rpps_with_check_digit

CPTS = "CPTS du Nivernais (démo)"
OPTICAL = "Réseau optique Oasis Solidarité (démo)"
NIEVRE = ["58194", "58303", "58062", "58086", "58149"]  # Nevers, Varennes, Château-Chinon…
SPECIALISTS = [  # number, given, family, specialty, site, weekdays, e-mail
    (201, "Bérénice", "Vasseur", "dermatologue", "MSP du Banlay, Nevers (démo)", (0, 1, 3, 4),
     "dermatologue@demo.oasis.fr"),
    (202, "Olivier", "Texier", "dermatologue", "Centre de santé de Varennes-Vauzelles (démo)",
     (1, 2, 4), None),
    (203, "Agathe", "Mallet", "ophtalmologue", "Hôpital de proximité de Château-Chinon (démo)",
     (0, 2, 3), "ophtalmologue@demo.oasis.fr"),
]
MEMBER_SITES = ["ETT de Nevers (démo)", "MSP du Banlay, Nevers (démo)",
                "Centre de santé de Varennes-Vauzelles (démo)",
                "Hôpital de proximité de Château-Chinon (démo)"]
PRICES = [  # synthetic, labelled: no public price list of a real network is used
    ("optique", "Lunettes unifocales (monture + 2 verres), prix réseau", 9000, 16000),
    ("optique", "Lunettes progressives (monture + 2 verres), prix réseau", 24000, 39000),
    ("audition", "Aide auditive classe II (par oreille), prix réseau", 95000, 140000),
    ("dentaire", "Couronne céramo-métallique, prix réseau", 50000, 65000),
]


def demo_rpps(number: int) -> str:
    """The synthetic RPPS of demo practitioner ``number`` (same scheme as care.demo)."""
    return rpps_with_check_digit(f"19{number:08d}")


def _account(session, email, role, display, report, password, **links) -> Account:
    account = session.scalar(select(Account).where(Account.email == email))
    if account is None:
        account = accounts.create_account(session, email=email, password=password, role=role,
                                          display_name=display, synthetic=True, **links)
        report.add("accounts")
    return account


def load_networks_demo(session: Session, report, *, days: int = 21, geo=None,
                       tick: Callable[[str], None] | None = None,
                       now: datetime | None = None, password: str) -> None:
    """Add the networks' demo to the care demo (``report`` is its DemoReport,
    ``password`` that of its demo accounts)."""
    (tick or (lambda _s: None))("réseaux de soins")
    now = now or utcnow()
    site = {name: session.scalar(select(Location).where(Location.name == name))
            for name in MEMBER_SITES}
    specialists = {}
    for number, given, family, specialty, site_name, weekdays, email in SPECIALISTS:
        doctor = session.scalar(select(Practitioner).where(Practitioner.rpps == demo_rpps(number)))
        if doctor is None:
            doctor = people.create_practitioner(session, rpps=demo_rpps(number), family_name=family,
                                                given_name=given, specialty=specialty,
                                                sector="1", synthetic=True)
            report.add("practitioners")
        location = site[site_name]
        if session.scalar(select(Schedule.id).where(Schedule.practitioner_id == doctor.id)) \
                is None:
            people.add_role(session, doctor.id, location.id)
            schedule = scheduling.create_schedule(
                session, practitioner_id=doctor.id, location_id=location.id, mode="in_person",
                slot_minutes=30, weekly=[(d, a, b) for d in weekdays
                                         for a, b in ((time(9), time(12)), (time(14), time(17)))])
            report.slots_created += scheduling.generate_slots(session, schedule.id, days=days)
        if email:
            _account(session, email, "practitioner", doctor.display_name, report, password,
                     practitioner_id=doctor.id)
        specialists[number] = doctor
    coordinator = _account(session, "cpts@demo.oasis.fr", "coordinator",
                           "Coordination CPTS du Nivernais (démo)", report, password)
    regulator_staff = session.scalar(select(StaffMember).where(
        StaffMember.family_name == "Régulation SAS", StaffMember.synthetic.is_(True)))
    if regulator_staff is None:
        regulator_staff = people.create_staff(session, kind="coordinator",
                                              family_name="Régulation SAS", given_name="Nièvre",
                                              organisation="SAS 58 (démo)", synthetic=True)
    _account(session, "regulateur@demo.oasis.fr", "regulator", "Régulation SAS 58 (démo)",
             report, password, staff_id=regulator_staff.id)
    if session.scalar(select(CareNetwork.id).where(CareNetwork.name == CPTS)) is not None:
        return
    epcis = []
    if geo is not None:
        try:
            epcis = [geo.commune("58194").epci]
        except LookupError:
            epcis = []
    cpts = networks.create_network(session, name=CPTS, kind="cpts", communes=NIEVRE,
                                   epcis=[e for e in epcis if e],
                                   coordinator_account_id=coordinator.id, synthetic=True)
    gp = session.scalar(select(Practitioner).where(Practitioner.rpps == demo_rpps(1)))
    for doctor in [gp, *specialists.values()]:
        if doctor is not None:
            networks.add_member(session, cpts.id, practitioner_id=doctor.id)
    for location in site.values():
        if location is not None:
            networks.add_member(session, cpts.id, location_id=location.id)
    networks.add_protocol(session, cpts.id, name="Plaie chronique", specialty="dermatologue",
                          expert_ids=[specialists[201].id, specialists[202].id])
    networks.add_protocol(session, cpts.id, name="Lésion cutanée suspecte",
                          specialty="dermatologue", expert_ids=[specialists[201].id])
    networks.add_protocol(session, cpts.id, name="Dépistage de la rétinopathie diabétique",
                          specialty="ophtalmologue", expert_ids=[specialists[203].id])
    optical = networks.create_network(session, name=OPTICAL, kind="mutuelle",
                                      communes=NIEVRE, mutuelle_name="Mutuelle Oasis Solidarité",
                                      coordinator_account_id=coordinator.id, synthetic=True)
    for category, item, price, usual in PRICES:
        networks.add_price(session, optical.id, category=category, item=item,
                           network_price_cents=price, usual_price_cents=usual)
    report.add("networks")
    report.add("networks")  # the CPTS and the optical network
    _sas(session, site["MSP du Banlay, Nevers (démo)"], now, report)


def _sas(session, location, now, report) -> None:
    """Two free GP slots of the next 48 h at the MSP kept for the SAS regulators."""
    if location is None:
        return
    free = list(session.scalars(select(Slot.id).where(
        Slot.location_id == location.id, Slot.status == "free", Slot.mode == "in_person",
        Slot.specialty == "generaliste", Slot.start_at > now + timedelta(hours=2),
        Slot.start_at <= now + sas.SAS_HORIZON).order_by(Slot.start_at).limit(2)))
    if free:
        sas.publish(session, Actor.system(), location.id, free, now=now)
        report.add("sas_slots")
