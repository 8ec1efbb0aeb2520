"""Teleconsultation: 24/7 queue, consultation record, e-prescription, orientation,
billing of the act.

Domain services (``queue``, ``encounters``, ``prescriptions``, ``referrals``, ``billing``)
never commit: the caller does.  The HTTP layer is :mod:`oasis.web.api.teleconsult`.
Importing the package registers the teleconsultation relationships in the access rules.
"""

from oasis.care.teleconsult.access import register as _register_access

_register_access()
