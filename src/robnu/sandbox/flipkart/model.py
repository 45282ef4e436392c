"""The sandbox world's records: accounts, listings, shipments (with their order items) and returns."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from robnu.domain.india import Place

APPROVED = "APPROVED"
PACKING_IN_PROGRESS = "PACKING_IN_PROGRESS"
FORM_FAILED = "FORM_FAILED"
PACKED = "PACKED"
READY_TO_DISPATCH = "READY_TO_DISPATCH"
PICKUP_COMPLETE = "PICKUP_COMPLETE"
SHIPPED = "SHIPPED"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"
RETURN_REQUESTED = "RETURN_REQUESTED"
RETURNED = "RETURNED"
COMPLETED = "COMPLETED"

# filter.type groups; statuses outside every group are only reachable by id lookups.
GROUPS: dict[str, frozenset[str]] = {
    "preDispatch": frozenset({APPROVED, PACKING_IN_PROGRESS, PACKED, FORM_FAILED, READY_TO_DISPATCH}),
    "postDispatch": frozenset({SHIPPED, DELIVERED, PICKUP_COMPLETE}),
    "cancelled": frozenset({CANCELLED}),
}


# modelled: the OAS ``states`` enum lists every item status under one filter without groups, while the
# legacy group lists name only the in-transit ones. The sandbox keeps the legacy lists as the default
# ``states`` of each type and also serves the post-delivery statuses under ``postDispatch`` when they are
# asked for explicitly, so a client can see a delivered order move on to COMPLETED or RETURNED.
SEARCHABLE: dict[str, frozenset[str]] = {
    **GROUPS,
    "postDispatch": GROUPS["postDispatch"] | frozenset({RETURN_REQUESTED, RETURNED, COMPLETED}),
}


def group_of(status: str) -> str | None:
    for name, members in SEARCHABLE.items():
        if status in members:
            return name
    return None


# Return events live on the shipment timeline beside the item statuses (modelled lower-case).
RET_CREATED = "created"
RET_PICKED_UP = "picked_up"
RET_COMPLETED = "completed"
RET_CANCELLED = "cancelled"


@dataclass(slots=True)
class Listing:
    sku: str
    fsn: str
    listing_id: str
    ean: str
    hsn: str
    title: str
    category: str
    mrp: Decimal
    selling_price: Decimal
    gst_rate: Decimal
    weight_kg: Decimal
    inventory: dict[str, int] = field(default_factory=dict)  # locationId -> quantity
    location_status: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class OrderItem:
    order_item_id: str
    listing: Listing
    quantity: int
    selling_price: Decimal  # per unit, GST-inclusive
    shipping_charge: Decimal
    cancelled_at: datetime | None = None  # a seller cancellation of just this cancellation group
    cancel_reason: str | None = None

    @property
    def total(self) -> Decimal:
        return self.selling_price * self.quantity + self.shipping_charge


@dataclass(slots=True)
class Plan:
    """The seeded fate of a shipment; the timeline is computed from it and from the seller's actions."""

    buyer_cancel_hours: float | None  # buyer cancels this many hours after the order, if still possible
    pickup_hours: float
    ship_hours: float
    deliver_hours: float
    outcome: str  # "delivered" | "rto" | "return"
    return_after_hours: float  # after delivery (customer return) or after shipping (RTO)
    return_reason: str
    return_sub_reason: str
    auto_seller: bool  # modelled: orders older than the sandbox's start were worked on Seller Hub
    pack_after_hours: float
    rtd_after_hours: float


@dataclass(slots=True)
class Shipment:
    shipment_id: str
    order_id: str
    account_key: str
    location_id: str
    order_date: datetime
    dispatch_after: datetime
    dispatch_by: datetime
    payment_type: str
    items: list[OrderItem]
    buyer_name: str
    buyer_phone: str
    address_line1: str
    place: Place
    awb: str
    return_awb: str
    plan: Plan
    shipment_type: str = "NORMAL"
    hold: bool = False
    hold_changed_at: datetime | None = None
    # seller actions (None until taken)
    packed_at: datetime | None = None
    form_failed: bool = False
    ack_at: datetime | None = None
    rtd_at: datetime | None = None
    seller_cancel_at: datetime | None = None
    seller_cancel_reason: str | None = None
    invoice_number: str | None = None
    invoice_date: datetime | None = None
    dims: tuple[float, float, float, float] = (20.0, 15.0, 8.0, 0.5)
    # sandbox test-data overrides
    forced: dict[str, datetime] = field(default_factory=dict)
    touched_at: datetime | None = None  # a change with no status move (dates changed, hold, fault)
    # cached current state, maintained by the world
    events: list[tuple[datetime, str]] = field(default_factory=list)
    status: str = APPROVED
    updated_at: datetime | None = None
    cancel_type: str | None = None
    version: int = 0

    @property
    def total(self) -> Decimal:
        return sum((i.total for i in self.items), Decimal(0))


@dataclass(slots=True)
class ReturnItem:
    return_id: str
    source: str  # customer_return | courier_return
    shipment: Shipment
    item: OrderItem
    created_at: datetime
    updated_at: datetime
    status: str
    tracking_id: str
    reason: str
    sub_reason: str
    completed_at: datetime | None = None


@dataclass
class Account:
    key: str  # the seller id
    seller_id: str
    location_id: str
    app_id: str
    app_secret: str
    name: str
    gstin: str
    place: Place
    rng: random.Random
    listings: dict[str, Listing] = field(default_factory=dict)
    revoked: bool = False
    invoice_seq: int = 0
