"""Every care model, imported in one place: Alembic's metadata and other domains' imports.

Other issues' domains (teleconsultation, missions) add their modules to this list so
``alembic revision --autogenerate`` sees them.
"""

from __future__ import annotations

from oasis.care.accounts.models import Account, AccountToken, ThrottleCounter
from oasis.care.audit.models import AuditEvent
from oasis.care.billing.models import ParticipationDay, ParticipationYear, TeleconsultationYear
from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.base import Base
from oasis.care.jobs.models import LabelSnapshot
from oasis.care.networks.models import (
    CareNetwork,
    CareProtocol,
    NetworkMember,
    NetworkPrice,
    SasReservation,
)
from oasis.care.notifications.models import OutboxMessage
from oasis.care.people.models import (
    Patient,
    PatientGuardian,
    Practitioner,
    PractitionerRole,
    StaffMember,
)
from oasis.care.programmes.models import MissionDay, MissionSite, PriorityZone
from oasis.care.scheduling.models import AvailableTime, Schedule, ScheduleException, Slot
from oasis.care.sites.models import Location, LocationHours
from oasis.care.teleconsult.models import (
    BillingStatement,
    Encounter,
    EncounterAttachment,
    EncounterMeasurement,
    EncounterMessage,
    MedicationRequest,
    PractitionerPresence,
    QueueEntry,
    ServiceRequest,
)
from oasis.care.teleexpertise.models import (
    ExpertiseAct,
    ExpertiseAttachment,
    ExpertiseRequest,
)

__all__ = [
    "Account",
    "AccountToken",
    "Appointment",
    "AuditEvent",
    "AvailableTime",
    "Base",
    "BillingStatement",
    "CareNetwork",
    "CareProtocol",
    "Encounter",
    "EncounterAttachment",
    "EncounterMeasurement",
    "EncounterMessage",
    "ExpertiseAct",
    "ExpertiseAttachment",
    "ExpertiseRequest",
    "LabelSnapshot",
    "Location",
    "LocationHours",
    "MedicationRequest",
    "MissionDay",
    "MissionSite",
    "NetworkMember",
    "NetworkPrice",
    "OutboxMessage",
    "ParticipationDay",
    "ParticipationYear",
    "Patient",
    "PatientGuardian",
    "Practitioner",
    "PractitionerPresence",
    "PractitionerRole",
    "PriorityZone",
    "QueueEntry",
    "SasReservation",
    "Schedule",
    "ScheduleException",
    "ServiceRequest",
    "Slot",
    "StaffMember",
    "TeleconsultationYear",
    "ThrottleCounter",
    "WaitlistEntry",
]
