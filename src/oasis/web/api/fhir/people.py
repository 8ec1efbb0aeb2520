"""Patient, Practitioner and PractitionerRole ↔ the care people models.

A Patient's NIR travels under the INS-NIR system (FR Core): Oasis checks its key but does
not qualify identities through the INSi teleservice, so the profile claimed is FR Core
Patient, not FR Core Patient INS.  A Practitioner carries both national forms of its
number: IdNat_PS ("8" + RPPS) and the bare RPPS.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from oasis.care.core.errors import Invalid
from oasis.care.core.vocab import LANGUAGES, PROFESSIONS
from oasis.care.people.models import Patient, Practitioner, PractitionerRole
from oasis.web.api.fhir.common import (
    ADDRESS_INSEE,
    FR_V2_0203,
    IDNAT_PS,
    INS_NIR,
    INSEE_COMMUNE,
    RPPS,
    SPECIALTY_SYSTEM,
    coding,
    ref,
    ref_id,
    resource,
    specialty_concept,
)

GENDER = {"F": "female", "M": "male"}
SEX = {v: k for k, v in GENDER.items()}
PROFESSION_SYSTEM = "https://oasis-sante.fr/fhir/CodeSystem/profession"
BCP47 = "urn:ietf:bcp:47"


def address(commune_code: str, line: str | None = None, postal_code: str | None = None,
            city: str | None = None) -> dict:
    """A French address whose commune is carried by the FR Core INSEE-code extension."""
    out: dict[str, Any] = {"extension": [{"url": ADDRESS_INSEE,
                                          "valueCoding": coding(INSEE_COMMUNE, commune_code)}]}
    if line:
        out["line"] = [line]
    if city:
        out["city"] = city
    if postal_code:
        out["postalCode"] = postal_code
    out["country"] = "FR"
    return out


def commune_of(addr: dict) -> str | None:
    for ext in addr.get("extension", []):
        if ext.get("url") == ADDRESS_INSEE:
            return (ext.get("valueCoding") or {}).get("code")
    return None


def telecom(phone: str | None, email: str | None) -> list[dict]:
    out = []
    if phone:
        out.append({"system": "phone", "value": phone})
    if email:
        out.append({"system": "email", "value": email})
    return out


def patient(p: Patient, as_given: bool = False) -> dict:
    """The Patient resource.  ``as_given``: for the account that speaks for the patient,
    the NIR as they gave it, verified or still to verify (``nir_to_verify``), so that
    this view does not tell them whether it was already on Oasis; professionals see the
    verified NIR only."""
    identifiers = []
    nir = (p.nir or p.nir_to_verify) if as_given else p.nir
    if nir:
        identifiers.append({"use": "official", "type": {"coding": [coding(
            FR_V2_0203, "INS-NIR", "NIR définitif")]}, "system": INS_NIR, "value": nir})
    return resource(
        "Patient", p.id, identifier=identifiers,
        name=[{"use": "official", "family": p.family_name, "given": [p.given_name]}],
        telecom=telecom(p.phone, p.email), gender=GENDER.get(p.sex or "", "unknown"),
        birthDate=p.birth_date.isoformat(), address=[address(p.commune_code, p.address)],
        generalPractitioner=[ref("Practitioner", p.gp_id)] if p.gp_id else [])


def patient_fields(res: dict) -> dict:
    """The ``people.create_patient`` arguments a FHIR Patient carries (round trip)."""
    if res.get("resourceType") != "Patient":
        raise Invalid("ressource Patient attendue", code="invalid_resource")
    name = (res.get("name") or [{}])[0]
    addr = (res.get("address") or [{}])[0]
    nir = next((i["value"] for i in res.get("identifier", []) if i.get("system") == INS_NIR),
               None)
    tele = {t.get("system"): t.get("value") for t in res.get("telecom", [])}
    gp = res.get("generalPractitioner") or []
    try:
        born = date.fromisoformat(res["birthDate"])
    except (KeyError, ValueError) as exc:
        raise Invalid("birthDate manquante ou invalide", code="invalid_birth_date") from exc
    return {"family_name": name.get("family", ""), "given_name": " ".join(name.get("given", [])),
            "birth_date": born, "sex": SEX.get(res.get("gender", "")), "nir": nir,
            "commune_code": commune_of(addr), "address": (addr.get("line") or [None])[0],
            "phone": tele.get("phone"), "email": tele.get("email"),
            "gp_id": int(ref_id(gp[0], "Practitioner", "generalPractitioner")) if gp else None}


def practitioner(p: Practitioner) -> dict:
    return resource(
        "Practitioner", p.id, active=True,
        identifier=[
            {"use": "official", "type": {"coding": [coding(
                FR_V2_0203, "IDNPS", "Identifiant National de Professionnel de Santé")]},
             "system": IDNAT_PS, "value": "8" + p.rpps},
            {"use": "official", "type": {"coding": [coding(FR_V2_0203, "RPPS", "N° RPPS")]},
             "system": RPPS, "value": p.rpps}],
        name=[{"use": "official", "family": p.family_name, "given": [p.given_name],
               **({"prefix": ["Dr"]} if p.profession == "medecin" else {})}],
        telecom=telecom(p.phone, p.email),
        qualification=[{"code": {"coding": [coding(PROFESSION_SYSTEM, p.profession,
                                                   PROFESSIONS.get(p.profession))]}}],
        # Languages spoken (BCP 47 tags; the LSF is its ISO 639-3 code, a valid tag too).
        communication=[{"coding": [coding(BCP47, code, LANGUAGES.get(code))]}
                       for code in p.languages or []])


def practitioner_role(role: PractitionerRole, p: Practitioner) -> dict:
    return resource(
        "PractitionerRole", role.id, active=role.active,
        practitioner=ref("Practitioner", p.id, p.display_name),
        organization=ref("Organization", role.location_id),
        location=[ref("Location", role.location_id)],
        code=[{"coding": [coding(PROFESSION_SYSTEM, p.profession,
                                 PROFESSIONS.get(p.profession))]}],
        specialty=[specialty_concept(p.specialty)],
        healthcareService=[ref("HealthcareService", f"{role.location_id}-{p.specialty}")],
        availableTime=[], telecom=telecom(p.phone, None))


__all__ = ["SPECIALTY_SYSTEM", "address", "commune_of", "patient", "patient_fields",
           "practitioner", "practitioner_role", "telecom"]
