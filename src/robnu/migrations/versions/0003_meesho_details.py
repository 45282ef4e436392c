"""The meesho satellite: `meesho_account_details` (identity in clear, each secret in its own encrypted column).

Revision ID: 0003_meesho_details
Revises: 0002_ajio_details
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0003_meesho_details"
down_revision = "0002_ajio_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meesho_account_details",
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("supplier_id", sa.String(length=16), nullable=False),
        sa.Column("warehouse_ids", sa.Text(), nullable=False),
        sa.Column("api_key_ciphertext", sa.Text(), nullable=False),
        sa.Column("api_secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_meesho_account_details_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_meesho_account_details_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("marketplace_account_id", name=op.f("pk_meesho_account_details")),
    )
    with op.batch_alter_table("meesho_account_details", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meesho_account_details_seller_id"), ["seller_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meesho_account_details", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meesho_account_details_seller_id"))

    op.drop_table("meesho_account_details")
