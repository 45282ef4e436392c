"""Amazon India's conformance profile: the sandbox's listing operations, page faults, credentials, catalogue."""

from __future__ import annotations

from typing import Any

from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind
from robnu.testing import ConformanceProfile, Listing


def _bad_credentials(creds: dict[str, Any]) -> dict[str, Any]:
    # Right shape, wrong LWA client secret: LWA answers 401 invalid_client.
    return {**creds, "lwa_client_secret": str(creds["lwa_client_secret"]) + "typo"}


def _listings(sandbox: Any, key: str) -> list[Listing]:
    # Amazon's listing is addressed by the seller SKU (patchListingsItem path); the ASIN is the
    # marketplace's product id.
    index = sandbox.world.account(key).sku_index
    return [Listing(seller_sku=sku, marketplace_sku=item.asin, external_id=sku) for sku, item in sorted(index.items())]


def _pushed(sandbox: Any, key: str) -> list[tuple[str, int]]:
    return [
        (str(e["sku"]), int(e["quantity"]))
        for e in sandbox.pushed(key)["inventory_log"]
        if e.get("quantity") is not None
    ]


PROFILE = ConformanceProfile(
    code="AMAZON_IN",
    list_operations={
        ScheduleTarget.ORDERS: "searchOrders",
        ScheduleTarget.RETURNS: "getReport",
        ScheduleTarget.PAYOUTS: "listTransactions",
    },
    inventory_operation="patchListingsItem",
    page_faults=frozenset(
        {FaultKind.PAGE_TOKEN_EXPIRED, FaultKind.DUPLICATE_ACROSS_PAGES, FaultKind.CHANGE_BETWEEN_PAGES}
    ),
    bad_credentials=_bad_credentials,
    listings=_listings,
    unknown_listing=Listing(seller_sku="NO-SUCH-SKU-1", marketplace_sku=None, external_id="NO-SUCH-SKU-1"),
    pushed_quantities=_pushed,
)
