"""background jobs: notification outbox, France Santé label snapshots

Revision ID: 0010_load
Revises: 0009_tele
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_load"
down_revision = "0009_tele"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_outbox_message_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("kind", "ref", name="uq_outbox_message_kind_ref"),
    )
    op.create_index("ix_outbox_message_pending", "outbox_message", ["delivered_at", "id"])
    op.create_index(op.f("ix_outbox_message_patient_id"), "outbox_message", ["patient_id"])
    op.create_table(
        "label_snapshot",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("failing", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_label_snapshot_location_id_location"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("location_id", name=op.f("pk_label_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("label_snapshot")
    op.drop_index(op.f("ix_outbox_message_patient_id"), table_name="outbox_message")
    op.drop_index("ix_outbox_message_pending", table_name="outbox_message")
    op.drop_table("outbox_message")
