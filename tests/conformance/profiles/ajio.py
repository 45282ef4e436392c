"""AJIO's conformance profile: the sandbox's listing operations, page faults, credentials, catalogue."""

from __future__ import annotations

from typing import Any

from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind
from robnu.testing import ConformanceProfile, Listing


def _bad_credentials(creds: dict[str, Any]) -> dict[str, Any]:
    return {**creds, "api_password": str(creds["api_password"]) + "-typo"}


def _listings(sandbox: Any, key: str) -> list[Listing]:
    # AJIO identifies a listing by the seller's SKU (item_code): that is the id Robnu stores and sends.
    products = sandbox.world.book(key).account.products
    return [Listing(seller_sku=sku, marketplace_sku=p.ean, external_id=sku) for sku, p in sorted(products.items())]


def _pushed(sandbox: Any, key: str) -> list[tuple[str, int]]:
    return [(str(e["sku"]), int(e["quantity"])) for e in sandbox.pushed(key)["inventory"] if e["accepted"]]


PROFILE = ConformanceProfile(
    code="AJIO",
    list_operations={
        ScheduleTarget.ORDERS: "getOrders",
        ScheduleTarget.RETURNS: "getReturns",
        ScheduleTarget.PAYOUTS: "getSettlements",
    },
    inventory_operation="updateInventory",
    page_faults=frozenset({FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES}),
    bad_credentials=_bad_credentials,
    listings=_listings,
    unknown_listing=Listing(seller_sku="NO-SUCH-SKU-1", marketplace_sku=None, external_id="NO-SUCH-SKU-1"),
    pushed_quantities=_pushed,
)
