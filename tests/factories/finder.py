"""A small Nièvre care world for the finder's tests (fictitious people, real communes).

Travel times by the default model from Varennes-Vauzelles (58303): Nevers 8 min,
Fourchambault 11 min, Decize 42 min, Château-Chinon 68 min.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from oasis.care.core.actor import Actor
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.sites import service as sites
from oasis.territory.supply import rpps_with_check_digit

WEEK = range(7)
PARTNER = "Mutuelle Solidaire de la Nièvre"


@dataclass
class World:
    msp_nevers: object
    ett_nevers: object
    decize: object
    fourchambault: object
    chateau_chinon: object
    gp_nevers: object
    gp_tele: object
    gp_decize: object
    gp_fourchambault: object
    gp_chinon: object


def _site(session, name, kind, commune, geo):
    return sites.create_location(session, name=name, kind=kind, commune_code=commune,
                                 nurse_present=kind == "ett",
                                 hours=[(d, time(8), time(20)) for d in WEEK], geo=geo)


def _doctor(session, n, family, *, specialty="generaliste", sector="1", tele=False):
    return people.create_practitioner(
        session, rpps=rpps_with_check_digit(f"19{n:08d}"), family_name=family,
        given_name="Dr", specialty=specialty, sector=sector, teleconsultation=tele)


def _schedule(session, doctor, site, weekly, mode="in_person", minutes=20):
    people.add_role(session, doctor.id, site.id)
    return scheduling.create_schedule(session, practitioner_id=doctor.id,
                                      location_id=site.id, mode=mode, slot_minutes=minutes,
                                      weekly=weekly)


def build(session: Session, geo, now: datetime, days: int = 10) -> World:
    """Sites, doctors and generated slots; the caller's ``now`` starts the horizon."""
    weekdays = [(d, time(9), time(12)) for d in range(5)]
    w = World(
        msp_nevers=_site(session, "MSP du Banlay", "msp", "58194", geo),
        ett_nevers=_site(session, "ETT de Nevers", "ett", "58194", geo),
        decize=_site(session, "Cabinet de Decize", "cabinet", "58095", geo),
        fourchambault=_site(session, "Cabinet de Fourchambault", "cabinet", "58117", geo),
        chateau_chinon=_site(session, "Hôpital de Château-Chinon", "hopital_proximite",
                             "58062", geo),
        gp_nevers=_doctor(session, 1, "Moreau"),
        gp_tele=_doctor(session, 2, "Benali", sector="OPTAM", tele=True),
        gp_decize=_doctor(session, 3, "Roux", sector="2"),
        gp_fourchambault=_doctor(session, 4, "Girard"),
        gp_chinon=_doctor(session, 5, "Blanc"),
    )
    _schedule(session, w.gp_nevers, w.msp_nevers, weekdays)
    _schedule(session, w.gp_tele, w.ett_nevers, [(d, time(9), time(12)) for d in range(6)],
              mode="video", minutes=15)
    _schedule(session, w.gp_decize, w.decize, weekdays)
    _schedule(session, w.gp_fourchambault, w.fourchambault, [(3, time(14), time(17))])
    _schedule(session, w.gp_chinon, w.chateau_chinon, weekdays)
    scheduling.generate_all(session, days=days, now=now)
    session.flush()
    return w


def patient(session: Session, geo, *, commune="58303", birth=date(1960, 4, 2), gp=None,
            mutuelle=None, name="Durand"):
    return people.create_patient(session, Actor.system(), family_name=name,
                                 given_name="Jeanne", birth_date=birth, commune_code=commune,
                                 gp_id=gp.id if gp else None, mutuelle_name=mutuelle, geo=geo)


def build_open(session: Session, geo, now: datetime, days: int = 3) -> World:
    """The same world with agendas open around the clock and the teleconsulting doctor on
    duty in the queue, for tests on the real clock."""
    w = build(session, geo, now, days=0)
    always = [(d, time(0), time(23, 40)) for d in WEEK]
    for doctor, site, mode in ((w.gp_nevers, w.msp_nevers, "in_person"),
                               (w.gp_tele, w.ett_nevers, "video"),
                               (w.gp_decize, w.decize, "in_person")):
        schedule = next(s for s in _schedules(session, doctor.id)
                        if s.location_id == site.id and s.mode == mode)
        scheduling.set_weekly(session, schedule.id, always)
        scheduling.generate_slots(session, schedule.id, days=days, now=now)
    from oasis.care.teleconsult import queue

    queue.set_presence(session, Actor(account_id=None, role="practitioner",
                                      practitioner_id=w.gp_tele.id), "available", now=now)
    session.flush()
    return w


def _schedules(session: Session, practitioner_id: int):
    from sqlalchemy import select

    from oasis.care.scheduling.models import Schedule

    return session.scalars(select(Schedule).where(
        Schedule.practitioner_id == practitioner_id)).all()
