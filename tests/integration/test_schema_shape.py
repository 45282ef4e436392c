"""The registry's promise in the schema: leaf tables hang off marketplace_accounts, never a marketplace."""

from __future__ import annotations

from sqlalchemy import inspect

from robnu.adapters.registry import registry
from robnu.db.models import LEAF_TABLES
from robnu.services.runtime import Runtime

MARKETPLACE_WORDS = ("ajio", "meesho", "amazon", "flipkart", "asin", "fsn", "pob")


def test_every_leaf_table_references_accounts_and_no_marketplace(rt: Runtime) -> None:
    insp = inspect(rt.engine)
    for table in LEAF_TABLES:
        targets = {fk["referred_table"] for fk in insp.get_foreign_keys(table)}
        assert "marketplace_accounts" in targets, table
        assert "marketplaces" not in targets, table
        assert not any(t.endswith("_account_details") for t in targets), table
        columns = {c["name"] for c in insp.get_columns(table)}
        assert {"seller_id", "marketplace_account_id"} <= columns, table
        assert not [c for c in columns if any(w in c for w in MARKETPLACE_WORDS)], table


def test_synced_leaf_tables_have_the_external_key(rt: Runtime) -> None:
    insp = inspect(rt.engine)
    for table in (
        "orders",
        "order_items",
        "shipments",
        "order_returns",
        "order_return_items",
        "marketplace_payouts",
        "payout_line_items",
        "listings",
    ):
        uniques = [tuple(u["column_names"]) for u in insp.get_unique_constraints(table)]
        assert ("marketplace_account_id", "external_id") in uniques, table
        cols = {c["name"] for c in insp.get_columns(table)}
        assert {"source_updated_at", "status", "raw_status"} <= cols, table


def test_each_satellite_is_one_to_one_with_an_account(rt: Runtime) -> None:
    insp = inspect(rt.engine)
    for adapter in registry.all():
        table = adapter.satellite.table
        assert insp.get_pk_constraint(table)["constrained_columns"] == ["marketplace_account_id"]
        assert {fk["referred_table"] for fk in insp.get_foreign_keys(table)} == {"marketplace_accounts", "sellers"}
