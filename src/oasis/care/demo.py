"""Synthetic demo data on the real geography (every person and site is fictitious).

Loaded by ``oasis demo load`` (and ``make run``); idempotent — each entity is looked up
by a stable key (site name, RPPS, e-mail) before being created, and slot generation
only adds what is missing — so running it again tops the slots up to the horizon and
changes nothing else.  Synthetic RPPS numbers start with ``19`` (real ones start with
``10``) and every row carries ``synthetic = true``; names say « (démo) ».
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.identifiers import nir_with_key
from oasis.care.finder.text import plural
from oasis.care.networks.demo import load_networks_demo
from oasis.care.people import service as people
from oasis.care.people.models import Patient, Practitioner, StaffMember
from oasis.care.programmes.demo import load_programmes_demo
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.sites import service as sites
from oasis.care.sites.models import Location
from oasis.care.teleexpertise.demo import load_teleexpertise_demo
from oasis.territory.supply import rpps_with_check_digit

DEMO_PASSWORD = "oasis-demo"
WEEKDAYS = range(5)


def _hours(days, opens: time, closes: time):
    return [(d, opens, closes) for d in days]


SITES = [  # name, kind, commune, nurse, sector-1 only, equipment, opening hours
    ("ETT de Nevers", "ett", "58194", True, True, ["tensiomètre", "oxymètre", "otoscope",
                                                    "dermatoscope"],
     _hours(range(6), time(8), time(20))),
    ("MSP du Banlay, Nevers", "msp", "58194", True, True, ["ECG"],
     _hours(WEEKDAYS, time(8), time(19)) + _hours([5], time(8), time(12))),
    ("Centre de santé de Varennes-Vauzelles", "centre_sante", "58303", True, True, [],
     _hours(WEEKDAYS, time(8, 30), time(18, 30))),
    ("Hôpital de proximité de Château-Chinon", "hopital_proximite", "58062", True, False,
     ["radiologie", "biologie"], _hours(range(7), time(0), time(23, 59))),
    ("Cabinet médical de Cosne-Cours-sur-Loire", "cabinet", "58086", False, False, [],
     _hours([0, 1, 3, 4], time(9), time(18))),
    ("ETT d'Hérimoncourt", "ett", "25304", True, True, ["tensiomètre", "oxymètre",
                                                         "otoscope"],
     _hours(range(6), time(8), time(19))),
    ("MSP de Montbéliard", "msp", "25388", True, True, [],
     _hours(WEEKDAYS, time(8), time(19))),
    ("Centre de santé de Besançon", "centre_sante", "25056", True, False, ["rétinographe"],
     _hours(WEEKDAYS, time(8), time(18))),
    ("Hôpital de proximité de Pontarlier", "hopital_proximite", "25462", True, False,
     ["radiologie"], _hours(range(7), time(0), time(23, 59))),
    ("ETT des Mureaux", "ett", "78440", True, True, ["tensiomètre", "oxymètre"],
     _hours(range(6), time(8), time(20))),
    ("Cabinet médical de Versailles", "cabinet", "78646", False, False, ["dermatoscope"],
     _hours(WEEKDAYS, time(9), time(19))),
    ("ETT de Courbevoie", "ett", "92026", True, True, ["tensiomètre", "oxymètre"],
     _hours(range(6), time(8), time(20))),
    ("Centre de santé de Boulogne-Billancourt", "centre_sante", "92012", True, True, [],
     _hours(WEEKDAYS, time(8), time(19))),
]

# What each demo site's public page says about access and payment (fictitious, like the
# sites): access, parking, transport, accepted payments.
ALL_PAYMENTS = ["carte_vitale", "tiers_payant", "cheque", "especes", "carte_bancaire"]
SITE_DIRECTORY = {
    "ETT de Nevers": ("Rez-de-chaussée, entrée par la médiathèque, accessible en fauteuil",
                      "Parking gratuit de la médiathèque (40 places)",
                      "Bus Taneo ligne 2, arrêt Banlay", ["carte_vitale", "tiers_payant"]),
    "MSP du Banlay, Nevers": ("Rez-de-chaussée, accès de plain-pied",
                              "Parking de la maison de santé, 2 places réservées PMR",
                              "Bus Taneo lignes 2 et 5, arrêt Banlay", ALL_PAYMENTS),
    "Centre de santé de Varennes-Vauzelles": (
        "1er étage avec ascenseur", "Parking de la mairie (gratuit)",
        "Bus Taneo ligne 1, arrêt Mairie de Vauzelles", ["carte_vitale", "tiers_payant",
                                                          "carte_bancaire"]),
    "Hôpital de proximité de Château-Chinon": (
        "Accueil principal, bâtiment A", "Parking de l'hôpital (gratuit)",
        "Transport à la demande du Morvan, réservation la veille", ALL_PAYMENTS),
    "Cabinet médical de Cosne-Cours-sur-Loire": (
        "2e étage sans ascenseur : prévenir le secrétariat si besoin", "Stationnement "
        "dans la rue (zone bleue)", "Gare SNCF à 10 minutes à pied",
        ["carte_vitale", "cheque", "especes"]),
    "ETT d'Hérimoncourt": ("Rez-de-chaussée de la mairie", "Place de la mairie",
                           "Bus evolitY ligne 4, arrêt Mairie", ["carte_vitale",
                                                                 "tiers_payant"]),
    "MSP de Montbéliard": ("Rez-de-chaussée", "Parking souterrain payant (1re heure "
                           "gratuite)", "Bus evolitY lignes 1 et 3, arrêt Centre",
                           ALL_PAYMENTS),
    "Centre de santé de Besançon": ("3e étage, ascenseur", "Parking relais Temis",
                                    "Tram ligne 1, arrêt Fort Griffon",
                                    ["carte_vitale", "tiers_payant", "carte_bancaire"]),
    "Hôpital de proximité de Pontarlier": ("Hall d'accueil, consultations au 1er étage",
                                           "Parking de l'hôpital (gratuit)",
                                           "Bus urbain ligne A, arrêt Hôpital",
                                           ALL_PAYMENTS),
    "ETT des Mureaux": ("Rez-de-chaussée du centre social", "Parking du centre social",
                        "RER E, gare des Mureaux, puis 8 minutes à pied",
                        ["carte_vitale", "tiers_payant"]),
    "Cabinet médical de Versailles": ("1er étage, interphone « cabinet médical »",
                                      "Parking payant Saint-Louis", "Gare de Versailles-"
                                      "Chantiers, 5 minutes à pied",
                                      ["carte_vitale", "cheque", "carte_bancaire"]),
    "ETT de Courbevoie": ("Rez-de-chaussée", "Parking public Charras (payant)",
                          "Transilien, gare de Courbevoie", ["carte_vitale",
                                                             "tiers_payant"]),
    "Centre de santé de Boulogne-Billancourt": (
        "Rez-de-chaussée, accès de plain-pied", "Parking public Vaillant (payant)",
        "Métro ligne 9, station Marcel Sembat", ALL_PAYMENTS),
}

# Languages spoken by the demo practitioners besides French (by demo number).
LANGUAGES_SPOKEN = {1: ["en"], 3: ["ar", "en"], 7: ["de"], 9: ["en", "it"], 12: ["ar"],
                    13: ["en", "es"], 14: ["en", "pt"], 15: ["en"]}

GP_DAY = [(time(8, 30), time(12)), (time(14), time(18, 30))]
SPECIALIST_DAY = [(time(9), time(12, 30)), (time(14), time(17))]
TELE_DAY = [(time(9), time(12)), (time(13), time(19))]


@dataclass(frozen=True)
class DemoPractitioner:
    number: int
    given: str
    family: str
    specialty: str
    sector: str
    site: str
    days: tuple[int, ...] = tuple(WEEKDAYS)
    tele_site: str | None = None  # video agenda at this (ETT) site
    phone: bool = False  # also a phone teleconsultation agenda
    account: str | None = None

    @property
    def rpps(self) -> str:
        return rpps_with_check_digit(f"19{self.number:08d}")


PRACTITIONERS = [
    DemoPractitioner(1, "Claire", "Moreau", "generaliste", "1", "MSP du Banlay, Nevers",
                     tele_site="ETT de Nevers", account="medecin@demo.oasis.fr"),
    DemoPractitioner(2, "Julien", "Lefèvre", "generaliste", "1", "MSP du Banlay, Nevers",
                     days=(0, 1, 2, 3, 4, 5)),
    DemoPractitioner(3, "Nadia", "Benali", "generaliste", "OPTAM",
                     "Centre de santé de Varennes-Vauzelles", tele_site="ETT de Nevers",
                     phone=True),
    DemoPractitioner(4, "Paul", "Girard", "generaliste", "1",
                     "Hôpital de proximité de Château-Chinon", days=(0, 2, 4)),
    DemoPractitioner(5, "Hélène", "Roux", "generaliste", "2",
                     "Cabinet médical de Cosne-Cours-sur-Loire", days=(0, 1, 3, 4)),
    DemoPractitioner(6, "Marc", "Fontaine", "pediatre", "1", "MSP du Banlay, Nevers",
                     days=(1, 3)),
    DemoPractitioner(7, "Sophie", "Bertrand", "generaliste", "1", "MSP de Montbéliard",
                     tele_site="ETT d'Hérimoncourt"),
    DemoPractitioner(8, "Antoine", "Mercier", "generaliste", "1", "MSP de Montbéliard"),
    DemoPractitioner(9, "Isabelle", "Garnier", "ophtalmologue", "2",
                     "Centre de santé de Besançon", days=(0, 2, 3)),
    DemoPractitioner(10, "Thomas", "Chevalier", "cardiologue", "1",
                     "Hôpital de proximité de Pontarlier", days=(1, 3)),
    DemoPractitioner(11, "Camille", "Lambert", "generaliste", "1",
                     "Hôpital de proximité de Pontarlier"),
    DemoPractitioner(12, "Karim", "Haddad", "generaliste", "1",
                     "Centre de santé de Boulogne-Billancourt", tele_site="ETT des Mureaux"),
    DemoPractitioner(13, "Élodie", "Perrin", "dermatologue", "OPTAM",
                     "Cabinet médical de Versailles", days=(0, 1, 4)),
    DemoPractitioner(14, "Lucas", "Morel", "generaliste", "1",
                     "Centre de santé de Boulogne-Billancourt", tele_site="ETT de Courbevoie",
                     phone=True),
    DemoPractitioner(15, "Inès", "Faure", "gynecologue", "1",
                     "Centre de santé de Boulogne-Billancourt", days=(2, 4)),
    DemoPractitioner(16, "Yves", "Blanc", "generaliste", "2",
                     "Cabinet médical de Versailles"),
]

STAFF = [  # kind, given, family, site, e-mail
    ("nurse", "Marie", "Dupont", "ETT de Nevers", "infirmiere@demo.oasis.fr"),
    ("nurse", "Amandine", "Petit", "ETT d'Hérimoncourt", None),
    ("nurse", "Samia", "Khelifi", "ETT des Mureaux", None),
    ("nurse", "Louis", "Renard", "ETT de Courbevoie", None),
    ("medical_assistant", "Chloé", "Marchand", "Hôpital de proximité de Château-Chinon", None),
    ("coordinator", "Léa", "Roy", None, "coordination@demo.oasis.fr"),
]

PATIENTS = [  # e-mail, given, family, birth date, sex, commune, NIR body (13) or None
    ("patient@demo.oasis.fr", "Jeanne", "Durand", date(1948, 5, 12), "F", "58194",
     "2480558194012"),
    ("patient.doubs@demo.oasis.fr", "René", "Vuillemin", date(1956, 9, 3), "M", "25304",
     "1560925304007"),
    ("patient.yvelines@demo.oasis.fr", "Aïcha", "Traoré", date(1991, 2, 20), "F", "78440",
     None),
]

DEMO_ACCOUNTS = [
    ("patient", "patient@demo.oasis.fr", "Jeanne Durand, Nevers (58)"),
    ("patient", "patient.doubs@demo.oasis.fr", "René Vuillemin, Hérimoncourt (25)"),
    ("patient", "patient.yvelines@demo.oasis.fr", "Aïcha Traoré, Les Mureaux (78)"),
    ("practitioner", "medecin@demo.oasis.fr", "Dr Claire Moreau, MSP Nevers + ETT Nevers"),
    ("nurse", "infirmiere@demo.oasis.fr", "Marie Dupont, ETT de Nevers"),
    ("coordinator", "coordination@demo.oasis.fr", "Léa Roy, coordination ARS"),
    ("admin", "admin@demo.oasis.fr", "Administration de la plateforme"),
    ("practitioner", "volontaire@demo.oasis.fr",
     "Dr Sylvie Navarro, volontaire « Un médecin près de chez vous » (Luzy)"),
    ("practitioner", "dermatologue@demo.oasis.fr", "Dr Bérénice Vasseur, dermatologue (CPTS)"),
    ("practitioner", "ophtalmologue@demo.oasis.fr", "Dr Agathe Mallet, ophtalmologue (CPTS)"),
    ("coordinator", "cpts@demo.oasis.fr", "Coordination de la CPTS du Nivernais"),
    ("regulator", "regulateur@demo.oasis.fr", "Régulation SAS de la Nièvre"),
]


# What ``oasis demo load`` prints for each kind of row created (singular, plural).
KIND_LABELS = {
    "accounts": ("compte", "comptes"), "appointments": ("rendez-vous", "rendez-vous"),
    "mission_days": ("journée de mission", "journées de mission"),
    "mission_sites": ("site de mission", "sites de mission"),
    "patients": ("patient", "patients"), "practitioners": ("praticien", "praticiens"),
    "priority_zones": ("zone prioritaire", "zones prioritaires"),
    "programme_practitioners": ("médecin du programme", "médecins du programme"),
    "programme_request_histories": ("historique de demande", "historiques de demande"),
    "programme_sites": ("site du programme", "sites du programme"),
    "programme_staff": ("membre d'équipe du programme", "membres d'équipe du programme"),
    "schedules": ("agenda", "agendas"), "sites": ("lieu de soins", "lieux de soins"),
    "staff": ("membre du personnel", "membres du personnel"),
}


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    slots_created: int = 0

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def summary(self) -> str:
        """« 16 praticiens, 23 agendas … ; 4 200 créneaux ajoutés » — the CLI's French line."""
        created = ", ".join(plural(n, *KIND_LABELS.get(k, (k, k)))
                            for k, n in self.created.items()) or "rien de nouveau"
        slots = plural(self.slots_created, "créneau ajouté", "créneaux ajoutés")
        return f"{created} ; {slots}"


