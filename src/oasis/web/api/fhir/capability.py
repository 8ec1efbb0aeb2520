"""The CapabilityStatement: exactly the interactions and search parameters of the router.

:data:`RESOURCES` is the one list; a test walks it and calls every interaction and
search parameter declared here, so the statement cannot promise what is not served.
"""

from __future__ import annotations

from oasis import __version__
from oasis.web.api.fhir.common import FHIR_JSON, FHIR_VERSION, PROFILES

OASIS_PARAMS = "https://oasis-sante.fr/fhir/SearchParameter/"

# resource → (interactions, search parameters as (name, type, documentation))
RESOURCES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "Patient": (("read", "search-type"), ()),
    "Practitioner": (("read", "search-type"), (
        ("_id", "token", "identifiant logique"),
        ("identifier", "token", "IdNat_PS (urn:oid:1.2.250.1.71.4.2.1|8…) ou RPPS"),
        ("family", "string", "nom d'exercice (début)"), ("name", "string", "nom (début)"),
        ("specialty", "token", "spécialité Oasis"))),
    "PractitionerRole": (("read", "search-type"), (
        ("practitioner", "reference", ""), ("location", "reference", ""),
        ("organization", "reference", ""), ("specialty", "token", ""),
        ("active", "token", ""))),
    "Organization": (("read", "search-type"), (
        ("_id", "token", ""), ("identifier", "token", "IdNat_Struct (1…) ou FINESS"),
        ("name", "string", ""), ("commune", "token", "code INSEE (paramètre Oasis)"),
        ("address-postalcode", "string", ""))),
    "Location": (("read", "search-type"), (
        ("_id", "token", ""), ("identifier", "token", "IdNat_Struct ou FINESS"),
        ("name", "string", ""), ("commune", "token", "code INSEE (paramètre Oasis)"),
        ("address-postalcode", "string", ""),
        ("near", "special", "latitude|longitude|minutes|min : temps de trajet en voiture"))),
    "HealthcareService": (("read", "search-type"), (
        ("location", "reference", ""), ("organization", "reference", ""),
        ("specialty", "token", ""))),
    "Schedule": (("read", "search-type"), (
        ("actor", "reference", "Practitioner/… ou Location/…"), ("active", "token", ""),
        ("specialty", "token", ""), ("service-type", "token", "in_person, video, phone"))),
    "Slot": (("read", "search-type"), (
        ("status", "token", "free, busy, busy-unavailable, busy-tentative"),
        ("start", "date", "ge/gt/le/lt/eq"), ("schedule", "reference", ""),
        ("schedule.actor", "reference", "Practitioner/… ou Location/…"),
        ("schedule.actor:Practitioner.identifier", "token",
         "IdNat_PS des praticiens (requête des agrégateurs SAS)"),
        ("service-type", "token", "in_person, video, phone"),
        ("specialty", "token", "spécialité Oasis"),
        ("commune", "token", "créneaux libres à 30 min de la commune (paramètre Oasis)"),
        ("near", "special", "latitude|longitude|minutes|min : créneaux libres à portée"))),
    "Appointment": (("read", "search-type", "create", "update", "patch"), ()),
    "Encounter": (("read", "search-type"), ()),
    "Observation": (("read", "search-type"), (
        ("encounter", "reference", "requis"), ("category", "token", "vital-signs"))),
    "MedicationRequest": (("read", "search-type"), (("encounter", "reference", "requis"),)),
    "ServiceRequest": (("read", "search-type"), (("patient", "reference", "requis"),
                                                 ("subject", "reference", ""))),
    "AuditEvent": (("read", "search-type"), (
        ("patient", "reference", ""), ("entity-type", "token", ""), ("action", "token", ""),
        ("outcome", "token", ""), ("date", "date", "ge/le"))),
}
INCLUDES = {"Slot": ["Slot:schedule"]}
STANDARD = {"commune", "near"}  # Oasis-defined parameters (no core SearchParameter)


def capability_statement(base: str) -> dict:
    resources = []
    for kind, (interactions, params) in RESOURCES.items():
        entry = {"type": kind, "interaction": [{"code": i} for i in interactions],
                 "searchParam": [{"name": n, "type": t, **({"documentation": d} if d else {}),
                                  **({"definition": OASIS_PARAMS + f"{kind}-{n}"}
                                     if n in STANDARD else {})}
                                 for n, t, d in (*params, ("_count", "number", ""),
                                                 ("_offset", "number", "pagination Oasis"))]}
        if kind in PROFILES:
            entry["supportedProfile"] = [PROFILES[kind]]
        if kind in INCLUDES:
            entry["searchInclude"] = INCLUDES[kind]
        if kind == "Appointment":
            entry["updateCreate"] = False
            entry["conditionalCreate"] = False
        resources.append(entry)
    return {"resourceType": "CapabilityStatement", "id": "oasis", "status": "active",
            "date": "2026-12-01", "kind": "instance", "fhirVersion": FHIR_VERSION,
            "format": [FHIR_JSON, "json"], "patchFormat": ["application/json-patch+json"],
            "software": {"name": "Oasis", "version": __version__},
            "implementation": {"description": "Oasis — API FHIR R4", "url": base},
            "rest": [{"mode": "server", "security": {
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                   "restful-security-service",
                                         "code": "OAuth"}]}],
                "description": "Jeton Bearer de /api/v1/auth/token ; données de santé "
                               "réservées au patient et aux soignants qui le suivent"},
                "resource": resources}]}
