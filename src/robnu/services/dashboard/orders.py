"""Orders as the dashboard lists and shows them: filters, search, and one order's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from robnu.adapters.registry import AdapterRegistry
from robnu.db.models import Marketplace, MarketplaceAccount, Order, Shipment
from robnu.db.processing_models import OrderProcessing
from robnu.domain.clock import ist_date, ist_midnight
from robnu.domain.errors import InvalidInput, UnknownMarketplace

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
class StageView:
    number: int
    name: str
    phase: str
    state: str  # done, current, held, to do


def flow_stages(registry: AdapterRegistry, code: str, status: str | None, stage: int | None) -> list[StageView]:
    """The marketplace's processing stages with where an order (``status``, last completed ``stage``) stands."""
    try:
        flow = registry.get(code).flow
    except UnknownMarketplace:
        return []
    if flow is None or status is None or stage is None:
        return []
    stuck = status in ("HELD", "HELD_QUOTA", "FAILED")
    out = []
    for spec in flow.stages:
        if spec.number <= stage or status == "DONE":
            state = "done"
        elif spec.number == stage + 1:
            state = "held" if stuck else "current"
        else:
            state = "to do"
        out.append(StageView(spec.number, spec.name, spec.phase, state))
    return out


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