def _site(session: Session, spec, report: DemoReport, geo) -> Location:
    name, kind, commune, nurse, sector1, equipment, hours = spec
    label = f"{name} (démo)"
    site = session.scalar(select(Location).where(Location.name == label))
    if site is None:
        site = sites.create_location(session, name=label, kind=kind, commune_code=commune,
                                     nurse_present=nurse, sector1_only=sector1,
                                     equipment=equipment, hours=hours, synthetic=True, geo=geo)
        report.add("sites")
    if site.access is None and name in SITE_DIRECTORY:  # older demo databases: top up
        access, parking, transport, payments = SITE_DIRECTORY[name]
        sites.set_directory(session, site.id, access=access, parking=parking,
                            transport=transport, payments=payments)
        # ARCEP's range reserved for fiction (01 99 00 xx xx): never a real line.
        site.phone = site.phone or f"01 99 00 00 {[s[0] for s in SITES].index(name):02d}"
    return site


def _account(session: Session, email: str, role: str, display: str, report: DemoReport,
             **links) -> None:
    if session.scalar(select(Account.id).where(Account.email == email)) is None:
        accounts.create_account(session, email=email, password=DEMO_PASSWORD, role=role,
                                display_name=display, synthetic=True, **links)
        report.add("accounts")


def _schedule(session: Session, practitioner: Practitioner, site: Location, mode: str,
              days, spans, minutes: int, report: DemoReport) -> None:
    exists = session.scalar(select(Schedule.id).where(
        Schedule.practitioner_id == practitioner.id, Schedule.location_id == site.id,
        Schedule.mode == mode))
    if exists is None:
        people.add_role(session, practitioner.id, site.id)
        scheduling.create_schedule(session, practitioner_id=practitioner.id,
                                   location_id=site.id, mode=mode, slot_minutes=minutes,
                                   weekly=[(d, a, b) for d in days for a, b in spans])
        report.add("schedules")


