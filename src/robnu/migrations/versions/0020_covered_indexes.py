"""Drop the single-column indexes another index or unique key on the same table already leads with. The wider
one serves every lookup the narrow one could (equality on the column, the foreign key's cascade on PostgreSQL,
row-level security's ``seller_id`` predicate); the narrow one was only ever written, on every insert of the
sync's hot tables (orders had seven b-trees, shipments six). The rule: docs/architecture.md, "Indexes".
"""

from __future__ import annotations

from alembic import op

revision = "0020_covered_indexes"
down_revision = "0019_web_job_heartbeats"
branch_labels = None
depends_on = None

# (table, index, its one column): each is the leading column of the index or unique key named after it.
COVERED = (
    ("marketplace_accounts", "ix_marketplace_accounts_seller_id", "seller_id"),  # uq (seller, marketplace, ext id)
    ("products", "ix_products_seller_id", "seller_id"),  # uq (seller_id, sku)
    ("listings", "ix_listings_seller_id", "seller_id"),  # ix_listings_seller_sku
    ("marketplace_payouts", "ix_marketplace_payouts_seller_id", "seller_id"),  # ix_marketplace_payouts_seller_*
    ("orders", "ix_orders_seller_id", "seller_id"),  # ix_orders_seller_*
    ("processing_batches", "ix_processing_batches_seller_id", "seller_id"),  # ix_processing_batches_seller_created
    ("reconciliation_batches", "ix_reconciliation_batches_seller_id", "seller_id"),  # …_seller_started
    ("sync_runs", "ix_sync_runs_seller_id", "seller_id"),  # ix_sync_runs_seller_started
    ("bank_statement_lines", "ix_bank_statement_lines_seller_id", "seller_id"),  # uq (seller_id, fingerprint)
    ("inventory_tasks", "ix_inventory_tasks_seller_id", "seller_id"),  # ix_inventory_tasks_seller_created
    ("invoice_numbers", "ix_invoice_numbers_seller_id", "seller_id"),  # uq (seller_id, prefix, fy, serial)
    ("order_processing", "ix_order_processing_seller_id", "seller_id"),  # ix_order_processing_seller_status
    ("order_returns", "ix_order_returns_seller_id", "seller_id"),  # ix_order_returns_seller_*
    ("payout_versions", "ix_payout_versions_payout_id", "payout_id"),  # uq (payout_id, version)
    ("processing_steps", "ix_processing_steps_order_id", "order_id"),  # uq (order_id, stage, outcome)
    ("run_reports", "ix_run_reports_seller_id", "seller_id"),  # ix_run_reports_seller_started
    ("shipments", "ix_shipments_seller_id", "seller_id"),  # ix_shipments_seller_awb, _seller_external
    ("sla_events", "ix_sla_events_batch_id", "batch_id"),  # uq (batch_id, band)
    ("adjustments", "ix_adjustments_seller_id", "seller_id"),  # ix_adjustments_seller_first_seen
    ("return_awbs", "ix_return_awbs_seller_id", "seller_id"),  # ix_return_awbs_seller_awb
    ("return_awbs", "ix_return_awbs_return_id", "return_id"),  # uq (return_id, leg, awb)
    ("reconciliation_items", "ix_reconciliation_items_seller_id", "seller_id"),  # …_seller_payout
    ("return_claims", "ix_return_claims_seller_id", "seller_id"),  # ix_return_claims_seller_created
    ("return_claim_evidences", "ix_return_claim_evidences_claim_id", "claim_id"),  # uq (claim_id, document_id)
)


def upgrade() -> None:
    for table, name, _ in COVERED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, column in reversed(COVERED):
        op.create_index(name, table, [column], unique=False)
