"""relatives: a patient managed from another patient's account (patient_guardian)

Revision ID: 0011_relatives
Revises: 0010_load
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_relatives"
down_revision = "0010_load"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_guardian",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("dependant_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("relation IN ('enfant', 'parent', 'conjoint', 'autre')",
                           name=op.f("ck_patient_guardian_relation")),
        sa.CheckConstraint("guardian_id <> dependant_id",
                           name=op.f("ck_patient_guardian_not_self")),
        sa.ForeignKeyConstraint(["guardian_id"], ["patient.id"],
                                name=op.f("fk_patient_guardian_guardian_id_patient"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dependant_id"], ["patient.id"],
                                name=op.f("fk_patient_guardian_dependant_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_guardian")),
        sa.UniqueConstraint("dependant_id", name=op.f("uq_patient_guardian_dependant_id")),
    )
    op.create_index(op.f("ix_patient_guardian_guardian_id"), "patient_guardian",
                    ["guardian_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_patient_guardian_guardian_id"), table_name="patient_guardian")
    op.drop_table("patient_guardian")
