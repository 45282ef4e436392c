"""Meesho's conformance profile: the sandbox's listing operations, page faults, credentials, catalogue."""

from __future__ import annotations

from typing import Any

from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind
from robnu.testing import ConformanceProfile, Listing


def _bad_credentials(creds: dict[str, Any]) -> dict[str, Any]:
    # Right shape, wrong secret: the sandbox answers 401 HMAC_MISMATCH.
    return {**creds, "api_secret": str(creds["api_secret"]) + "x"}


def _listings(sandbox: Any, key: str) -> list[Listing]:
    # Meesho's inventory call names the supplier SKU: that is the listing id Robnu stores and sends.
    products = sandbox.world.account(key).products
    return [
        Listing(seller_sku=sku, marketplace_sku=p.variation_id, external_id=sku)
        for sku, p in sorted(products.items())
        if p.status == "LIVE"
    ]


def _pushed(sandbox: Any, key: str) -> list[tuple[str, int]]:
    return [(str(e["sku"]), int(e["quantity"])) for e in sandbox.pushed(key)["inventory"]]


PROFILE = ConformanceProfile(
    code="MEESHO",
    list_operations={
        ScheduleTarget.ORDERS: "listSubOrders",
        ScheduleTarget.RETURNS: "listReturns",
        ScheduleTarget.PAYOUTS: "listSettlements",
    },
    inventory_operation="updateInventory",
    page_faults=frozenset(
        {
            FaultKind.PAGE_TOKEN_EXPIRED,
            FaultKind.DUPLICATE_ACROSS_PAGES,
            FaultKind.CHANGE_BETWEEN_PAGES,
            FaultKind.CLOCK_SKEW,
        }
    ),
    bad_credentials=_bad_credentials,
    listings=_listings,
    unknown_listing=Listing(seller_sku="NO-SUCH-SKU-1", marketplace_sku=None, external_id="NO-SUCH-SKU-1"),
    pushed_quantities=_pushed,
    has_access_tokens=False,
    orders=200,
)
