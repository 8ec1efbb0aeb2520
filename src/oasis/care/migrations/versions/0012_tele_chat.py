"""tele_chat: teleconsultation attachments and the call's text chat

Revision ID: 0012_tele_chat
Revises: 0011_relatives
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_tele_chat"
down_revision = "0011_relatives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "encounter_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("queue_entry_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sender_role", sa.String(length=20), nullable=False),
        sa.Column("sender_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("encounter_id IS NOT NULL OR queue_entry_id IS NOT NULL",
                           name=op.f("ck_encounter_attachment_owner")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"],
                                name=op.f("fk_encounter_attachment_encounter_id_encounter"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["queue_entry_id"], ["teleconsult_queue_entry.id"],
            name=op.f("fk_encounter_attachment_queue_entry_id_teleconsult_queue_entry"),
            ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_encounter_attachment_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounter_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_encounter_attachment_storage_key")),
    )
    for column in ("encounter_id", "queue_entry_id", "patient_id"):
        op.create_index(op.f(f"ix_encounter_attachment_{column}"), "encounter_attachment",
                        [column])
    op.create_table(
        "encounter_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sender_role", sa.String(length=20), nullable=False),
        sa.Column("sender_name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"],
                                name=op.f("fk_encounter_message_encounter_id_encounter"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["encounter_attachment.id"],
            name=op.f("fk_encounter_message_attachment_id_encounter_attachment"),
            ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounter_message")),
        sa.UniqueConstraint("event_id", name=op.f("uq_encounter_message_event_id")),
    )
    op.create_index(op.f("ix_encounter_message_encounter_id"), "encounter_message",
                    ["encounter_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_encounter_message_encounter_id"), table_name="encounter_message")
    op.drop_table("encounter_message")
    for column in ("encounter_id", "queue_entry_id", "patient_id"):
        op.drop_index(op.f(f"ix_encounter_attachment_{column}"),
                      table_name="encounter_attachment")
    op.drop_table("encounter_attachment")
