"""AuditEvent ↔ the audit log (coordinators and admins only, as the REST API)."""

from __future__ import annotations

from oasis.care.audit.models import AuditEvent
from oasis.web.api.fhir.common import coding, instant, ref, resource

ACTIONS = {"create": "C", "read": "R", "update": "U", "delete": "D", "search": "E"}
OUTCOMES = {"success": "0", "denied": "4"}
REST = coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest",
              "RESTful Operation")


def audit_event(e: AuditEvent) -> dict:
    entity: dict = {"what": {"type": e.entity_type}}
    if e.entity_id is not None:
        entity["what"] = {"reference": f"{e.entity_type}/{e.entity_id}"}
    entities = [entity]
    if e.patient_id is not None:
        entities.append({"what": ref("Patient", e.patient_id),
                         "role": coding("http://terminology.hl7.org/CodeSystem/"
                                        "object-role", "1", "Patient")})
    agent = {"requestor": True, "type": {"coding": [coding(
        "https://oasis-sante.fr/fhir/CodeSystem/role", e.role or "anonymous")]}}
    if e.account_id is not None:
        agent["who"] = {"identifier": {"system": "https://oasis-sante.fr/fhir/sid/account",
                                       "value": str(e.account_id)}}
    return resource(
        "AuditEvent", e.id, type=REST, action=ACTIONS.get(e.action, "E"),
        recorded=instant(e.recorded_at), outcome=OUTCOMES.get(e.outcome, "8"),
        outcomeDesc=e.outcome, purposeOfEvent=[{"text": e.purpose}], agent=[agent],
        source={"observer": {"display": e.source or "Oasis"}}, entity=entities)
