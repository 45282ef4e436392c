"""master_key_checks: a fingerprint of every master key that sealed data here (a wrong key is refused at start).

Revision ID: 0011_key_checks
Revises: 0010_fulfilled_by
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robnu.db.types import UTCDateTime

revision = "0011_key_checks"
down_revision = "0010_fulfilled_by"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "master_key_checks",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_master_key_checks")),
    )


def downgrade() -> None:
    op.drop_table("master_key_checks")
