"""Login accounts: one role each, linked to the person they act as."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import ROLES, check_in


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or logout-everywhere: older tokens stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), unique=True)
    practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), unique=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_member.id", ondelete="CASCADE"), unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="role"),
        CheckConstraint("role != 'patient' OR patient_id IS NOT NULL", name="patient_link"),
        CheckConstraint("role != 'practitioner' OR practitioner_id IS NOT NULL",
                        name="practitioner_link"),
    )


class AccountToken(Base):
    """A single-use secret sent by e-mail: confirm a sign-up, accept an invitation.

    Only the SHA-256 of the secret is stored: a database dump does not let anyone
    confirm or take over an account.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint(check_in("purpose", ("confirm", "invite")),
                                      name="purpose"),)


class ThrottleCounter(Base):
    """Failed attempts of one kind, for one key (an account, an address), in one window.

    A row per key and fixed window, incremented with one UPDATE, so several server
    processes share the count through the database.
    """

    __tablename__ = "throttle_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    window_start: Mapped[int] = mapped_column(Integer)  # epoch seconds
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("key", "window_start", name="uq_throttle_key_window"),)
