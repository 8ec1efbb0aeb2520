"""What every FHIR mapping shares: systems, references, Bundle, OperationOutcome.

The identifier systems and profiles are the ones the ANS publishes (FR Core and the
Annuaire Santé implementation guides); see docs/fhir.md for the pages read.  Oasis's own
vocabularies (specialties, consultation modes) get Oasis code systems under
:data:`OASIS_SYSTEM` so a client can tell them apart from national terminologies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse

from oasis.care.core.errors import Invalid
from oasis.care.core.vocab import MODES, SPECIALTIES

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"

# --- national identifier systems (FR Core 2.x, Annuaire Santé 1.x)
INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR, FR Core Patient INS
IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"  # IdNat_PS = "8" + RPPS
RPPS = "https://rpps.esante.gouv.fr"  # RPPS slice of FR Core / Annuaire Santé Practitioner
IDNAT_STRUCT = "urn:oid:1.2.250.1.71.4.2.2"  # IdNat_Struct = "1" + FINESS
FINESS = "https://finess.esante.gouv.fr"
FR_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
INSEE_COMMUNE = "https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune"
ADDRESS_INSEE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"

FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
PROFILES = {name: FR_CORE + f"fr-core-{slug}" for name, slug in (
    ("Patient", "patient"), ("Practitioner", "practitioner"),
    ("PractitionerRole", "practitioner-role"), ("Organization", "organization"),
    ("Location", "location"), ("Schedule", "schedule"), ("Slot", "slot"),
    ("Appointment", "appointment"), ("Encounter", "encounter"))}

OASIS_SYSTEM = "https://oasis-sante.fr/fhir/CodeSystem/"
SPECIALTY_SYSTEM = OASIS_SYSTEM + "specialty"
MODE_SYSTEM = OASIS_SYSTEM + "consultation-mode"
SITE_KIND_SYSTEM = OASIS_SYSTEM + "site-kind"
MODE_OF_SERVICE_TYPE = {"in_person": "in_person", "video": "video", "phone": "phone"}


def instant(value: datetime | None) -> str | None:
    """An aware UTC datetime as a FHIR instant (stored times are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_instant(value: str, what: str) -> datetime:
    try:
        out = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"{what} : date invalide « {value} »", code="invalid_date") from exc
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def ref(kind: str, ident: object, display: str | None = None) -> dict:
    out: dict[str, Any] = {"reference": f"{kind}/{ident}"}
    if display:
        out["display"] = display
    return out


def ref_id(value: Any, kind: str, what: str) -> str:
    """The id of a ``{"reference": "Kind/id"}``; Invalid for anything else."""
    reference = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(reference, str) or not reference.startswith(f"{kind}/") \
            or len(reference) <= len(kind) + 1:
        raise Invalid(f"{what} : référence {kind}/<id> attendue", code="invalid_reference")
    return reference.split("/", 1)[1].split("/_history", 1)[0]


def coding(system: str, code: str, display: str | None = None) -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def specialty_concept(code: str) -> dict:
    return {"coding": [coding(SPECIALTY_SYSTEM, code, SPECIALTIES.get(code))]}


def mode_concept(mode: str) -> dict:
    return {"coding": [coding(MODE_SYSTEM, mode, MODES.get(mode))]}


def meta(kind: str) -> dict:
    return {"profile": [PROFILES[kind]]} if kind in PROFILES else {}


def resource(kind: str, ident: object, **fields: Any) -> dict:
    """A resource dict without its empty fields (FHIR forbids empty values)."""
    out: dict[str, Any] = {"resourceType": kind, "id": str(ident)}
    m = meta(kind)
    if m:
        out["meta"] = m
    out.update({k: v for k, v in fields.items() if v not in (None, [], {}, "")})
    return out


def bundle(entries: list[dict], *, base: str, self_url: str, next_url: str | None = None,
           total: int | None = None, included: list[dict] = ()) -> dict:
    """A searchset Bundle: matches first, then ``_include``-d resources."""
    out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        out["total"] = total
    out["link"] = [{"relation": "self", "url": self_url}]
    if next_url:
        out["link"].append({"relation": "next", "url": next_url})
    out["entry"] = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                     "search": {"mode": "match"}} for r in entries] + \
                   [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                     "search": {"mode": "include"}} for r in included]
    if not out["entry"]:
        del out["entry"]
    return out


def page_links(base: str, kind: str, params: list[tuple[str, str]], count: int, offset: int,
               more: bool) -> tuple[str, str | None]:
    """Self and next URLs: the same query with ``_offset`` moved by ``_count``."""
    kept = [(k, v) for k, v in params if k not in ("_count", "_offset")]

    def url(at: int) -> str:
        return f"{base}/{kind}?" + urlencode([*kept, ("_count", str(count)),
                                              ("_offset", str(at))])

    return url(offset), (url(offset + count) if more else None)


ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 409: "conflict", 412: "conflict", 413: "too-costly",
               422: "processing", 429: "throttled"}


def operation_outcome(status: int, detail: str, code: str) -> dict:
    """The OperationOutcome of an error: the REST ``code`` in ``details.coding``."""
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": ISSUE_CODES.get(status, "exception"),
        "details": {"coding": [coding(OASIS_SYSTEM + "error", code)], "text": detail},
        "diagnostics": detail}]}


class FhirResponse(JSONResponse):
    """``application/fhir+json``, compact, UTF-8 kept readable (French names)."""

    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
