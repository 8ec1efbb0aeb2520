"""Demo data of the national programmes, added to ``oasis demo load`` (synthetic).

* Two France Santé candidate sites in the Nièvre with a measured history of requests:
  the centre de santé of **Decize** meets every criterion; the maison de santé of
  **Lormes** fails several (no nurse, open 4 days, a secteur-2 doctor, requests served
  late).  The care demo's own sites are checked too, with mixed results.
* Priority zones pre-filled from the priority EPCI ranking (top 151, demo APL), and a
  mission site at **Luzy** (CC Bazois Loire Morvan, rank 32 on the demo APL — added by
  hand if a different ranking leaves it out) with a volunteer doctor's days: one
  completed last fortnight (paid), one planned next week (bookable slots).

Idempotent like the care demo: entities are looked up by name / RPPS first; the request
history is topped up only when the measuring window holds too few requests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.people import service as people
from oasis.care.people.models import Patient, Practitioner, StaffMember
from oasis.care.programmes import service as missions
from oasis.care.programmes.label import DEFAULT_WEEKS
from oasis.care.programmes.models import MissionDay, MissionSite, PriorityZone
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.scheduling.service import PARIS
from oasis.care.sites import service as sites
from oasis.care.sites.models import Location
from oasis.territory.supply import rpps_with_check_digit

PASSING_SITE = "Centre de santé France Santé de Decize (démo)"
FAILING_SITE = "Maison de santé de Lormes (démo)"
SAS_DECLARED_ON = date(2025, 11, 3)
SAS_EVIDENCE = "convention de participation au SAS de la Nièvre (démo, fictive)"
MISSION_SITE = "Maison de santé de Luzy (démo)"
MISSION_EPCI = "200067882"  # CC Bazois Loire Morvan
VOLUNTEER_EMAIL = "volontaire@demo.oasis.fr"
GP_DAY = [(time(8, 30), time(12)), (time(14), time(18, 30))]

# name, kind, commune, equipment, open weekdays
SITES = [
    (PASSING_SITE, "centre_sante", "58095", ["tensiomètre", "ECG"], range(6)),
    (FAILING_SITE, "msp", "58145", [], range(4)),
    (MISSION_SITE, "msp", "58149", ["ECG", "échographe", "tensiomètre"], range(5)),
]
# number (RPPS 19…), given, family, sector, site, own agenda weekdays
DOCTORS = [
    (101, "Anne", "Lemoine", "1", PASSING_SITE, range(6)),
    (102, "Hugo", "Barbier", "1", PASSING_SITE, range(5)),
    (103, "Didier", "Caron", "2", FAILING_SITE, range(4)),
    (104, "Sylvie", "Navarro", "1", None, ()),  # the volunteer (practises in Nevers)
]
STAFF = [("nurse", "Bastien", "Collin", PASSING_SITE),
         ("medical_assistant", "Manon", "Gauthier", MISSION_SITE)]
# Hours between request and offered slot, one history per site (20 requests each).
DELAYS_PASSING = (4, 20, 26, 30, 44, 6, 22, 47, 18, 3, 28, 40, 12, 8, 36, 46, 24, 10, 72, 120)
DELAYS_FAILING = (20, 70, 96, 30, 120, 150, 44, 80, 100, 6, 75, 200, 26, 90, 110, 40, 60, 8,
                  130, 170)


def _rpps(number: int) -> str:
    return rpps_with_check_digit(f"19{number:08d}")


def load_programmes_demo(session: Session, report, *, days: int = 21, geo=None,
                         tick: Callable[[str], None] | None = None,
                         now: datetime | None = None, ranking=None,
                         password: str) -> None:
    """Add the programmes' demo to the care demo (``report`` is its DemoReport;
    ``password`` that of its demo accounts)."""
    tick = tick or (lambda _step: None)
    now = now or utcnow()
    tick("France Santé")
    by_name = {}
    for name, kind, commune, equipment, open_days in SITES:
        site = session.scalar(select(Location).where(Location.name == name))
        if site is None:
            site = sites.create_location(
                session, name=name, kind=kind, commune_code=commune,
                nurse_present=name == PASSING_SITE, sector1_only=name != FAILING_SITE,
                equipment=equipment, hours=[(d, time(8), time(19)) for d in open_days],
                synthetic=True, geo=geo)
            report.add("programme_sites")
        by_name[name] = site
    # The demo declaration of SAS participation (France Santé criterion).
    passing = by_name[PASSING_SITE]
    if passing.sas_since is None:
        sites.declare_sas(session, passing.id, SAS_DECLARED_ON, SAS_EVIDENCE)
    for kind, given, family, site_name in STAFF:
        if session.scalar(select(StaffMember.id).where(
                StaffMember.family_name == family, StaffMember.synthetic.is_(True))) is None:
            people.create_staff(session, kind=kind, family_name=family, given_name=given,
                                location_id=by_name[site_name].id, synthetic=True)
            report.add("programme_staff")
    doctors = {}
    for number, given, family, sector, site_name, weekdays in DOCTORS:
        doctor = session.scalar(select(Practitioner).where(Practitioner.rpps == _rpps(number)))
        if doctor is None:
            doctor = people.create_practitioner(
                session, rpps=_rpps(number), family_name=family, given_name=given,
                specialty="generaliste", sector=sector, synthetic=True)
            report.add("programme_practitioners")
        doctors[number] = doctor
        if site_name is not None and session.scalar(select(Schedule.id).where(
                Schedule.practitioner_id == doctor.id)) is None:
            people.add_role(session, doctor.id, by_name[site_name].id)
            schedule = scheduling.create_schedule(
                session, practitioner_id=doctor.id, location_id=by_name[site_name].id,
                weekly=[(d, a, b) for d in weekdays for a, b in GP_DAY])
            report.slots_created += scheduling.generate_slots(session, schedule.id, days=days,
                                                              now=now)
    tick("France Santé : historique des demandes")
    for site_name, number, delays in ((PASSING_SITE, 101, DELAYS_PASSING),
                                      (FAILING_SITE, 103, DELAYS_FAILING)):
        _history(session, by_name[site_name], doctors[number], delays, now, report, geo)
    tick("missions")
    _missions(session, by_name[MISSION_SITE], doctors[104], now, report, geo, ranking, password)


def _history(session: Session, site: Location, doctor: Practitioner, delays, now: datetime,
             report, geo) -> None:
    """Past requests (appointments created before their slot) inside the label window."""
    since = now - timedelta(weeks=DEFAULT_WEEKS)
    have = session.scalar(select(func.count(Appointment.id)).where(
        Appointment.location_id == site.id, Appointment.created_at >= since)) or 0
    if have >= len(delays):
        return
    patients = session.scalars(select(Patient).where(
        Patient.commune_code == site.commune_code, Patient.synthetic.is_(True),
        Patient.family_name.like("Demande%"))).all()
    for i in range(len(patients), 4):
        patients.append(people.create_patient(
            session, Actor.system(), family_name=f"Demande{i + 1}", given_name="Patient",
            birth_date=date(1950 + 7 * i, 1 + i, 10), commune_code=site.commune_code,
            synthetic=True, geo=geo))
    schedule = session.scalar(select(Schedule).where(Schedule.practitioner_id == doctor.id,
                                                     Schedule.location_id == site.id))
    today = now.astimezone(PARIS).date()
    weekdays = [d for d in (today - timedelta(days=k) for k in range(1, 30)) if d.weekday() < 4]
    taken = set(session.scalars(select(Slot.start_at).where(
        Slot.schedule_id == schedule.id, Slot.start_at < now)).all())
    created = 0
    for i, delay in enumerate(delays):
        start = datetime.combine(weekdays[i // 2], time(10 + 3 * (i % 2), 20), PARIS)
        if start in taken:
            continue
        end = start + timedelta(minutes=20)
        slot_id = session.execute(insert(Slot).values(
            schedule_id=schedule.id, practitioner_id=doctor.id, location_id=site.id,
            mode="in_person", specialty=doctor.specialty, start_at=start, end_at=end,
            status="busy").returning(Slot.id)).scalar_one()
        session.add(Appointment(slot_id=slot_id, patient_id=patients[i % 4].id,
                                practitioner_id=doctor.id, location_id=site.id,
                                mode="in_person", start_at=start, end_at=end,
                                status="fulfilled", reason="Demande de soins (démo)",
                                created_at=start - timedelta(hours=delay)))
        created += 1
    session.flush()
    if created:
        report.add("programme_request_histories")


def _missions(session: Session, site: Location, volunteer: Practitioner, now: datetime,
              report, geo, ranking, password: str) -> None:
    if session.scalar(select(func.count(PriorityZone.id))) == 0:
        created, _ = missions.prefill_zones(session, ranking)
        if created:
            report.add("priority_zones")
    zone = session.scalar(select(PriorityZone).where(PriorityZone.epci == MISSION_EPCI))
    if zone is None:
        zone = missions.add_zone(session, MISSION_EPCI, geo=geo)
    mission_site = session.scalar(select(MissionSite).where(
        MissionSite.location_id == site.id))
    if mission_site is None:
        mission_site = missions.create_mission_site(
            session, location_id=site.id, zone_id=zone.id, geo=geo,
            note="Cabinet équipé, assistante médicale présente (démo)")
        report.add("mission_sites")
    if session.scalar(select(Account.id).where(Account.email == VOLUNTEER_EMAIL)) is None:
        accounts.create_account(session, email=VOLUNTEER_EMAIL, password=password,
                                role="practitioner", display_name=volunteer.display_name,
                                practitioner_id=volunteer.id, synthetic=True)
        report.add("accounts")
    if session.scalar(select(MissionDay.id).where(
            MissionDay.practitioner_id == volunteer.id)) is not None:
        return
    today = now.astimezone(PARIS).date()
    past = next(d for d in (today - timedelta(days=k) for k in range(14, 21))
                if d.weekday() < 5)
    session.add(MissionDay(practitioner_id=volunteer.id, mission_site_id=mission_site.id,
                           day=past, status="completed", source="volunteer",
                           replacement_name="Dr Paul Remy (remplaçant, démo)",
                           created_at=now - timedelta(days=30), closed_at=now))
    session.flush()
    upcoming = next(d for d in (today + timedelta(days=k) for k in range(7, 14))
                    if d.weekday() < 5)
    missions.sign_up(session, Actor.system(), mission_site_id=mission_site.id, day=upcoming,
                     practitioner_id=volunteer.id,
                     replacement=missions.Replacement("Dr Paul Remy (remplaçant, démo)"),
                     now=now)
    report.add("mission_days")
