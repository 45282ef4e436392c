"""Normalised statuses: one enum per entity for all marketplaces; the raw status is stored beside it."""

from __future__ import annotations

from enum import StrEnum


class FulfilledBy(StrEnum):
    """Who ships the order: the seller (from the stock Robnu keeps) or the marketplace (from its own
    warehouse: Amazon FBA). A marketplace-fulfilled order touches neither the seller's stock nor the
    seller's dispatch flow."""

    SELLER = "SELLER"
    MARKETPLACE = "MARKETPLACE"


class OrderStatus(StrEnum):
    PENDING = "PENDING"  # placed, not yet actionable (payment/fraud hold, dispatch-after not reached)
    NEW = "NEW"  # actionable: waiting for the seller to accept / acknowledge
    ACCEPTED = "ACCEPTED"  # confirmed by the seller, not yet packed
    PACKED = "PACKED"  # label / invoice generated
    READY_TO_SHIP = "READY_TO_SHIP"  # ready to dispatch / manifested, awaiting pickup
    SHIPPED = "SHIPPED"  # handed to the courier
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    RETURNED = "RETURNED"  # customer return or RTO received back
    UNKNOWN = "UNKNOWN"


# Placed, not yet shipped nor cancelled: the order still takes stock the seller has on hand.
OPEN_ORDER_STATUSES = frozenset(
    {OrderStatus.PENDING, OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PACKED, OrderStatus.READY_TO_SHIP}
)


class ShipmentStatus(StrEnum):
    PENDING = "PENDING"
    PACKED = "PACKED"
    READY_TO_SHIP = "READY_TO_SHIP"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    RETURNED = "RETURNED"
    UNKNOWN = "UNKNOWN"


class ReturnKind(StrEnum):
    CUSTOMER_RETURN = "CUSTOMER_RETURN"
    RTO = "RTO"  # return to origin: the buyer never took delivery


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED_TO_SELLER = "DELIVERED_TO_SELLER"
    QC_PASSED = "QC_PASSED"
    QC_FAILED = "QC_FAILED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"


class PayoutStatus(StrEnum):
    OPEN = "OPEN"  # the settlement period is still accumulating
    SCHEDULED = "SCHEDULED"
    PAID = "PAID"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"
    # Robnu's verdict on a PAID payout, set by reconciliation (never by a marketplace): nothing about it is
    # open (every line matched or every difference resolved), or a difference on it is disputed.
    RECONCILED = "RECONCILED"
    DISPUTED = "DISPUTED"


# The statuses reconciliation may give a paid payout, which replace PAID until the payout changes.
PAYOUT_VERDICTS = frozenset({PayoutStatus.RECONCILED, PayoutStatus.DISPUTED})


class PayoutLineType(StrEnum):
    SALE = "SALE"  # the buyer's price credited to the seller
    COMMISSION = "COMMISSION"
    FIXED_FEE = "FIXED_FEE"  # fixed / closing fee
    SHIPPING_FEE = "SHIPPING_FEE"
    COLLECTION_FEE = "COLLECTION_FEE"
    GST_ON_FEES = "GST_ON_FEES"
    TCS = "TCS"
    TDS = "TDS"
    PENALTY = "PENALTY"
    REVERSAL = "REVERSAL"  # a sale or fee reversed on return / cancellation
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"
    OTHER = "OTHER"


class ValidationStatus(StrEnum):
    NEVER = "NEVER"
    VALID = "VALID"
    INVALID = "INVALID"  # the marketplace rejected the credentials: reconnect needed
    ERROR = "ERROR"  # could not tell (network, 5xx): try again later


class SyncRunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    PARTIAL = "PARTIAL"  # finished, some records quarantined
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # another run of the same (account, target) held the lease
    ABANDONED = "ABANDONED"  # stopped before finishing (killed, interrupted, or its lease was taken over)


class InventoryTaskStatus(StrEnum):
    PENDING = "PENDING"
    IN_FLIGHT = "IN_FLIGHT"  # claimed by a push; new stock changes queue a new task instead of editing it
    SENT = "SENT"
    FAILED = "FAILED"  # will be retried
    SUPERSEDED = "SUPERSEDED"  # a newer quantity for the same listing replaced it
    DEAD = "DEAD"  # gave up after the retry budget


class Plan(StrEnum):
    FREE = "FREE"  # full processing for 25 orders per IST day
    GROWTH = "GROWTH"
    ENTERPRISE = "ENTERPRISE"


class MarketplaceStatus(StrEnum):
    """``marketplaces.status`` (a check constraint holds the column to these)."""

    LIVE = "LIVE"  # generally available
    BETA = "BETA"  # works end to end; shown as beta (a new third-party marketplace starts here)
    DISABLED = "DISABLED"  # no new account may be connected; connected accounts keep their data and schedules
