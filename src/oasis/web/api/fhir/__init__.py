"""FHIR R4 (``application/fhir+json``) beside the REST API, on the same care services.

:mod:`.router` is the one ``/fhir`` router; each resource's mapping lives in its own
module (:mod:`.people`, :mod:`.places`, :mod:`.scheduling`, :mod:`.appointments`,
:mod:`.clinical`, :mod:`.audit`); :mod:`.common` holds the identifier systems, the
Bundle and the OperationOutcome.
"""
