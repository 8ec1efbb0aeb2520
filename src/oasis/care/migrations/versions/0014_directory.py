"""directory pages: site access, parking, transport, payments; practitioner languages

Revision ID: 0014_directory
Revises: 0013_outbox
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_directory"
down_revision = "0013_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("parking", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("transport", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("payments", sa.JSON(), nullable=False,
                                      server_default="[]"))
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=False,
                                      server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        batch_op.drop_column("languages")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("payments")
        batch_op.drop_column("transport")
        batch_op.drop_column("parking")
        batch_op.drop_column("access")
