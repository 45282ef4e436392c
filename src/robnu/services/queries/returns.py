"""Returns as the seller reads them: customer returns and RTOs (return to origin) in one list, newest first,
filterable by kind, marketplace status and Robnu's own status (awaiting, received, claim pending); one return's
detail with its items, the AWB of each leg, its events, receive scans and claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from robnu.db.claims_models import OrderReturnEvent, ReturnAwb, ReturnClaim, ReturnScanEvent
from robnu.db.models import OrderReturn, OrderReturnItem
from robnu.domain.claims import ReturnInternalStatus
from robnu.domain.errors import NotFound
from robnu.domain.statuses import ReturnKind, ReturnStatus
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
    seller_accounts,
    text_value,
    where_given,
)

RETURNS = Keyset("returns", (OrderReturn.created_at, OrderReturn.id))


@dataclass(frozen=True)
class ReturnFilters:
    """``q`` is an exact return id, order id or AWB (of the return leg)."""

    marketplace: str | None = None
    account_id: int | None = None
    kind: str | None = None
    status: str | None = None
    internal_status: str | None = None
    requested_from: datetime | None = None
    requested_to: datetime | None = None
    q: str | None = None


class ReturnSummary(Dto):
    id: int
    external_id: str
    account: AccountRef
    order_id: int | None
    order_external_id: str
    kind: str
    status: str
    raw_status: str
    internal_status: str
    reason: str | None
    return_awb: str | None
    requested_at: datetime | None
    refund_amount: Decimal | None
    currency: str
    claim_due_at: datetime | None
    received_at: datetime | None


class ReturnItemView(Dto):
    id: int
    external_id: str
    order_item_external_id: str | None
    sku: str | None
    quantity: int
    status: str


class AwbView(Dto):
    leg: str
    awb: str
    courier: str | None


class ReturnEventView(Dto):
    at: datetime
    kind: str
    status: str | None
    detail: str | None
    actor: str


class ScanView(Dto):
    scanned_at: datetime
    code: str
    mode: str
    matched_on: str
    first: bool
    damage_note: str | None
    warehouse: str | None
    actor: str


class ReturnDetail(ReturnSummary):
    received_by: str | None
    received_warehouse: str | None
    damage_note: str | None
    items: list[ReturnItemView]
    awbs: list[AwbView]
    events: list[ReturnEventView]
    scans: list[ScanView]
    claim_id: int | None
    claim_reference: str | None
    claim_status: str | None


def _summary(r: OrderReturn, account: AccountRef) -> ReturnSummary:
    return ReturnSummary(
        id=r.id,
        external_id=r.external_id,
        account=account,
        order_id=r.order_id,
        order_external_id=r.order_external_id,
        kind=r.kind,
        status=r.status,
        raw_status=r.raw_status,
        internal_status=r.internal_status,
        reason=r.reason,
        return_awb=r.return_awb,
        requested_at=r.requested_at,
        refund_amount=r.refund_amount,
        currency=r.currency,
        claim_due_at=r.claim_due_at,
        received_at=r.received_at,
    )


def list_returns(
    s: Session,
    seller_id: int,
    filters: ReturnFilters = ReturnFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ReturnSummary]:
    """The seller's returns, newest first (as Robnu first stored them), one page after ``cursor``."""
    kind = enum_value("kind", filters.kind, ReturnKind)
    status = enum_value("status", filters.status, ReturnStatus)
    internal = enum_value("internal_status", filters.internal_status, ReturnInternalStatus)
    requested_from, requested_to = check_range("requested", filters.requested_from, filters.requested_to)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[ReturnSummary](items=[])
    q = where_given(
        select(OrderReturn).where(scope.rows_of(OrderReturn)),
        equal(OrderReturn.kind, kind),
        equal(OrderReturn.status, status),
        equal(OrderReturn.internal_status, internal),
        at_least(OrderReturn.requested_at, requested_from),
        before(OrderReturn.requested_at, requested_to),
    )
    code = text_value("q", filters.q)
    if code:
        by_awb = exists().where(
            ReturnAwb.return_id == OrderReturn.id, ReturnAwb.seller_id == seller_id, ReturnAwb.awb == code
        )
        q = q.where(
            or_(
                OrderReturn.external_id == code,
                OrderReturn.order_external_id == code,
                OrderReturn.return_awb == code,
                by_awb,
            )
        )
    rows, next_cursor = paginate(
        s, q, RETURNS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].created_at, r[0].id)
    )
    return Page[ReturnSummary](
        items=[_summary(r, scope.accounts[r.marketplace_account_id]) for (r,) in rows], next_cursor=next_cursor
    )


def get_return(s: Session, seller_id: int, return_id: int) -> ReturnDetail:
    ret = s.execute(
        select(OrderReturn).where(OrderReturn.id == return_id, OrderReturn.seller_id == seller_id)
    ).scalar_one_or_none()
    if ret is None:
        raise NotFound(f"return {return_id} does not exist")
    account = seller_accounts(s, seller_id)[ret.marketplace_account_id]
    mine = (OrderReturnItem.return_id == ret.id, OrderReturnItem.seller_id == seller_id)
    items = s.execute(select(OrderReturnItem).where(*mine).order_by(OrderReturnItem.id)).scalars()
    awbs = s.execute(
        select(ReturnAwb).where(ReturnAwb.return_id == ret.id, ReturnAwb.seller_id == seller_id).order_by(ReturnAwb.id)
    ).scalars()
    events = s.execute(
        select(OrderReturnEvent)
        .where(OrderReturnEvent.return_id == ret.id, OrderReturnEvent.seller_id == seller_id)
        .order_by(OrderReturnEvent.at, OrderReturnEvent.id)
    ).scalars()
    scans = s.execute(
        select(ReturnScanEvent)
        .where(ReturnScanEvent.return_id == ret.id, ReturnScanEvent.seller_id == seller_id)
        .order_by(ReturnScanEvent.scanned_at, ReturnScanEvent.id)
    ).scalars()
    claim = s.execute(
        select(ReturnClaim).where(ReturnClaim.return_id == ret.id, ReturnClaim.seller_id == seller_id)
    ).scalar_one_or_none()
    return ReturnDetail(
        **_summary(ret, account).model_dump(),
        received_by=ret.received_by,
        received_warehouse=ret.received_warehouse,
        damage_note=ret.damage_note,
        items=[
            ReturnItemView(
                id=i.id,
                external_id=i.external_id,
                order_item_external_id=i.order_item_external_id,
                sku=i.sku,
                quantity=i.quantity,
                status=i.status,
            )
            for i in items
        ],
        awbs=[AwbView(leg=a.leg, awb=a.awb, courier=a.courier) for a in awbs],
        events=[ReturnEventView(at=e.at, kind=e.kind, status=e.status, detail=e.detail, actor=e.actor) for e in events],
        scans=[
            ScanView(
                scanned_at=e.scanned_at,
                code=e.code,
                mode=e.mode,
                matched_on=e.matched_on,
                first=e.first,
                damage_note=e.damage_note,
                warehouse=e.warehouse,
                actor=e.actor,
            )
            for e in scans
        ],
        claim_id=claim.id if claim else None,
        claim_reference=claim.reference if claim else None,
        claim_status=claim.status if claim else None,
    )
