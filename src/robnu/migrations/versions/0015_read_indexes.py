"""Indexes for the read API: each list and lookup led by ``seller_id`` (the tenant filter every query names, and
the predicate of row-level security), then the filter column, then the list's keyset sort key, so a page (first
or deep) is one index range scan. Replaces two narrower indexes the new ones cover.

Revision ID: 0015_read_indexes
Revises: 0014_tenancy
"""

from __future__ import annotations

from alembic import op

revision = "0015_read_indexes"
down_revision = "0014_tenancy"
branch_labels = None
depends_on = None

# (table, index, columns)
INDEXES = (
    ("orders", "ix_orders_seller_ordered_id", ["seller_id", "ordered_at", "id"]),
    ("orders", "ix_orders_seller_account_ordered", ["seller_id", "marketplace_account_id", "ordered_at", "id"]),
    ("orders", "ix_orders_seller_status_ordered", ["seller_id", "status", "ordered_at", "id"]),
    ("orders", "ix_orders_seller_external", ["seller_id", "external_id"]),
    ("shipments", "ix_shipments_seller_awb", ["seller_id", "awb"]),
    ("shipments", "ix_shipments_seller_external", ["seller_id", "external_id"]),
    ("order_returns", "ix_order_returns_seller_created", ["seller_id", "created_at", "id"]),
    ("order_returns", "ix_order_returns_seller_external", ["seller_id", "external_id"]),
    ("order_returns", "ix_order_returns_seller_order_external", ["seller_id", "order_external_id"]),
    ("order_returns", "ix_order_returns_seller_awb", ["seller_id", "return_awb"]),
    ("return_awbs", "ix_return_awbs_seller_awb", ["seller_id", "awb"]),
    ("marketplace_payouts", "ix_marketplace_payouts_seller_created", ["seller_id", "created_at", "id"]),
    ("marketplace_payouts", "ix_marketplace_payouts_seller_external", ["seller_id", "external_id"]),
    ("order_processing", "ix_order_processing_seller_status", ["seller_id", "status", "batch_id"]),
    ("processing_batches", "ix_processing_batches_seller_created", ["seller_id", "created_at", "id"]),
    ("sync_runs", "ix_sync_runs_seller_started", ["seller_id", "started_at", "id"]),
    ("run_reports", "ix_run_reports_seller_started", ["seller_id", "started_at", "id"]),
    ("inventory_tasks", "ix_inventory_tasks_seller_created", ["seller_id", "created_at", "id"]),
    ("listings", "ix_listings_seller_sku", ["seller_id", "seller_sku", "id"]),
    ("documents", "ix_documents_order", ["order_id"]),
    ("reconciliation_batches", "ix_reconciliation_batches_seller_started", ["seller_id", "started_at", "id"]),
    ("reconciliation_items", "ix_reconciliation_items_seller_payout", ["seller_id", "payout_id"]),
    ("adjustments", "ix_adjustments_seller_first_seen", ["seller_id", "first_seen_at", "id"]),
    ("return_claims", "ix_return_claims_seller_created", ["seller_id", "created_at", "id"]),
)
# Covered by a new index with the same leading columns.
REPLACED = (
    ("orders", "ix_orders_seller_ordered", ["seller_id", "ordered_at"]),
    ("return_awbs", "ix_return_awbs_awb", ["awb"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in REPLACED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
