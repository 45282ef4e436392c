"""The AJIO world's records: accounts, products, orders with timelines, returns, manifests."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from robnu.sandbox.people import Person

# Raw order statuses. PENDENCY and RTO are modelled names (the known AJIO enum lists the PO statuses only).
PENDENCY = "PENDENCY"
CONFIRMED = "CONFIRMED"
PACKED = "PACKED"
READY_TO_DISPATCH = "READY_TO_DISPATCH"
DISPATCHED = "DISPATCHED"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"
RTO = "RTO"
ORDER_STATUSES = (PENDENCY, CONFIRMED, PACKED, READY_TO_DISPATCH, DISPATCHED, DELIVERED, CANCELLED, RTO)

# Return statuses.
R_EXPECTED = "EXPECTED"
R_IN_TRANSIT = "IN_TRANSIT"
R_DELIVERED = "DELIVERED_TO_SELLER"
R_QC_DONE = "QC_DONE"
R_CLOSED = "CLOSED"
RETURN_STATUSES = (R_EXPECTED, R_IN_TRANSIT, R_DELIVERED, R_QC_DONE, R_CLOSED, "CANCELLED", "LOST")

Event = tuple[int, str, str]  # (epoch seconds, raw status, note)


@dataclass(slots=True)
class Product:
    sku: str
    ean: str
    style_code: str
    brand: str
    name: str
    size: str
    color: str
    hsn: str
    mrp: Decimal
    price: Decimal
    weight_grams: int
    published: bool


@dataclass(slots=True)
class Account:
    pob_id: str
    number: int
    api_password: str
    store: dict[str, str]
    einvoice: dict[str, Any]
    legal_name: str
    bill_to_gstin: str
    bill_to_state: str
    financial_model: str = "RSI"
    revoked: bool = False
    products: dict[str, Product] = field(default_factory=dict)
    inventory: dict[str, int] = field(default_factory=dict)
    order_seq: int = 0
    invoice_seq: int = 0


@dataclass(slots=True)
class Line:
    order_item_id: str
    sku: str
    qty: int
    mrp: Decimal
    unit_price: Decimal
    gst_rate: Decimal
    customer_cancelled: int = 0
    seller_cancelled: int = 0

    @property
    def invoiceable(self) -> int:
        return self.qty - self.customer_cancelled - self.seller_cancelled


@dataclass(slots=True)
class B2bInvoice:
    invoice_number: str
    invoice_date: int
    irn: str | None
    accepted_at: int
    label_ready_at: int
    customer_invoice_number: str


@dataclass(slots=True)
class Order:
    key: int  # the account-wide sequence, used by the indexes
    order_id: str
    pob_id: str
    created: int
    payment_method: str
    carrier: str
    awb: str
    person: Person
    lines: list[Line]
    events: list[Event] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    po_number: str | None = None
    po_date: int | None = None
    dispatch_by: int | None = None
    invoice: B2bInvoice | None = None
    manifest_id: str | None = None
    late_manifest_at: int | None = None  # manifest time when it was past dispatch_by (SLA penalty)
    seller_cancel_at: int | None = None
    return_ids: list[str] = field(default_factory=list)

    def index_at(self, now: int) -> int:
        return max(0, bisect_right(self.times, now) - 1)

    def state_at(self, now: int) -> Event:
        return self.events[self.index_at(now)]

    def set_events(self, events: list[Event]) -> None:
        events.sort(key=lambda e: e[0])
        self.events = events
        self.times = [e[0] for e in events]

    @property
    def total(self) -> Decimal:
        return sum((ln.unit_price * ln.qty for ln in self.lines), Decimal("0.00"))


@dataclass(slots=True)
class QcResult:
    order_item_id: str
    unit_index: int
    qc_status: str
    qc_code: str
    remarks: str = ""


@dataclass(slots=True)
class Return:
    key: int
    return_id: str
    return_type: str  # CR | RTO
    order_key: int
    order_id: str
    lines: list[tuple[str, int, str]]  # (order_item_id, quantity, reason_code)
    awb: str
    courier: str
    created: int
    events: list[Event] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    qc: list[QcResult] = field(default_factory=list)
    qc_at: int | None = None
    dispute_decision: str | None = None  # ACCEPTED | REJECTED once decided
    dispute_decided_at: int | None = None
    seller_generated: bool = False

    def index_at(self, now: int) -> int:
        return max(0, bisect_right(self.times, now) - 1)

    def state_at(self, now: int) -> Event:
        return self.events[self.index_at(now)]

    def set_events(self, events: list[Event]) -> None:
        events.sort(key=lambda e: e[0])
        self.events = events
        self.times = [e[0] for e in events]

    @property
    def has_fail(self) -> bool:
        return any(r.qc_status == "FAIL" for r in self.qc)


@dataclass(slots=True)
class Manifest:
    manifest_id: str
    pob_id: str
    courier: str
    created: int
    dispatch_date: str
    late: bool
    shipment_ids: list[str]
    pickup_at: int
    picked_up: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    pickup_receipt_no: str | None = None
    cancelled_at: int | None = None
    seller_created: bool = True
