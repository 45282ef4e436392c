"""Orders as the dashboard lists and shows them: filters, search, and one order's whole story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from robnu.adapters.registry import AdapterRegistry
from robnu.db.models import Marketplace, MarketplaceAccount, Order, OrderItem, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.clock import ist_date, ist_midnight
from robnu.domain.errors import InvalidInput, NotFound, UnknownMarketplace

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrderFilters:
    marketplace: str | None = None
    status: str | None = None
    processing: str | None = None
    q: str | None = None  # an order id or AWB, or the start of one
    day_from: date | None = None  # IST days, inclusive
    day_to: date | None = None
    page: int = 1

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidInput("page", "must be 1 or more")
        if self.day_from and self.day_to and self.day_from > self.day_to:
            raise InvalidInput("day_to", "must not be before the 'from' day")
        if self.q is not None and len(self.q) > 100:
            raise InvalidInput("q", "must be at most 100 characters")


@dataclass(frozen=True)
class OrderRow:
    id: int
    external_id: str
    marketplace: str
    account_name: str
    ordered_at: datetime
    status: str
    processing: str | None
    total: Decimal
    currency: str
    items: int
    dispatch_by: datetime | None
    ship_city: str | None


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    page: int
    has_next: bool


def _filtered(seller_id: int, f: OrderFilters) -> Select[tuple[Order, str, str, str]]:
    q = (
        select(Order, Marketplace.code, MarketplaceAccount.display_name, OrderProcessing.status)
        .join(MarketplaceAccount, MarketplaceAccount.id == Order.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .outerjoin(OrderProcessing, OrderProcessing.order_id == Order.id)
        .where(Order.seller_id == seller_id)
    )  # the processing status is None for an order outside any flow (outer join)
    if f.marketplace:
        q = q.where(Marketplace.code == f.marketplace)
    if f.status:
        q = q.where(Order.status == f.status)
    if f.processing == "HELD":  # held for any reason: an exception or the free tier's daily limit
        q = q.where(OrderProcessing.status.in_(("HELD", "HELD_QUOTA")))
    elif f.processing:
        q = q.where(OrderProcessing.status == f.processing)
    if f.day_from:
        q = q.where(Order.ordered_at >= ist_midnight(f.day_from))
    if f.day_to:
        q = q.where(Order.ordered_at < ist_midnight(date.fromordinal(f.day_to.toordinal() + 1)))
    if f.q:
        term = f.q.strip()
        awb = select(Shipment.order_id).where(
            Shipment.seller_id == seller_id, Shipment.awb.startswith(term, autoescape=True)
        )
        q = q.where(or_(Order.external_id.startswith(term, autoescape=True), Order.id.in_(awb)))
    return q


def list_orders(s: Session, seller_id: int, f: OrderFilters) -> OrderPage:
    q = _filtered(seller_id, f).order_by(Order.ordered_at.desc(), Order.id.desc())
    rows = s.execute(q.offset((f.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    out = [
        OrderRow(
            o.id,
            o.external_id,
            code,
            name,
            o.ordered_at,
            o.status,
            processing,
            o.order_total,
            o.currency,
            o.item_count,
            o.dispatch_by,
            o.ship_city,
        )
        for o, code, name, processing in rows[:PAGE_SIZE]
    ]
    return OrderPage(out, f.page, len(rows) > PAGE_SIZE)


def order_statuses(s: Session, seller_id: int) -> list[str]:
    return list(
        s.execute(select(Order.status).where(Order.seller_id == seller_id).distinct().order_by(Order.status)).scalars()
    )


@dataclass(frozen=True)
class ItemView:
    sku: str
    title: str | None
    quantity: int
    unit_price: Decimal
    tax_amount: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class ShipmentView:
    external_id: str
    awb: str | None
    courier: str | None
    status: str
    dispatch_by: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class StepView:
    stage: int
    name: str
    outcome: str
    external_ref: str | None
    detail: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class StageView:
    number: int
    name: str
    phase: str
    state: str  # done, current, held, to do


@dataclass(frozen=True)
class DocumentView:
    id: int
    doc_type: str
    external_ref: str | None
    size_bytes: int
    created_at: datetime


@dataclass
class OrderDetail:
    row: OrderRow
    raw_status: str
    is_cod: bool
    ship_state_code: str | None
    ship_pincode: str | None
    fulfilled_by: str
    held_reason: str | None
    last_error: str | None
    items: list[ItemView] = field(default_factory=list)
    shipments: list[ShipmentView] = field(default_factory=list)
    stages: list[StageView] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    documents: list[DocumentView] = field(default_factory=list)


def order_detail(s: Session, registry: AdapterRegistry, seller_id: int, order_id: int) -> OrderDetail:
    """One order of the seller's; another seller's order is NotFound, exactly like one that does not exist."""
    found = s.execute(_filtered(seller_id, OrderFilters()).where(Order.id == order_id)).one_or_none()
    if found is None:
        raise NotFound(f"order {order_id} does not exist")
    o, code, name, processing = found
    row = OrderRow(
        o.id,
        o.external_id,
        code,
        name,
        o.ordered_at,
        o.status,
        processing,
        o.order_total,
        o.currency,
        o.item_count,
        o.dispatch_by,
        o.ship_city,
    )
    proc = s.get(OrderProcessing, o.id)
    detail = OrderDetail(
        row,
        o.raw_status,
        o.is_cod,
        o.ship_state_code,
        o.ship_pincode,
        o.fulfilled_by,
        proc.held_reason if proc else None,
        proc.last_error if proc else None,
    )
    detail.items = [
        ItemView(i.sku, i.title, i.quantity, i.unit_price, i.tax_amount, i.line_total)
        for i in s.execute(
            select(OrderItem).where(OrderItem.seller_id == seller_id, OrderItem.order_id == o.id).order_by(OrderItem.id)
        ).scalars()
    ]
    detail.shipments = [
        ShipmentView(sh.external_id, sh.awb, sh.courier, sh.status, sh.dispatch_by, sh.shipped_at, sh.delivered_at)
        for sh in s.execute(
            select(Shipment).where(Shipment.seller_id == seller_id, Shipment.order_id == o.id).order_by(Shipment.id)
        ).scalars()
    ]
    detail.steps = [
        StepView(st.stage, st.name, st.outcome, st.external_ref, st.detail, st.occurred_at)
        for st in s.execute(
            select(ProcessingStep)
            .where(ProcessingStep.seller_id == seller_id, ProcessingStep.order_id == o.id)
            .order_by(ProcessingStep.occurred_at, ProcessingStep.id)
        ).scalars()
    ]
    detail.stages = _stages(registry, code, proc)
    detail.documents = [
        DocumentView(d.id, d.doc_type, d.external_ref, d.size_bytes, d.created_at)
        for d in s.execute(
            select(Document).where(Document.seller_id == seller_id, Document.order_id == o.id).order_by(Document.id)
        ).scalars()
    ]
    return detail


def _stages(registry: AdapterRegistry, code: str, proc: OrderProcessing | None) -> list[StageView]:
    try:
        flow = registry.get(code).flow
    except UnknownMarketplace:
        return []
    if flow is None or proc is None:
        return []
    done = proc.stage
    stuck = proc.status in ("HELD", "HELD_QUOTA", "FAILED")
    out = []
    for spec in flow.stages:
        if spec.number <= done or proc.status == "DONE":
            state = "done"
        elif spec.number == done + 1:
            state = "held" if stuck else "current"
        else:
            state = "to do"
        out.append(StageView(spec.number, spec.name, spec.phase, state))
    return out


@dataclass(frozen=True)
class DocumentFile:
    filename: str
    content_type: str
    storage_key: str


def document_for_download(s: Session, seller_id: int, document_id: int) -> DocumentFile:
    doc = s.execute(
        select(Document).where(Document.seller_id == seller_id, Document.id == document_id)
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    extension = {"application/pdf": "pdf", "application/zip": "zip"}.get(doc.content_type, "bin")
    name = f"{doc.doc_type.lower()}-{doc.external_ref or doc.id}.{extension}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return DocumentFile(safe, doc.content_type, doc.storage_key)


def orders_per_day(s: Session, seller_id: int, since: datetime) -> list[tuple[str, str, int]]:
    """(IST day, marketplace, orders) since ``since``: the chart on the Orders page."""
    rows = s.execute(
        select(Order.ordered_at, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == Order.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(Order.seller_id == seller_id, Order.ordered_at >= since)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for at, code in rows:
        key = (ist_date(at), code)
        counts[key] = counts.get(key, 0) + 1
    return sorted((day, code, n) for (day, code), n in counts.items())
