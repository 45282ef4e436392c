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


SYNC_TARGETS = frozenset({ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS})
