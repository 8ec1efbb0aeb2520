"""Append-only audit log of every access to health data (FHIR AuditEvent)."""
