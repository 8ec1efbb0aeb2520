"""journeys: presence heartbeat (seen_at), médecin traitant declared outside Oasis

Revision ID: 0006_journeys
Revises: 0005_slot_free_search
Create Date: 2026-12-01 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_journeys"
down_revision = "0005_slot_free_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teleconsult_presence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))


    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gp_declared_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("gp_declared_rpps", sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("gp_declared_rpps")
        batch_op.drop_column("gp_declared_name")
    with op.batch_alter_table("teleconsult_presence", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
