"""The menu of each kind of visitor, written out once (no walking of the route table).

A test follows every link of every menu as that role and fails on anything but a page,
so a menu never points to a page that is not there.
"""

from __future__ import annotations

from typing import NamedTuple


class Link(NamedTuple):
    href: str
    label: str
    section: str


PUBLIC = (Link("/", "Accueil", "accueil"),
          Link("/trouver-un-soin", "Trouver un soin", "trouver"),
          Link("/teleconsultation", "Téléconsultation", "teleconsultation"),
          Link("/carte", "Carte", "carte"),
          Link("/planification", "Planification", "planification"),
          Link("/regles", "Règles et tarifs", "regles"),
          Link("/pro", "Espace professionnel", "pro"))
PATIENT = (Link("/trouver-un-soin", "Trouver un soin", "trouver"),
           Link("/teleconsultation", "Téléconsultation", "teleconsultation"),
           Link("/mes-rendez-vous", "Mes rendez-vous", "rendez-vous"),
           Link("/mes-consultations", "Mes consultations", "consultations"),
           Link("/combien-vais-je-payer", "Combien vais-je payer ?", "combien"))
PRACTITIONER = (Link("/pro/agenda", "Mon agenda", "agenda"),
                Link("/pro/disponibilites", "Mes disponibilités", "disponibilites"),
                Link("/teleconsultation/medecin", "File de téléconsultation", "file"),
                Link("/pro/consultations", "Mes téléconsultations", "consultations"))
NURSE = (Link("/teleconsultation/ett", "Ouvrir une séance ETT", "ett"),
         Link("/pro/agenda", "Agenda du site", "agenda"))
COORDINATION = (Link("/coordination/audit", "Journal d'audit", "audit"),
                Link("/coordination/implantation", "Implantation", "implantation"),
                Link("/coordination/volontaires", "Médecins volontaires", "volontaires"),
                Link("/coordination/missions", "Missions", "missions"),
                Link("/planification", "Tableau de bord", "planification"),
                Link("/carte", "Carte", "carte"))

MENUS: dict[str | None, tuple[Link, ...]] = {
    None: PUBLIC, "patient": PATIENT, "practitioner": PRACTITIONER, "nurse": NURSE,
    "coordinator": COORDINATION, "admin": COORDINATION,
}
HOMES = {"patient": "/mes-rendez-vous", "practitioner": "/pro/agenda",
         "nurse": "/teleconsultation/ett", "coordinator": "/coordination/audit",
         "admin": "/coordination/audit"}


def menu(role: str | None) -> tuple[Link, ...]:
    """The links shown in the header to a visitor of ``role`` (None: signed out)."""
    return MENUS.get(role, PUBLIC)


def home_of(role: str | None) -> str:
    """The main page of ``role``: where signing in lands."""
    return HOMES.get(role or "", "/")