def load_demo(session: Session, *, days: int = scheduling.DEFAULT_HORIZON_DAYS,
              progress: Callable[[str], None] | None = None, geo=None) -> DemoReport:
    """Create (or top up) the demo; the caller commits."""
    tick = progress or (lambda _step: None)
    report = DemoReport()
    system = Actor.system()
    tick("sites")
    by_name = {spec[0]: _site(session, spec, report, geo) for spec in SITES}
    tick("praticiens")
    for d in PRACTITIONERS:
        p = session.scalar(select(Practitioner).where(Practitioner.rpps == d.rpps))
        if p is None:
            p = people.create_practitioner(
                session, rpps=d.rpps, family_name=d.family, given_name=d.given,
                specialty=d.specialty, sector=d.sector,
                teleconsultation=d.tele_site is not None or d.phone,
                languages=["fr", *LANGUAGES_SPOKEN.get(d.number, [])], synthetic=True)
            report.add("practitioners")
        site = by_name[d.site]
        specialist = d.specialty != "generaliste"
        _schedule(session, p, site, "in_person", d.days,
                  SPECIALIST_DAY if specialist else GP_DAY, 30 if specialist else 20, report)
        if d.tele_site:
            _schedule(session, p, by_name[d.tele_site], "video", range(6), TELE_DAY, 15,
                      report)
        if d.phone:
            _schedule(session, p, site, "phone", WEEKDAYS, [(time(18, 30), time(20))], 15,
                      report)
        if d.account:
            _account(session, d.account, "practitioner", p.display_name, report,
                     practitioner_id=p.id)
    tick("équipes")
    for kind, given, family, site_name, email in STAFF:
        location_id = by_name[site_name].id if site_name else None
        staff = session.scalar(select(StaffMember).where(
            StaffMember.family_name == family, StaffMember.given_name == given,
            StaffMember.synthetic.is_(True)))
        if staff is None:
            staff = people.create_staff(session, kind=kind, family_name=family,
                                        given_name=given, location_id=location_id,
                                        organisation="ARS (démo)" if kind == "coordinator"
                                        else None, synthetic=True)
            report.add("staff")
        if email:
            role = "nurse" if kind in ("nurse", "medical_assistant") else "coordinator"
            _account(session, email, role, f"{given} {family}", report, staff_id=staff.id)
    _account(session, "admin@demo.oasis.fr", "admin", "Administration (démo)", report)
    tick("patients")

    patients = []
    for email, given, family, birth, sex, commune, nir in PATIENTS:
        account = session.scalar(select(Account).where(Account.email == email))
        if account is None:
            patient = people.create_patient(
                session, system, family_name=family, given_name=given, birth_date=birth,
                sex=sex, commune_code=commune, nir=nir_with_key(nir) if nir else None,
                email=email, synthetic=True, geo=geo)
            report.add("patients")
            _account(session, email, "patient", f"{given} {family}", report,
                     patient_id=patient.id)
        else:
            patient = session.get(Patient, account.patient_id)
        patients.append(patient)
    tick("créneaux")
    report.slots_created = scheduling.generate_all(session, days=days)
    tick("rendez-vous")
    _demo_appointment(session, patients[0], report)
    # National programmes (France Santé sites, priority zones, a mission site): additive.
    load_programmes_demo(session, report, days=days, geo=geo, tick=tick,
                         password=DEMO_PASSWORD)
    # Care networks, téléexpertise history, SAS slots: additive too.
    load_networks_demo(session, report, days=days, geo=geo, tick=tick, password=DEMO_PASSWORD)
    load_teleexpertise_demo(session, report)
    return report


def _demo_appointment(session: Session, patient: Patient, report: DemoReport) -> None:
    """Give the demo patient one upcoming appointment with the demo doctor (once)."""
    if session.scalar(select(Appointment.id).where(Appointment.patient_id == patient.id)):
        return
    doctor = session.scalar(select(Practitioner).where(
        Practitioner.rpps == PRACTITIONERS[0].rpps))
    slot = session.scalar(select(Slot).where(
        Slot.practitioner_id == doctor.id, Slot.mode == "in_person", Slot.status == "free",
        Slot.start_at > utcnow() + timedelta(days=2)).order_by(Slot.start_at).limit(1))
    if slot is not None:
        booking.book(session, Actor.system(), slot_id=slot.id, patient_id=patient.id,
                     reason="Renouvellement d'ordonnance (démo)")
        report.add("appointments")
