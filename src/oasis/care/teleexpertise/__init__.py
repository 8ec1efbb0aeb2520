"""Téléexpertise: a professional asks a specialist's opinion, asynchronously.

Importing the package plugs the requester's and the expert's access to the patient into
:mod:`oasis.care.core.access` (as :mod:`oasis.care.teleconsult` does).
"""

from oasis.care.teleexpertise.access import register as _register_access

_register_access()
