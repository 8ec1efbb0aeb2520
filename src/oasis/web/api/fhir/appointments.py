"""Appointment ↔ booking: the mapping, and what a create or an update asks for.

A create books the slot named in ``Appointment.slot`` through
:func:`oasis.care.booking.service.book` (so the database guarantees apply: one of two
concurrent creates gets 409); an update may only move ``status`` to ``cancelled`` or
``noshow``, which call the booking service's cancel and no-show rules.
"""

from __future__ import annotations

from typing import Any

from oasis.care.booking.models import Appointment
from oasis.care.core.errors import Invalid
from oasis.care.core.inputs import parse_id
from oasis.web.api.fhir.common import instant, mode_concept, ref, ref_id, resource

STATUS_CHANGES = ("cancelled", "noshow")


def appointment(a: Appointment) -> dict:
    return resource(
        "Appointment", a.id, status=a.status, serviceType=[mode_concept(a.mode)],
        description=a.reason, start=instant(a.start_at), end=instant(a.end_at),
        minutesDuration=int((a.end_at - a.start_at).total_seconds() // 60),
        slot=[ref("Slot", a.slot_id)], created=instant(a.created_at),
        cancelationReason={"text": a.cancel_reason} if a.cancel_reason else None,
        participant=[{"actor": ref("Patient", a.patient_id), "status": "accepted",
                      "required": "required"},
                     {"actor": ref("Practitioner", a.practitioner_id), "status": "accepted",
                      "required": "required"},
                     {"actor": ref("Location", a.location_id), "status": "accepted",
                      "required": "required"}])


def booking_request(res: Any) -> dict:
    """``slot_id``, ``patient_id`` (None: the caller) and ``reason`` of a create."""
    if not isinstance(res, dict) or res.get("resourceType") != "Appointment":
        raise Invalid("ressource Appointment attendue", code="invalid_resource")
    if res.get("status") not in ("proposed", "pending", "booked"):
        raise Invalid("status : proposed, pending ou booked à la création",
                      code="invalid_status")
    slots = res.get("slot") or []
    if len(slots) != 1:
        raise Invalid("slot : exactement un créneau (Slot/<id>)", code="slot_required")
    patient_ids = [ref_id(p.get("actor"), "Patient", "participant.actor")
                   for p in res.get("participant") or []
                   if str((p.get("actor") or {}).get("reference", "")).startswith("Patient/")]
    if len(patient_ids) > 1:
        raise Invalid("un seul patient par rendez-vous", code="invalid_participant")
    reason = res.get("description") or res.get("comment")
    return {"slot_id": _int_id(ref_id(slots[0], "Slot", "slot"), "Slot"),
            "patient_id": _int_id(patient_ids[0], "Patient") if patient_ids else None,
            "reason": reason}


def _int_id(value: str, kind: str) -> int:
    ident = parse_id(value)
    if ident is None:
        raise Invalid(f"identifiant {kind} invalide « {value} »", code="invalid_reference")
    return ident


def status_change(current: dict, body: Any, patch: bool) -> tuple[str, str | None]:
    """The new status (and cancel reason) asked by a PUT or a JSON Patch."""
    if patch:
        if isinstance(body, dict):  # merge-patch style {"status": "cancelled"}
            changes = {f"/{k}": v for k, v in body.items()}
        elif isinstance(body, list):
            changes = {}
            for op in body:
                if not isinstance(op, dict) or op.get("op") not in ("replace", "add"):
                    raise Invalid("seules les opérations replace/add sont acceptées",
                                  code="unsupported_patch")
                changes[op.get("path")] = op.get("value")
        else:
            raise Invalid("corps JSON Patch attendu", code="unsupported_patch")
        status = changes.pop("/status", None)
        reason = changes.pop("/cancelationReason", None)
        if changes:
            raise Invalid("seuls status et cancelationReason sont modifiables",
                          code="unsupported_change")
    else:
        if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
            raise Invalid("ressource Appointment attendue", code="invalid_resource")
        if str(body.get("id", current["id"])) != current["id"]:
            raise Invalid("l'id du corps diffère de celui de l'URL", code="id_mismatch")
        for key in ("slot", "start", "end"):
            if key in body and body[key] != current.get(key):
                raise Invalid(f"{key} ne se modifie pas : annulez puis réservez un autre "
                              "créneau", code="unsupported_change")
        status, reason = body.get("status"), body.get("cancelationReason")
    if status not in STATUS_CHANGES:
        raise Invalid("status : seuls cancelled et noshow sont acceptés",
                      code="unsupported_change")
    text = reason.get("text") if isinstance(reason, dict) else None
    return status, text
