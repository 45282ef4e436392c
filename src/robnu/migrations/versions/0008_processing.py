"""Full processing state: batches, per-order progress and the step log (issue 5).

Revision ID: 0008_processing
Revises: 0007_stock
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0008_processing"
down_revision = "0007_stock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processing_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ist_day", sa.String(length=10), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("closure_policy", sa.String(length=16), nullable=False),
        sa.Column("cutoff_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("manifest_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_processing_batches_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_processing_batches_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_batches")),
        sa.UniqueConstraint(
            "marketplace_account_id",
            "ist_day",
            "batch_no",
            name=op.f("uq_processing_batches_marketplace_account_id_ist_day_batch_no"),
        ),
    )
    with op.batch_alter_table("processing_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processing_batches_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "order_processing",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_reason", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["processing_batches.id"],
            name=op.f("fk_order_processing_batch_id_processing_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_order_processing_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_processing_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_order_processing_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_processing")),
    )
    with op.batch_alter_table("order_processing", schema=None) as batch_op:
        batch_op.create_index("ix_order_processing_account_status", ["marketplace_account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_processing_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_processing_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "processing_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("occurred_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["processing_batches.id"],
            name=op.f("fk_processing_steps_batch_id_processing_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_processing_steps_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_processing_steps_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_processing_steps_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_steps")),
        sa.UniqueConstraint("order_id", "stage", "outcome", name=op.f("uq_processing_steps_order_id_stage_outcome")),
    )
    with op.batch_alter_table("processing_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processing_steps_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_processing_steps_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_processing_steps_seller_id"), ["seller_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processing_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_steps_seller_id"))
        batch_op.drop_index(batch_op.f("ix_processing_steps_order_id"))
        batch_op.drop_index(batch_op.f("ix_processing_steps_batch_id"))

    op.drop_table("processing_steps")
    with op.batch_alter_table("order_processing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_processing_seller_id"))
        batch_op.drop_index(batch_op.f("ix_order_processing_batch_id"))
        batch_op.drop_index("ix_order_processing_account_status")

    op.drop_table("order_processing")
    with op.batch_alter_table("processing_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_batches_seller_id"))

    op.drop_table("processing_batches")
