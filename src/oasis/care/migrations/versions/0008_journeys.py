"""journeys: presence heartbeat (seen_at), médecin traitant declared outside Oasis, notification outbox

Revision ID: 0008_journeys
Revises: 0007_sec
Create Date: 2026-12-01 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_journeys"
down_revision = "0007_sec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teleconsult_presence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))


    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gp_declared_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("gp_declared_rpps", sa.String(length=11), nullable=True))

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_notification_outbox_patient_id_patient"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(op.f("ix_notification_outbox_patient_id"), "notification_outbox",
                    ["patient_id"], unique=False)
    op.create_index(op.f("ix_notification_outbox_ref"), "notification_outbox", ["ref"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notification_outbox_ref"), table_name="notification_outbox")
    op.drop_index(op.f("ix_notification_outbox_patient_id"), table_name="notification_outbox")
    op.drop_table("notification_outbox")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("gp_declared_rpps")
        batch_op.drop_column("gp_declared_name")
    with op.batch_alter_table("teleconsult_presence", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
