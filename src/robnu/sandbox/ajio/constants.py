"""Fixed values of the AJIO sandbox: its operations and (modelled) rate limits."""

from __future__ import annotations

from robnu.sandbox.ratelimit import Limit

# AJIO publishes no values, though a per-user limit exists [corroborated]. modelled: 60 req/min per POB with a
# burst of 20 for every operation ; /authToken: 6 a minute, burst 5 (modelled).
_API = Limit(rate=1.0, burst=20)
OPERATIONS = (
    "getProducts",
    "getProductsCount",
    "updateInventory",
    "getPendency",
    "updateOrder",
    "uploadConfirmations",
    "getOrders",
    "getPurchaseOrderPdf",
    "uploadB2bInvoice",
    "getShipment",
    "getShippingLabel",
    "getCustomerInvoice",
    "createManifest",
    "listManifests",
    "getManifest",
    "getManifestPdf",
    "cancelManifest",
    "getReturns",
    "getReturn",
    "generateRto",
    "submitQc",
    "getSettlements",
    "getSettlementLines",
    "getSettlementStatement",
)
RATE_LIMITS: dict[str, Limit] = {"authToken": Limit(rate=0.1, burst=5), **{op: _API for op in OPERATIONS}}
