"""FHIR-named people: Patient, Practitioner, PractitionerRole, and staff (nurses, …)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import PROFESSIONS, SECTORS, SPECIALTIES, STAFF_KINDS, check_in


class Patient(Base):
    """A person receiving care; the NIR is optional (tourists, newborns) but checked."""

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    sex: Mapped[str | None] = mapped_column(String(1))
    nir: Mapped[str | None] = mapped_column(String(15), unique=True)
    # A relative's NIR typed by the guardian that is already another record's: kept here
    # for the secretariat to check, never refused (a refusal would say « this NIR is on
    # Oasis »).  See oasis.care.people.relatives.
    nir_to_verify: Mapped[str | None] = mapped_column(String(15))
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    gp_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id", ondelete="SET NULL"))
    # A médecin traitant who is not on Oasis, as declared by the patient (name, RPPS).
    gp_declared_name: Mapped[str | None] = mapped_column(String(120))
    gp_declared_rpps: Mapped[str | None] = mapped_column(String(11))
    mutuelle_name: Mapped[str | None] = mapped_column(String(100))
    mutuelle_member_number: Mapped[str | None] = mapped_column(String(50))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    gp: Mapped[Practitioner | None] = relationship(foreign_keys=[gp_id])

    @property
    def has_gp(self) -> bool:
        """A médecin traitant is declared, on Oasis (gp_id) or not (by name)."""
        return self.gp_id is not None or bool(self.gp_declared_name)

    __table_args__ = (CheckConstraint("sex IN ('F', 'M') OR sex IS NULL", name="sex"),)


RELATIONS = {"enfant": "Enfant", "parent": "Parent", "conjoint": "Conjoint·e",
             "autre": "Autre proche"}


class PatientGuardian(Base):
    """A relative managed from an account holder's account (a child, a dependent parent).

    The relative is a real :class:`Patient` row, so appointments, consultations and bills
    point at them; this link says who speaks for them.  ``dependant_id`` is unique: a
    relative created by a guardian belongs to that guardian and cannot be attached to a
    second account silently.
    """

    __tablename__ = "patient_guardian"

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                             index=True)
    dependant_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                              unique=True)
    relation: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dependant: Mapped[Patient] = relationship(foreign_keys=[dependant_id])

    __table_args__ = (
        CheckConstraint(check_in("relation", tuple(RELATIONS)), name="relation"),
        CheckConstraint("guardian_id <> dependant_id", name="not_self"),
    )


class Practitioner(Base):
    """A health professional identified by RPPS (doctor, midwife)."""

    __tablename__ = "practitioner"

    id: Mapped[int] = mapped_column(primary_key=True)
    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    profession: Mapped[str] = mapped_column(String(30), default="medecin")
    specialty: Mapped[str] = mapped_column(String(30), index=True)
    sector: Mapped[str] = mapped_column(String(5), default="1")
    teleconsultation: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # vocab.LANGUAGES codes
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[PractitionerRole]] = relationship(back_populates="practitioner",
                                                         cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(check_in("profession", PROFESSIONS), name="profession"),
        CheckConstraint(check_in("specialty", SPECIALTIES), name="specialty"),
        CheckConstraint(check_in("sector", SECTORS), name="sector"),
    )

    @property
    def display_name(self) -> str:
        title = "Dr" if self.profession == "medecin" else ""
        return f"{title} {self.given_name} {self.family_name}".strip()


class PractitionerRole(Base):
    """Where a practitioner practises (FHIR PractitionerRole: practitioner × location)."""

    __tablename__ = "practitioner_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    practitioner: Mapped[Practitioner] = relationship(back_populates="roles")

    __table_args__ = (UniqueConstraint("practitioner_id", "location_id",
                                       name="uq_practitioner_role_site"),)


class StaffMember(Base):
    """Nurses and medical assistants at ETT and mission sites; coordinators (ARS, sites)."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    rpps: Mapped[str | None] = mapped_column(String(11), unique=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint(check_in("kind", STAFF_KINDS), name="kind"),)
