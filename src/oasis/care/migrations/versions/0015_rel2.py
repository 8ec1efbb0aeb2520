"""relatives' NIR to verify: a NIR already on Oasis is kept aside, not refused

Revision ID: 0015_rel2
Revises: 0014_directory
Create Date: 2026-12-01 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_rel2"
down_revision = "0014_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("nir_to_verify", sa.String(length=15), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("nir_to_verify")
