"""Closed vocabularies of the care domain (codes stored in the database, French labels).

Stored as short ASCII codes with CHECK constraints rather than database enums: adding a
value is then a one-line migration on both SQLite and PostgreSQL.
"""

from __future__ import annotations

ROLES = ("patient", "practitioner", "nurse", "coordinator", "admin", "regulator")

SPECIALTIES: dict[str, str] = {
    "generaliste": "Médecine générale",
    "ophtalmologue": "Ophtalmologie",
    "dermatologue": "Dermatologie",
    "pediatre": "Pédiatrie",
    "gynecologue": "Gynécologie",
    "cardiologue": "Cardiologie",
    "psychiatre": "Psychiatrie",
    "orl": "Oto-rhino-laryngologie",
    "sage_femme": "Maïeutique (sage-femme)",
}

PROFESSIONS: dict[str, str] = {
    "medecin": "Médecin",
    "sage_femme": "Sage-femme",
    "infirmier": "Infirmier·ère",
    "assistant_medical": "Assistant·e médical·e",
}

SECTORS = ("1", "2", "OPTAM")

SITE_KINDS: dict[str, str] = {
    "msp": "Maison de santé pluriprofessionnelle",
    "centre_sante": "Centre de santé",
    "cabinet": "Cabinet médical",
    "hopital_proximite": "Hôpital de proximité",
    "ett": "Espace de télésanté (ETT)",
}

STAFF_KINDS = ("nurse", "medical_assistant", "coordinator")

MODES: dict[str, str] = {"in_person": "Au cabinet", "video": "Téléconsultation vidéo",
                         "phone": "Téléconsultation par téléphone"}

# FHIR R4 Slot.status and Appointment.status values Oasis uses.
SLOT_STATUSES = ("free", "busy", "busy-unavailable", "busy-tentative")
APPOINTMENT_STATUSES = ("booked", "arrived", "fulfilled", "cancelled", "noshow")
# Appointments that hold their slot and their practitioner's time.
ACTIVE_APPOINTMENT_STATUSES = ("booked", "arrived", "fulfilled", "noshow")
WAITLIST_STATUSES = ("waiting", "offered", "booked", "cancelled")


def check_in(column: str, values: tuple[str, ...] | dict[str, str]) -> str:
    """SQL CHECK expression ``column IN (...)`` for a vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
