"""Reconciliation, returns after the sync, and claims (issue 13): a seller's own fee rows and SKU profiles,
kept payout versions, bank statement lines, batches, items, adjustments and their audit trail; return events,
per-leg AWBs, receive scans, claims with events and evidence; receipt columns on order_returns and the raw line
type and order line on payout_line_items.

Revision ID: 0013_money
Revises: 0012_account_seller_fks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0013_money"
down_revision = "0012_account_seller_fks"
branch_labels = None
depends_on = None


# The tables of this revision that carry both marketplace_account_id and seller_id: each gets the composite
# key (marketplace_account_id, seller_id) -> marketplace_accounts (id, seller_id), as 0012 gave the older ones.
ACCOUNT_SELLER_TABLES = (
    "account_fee_rules",
    "reconciliation_batches",
    "reconciliation_settings",
    "sku_fee_profiles",
    "bank_statement_lines",
    "payout_versions",
    "adjustments",
    "order_return_events",
    "return_awbs",
    "return_scan_events",
    "reconciliation_items",
    "return_claims",
)


def upgrade() -> None:
    op.create_table(
        "account_fee_rules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fee", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("payment", sa.String(length=10), nullable=True),
        sa.Column("zone", sa.String(length=20), nullable=True),
        sa.Column("band_min", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("band_max", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("rate_percent", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("minimum", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("maximum", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("slab_grams", sa.Integer(), nullable=True),
        sa.Column("extra_amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_account_fee_rules_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_account_fee_rules_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_fee_rules")),
    )
    with op.batch_alter_table("account_fee_rules", schema=None) as batch_op:
        batch_op.create_index("ix_account_fee_rules_account_fee", ["marketplace_account_id", "fee"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_fee_rules_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "reconciliation_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payouts", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("deltas", sa.Integer(), nullable=False),
        sa.Column("unverified", sa.Integer(), nullable=False),
        sa.Column("expected_total", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("settled_total", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("bank_total", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("recoverable_total", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("previous_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_reconciliation_batches_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["reconciliation_batches.id"],
            name=op.f("fk_reconciliation_batches_previous_id_reconciliation_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_reconciliation_batches_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_batches")),
        sa.UniqueConstraint(
            "marketplace_account_id",
            "period",
            "run_no",
            name=op.f("uq_reconciliation_batches_marketplace_account_id_period_run_no"),
        ),
    )
    with op.batch_alter_table("reconciliation_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_batches_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "reconciliation_settings",
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pickup_city", sa.String(length=100), nullable=True),
        sa.Column("pickup_pincode", sa.String(length=10), nullable=True),
        sa.Column("pickup_state_code", sa.String(length=2), nullable=True),
        sa.Column("claim_window_days", sa.Integer(), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_reconciliation_settings_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_reconciliation_settings_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("marketplace_account_id", name=op.f("pk_reconciliation_settings")),
    )
    with op.batch_alter_table("reconciliation_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_settings_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "sku_fee_profiles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("fee_category", sa.String(length=40), nullable=True),
        sa.Column("tax_class", sa.String(length=20), nullable=True),
        sa.Column("weight_grams", sa.Integer(), nullable=True),
        sa.Column("length_cm", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("breadth_cm", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("height_cm", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_sku_fee_profiles_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_sku_fee_profiles_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku_fee_profiles")),
        sa.UniqueConstraint(
            "marketplace_account_id", "sku", name=op.f("uq_sku_fee_profiles_marketplace_account_id_sku")
        ),
    )
    with op.batch_alter_table("sku_fee_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sku_fee_profiles_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("payout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("narration", sa.String(length=300), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("imported_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_bank_statement_lines_marketplace_account_id_marketplace_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["marketplace_payouts.id"],
            name=op.f("fk_bank_statement_lines_payout_id_marketplace_payouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_bank_statement_lines_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("seller_id", "fingerprint", name=op.f("uq_bank_statement_lines_seller_id_fingerprint")),
    )
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_statement_lines_marketplace_account_id"), ["marketplace_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bank_statement_lines_payout_id"), ["payout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_statement_lines_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "payout_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("captured_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("net_amount", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_payout_versions_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["marketplace_payouts.id"],
            name=op.f("fk_payout_versions_payout_id_marketplace_payouts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_payout_versions_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_versions")),
        sa.UniqueConstraint("payout_id", "version", name=op.f("uq_payout_versions_payout_id_version")),
    )
    with op.batch_alter_table("payout_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_versions_payout_id"), ["payout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_versions_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "adjustments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("payout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_external_id", sa.String(length=100), nullable=True),
        sa.Column("return_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source_adjustment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("posture", sa.String(length=16), nullable=False),
        sa.Column("is_recoverable", sa.Boolean(), nullable=False),
        sa.Column("amount", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("expected_amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("actual_amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("occurred_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["reconciliation_batches.id"],
            name=op.f("fk_adjustments_batch_id_reconciliation_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_adjustments_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_adjustments_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["marketplace_payouts.id"],
            name=op.f("fk_adjustments_payout_id_marketplace_payouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_returns.id"],
            name=op.f("fk_adjustments_return_id_order_returns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_adjustments_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_adjustments_source_adjustment_id_adjustments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
        sa.UniqueConstraint(
            "marketplace_account_id", "fingerprint", name=op.f("uq_adjustments_marketplace_account_id_fingerprint")
        ),
    )
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.create_index("ix_adjustments_account_status", ["marketplace_account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustments_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "order_return_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("return_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_order_return_events_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_returns.id"],
            name=op.f("fk_order_return_events_return_id_order_returns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_order_return_events_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_return_events")),
    )
    with op.batch_alter_table("order_return_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_return_events_return_id"), ["return_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_return_events_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "return_awbs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("return_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("leg", sa.String(length=10), nullable=False),
        sa.Column("awb", sa.String(length=64), nullable=False),
        sa.Column("courier", sa.String(length=64), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_return_awbs_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["order_returns.id"], name=op.f("fk_return_awbs_return_id_order_returns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_return_awbs_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_awbs")),
        sa.UniqueConstraint("return_id", "leg", "awb", name=op.f("uq_return_awbs_return_id_leg_awb")),
    )
    with op.batch_alter_table("return_awbs", schema=None) as batch_op:
        batch_op.create_index("ix_return_awbs_awb", ["awb"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_awbs_return_id"), ["return_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_awbs_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "return_scan_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("return_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scanned_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("matched_on", sa.String(length=20), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("damage_note", sa.String(length=500), nullable=True),
        sa.Column("warehouse", sa.String(length=100), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_return_scan_events_actor_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_return_scan_events_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_returns.id"],
            name=op.f("fk_return_scan_events_return_id_order_returns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_return_scan_events_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_scan_events")),
    )
    with op.batch_alter_table("return_scan_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_scan_events_return_id"), ["return_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_scan_events_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "adjustment_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("adjustment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_value", sa.String(length=40), nullable=True),
        sa.Column("to_value", sa.String(length=40), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_adjustment_events_actor_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_adjustment_events_adjustment_id_adjustments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_adjustment_events_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_events")),
    )
    with op.batch_alter_table("adjustment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjustment_events_adjustment_id"), ["adjustment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustment_events_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "reconciliation_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("payout_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_external_id", sa.String(length=100), nullable=True),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("line_type", sa.String(length=64), nullable=False),
        sa.Column("awb", sa.String(length=64), nullable=True),
        sa.Column("expected_amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("actual_amount", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("adjustment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("occurred_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_reconciliation_items_adjustment_id_adjustments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["reconciliation_batches.id"],
            name=op.f("fk_reconciliation_items_batch_id_reconciliation_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_reconciliation_items_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_reconciliation_items_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"],
            ["marketplace_payouts.id"],
            name=op.f("fk_reconciliation_items_payout_id_marketplace_payouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payout_line_id"],
            ["payout_line_items.id"],
            name=op.f("fk_reconciliation_items_payout_line_id_payout_line_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_reconciliation_items_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_items")),
    )
    with op.batch_alter_table("reconciliation_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_items_adjustment_id"), ["adjustment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reconciliation_items_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reconciliation_items_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "return_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("return_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("adjustment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("amount_claimed", robnu.db.types.Money(precision=14, scale=4), nullable=False),
        sa.Column("amount_recovered", robnu.db.types.Money(precision=14, scale=4), nullable=True),
        sa.Column("marketplace_ref", sa.String(length=100), nullable=True),
        sa.Column("needs_evidence", sa.Boolean(), nullable=False),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("marketplace_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_return_claims_adjustment_id_adjustments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_return_claims_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_return_claims_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_returns.id"],
            name=op.f("fk_return_claims_return_id_order_returns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_return_claims_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_claims")),
        sa.UniqueConstraint("adjustment_id", name=op.f("uq_return_claims_adjustment_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_return_claims_reference")),
        sa.UniqueConstraint("return_id", name=op.f("uq_return_claims_return_id")),
    )
    with op.batch_alter_table("return_claims", schema=None) as batch_op:
        batch_op.create_index("ix_return_claims_account_status", ["marketplace_account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_claims_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "return_claim_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_return_claim_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["return_claims.id"],
            name=op.f("fk_return_claim_events_claim_id_return_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_return_claim_events_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_claim_events")),
    )
    with op.batch_alter_table("return_claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_claim_events_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_claim_events_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "return_claim_evidences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["return_claims.id"],
            name=op.f("fk_return_claim_evidences_claim_id_return_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_return_claim_evidences_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_return_claim_evidences_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_claim_evidences")),
        sa.UniqueConstraint("claim_id", "document_id", name=op.f("uq_return_claim_evidences_claim_id_document_id")),
    )
    with op.batch_alter_table("return_claim_evidences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_claim_evidences_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_claim_evidences_seller_id"), ["seller_id"], unique=False)

    with op.batch_alter_table("order_returns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal_status", sa.String(length=16), server_default="awaiting", nullable=False)
        )
        batch_op.add_column(sa.Column("claim_due_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("received_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("received_by", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("received_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("received_warehouse", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("damage_note", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_order_returns_claim_due", ["internal_status", "claim_due_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_returns_received_by_user_id_users"),
            "users",
            ["received_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("package_length_cm", sa.Numeric(precision=7, scale=1), nullable=True))
        batch_op.add_column(sa.Column("package_breadth_cm", sa.Numeric(precision=7, scale=1), nullable=True))
        batch_op.add_column(sa.Column("package_height_cm", sa.Numeric(precision=7, scale=1), nullable=True))

    with op.batch_alter_table("payout_line_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("order_item_external_id", sa.String(length=100), nullable=True))

    for table in ACCOUNT_SELLER_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                f"fk_{table}_account_seller",
                "marketplace_accounts",
                ["marketplace_account_id", "seller_id"],
                ["id", "seller_id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("package_height_cm")
        batch_op.drop_column("package_breadth_cm")
        batch_op.drop_column("package_length_cm")
        batch_op.drop_column("package_weight_grams")

    with op.batch_alter_table("payout_line_items", schema=None) as batch_op:
        batch_op.drop_column("order_item_external_id")
        batch_op.drop_column("raw_type")

    with op.batch_alter_table("order_returns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_returns_received_by_user_id_users"), type_="foreignkey")
        batch_op.drop_index("ix_order_returns_claim_due")
        batch_op.drop_column("damage_note")
        batch_op.drop_column("received_warehouse")
        batch_op.drop_column("received_by_user_id")
        batch_op.drop_column("received_by")
        batch_op.drop_column("received_at")
        batch_op.drop_column("claim_due_at")
        batch_op.drop_column("internal_status")

    with op.batch_alter_table("return_claim_evidences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_claim_evidences_seller_id"))
        batch_op.drop_index(batch_op.f("ix_return_claim_evidences_claim_id"))

    op.drop_table("return_claim_evidences")
    with op.batch_alter_table("return_claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_claim_events_seller_id"))
        batch_op.drop_index(batch_op.f("ix_return_claim_events_claim_id"))

    op.drop_table("return_claim_events")
    with op.batch_alter_table("return_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_claims_seller_id"))
        batch_op.drop_index("ix_return_claims_account_status")

    op.drop_table("return_claims")
    with op.batch_alter_table("reconciliation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_items_seller_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_items_batch_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_items_adjustment_id"))

    op.drop_table("reconciliation_items")
    with op.batch_alter_table("adjustment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjustment_events_seller_id"))
        batch_op.drop_index(batch_op.f("ix_adjustment_events_adjustment_id"))

    op.drop_table("adjustment_events")
    with op.batch_alter_table("return_scan_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_scan_events_seller_id"))
        batch_op.drop_index(batch_op.f("ix_return_scan_events_return_id"))

    op.drop_table("return_scan_events")
    with op.batch_alter_table("return_awbs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_awbs_seller_id"))
        batch_op.drop_index(batch_op.f("ix_return_awbs_return_id"))
        batch_op.drop_index("ix_return_awbs_awb")

    op.drop_table("return_awbs")
    with op.batch_alter_table("order_return_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_return_events_seller_id"))
        batch_op.drop_index(batch_op.f("ix_order_return_events_return_id"))

    op.drop_table("order_return_events")
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjustments_seller_id"))
        batch_op.drop_index(batch_op.f("ix_adjustments_order_id"))
        batch_op.drop_index("ix_adjustments_account_status")

    op.drop_table("adjustments")
    with op.batch_alter_table("payout_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_versions_seller_id"))
        batch_op.drop_index(batch_op.f("ix_payout_versions_payout_id"))

    op.drop_table("payout_versions")
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statement_lines_seller_id"))
        batch_op.drop_index(batch_op.f("ix_bank_statement_lines_payout_id"))
        batch_op.drop_index(batch_op.f("ix_bank_statement_lines_marketplace_account_id"))

    op.drop_table("bank_statement_lines")
    with op.batch_alter_table("sku_fee_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sku_fee_profiles_seller_id"))

    op.drop_table("sku_fee_profiles")
    with op.batch_alter_table("reconciliation_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_settings_seller_id"))

    op.drop_table("reconciliation_settings")
    with op.batch_alter_table("reconciliation_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_batches_seller_id"))

    op.drop_table("reconciliation_batches")
    with op.batch_alter_table("account_fee_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_fee_rules_seller_id"))
        batch_op.drop_index("ix_account_fee_rules_account_fee")

    op.drop_table("account_fee_rules")
