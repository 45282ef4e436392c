"""What adapters hand to the sync engine: marketplace data already mapped to Robnu's vocabulary.

Adapters yield these from their sync methods page by page; the engine upserts them. Nothing here
knows about the database or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from robnu.domain.statuses import (
    FulfilledBy,
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)


@dataclass(frozen=True, slots=True)
class SyncWindow:
    start: datetime
    end: datetime


@dataclass(slots=True)
class OrderItemRecord:
    external_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    tax_amount: Decimal = Decimal(0)
    marketplace_sku: str | None = None
    title: str | None = None
    hsn: str | None = None
    status: OrderStatus | None = None  # defaults to the order's
    raw_status: str | None = None


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """The packed box as the seller declared it to the marketplace (weight-slab fees are charged on it)."""

    weight_grams: int | None = None
    length_cm: Decimal | None = None
    breadth_cm: Decimal | None = None
    height_cm: Decimal | None = None


@dataclass(slots=True)
class ShipmentRecord:
    external_id: str
    status: ShipmentStatus
    raw_status: str
    awb: str | None = None
    courier: str | None = None
    dispatch_by: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    package: PackageRecord | None = None


@dataclass(slots=True)
class OrderRecord:
    external_id: str
    source_updated_at: datetime
    status: OrderStatus
    raw_status: str
    ordered_at: datetime
    order_total: Decimal
    items: list[OrderItemRecord]
    shipments: list[ShipmentRecord] = field(default_factory=list)
    currency: str = "INR"
    is_cod: bool = False
    ship_city: str | None = None
    ship_state_code: str | None = None
    ship_pincode: str | None = None
    dispatch_by: datetime | None = None
    fulfilled_by: FulfilledBy = FulfilledBy.SELLER


@dataclass(slots=True)
class ReturnItemRecord:
    external_id: str
    quantity: int
    order_item_external_id: str | None = None
    sku: str | None = None


@dataclass(slots=True)
class ReturnRecord:
    external_id: str
    source_updated_at: datetime
    order_external_id: str
    kind: ReturnKind
    status: ReturnStatus
    raw_status: str
    items: list[ReturnItemRecord]
    reason: str | None = None
    return_awb: str | None = None
    requested_at: datetime | None = None
    refund_amount: Decimal | None = None
    currency: str = "INR"


@dataclass(slots=True)
class PayoutLineRecord:
    external_id: str
    line_type: PayoutLineType
    amount: Decimal  # signed: credits positive, deductions negative
    order_external_id: str | None = None
    description: str | None = None
    occurred_at: datetime | None = None
    currency: str = "INR"
    raw_type: str | None = None  # the marketplace's own line type, as reconciliation matches it
    order_item_external_id: str | None = None  # the order line the amount is for, when the marketplace says


@dataclass(slots=True)
class PayoutRecord:
    external_id: str
    source_updated_at: datetime
    status: PayoutStatus
    raw_status: str
    net_amount: Decimal
    lines: list[PayoutLineRecord]
    period_start: datetime | None = None
    period_end: datetime | None = None
    paid_at: datetime | None = None
    currency: str = "INR"


@dataclass(slots=True)
class Quarantine:
    """A record the adapter could not map: the engine stores it and the run goes on."""

    payload: Any
    error: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class InventoryPush:
    task_id: int
    seller_sku: str
    marketplace_sku: str | None
    listing_external_id: str
    quantity: int
    stock_version: int


@dataclass(frozen=True, slots=True)
class InventoryPushResult:
    task_id: int
    ok: bool
    error: str | None = None
    retryable: bool = True


@dataclass(slots=True)
class ListingRecord:
    """One listing of the account's catalog as the marketplace shows it, with its live quantity."""

    external_id: str
    seller_sku: str
    source_updated_at: datetime
    raw_status: str
    marketplace_sku: str | None = None
    title: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    active: bool = True
