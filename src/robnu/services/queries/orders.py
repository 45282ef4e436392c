"""Orders as the seller reads them: a filtered, keyset-paginated list (newest first) and one order's detail
(items, shipments, where it is in its marketplace's flow with the step history, documents, returns).

Every query names ``seller_id`` itself (on PostgreSQL row-level security filters as well; on SQLite this is
the only filter). The list is served by ``ix_orders_seller_ordered_id`` (seller, ordered_at, id) and, with an
account or status filter, by the index leading with that column after the seller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, exists, or_, select
from sqlalchemy.orm import Session

from robnu.adapters.processing import ProcessingStatus
from robnu.db.models import Marketplace, MarketplaceAccount, Order, OrderItem, OrderReturn, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.errors import NotFound
from robnu.domain.statuses import OrderStatus
from robnu.services.queries.common import (
    DEFAULT_LIMIT,
    AccountRef,
    Dto,
    Keyset,
    ListScope,
    Page,
    at_least,
    before,
    check_range,
    enum_value,
    equal,
    paginate,
    text_value,
    where_given,
    within,
)

ORDERS = Keyset("orders", (Order.ordered_at, Order.id))


@dataclass(frozen=True)
class OrderFilters:
    """What the orders list can be narrowed to. ``q`` is an exact order id on the marketplace or an AWB."""

    marketplace: str | None = None
    account_id: int | None = None
    status: str | None = None
    processing_status: str | None = None
    held: bool = False  # held for any reason: an exception (HELD) or the free tier's daily limit (HELD_QUOTA)
    processing_stage: int | None = None
    ordered_from: datetime | None = None
    ordered_to: datetime | None = None
    q: str | None = None


class OrderSummary(Dto):
    id: int
    external_id: str
    account: AccountRef
    status: str
    raw_status: str
    ordered_at: datetime
    dispatch_by: datetime | None
    order_total: Decimal
    currency: str
    is_cod: bool
    item_count: int
    fulfilled_by: str
    ship_city: str | None
    ship_state_code: str | None
    processing_status: str | None
    processing_stage: int | None


class OrderItemView(Dto):
    id: int
    external_id: str
    sku: str
    marketplace_sku: str | None
    title: str | None
    quantity: int
    unit_price: Decimal
    tax_amount: Decimal
    line_total: Decimal
    currency: str
    status: str
    hsn: str | None


class ShipmentView(Dto):
    id: int
    external_id: str
    status: str
    awb: str | None
    courier: str | None
    dispatch_by: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


class StepView(Dto):
    id: int
    stage: int
    name: str
    outcome: str
    external_ref: str | None
    detail: str | None
    occurred_at: datetime
    batch_id: int | None


class ProcessingView(Dto):
    status: str
    stage: int
    held_reason: str | None
    last_error: str | None
    attempts: int
    waiting_since: datetime | None
    batch_id: int | None
    batch_day: str | None
    batch_no: int | None
    batch_status: str | None
    updated_at: datetime


class DocumentView(Dto):
    id: int
    doc_type: str
    external_ref: str | None
    content_type: str
    size_bytes: int
    sha256: str
    shipment_id: int | None
    created_at: datetime


class ReturnRef(Dto):
    id: int
    external_id: str
    kind: str
    status: str
    internal_status: str


class OrderDetail(OrderSummary):
    ship_pincode: str | None
    source_updated_at: datetime
    items: list[OrderItemView]
    shipments: list[ShipmentView]
    processing: ProcessingView | None
    steps: list[StepView]
    documents: list[DocumentView]
    returns: list[ReturnRef]


def _summary(o: Order | Row[Any], account: AccountRef, p_status: str | None, p_stage: int | None) -> OrderSummary:
    return OrderSummary(
        id=o.id,
        external_id=o.external_id,
        account=account,
        status=o.status,
        raw_status=o.raw_status,
        ordered_at=o.ordered_at,
        dispatch_by=o.dispatch_by,
        order_total=o.order_total,
        currency=o.currency,
        is_cod=o.is_cod,
        item_count=o.item_count,
        fulfilled_by=o.fulfilled_by,
        ship_city=o.ship_city,
        ship_state_code=o.ship_state_code,
        processing_status=p_status,
        processing_stage=p_stage,
    )


# What a list row needs, as plain columns (no ORM objects to build for a page of 50), with its account's
# marketplace and name from the same statement.
_LIST_COLUMNS = (
    Order.id,
    Order.external_id,
    Order.marketplace_account_id,
    Order.status,
    Order.raw_status,
    Order.ordered_at,
    Order.dispatch_by,
    Order.order_total,
    Order.currency,
    Order.is_cod,
    Order.item_count,
    Order.fulfilled_by,
    Order.ship_city,
    Order.ship_state_code,
    OrderProcessing.status.label("p_status"),
    OrderProcessing.stage.label("p_stage"),
    Marketplace.code.label("marketplace"),
    MarketplaceAccount.display_name.label("account_name"),
)


def list_orders(
    s: Session,
    seller_id: int,
    filters: OrderFilters = OrderFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[OrderSummary]:
    """The seller's orders, newest first (``ordered_at``, then id), one page after ``cursor``."""
    status = enum_value("status", filters.status, OrderStatus)
    p_status = enum_value("processing_status", filters.processing_status, ProcessingStatus)
    ordered_from, ordered_to = check_range("ordered", filters.ordered_from, filters.ordered_to)
    scope = ListScope(s, seller_id, filters)  # rows join their account: no accounts read unless by marketplace
    if scope.empty:
        return Page[OrderSummary](items=[])
    q = (
        select(*_LIST_COLUMNS)
        .join(
            MarketplaceAccount,
            and_(MarketplaceAccount.id == Order.marketplace_account_id, MarketplaceAccount.seller_id == seller_id),
        )
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .outerjoin(OrderProcessing, and_(OrderProcessing.order_id == Order.id, OrderProcessing.seller_id == seller_id))
        .where(scope.rows_of(Order))
    )
    held = (ProcessingStatus.HELD, ProcessingStatus.HELD_QUOTA) if filters.held else None
    q = where_given(
        q,
        equal(Order.status, status),
        equal(OrderProcessing.status, p_status),
        within(OrderProcessing.status, held),
        equal(OrderProcessing.stage, filters.processing_stage),
        at_least(Order.ordered_at, ordered_from),
        before(Order.ordered_at, ordered_to),
    )
    code = text_value("q", filters.q)
    if code:
        by_awb = exists().where(Shipment.order_id == Order.id, Shipment.seller_id == seller_id, Shipment.awb == code)
        q = q.where(or_(Order.external_id == code, by_awb))
    rows, next_cursor = paginate(s, q, ORDERS, cursor=cursor, limit=limit, sort_values=lambda r: (r.ordered_at, r.id))
    return Page[OrderSummary](
        items=[
            _summary(
                r,
                AccountRef(account_id=r.marketplace_account_id, marketplace=r.marketplace, account_name=r.account_name),
                r.p_status,
                r.p_stage,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
    )


def get_order(s: Session, seller_id: int, order_id: int) -> OrderDetail:
    """One order with everything Robnu knows of it; another seller's order is ``NotFound`` like a missing one."""
    found = s.execute(
        select(Order, OrderProcessing, ProcessingBatch, Marketplace.code, MarketplaceAccount.display_name)
        .join(
            MarketplaceAccount,
            (MarketplaceAccount.id == Order.marketplace_account_id) & (MarketplaceAccount.seller_id == seller_id),
        )
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .outerjoin(OrderProcessing, and_(OrderProcessing.order_id == Order.id, OrderProcessing.seller_id == seller_id))
        .outerjoin(
            ProcessingBatch,
            and_(ProcessingBatch.id == OrderProcessing.batch_id, ProcessingBatch.seller_id == seller_id),
        )
        .where(Order.id == order_id, Order.seller_id == seller_id)
    ).one_or_none()
    if found is None:
        raise NotFound(f"order {order_id} does not exist")
    order, processing, batch, code, account_name = found
    account = AccountRef(account_id=order.marketplace_account_id, marketplace=code, account_name=account_name)
    items = s.execute(
        select(OrderItem).where(OrderItem.order_id == order.id, OrderItem.seller_id == seller_id).order_by(OrderItem.id)
    ).scalars()
    shipments = list(
        s.execute(
            select(Shipment).where(Shipment.order_id == order.id, Shipment.seller_id == seller_id).order_by(Shipment.id)
        ).scalars()
    )
    steps = s.execute(
        select(ProcessingStep)
        .where(ProcessingStep.order_id == order.id, ProcessingStep.seller_id == seller_id)
        .order_by(ProcessingStep.occurred_at, ProcessingStep.id)
    ).scalars()
    shipment_ids = [sh.id for sh in shipments]
    doc_filter = Document.order_id == order.id
    if shipment_ids:
        doc_filter = or_(doc_filter, Document.shipment_id.in_(shipment_ids))
    documents = s.execute(
        select(Document).where(Document.seller_id == seller_id, doc_filter).order_by(Document.created_at, Document.id)
    ).scalars()
    returns = s.execute(
        select(OrderReturn)
        .where(OrderReturn.order_id == order.id, OrderReturn.seller_id == seller_id)
        .order_by(OrderReturn.id)
    ).scalars()
    base = _summary(
        order, account, processing.status if processing else None, processing.stage if processing else None
    ).model_dump()
    return OrderDetail(
        **base,
        ship_pincode=order.ship_pincode,
        source_updated_at=order.source_updated_at,
        items=[
            OrderItemView(
                id=i.id,
                external_id=i.external_id,
                sku=i.sku,
                marketplace_sku=i.marketplace_sku,
                title=i.title,
                quantity=i.quantity,
                unit_price=i.unit_price,
                tax_amount=i.tax_amount,
                line_total=i.line_total,
                currency=i.currency,
                status=i.status,
                hsn=i.hsn,
            )
            for i in items
        ],
        shipments=[shipment_view(sh) for sh in shipments],
        processing=None if processing is None else _processing(processing, batch),
        steps=[step_view(st) for st in steps],
        documents=[document_view(d) for d in documents],
        returns=[
            ReturnRef(
                id=r.id, external_id=r.external_id, kind=r.kind, status=r.status, internal_status=r.internal_status
            )
            for r in returns
        ],
    )


def shipment_view(sh: Shipment) -> ShipmentView:
    return ShipmentView(
        id=sh.id,
        external_id=sh.external_id,
        status=sh.status,
        awb=sh.awb,
        courier=sh.courier,
        dispatch_by=sh.dispatch_by,
        shipped_at=sh.shipped_at,
        delivered_at=sh.delivered_at,
    )


def step_view(st: ProcessingStep) -> StepView:
    return StepView(
        id=st.id,
        stage=st.stage,
        name=st.name,
        outcome=st.outcome,
        external_ref=st.external_ref,
        detail=st.detail,
        occurred_at=st.occurred_at,
        batch_id=st.batch_id,
    )


def document_view(d: Document) -> DocumentView:
    return DocumentView(
        id=d.id,
        doc_type=d.doc_type,
        external_ref=d.external_ref,
        content_type=d.content_type,
        size_bytes=d.size_bytes,
        sha256=d.sha256,
        shipment_id=d.shipment_id,
        created_at=d.created_at,
    )


def _processing(p: OrderProcessing, batch: ProcessingBatch | None) -> ProcessingView:
    return ProcessingView(
        status=p.status,
        stage=p.stage,
        held_reason=p.held_reason,
        last_error=p.last_error,
        attempts=p.attempts,
        waiting_since=p.waiting_since,
        batch_id=p.batch_id,
        batch_day=batch.ist_day if batch else None,
        batch_no=batch.batch_no if batch else None,
        batch_status=batch.status if batch else None,
        updated_at=p.updated_at,
    )
