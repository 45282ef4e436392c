"""Who fulfils an order: the seller or the marketplace (Amazon FBA). Existing orders are the seller's.

Revision ID: 0010_fulfilled_by
Revises: 0009_dispatch
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_fulfilled_by"
down_revision = "0009_dispatch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fulfilled_by", sa.String(length=16), server_default="SELLER", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("fulfilled_by")
