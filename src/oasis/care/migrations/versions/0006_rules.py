"""rules: participation forfaitaire counters, teleconsultation share, SAS per site

Revision ID: 0006_rules
Revises: 0005_slot_free_search
Create Date: 2026-12-01 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_rules"
down_revision = "0005_slot_free_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participation_day",
        sa.Column("patient_id", sa.Integer(),
                  sa.ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("practitioner_id", sa.Integer(),
                  sa.ForeignKey("practitioner.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_participation_day_non_negative")),
    )
    op.create_table(
        "participation_year",
        sa.Column("patient_id", sa.Integer(),
                  sa.ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_participation_year_non_negative")),
    )
    op.create_table(
        "teleconsultation_year",
        sa.Column("practitioner_id", sa.Integer(),
                  sa.ForeignKey("practitioner.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("own_patients", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("counted >= 0 AND own_patients >= 0",
                           name=op.f("ck_teleconsultation_year_non_negative")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sas_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sas_evidence", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("sas_evidence")
        batch_op.drop_column("sas_since")
    op.drop_table("teleconsultation_year")
    op.drop_table("participation_year")
    op.drop_table("participation_day")
