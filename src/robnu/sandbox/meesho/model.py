"""The world's records: accounts, products, sub-orders (plans and timelines), returns, labels, manifests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")
FOREVER = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)

SUB_ORDER_STATES = (
    "UNVERIFIED",
    "PENDING",
    "HOLD",
    "READY_TO_SHIP",
    "SHIPPED",
    "DELIVERED",
    "CANCELLED",
    "RTO",
    "CUSTOMER_RETURN",
)
ACCEPTANCE_MODES = ("ACCEPT_ALWAYS", "ACCEPT_BY_INVENTORY", "ACCEPT_MANUALLY")
COURIERS = ("VALMO", "DELHIVERY", "XPRESSBEES", "SHADOWFAX", "ECOM_EXPRESS")


@dataclass(slots=True)
class ApiKey:
    api_key: str
    api_secret: str
    active: bool = True
    created_at: datetime | None = None


@dataclass(slots=True)
class Product:
    product_id: str
    variation_id: str
    sku: str
    name: str
    size: str
    hsn: str
    ean: str
    mrp: Decimal
    price: Decimal
    weight_kg: Decimal
    warehouse_id: str
    status: str = "LIVE"
    stock: int = 0


@dataclass(slots=True)
class Plan:
    """Everything random about one sub-order's future, drawn once at creation (deterministic per seed)."""

    verify_delay: timedelta | None  # UNVERIFIED for this long (exchange / fraud check)
    hold: tuple[timedelta, timedelta, bool] | None  # (after PENDING, duration, resolved?)
    accept_delay: timedelta  # when the seller (simulated) or the setting accepts
    label_delay: timedelta  # READY_TO_SHIP -> label, for simulated sellers
    customer_cancel_after: timedelta | None  # from creation; only bites before pickup
    supplier_cancel_after: timedelta | None  # simulated sellers only
    forgets: bool  # a simulated seller never dispatches -> auto-cancel
    outcome: str  # DELIVERED | RTO | RETURN
    transit: timedelta
    rto_reason: str
    return_after: timedelta
    return_reason: str
    return_fail: str | None  # None | PICKUP_FAILED | LOST
    return_leg: timedelta
    late: bool  # a simulated seller's pickup slips past the SLA


@dataclass(slots=True)
class Claim:
    claim_id: str
    claim_type: str
    description: str
    evidence_urls: list[str]
    created_at: datetime
    status: str = "OPEN"
    decided_at: datetime | None = None
    amount: Decimal = Decimal("0.00")


@dataclass(slots=True)
class Return:
    return_id: str
    type: str  # RTO | CUSTOMER_RETURN
    sub_order_no: str
    reason_code: str
    reason_text: str
    courier: str
    reverse_awb: str
    events: list[tuple[datetime, str]] = field(default_factory=list)
    forced: list[tuple[datetime, str]] = field(default_factory=list)
    received: dict[str, Any] | None = None  # {"condition","received_at","remarks","at"}
    claim: Claim | None = None
    touched_at: datetime | None = None

    def timeline(self) -> list[tuple[datetime, str]]:
        if not self.forced:
            return self.events
        cut = self.forced[0][0]
        return [e for e in self.events if e[0] < cut] + self.forced

    @property
    def created_at(self) -> datetime:
        return self.timeline()[0][0]


@dataclass(slots=True)
class Label:
    label_id: str
    created_at: datetime
    ready_at: datetime
    warehouse_id: str
    sub_order_nos: list[str]


@dataclass(slots=True)
class Manifest:
    manifest_id: str
    courier: str
    warehouse_id: str
    created_at: datetime
    sub_order_nos: list[str]
    scan_at: datetime | None  # planned or explicit courier scan; None = never (control-only pickup)
    missing: set[str] = field(default_factory=set)
    explicit_scan: bool = False


@dataclass(slots=True)
class SubOrder:
    sub_order_no: str
    order_no: str
    supplier_id: str
    warehouse_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    gst_rate: Decimal
    payment_mode: str
    is_exchange: bool
    created_at: datetime
    customer: dict[str, str]  # name, phone, address_line1, city, state, state_code, pincode
    plan: Plan
    simulated_seller: bool  # old generated orders: the world plays the seller's part
    auto_accept: bool = False
    # seller actions and courier facts (inputs of the timeline)
    accepted_at: datetime | None = None
    supplier_cancel: tuple[datetime, str, str] | None = None  # (at, reason, remarks)
    customer_cancel_at: datetime | None = None  # control plane override
    forced_outcome: tuple[str, datetime] | None = None  # control plane: (DELIVERED|RTO, at)
    forced_return_at: datetime | None = None  # control plane: customer return created at
    courier: str | None = None
    awb: str | None = None
    label_ids: list[tuple[datetime, str]] = field(default_factory=list)
    invoice_no: str | None = None
    invoice_at: datetime | None = None
    manifest_id: str | None = None
    # derived by timeline.rebuild (lazily: ``dirty`` until first read)
    owner: Account | None = None
    dirty: bool = True
    events: list[tuple[datetime, str]] = field(default_factory=list)
    cancellation: dict[str, Any] | None = None  # {"cancelled_by","reason","at"}
    picked_up_at: datetime | None = None
    delivered_at: datetime | None = None
    return_id: str | None = None
    touched_at: datetime | None = None

    @property
    def total_price(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Account:
    supplier_id: str
    name: str
    gstin: str
    state_code: str
    city: str
    pincode: str
    warehouse_ids: list[str]
    keys: list[ApiKey]
    rng: random.Random
    acceptance_mode: str = "ACCEPT_MANUALLY"
    returns_assurance: bool = False
    products: dict[str, Product] = field(default_factory=dict)  # by sku
    sub_orders: dict[str, SubOrder] = field(default_factory=dict)
    by_created: list[tuple[datetime, str]] = field(default_factory=list)  # sorted (created_at, sub_order_no)
    order_nos: set[str] = field(default_factory=set)
    returns: dict[str, Return] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    manifests: dict[str, Manifest] = field(default_factory=dict)
    nonces: dict[str, float] = field(default_factory=dict)  # "api_key|nonce" -> epoch seen
    idempotency: dict[str, tuple[str, float, int, bytes]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    pushed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    money_faults: set[str] = field(default_factory=set)
    seq: dict[str, int] = field(default_factory=dict)
    version: int = 0
    revoked: bool = False

    def next_seq(self, name: str) -> int:
        self.seq[name] = self.seq.get(name, 0) + 1
        return self.seq[name]

    def push(self, kind: str, record: dict[str, Any]) -> None:
        items = self.pushed.setdefault(kind, [])
        record["seq"] = sum(len(v) for v in self.pushed.values()) + 1
        items.append(record)
