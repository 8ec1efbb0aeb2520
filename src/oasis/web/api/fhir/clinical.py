"""Encounter, Observation, MedicationRequest and ServiceRequest ↔ teleconsultation.

Observations are the ETT measurements, LOINC-coded as in the FHIR R4 vital-signs
profiles: blood pressure panel 85354-9 (systolic 8480-6, diastolic 8462-4 as
components), body temperature 8310-5, SpO2 by pulse oximetry 59408-5 (with the generic
oxygen-saturation code 2708-6 the profile requires), body weight 29463-7; units in UCUM.
An Observation id is ``<measurement>-<kind>`` (one measurement row holds several signs).
"""

from __future__ import annotations

from oasis.care.teleconsult.models import (
    Encounter,
    EncounterMeasurement,
    MedicationRequest,
    ServiceRequest,
)
from oasis.web.api.fhir.common import coding, instant, ref, resource, specialty_concept

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
VITAL_SIGNS = {"coding": [coding("http://terminology.hl7.org/CodeSystem/observation-category",
                                 "vital-signs", "Vital Signs")]}
ICD10 = "http://hl7.org/fhir/sid/icd-10"

# kind → (LOINC codes, display, value key, UCUM unit)
SIGNS = {
    "temperature": ((("8310-5", "Body temperature"),), "temperature", "Cel", "°C"),
    "spo2": ((("2708-6", "Oxygen saturation in Arterial blood"),
              ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")),
             "spo2", "%", "%"),
    "weight": ((("29463-7", "Body weight"),), "weight", "kg", "kg"),
}
BP = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = (("systolic", "8480-6", "Systolic blood pressure"),
            ("diastolic", "8462-4", "Diastolic blood pressure"))


def encounter(e: Encounter) -> dict:
    period = {"start": instant(e.started_at)}
    if e.ended_at:
        period["end"] = instant(e.ended_at)
    return resource(
        "Encounter", e.id, status=e.status,
        **{"class": coding(ACT_CODE, "VR", "virtual")},
        serviceType={"coding": [coding("https://oasis-sante.fr/fhir/CodeSystem/"
                                       "consultation-mode", e.mode)]},
        subject=ref("Patient", e.patient_id),
        participant=[{"individual": ref("Practitioner", e.practitioner_id)}],
        period=period,
        length={"value": e.duration_seconds / 60, "unit": "min", "system": UCUM,
                "code": "min"} if e.duration_seconds is not None else None,
        reasonCode=[{"text": e.reason}] if e.reason else [],
        location=[{"location": ref("Location", e.location_id)}] if e.location_id else [])


def quantity(value: float, unit: str, display: str) -> dict:
    return {"value": value, "unit": display, "system": UCUM, "code": unit}


def observations(m: EncounterMeasurement, patient_id: int) -> list[dict]:
    """One Observation per vital sign of a measurement row (blood pressure: one panel)."""
    common = {"status": "final", "category": [VITAL_SIGNS],
              "subject": ref("Patient", patient_id),
              "encounter": ref("Encounter", m.encounter_id),
              "effectiveDateTime": instant(m.recorded_at)}
    out = []
    values = m.values or {}
    if "systolic" in values or "diastolic" in values:
        out.append(resource(
            "Observation", f"{m.id}-bp", **common,
            code={"coding": [coding(LOINC, *BP)], "text": "Tension artérielle"},
            component=[{"code": {"coding": [coding(LOINC, code, display)]},
                        "valueQuantity": quantity(values[key], "mm[Hg]", "mmHg")}
                       for key, code, display in BP_PARTS if key in values]))
    for kind, (codes, key, unit, display) in SIGNS.items():
        if key in values:
            out.append(resource(
                "Observation", f"{m.id}-{kind}", **common,
                code={"coding": [coding(LOINC, c, d) for c, d in codes]},
                valueQuantity=quantity(values[key], unit, display)))
    return out


def medication_request(rx: MedicationRequest) -> dict:
    """The e-prescription; each line's medication is free text (no CIP/UCD code kept)."""
    lines = rx.lines or []
    return resource(
        "MedicationRequest", rx.id, status=rx.status, intent="order",
        identifier=[{"system": "https://oasis-sante.fr/fhir/sid/prescription", "value": rx.id}],
        medicationCodeableConcept={"text": " ; ".join(line.get("name", "") for line in lines)
                                   or "ordonnance"},
        subject=ref("Patient", rx.patient_id), encounter=ref("Encounter", rx.encounter_id),
        authoredOn=instant(rx.issued_at), requester=ref("Practitioner", rx.practitioner_id),
        dosageInstruction=[{"sequence": n, "text": " — ".join(
            part for part in (line.get("name"), line.get("dosage"), line.get("duration"),
                              line.get("instructions")) if part)}
            for n, line in enumerate(lines, start=1)])


def service_request(r: ServiceRequest) -> dict:
    return resource(
        "ServiceRequest", r.id, status=r.status, intent="order", priority=r.priority,
        code={"text": "Orientation vers une consultation en présentiel"},
        subject=ref("Patient", r.patient_id), encounter=ref("Encounter", r.encounter_id),
        authoredOn=instant(r.created_at), requester=ref("Practitioner", r.practitioner_id),
        performerType=specialty_concept(r.specialty) if r.specialty else None,
        locationReference=[ref("Location", r.target_location_id)]
        if r.target_location_id else [],
        reasonCode=[{"text": r.reason}])
