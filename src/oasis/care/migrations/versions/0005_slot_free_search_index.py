"""slot search: partial index on free slots by specialty, mode, start

Revision ID: 0005_slot_free_search
Revises: 0004_programmes
Create Date: 2026-11-23 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_slot_free_search"
down_revision = "0004_programmes"
branch_labels = None
depends_on = None

WHERE = sa.text("status = 'free'")


def upgrade() -> None:
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.create_index("ix_slot_free_search",
                              ["specialty", "mode", "start_at", "location_id"], unique=False,
                              sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.drop_index("ix_slot_free_search", sqlite_where=WHERE, postgresql_where=WHERE)
