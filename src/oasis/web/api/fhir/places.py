"""Organization, Location and HealthcareService ↔ Oasis sites.

An Oasis site is both the place (Location, with its point and opening hours) and the
structure (Organization, with its FINESS as IdNat_Struct "1" + FINESS); both share the
site's id.  A HealthcareService is one specialty offered at one site (id
``<site>-<specialty>``), derived from the practitioners' roles there.
"""

from __future__ import annotations

from oasis.care.core.vocab import SITE_KINDS, SPECIALTIES
from oasis.care.sites.models import Location
from oasis.web.api.fhir.common import (
    FINESS,
    FR_V2_0203,
    IDNAT_STRUCT,
    SITE_KIND_SYSTEM,
    coding,
    ref,
    resource,
    specialty_concept,
)
from oasis.web.api.fhir.people import address, telecom

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def finess_identifiers(finess: str | None) -> list[dict]:
    if not finess:
        return []
    return [{"use": "official", "type": {"coding": [coding(
                FR_V2_0203, "IDNST", "Identifiant National de Structure")]},
             "system": IDNAT_STRUCT, "value": "1" + finess},
            {"use": "official", "system": FINESS, "value": finess}]


def kind_concept(kind: str) -> dict:
    return {"coding": [coding(SITE_KIND_SYSTEM, kind, SITE_KINDS.get(kind))]}


def organization(site: Location) -> dict:
    return resource("Organization", site.id, active=site.active,
                    identifier=finess_identifiers(site.finess), type=[kind_concept(site.kind)],
                    name=site.name, telecom=telecom(site.phone, None),
                    address=[address(site.commune_code, site.address, site.postal_code)])


def access_text(site: Location) -> str:
    """Access, parking and transport in one sentence (Location has no field for each)."""
    parts = [("Accès", site.access), ("Stationnement", site.parking),
             ("Transports", site.transport)]
    return " ; ".join(f"{label} : {text}" for label, text in parts if text)


def location(site: Location) -> dict:
    return resource(
        "Location", site.id, status="active" if site.active else "inactive",
        identifier=finess_identifiers(site.finess), name=site.name, mode="instance",
        description=access_text(site),
        type=[kind_concept(site.kind)], telecom=telecom(site.phone, None),
        address=address(site.commune_code, site.address, site.postal_code),
        position={"latitude": site.lat, "longitude": site.lon},
        managingOrganization=ref("Organization", site.id),
        hoursOfOperation=[{"daysOfWeek": [DAYS[h.weekday]],
                           "openingTime": h.opens.isoformat(),
                           "closingTime": h.closes.isoformat()} for h in site.hours])


def healthcare_service(site: Location, specialty: str, teleconsultation: bool) -> dict:
    return resource(
        "HealthcareService", f"{site.id}-{specialty}", active=site.active,
        providedBy=ref("Organization", site.id, site.name), location=[ref("Location", site.id)],
        name=f"{SPECIALTIES.get(specialty, specialty)} — {site.name}",
        specialty=[specialty_concept(specialty)],
        appointmentRequired=True,
        characteristic=[{"coding": [coding(SITE_KIND_SYSTEM + "-teleconsultation",
                                           "teleconsultation", "Téléconsultation")]}]
        if teleconsultation else [])
