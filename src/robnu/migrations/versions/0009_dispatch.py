"""Dispatch settings per account, the seller's invoice series, SLA watchdog events (issue 5).

Revision ID: 0009_dispatch
Revises: 0008_processing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0009_dispatch"
down_revision = "0008_processing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_series",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prefix", sa.String(length=5), nullable=False),
        sa.Column("fy", sa.String(length=5), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_invoice_series_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_series")),
        sa.UniqueConstraint("seller_id", "prefix", "fy", name=op.f("uq_invoice_series_seller_id_prefix_fy")),
    )
    op.create_table(
        "dispatch_settings",
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("closure_policy", sa.String(length=16), nullable=False),
        sa.Column("batch_cutoffs", sa.String(length=100), nullable=False),
        sa.Column("delayed_close_minutes", sa.Integer(), nullable=False),
        sa.Column("manual_autoclose", sa.Boolean(), nullable=False),
        sa.Column("pickup_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("async_max_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("seller_gstin", sa.String(length=15), nullable=True),
        sa.Column("invoice_prefix", sa.String(length=5), nullable=True),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_dispatch_settings_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_dispatch_settings_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("marketplace_account_id", name=op.f("pk_dispatch_settings")),
    )
    with op.batch_alter_table("dispatch_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_settings_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "invoice_numbers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=5), nullable=False),
        sa.Column("fy", sa.String(length=5), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("issued_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("void_reason", sa.String(length=200), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_invoice_numbers_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_invoice_numbers_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_invoice_numbers_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_numbers")),
        sa.UniqueConstraint(
            "seller_id", "prefix", "fy", "serial", name=op.f("uq_invoice_numbers_seller_id_prefix_fy_serial")
        ),
    )
    with op.batch_alter_table("invoice_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_numbers_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(
            "uq_invoice_numbers_live_order_kind",
            ["order_id", "kind"],
            unique=True,
            sqlite_where=sa.text("void_reason IS NULL"),
            postgresql_where=sa.text("void_reason IS NULL"),
        )

    op.create_table(
        "sla_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("headroom_pct", sa.Numeric(precision=6, scale=1, asdecimal=False), nullable=False),
        sa.Column("deadline", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open_orders", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("occurred_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["processing_batches.id"],
            name=op.f("fk_sla_events_batch_id_processing_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_sla_events_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_sla_events_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_events")),
        sa.UniqueConstraint("batch_id", "band", name=op.f("uq_sla_events_batch_id_band")),
    )
    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_events_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_events_seller_id"), ["seller_id"], unique=False)

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gst_rate", sa.Numeric(precision=5, scale=2), nullable=True))

    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gstin", sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column("legal_name", sa.String(length=200), nullable=True))

    with op.batch_alter_table("order_processing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_since", robnu.db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_processing", schema=None) as batch_op:
        batch_op.drop_column("waiting_since")

    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_column("legal_name")
        batch_op.drop_column("gstin")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("gst_rate")

    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_events_seller_id"))
        batch_op.drop_index(batch_op.f("ix_sla_events_batch_id"))

    op.drop_table("sla_events")
    with op.batch_alter_table("invoice_numbers", schema=None) as batch_op:
        batch_op.drop_index("uq_invoice_numbers_live_order_kind")
        batch_op.drop_index(batch_op.f("ix_invoice_numbers_seller_id"))

    op.drop_table("invoice_numbers")
    with op.batch_alter_table("dispatch_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_settings_seller_id"))

    op.drop_table("dispatch_settings")
    op.drop_table("invoice_series")
