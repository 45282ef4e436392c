"""Marketplace codes and the schedule targets an adapter can serve."""

from __future__ import annotations

from enum import StrEnum


class MarketplaceCode(StrEnum):
    """The marketplaces that ship with Robnu. A third-party adapter may use any other code string."""

    AJIO = "AJIO"
    MEESHO = "MEESHO"
    AMAZON_IN = "AMAZON_IN"
    FLIPKART = "FLIPKART"


class ScheduleTarget(StrEnum):
    ORDERS = "ORDERS"
    RETURNS = "RETURNS"
    PAYOUTS = "PAYOUTS"
    INVENTORY = "INVENTORY"
    FULL_PROCESSING = "FULL_PROCESSING"
    CREDENTIAL_CHECK = "CREDENTIAL_CHECK"
    SLA_WATCHDOG = "SLA_WATCHDOG"  # headroom of the open dispatch batches
    CATALOG = "CATALOG"  # the periodic full reconciliation: listings read, linked, drift against the truth repaired
    CLAIM_SWEEPER = "CLAIM_SWEEPER"  # daily: returns past their claim date without a receive scan become claims
    RECONCILIATION = "RECONCILIATION"  # daily: the account's recent payout periods reconciled from stored data


SYNC_TARGETS = frozenset({ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS})
# Targets Robnu runs on its own tables, whatever the adapter supports and whether or not the marketplace
# accepts the account's credentials right now: the watchdog reads batches, never the marketplace.
ADAPTER_FREE_TARGETS = frozenset(
    {ScheduleTarget.SLA_WATCHDOG, ScheduleTarget.CLAIM_SWEEPER, ScheduleTarget.RECONCILIATION}
)
