"""Kirana Hub, a marketplace that does not ship with Robnu: its registry row and its satellite.

This is the whole schema change a new marketplace needs. It branches from Robnu's core and touches
no leaf table.

Revision ID: kh_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "kh_0001"
down_revision = None
branch_labels = ("kirana_hub",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "kirana_hub_account_details",
        sa.Column(
            "marketplace_account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("marketplace_accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "seller_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("sellers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("shop_id", sa.String(20), nullable=False),
        sa.Column("api_token_ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(), nullable=False),
    )
    marketplaces = sa.table(
        "marketplaces",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("display_name", sa.String),
        sa.column("status", sa.String),
    )
    op.bulk_insert(marketplaces, [{"id": 101, "code": "KIRANA_HUB", "display_name": "Kirana Hub", "status": "BETA"}])


def downgrade() -> None:
    op.execute("DELETE FROM marketplaces WHERE code = 'KIRANA_HUB'")
    op.drop_table("kirana_hub_account_details")
