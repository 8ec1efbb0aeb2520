"""Care sites (FHIR Location): kind, commune, point, opening hours, equipment."""
