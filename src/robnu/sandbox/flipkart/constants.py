"""Fixed values of the Flipkart sandbox: its (modelled) rate limits per operation."""

from __future__ import annotations

from robnu.sandbox.ratelimit import Limit

# modelled: Flipkart publishes no rate limits, so 10 req/s per app with burst 20 for every operation,
# tighter for the bulk document and report calls, and 1/s burst 5 for tokens.
_DEFAULT = Limit(10, 20)
RATE_LIMITS: dict[str, Limit] = {
    "token": Limit(1, 5),
    "searchShipments": _DEFAULT,
    "getShipmentsByIds": _DEFAULT,
    "getShipmentDetails": _DEFAULT,
    "pack": _DEFAULT,
    "markRTD": _DEFAULT,
    "cancelShipments": _DEFAULT,
    "getForms": _DEFAULT,
    "updateAck": _DEFAULT,
    "getLabels": Limit(5, 10),
    "getLabelsOnlyPDF": Limit(5, 10),
    "getLabelsOnly": Limit(5, 10),
    "getInvoices": Limit(5, 10),
    "handoverCounts": _DEFAULT,
    "manifest": Limit(2, 5),
    "getReturns": _DEFAULT,
    "updateInventory": _DEFAULT,
    "getListings": _DEFAULT,
    "reportTrigger": Limit(1, 5),
    "reportDetail": _DEFAULT,
    "reportDownload": Limit(1, 5),
    "createTestOrders": _DEFAULT,
    "changeDispatchSlots": _DEFAULT,
    "putOrderOnHold": _DEFAULT,
    "makeOrderUnHold": _DEFAULT,
    "markOrderItemPickupComplete": _DEFAULT,
    "markOrderItemShipped": _DEFAULT,
    "markOrderItemDelivered": _DEFAULT,
    "createReturn": _DEFAULT,
    "processReturnEvents": _DEFAULT,
}
