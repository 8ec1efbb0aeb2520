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

# What the sector means for the patient's price, in the words of the Assurance Maladie
# (ameli.fr, « Les tarifs des médecins : secteur 1, secteur 2, OPTAM », consulted
# 2026-12-01). Shown on the directory pages next to the practitioner's sector.
SECTOR_LABELS: dict[str, str] = {
    "1": "Secteur 1 (conventionné)",
    "2": "Secteur 2 (honoraires libres)",
    "OPTAM": "Secteur 2 adhérent OPTAM",
}
SECTOR_MEANINGS: dict[str, str] = {
    "1": "Tarif de la Sécurité sociale, sans dépassement d'honoraires (sauf exigence "
         "particulière de votre part, par exemple un rendez-vous hors des heures "
         "habituelles).",
    "2": "Le médecin fixe librement ses honoraires « avec tact et mesure » : un dépassement "
         "est possible ; il n'est pas remboursé par l'Assurance Maladie, votre mutuelle peut "
         "en prendre une partie.",
    "OPTAM": "Le médecin s'engage à limiter ses dépassements d'honoraires (option de "
             "pratique tarifaire maîtrisée) : votre mutuelle les rembourse mieux.",
}
# « Sans dépassement d'honoraires » in the finder's filter: secteur 1, or OPTAM (limited
# overruns, the practice the Assurance Maladie counts as « tarifs maîtrisés »).
SECTORS_WITHOUT_FREE_FEES = ("1", "OPTAM")

# Accepted means of payment at a site (codes stored in location.payments, a JSON list).
PAYMENTS: dict[str, str] = {
    "carte_vitale": "Carte Vitale",
    "tiers_payant": "Tiers payant",
    "cheque": "Chèque",
    "especes": "Espèces",
    "carte_bancaire": "Carte bancaire",
}

# Languages a practitioner speaks (ISO 639-1 codes, ISO 639-3 « fsl » for the LSF;
# practitioner.languages, a JSON list).
LANGUAGES: dict[str, str] = {
    "fr": "français", "en": "anglais", "es": "espagnol", "de": "allemand",
    "it": "italien", "pt": "portugais", "ar": "arabe", "tr": "turc", "ro": "roumain",
    "pl": "polonais", "ru": "russe", "zh": "chinois", "wo": "wolof",
    "fsl": "langue des signes française",
}

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
