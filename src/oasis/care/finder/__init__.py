"""Find care: one ranked answer for a patient's commune and need.

Pure-ish: reads the care database through a Session and the geography, writes nothing.
See :mod:`oasis.care.finder.service` for the ranking and the France Santé promise.
"""

from oasis.care.finder.costs import Cost, Parcours, Situation
from oasis.care.finder.places import Choice, Place, PlaceError, resolve
from oasis.care.finder.service import (
    CATEGORIES,
    PROMISE_HOURS,
    PROMISE_MINUTES,
    CareAnswer,
    CareOption,
    SlotRef,
    check_need,
    find_care,
)
from oasis.care.finder.waits import WaitEstimate, estimated_wait, register

__all__ = ["CATEGORIES", "PROMISE_HOURS", "PROMISE_MINUTES", "CareAnswer", "CareOption",
           "Choice", "Cost", "Parcours", "Place", "PlaceError", "Situation", "SlotRef",
           "WaitEstimate", "check_need", "estimated_wait", "find_care", "register", "resolve"]
