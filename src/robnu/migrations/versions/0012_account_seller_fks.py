"""Every table that copies seller_id next to marketplace_account_id gets the composite foreign key
(marketplace_account_id, seller_id) -> marketplace_accounts (id, seller_id): the copy can no longer lie.

Rows that already disagree with their account's seller stop the upgrade with a message naming the table
(nothing is changed): which side is right is for a person to decide.

Revision ID: 0012_account_seller_fks
Revises: 0011_key_checks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_account_seller_fks"
down_revision = "0011_key_checks"
branch_labels = None
depends_on = None

# The tables of this revision that carry both columns (the models add the key to any later one by themselves).
TABLES = (
    "marketplace_credential_events",
    "marketplace_access_tokens",
    "ajio_account_details",
    "meesho_account_details",
    "amazon_account_details",
    "flipkart_account_details",
    "orders",
    "order_items",
    "shipments",
    "order_returns",
    "order_return_items",
    "marketplace_payouts",
    "payout_line_items",
    "listings",
    "inventory_tasks",
    "schedules",
    "sync_runs",
    "sync_cursors",
    "sync_quarantine",
    "run_reports",
    "documents",
    "processing_batches",
    "order_processing",
    "processing_steps",
    "dispatch_settings",
    "invoice_numbers",
    "sla_events",
)
UNIQUE = "uq_marketplace_accounts_id_seller"


def _refuse_disagreeing_rows() -> None:
    bind = op.get_bind()
    bad = []
    for table in TABLES:
        n = bind.execute(
            sa.text(
                f"SELECT count(*) FROM {table} t JOIN marketplace_accounts a ON a.id = t.marketplace_account_id "  # noqa: S608
                "WHERE a.seller_id <> t.seller_id"
            )
        ).scalar_one()
        if n:
            bad.append(f"{table}: {n}")
    if bad:
        raise RuntimeError(
            "rows whose seller_id differs from their account's seller (fix them, then upgrade again): " + ", ".join(bad)
        )


def upgrade() -> None:
    _refuse_disagreeing_rows()
    with op.batch_alter_table("marketplace_accounts") as batch:
        batch.create_unique_constraint(UNIQUE, ["id", "seller_id"])
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                f"fk_{table}_account_seller",
                "marketplace_accounts",
                ["marketplace_account_id", "seller_id"],
                ["id", "seller_id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_account_seller", type_="foreignkey")
    with op.batch_alter_table("marketplace_accounts") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
