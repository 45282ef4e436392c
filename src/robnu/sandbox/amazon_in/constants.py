"""Fixed values of the Amazon India SP-API surface: ids, lifetimes, usage plans and the model enums."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from robnu.sandbox.ratelimit import Limit

CODE: Final = "AMAZON_IN"
MARKETPLACE_ID: Final = "A21TJRUUN4KGV"
MARKETPLACE_NAME: Final = "Amazon.in"
REGION: Final = "eu"
CURRENCY: Final = "INR"
TOKEN_LIFETIME_SECONDS: Final = 3600  # LWA's expires_in
PAGE_TOKEN_LIFETIME_SECONDS: Final = 24 * 3600  # page tokens expire after 24 h
MIN_LAG_SECONDS: Final = 120  # *Before must be >= 2 minutes before now
RETURNS_REPORT: Final = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
PAISE: Final = Decimal("0.01")

# The published usage plans (rate per second, burst). The LWA route has no published plan: unlimited.
RATE_LIMITS: Final[dict[str, Limit]] = {
    "searchOrders": Limit(0.0056, 20),
    "getOrder": Limit(0.5, 30),
    "getOrders": Limit(0.0167, 20),
    "getOrderV0": Limit(0.5, 30),
    "getOrderItems": Limit(0.5, 30),
    "confirmShipment": Limit(2, 10),
    "listFinancialEventGroups": Limit(0.5, 30),
    "listFinancialEvents": Limit(0.5, 30),
    "listFinancialEventsByOrderId": Limit(0.5, 30),
    "listFinancialEventsByGroupId": Limit(0.5, 30),
    "listTransactions": Limit(0.5, 10),
    "patchListingsItem": Limit(5, 5),
    "getListingsItem": Limit(5, 10),
    "createReport": Limit(0.0167, 15),
    "getReport": Limit(2, 15),
    "getReports": Limit(0.0222, 10),
    "getReportDocument": Limit(0.0167, 15),
}

# 2026-01-01 enums (the model definitions, and the "Possible values" tables of their descriptions).
FULFILLMENT_STATUSES: Final = frozenset(
    {
        "PENDING_AVAILABILITY",
        "PENDING",
        "UNSHIPPED",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "CANCELLED",
        "UNFULFILLABLE",
    }
)
FULFILLED_BY: Final = frozenset({"MERCHANT", "AMAZON"})
INCLUDED_DATA: Final = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
PROGRAMS: Final = frozenset(
    {
        "AMAZON_BAZAAR",
        "AMAZON_BUSINESS",
        "AMAZON_EASY_SHIP",
        "AMAZON_HAUL",
        "DELIVERY_BY_AMAZON",
        "FBM_SHIP_PLUS",
        "INVOICE_BY_AMAZON",
        "IN_STORE_PICK_UP",
        "PREMIUM",
        "PREORDER",
        "PRIME",
    }
)
SERVICE_LEVELS: Final = frozenset(
    {"EXPEDITED", "FREE_ECONOMY", "NEXT_DAY", "PRIORITY", "SAME_DAY", "SECOND_DAY", "SCHEDULED", "STANDARD"}
)
DETAILED_STATUSES: Final = frozenset(
    {
        "PENDING_SCHEDULE",
        "PENDING_PICK_UP",
        "PENDING_DROP_OFF",
        "LABEL_CANCELLED",
        "PICKED_UP",
        "DROPPED_OFF",
        "AT_ORIGIN_FC",
        "AT_DESTINATION_FC",
        "DELIVERED",
        "REJECTED_BY_BUYER",
        "UNDELIVERABLE",
        "RETURNING_TO_SELLER",
        "RETURNED_TO_SELLER",
        "LOST",
        "OUT_FOR_DELIVERY",
        "DAMAGED",
    }
)
# v0 enums.
V0_ORDER_STATUSES: Final = frozenset(
    {
        "PendingAvailability",
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "InvoiceUnconfirmed",
        "Canceled",
        "Unfulfillable",
    }
)
V0_CHANNELS: Final = frozenset({"AFN", "MFN"})
V0_PAYMENT_METHODS: Final = frozenset({"COD", "CVS", "Other"})
TRANSACTION_STATUSES: Final = frozenset({"DEFERRED", "RELEASED", "DEFERRED_RELEASED"})
