"""Flipkart's conformance profile: the sandbox's listing operations, page faults, credentials, catalogue."""

from __future__ import annotations

from typing import Any

from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind
from robnu.testing import ConformanceProfile, Listing


def _bad_credentials(creds: dict[str, Any]) -> dict[str, Any]:
    return {**creds, "app_secret": str(creds["app_secret"]) + "typo"}


def _listings(sandbox: Any, key: str) -> list[Listing]:
    # A Flipkart listing is LST + FSN + 6 chars; the inventory call is keyed by the seller SKU
    # and carries the FSN as product_id.
    listings = sandbox.world.account(key).listings
    return [
        Listing(seller_sku=sku, marketplace_sku=item.fsn, external_id=item.listing_id)
        for sku, item in sorted(listings.items())
    ]


def _pushed(sandbox: Any, key: str) -> list[tuple[str, int]]:
    by_sku = {sku: item.listing_id for sku, item in sandbox.world.account(key).listings.items()}
    return [(by_sku.get(str(e["sku"]), str(e["sku"])), int(e["inventory"])) for e in sandbox.pushed(key)["inventory"]]


PROFILE = ConformanceProfile(
    code="FLIPKART",
    list_operations={
        ScheduleTarget.ORDERS: "searchShipments",
        ScheduleTarget.RETURNS: "getReturns",
        ScheduleTarget.PAYOUTS: "reportDownload",  # the call that carries the settlement rows
    },
    inventory_operation="updateInventory",
    page_faults=frozenset(
        {FaultKind.PAGE_TOKEN_EXPIRED, FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES}
    ),
    bad_credentials=_bad_credentials,
    listings=_listings,
    unknown_listing=Listing(seller_sku="NO-SUCH-SKU-1", marketplace_sku=None, external_id="LSTNOSUCHSKU0000000000000"),
    pushed_quantities=_pushed,
)
