"""Dispatch batches as the seller reads them: each batch of an account's IST day with its orders counted by
processing status, and one batch's orders and step history (the batch-level stages: manifest, handover)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robnu.db.models import Order
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.domain.errors import NotFound
from robnu.services.queries.common import (
    DEFAULT_LIMIT,
    AccountRef,
    Dto,
    Keyset,
    ListScope,
    Page,
    enum_value,
    equal,
    paginate,
    seller_accounts,
    text_value,
    where_given,
)
from robnu.services.queries.orders import StepView, step_view

BATCHES = Keyset("processing-batches", (ProcessingBatch.created_at, ProcessingBatch.id))


class BatchStatus(StrEnum):
    """What ``processing_batches.status`` holds."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class BatchFilters:
    marketplace: str | None = None
    account_id: int | None = None
    status: str | None = None
    ist_day: str | None = None
    ist_day_from: str | None = None  # this IST day (YYYY-MM-DD) and later


class BatchView(Dto):
    id: int
    account: AccountRef
    ist_day: str
    batch_no: int
    closure_policy: str
    cutoff_at: datetime
    stage: int
    status: str
    manifest_ref: str | None
    created_at: datetime
    updated_at: datetime
    orders: dict[str, int]  # order count per processing status
    lowest_open_stage: int | None  # the lowest stage completed by an order still in the flow (None: none is)


class BatchOrderView(Dto):
    order_id: int
    external_id: str
    status: str
    stage: int
    held_reason: str | None
    dispatch_by: datetime | None


class BatchDetail(BatchView):
    order_list: list[BatchOrderView]
    steps: list[StepView]


IN_FLOW = ("PENDING", "IN_PROGRESS")


@dataclass
class _Tally:
    orders: dict[str, int] = field(default_factory=dict)
    lowest_open_stage: int | None = None


def _counts(s: Session, seller_id: int, batch_ids: list[int]) -> dict[int, _Tally]:
    out = {i: _Tally() for i in batch_ids}
    if not batch_ids:
        return out
    for batch_id, status, lowest, n in s.execute(
        select(OrderProcessing.batch_id, OrderProcessing.status, func.min(OrderProcessing.stage), func.count())
        .where(OrderProcessing.seller_id == seller_id, OrderProcessing.batch_id.in_(batch_ids))
        .group_by(OrderProcessing.batch_id, OrderProcessing.status)
    ):
        tally = out[batch_id]
        tally.orders[status] = int(n)
        if status in IN_FLOW:
            stage = int(lowest)
            tally.lowest_open_stage = min(
                stage, tally.lowest_open_stage if tally.lowest_open_stage is not None else stage
            )
    return out


def _view(b: ProcessingBatch, account: AccountRef, counts: _Tally) -> BatchView:
    return BatchView(
        id=b.id,
        account=account,
        ist_day=b.ist_day,
        batch_no=b.batch_no,
        closure_policy=b.closure_policy,
        cutoff_at=b.cutoff_at,
        stage=b.stage,
        status=b.status,
        manifest_ref=b.manifest_ref,
        created_at=b.created_at,
        updated_at=b.updated_at,
        orders=dict(sorted(counts.orders.items())),
        lowest_open_stage=counts.lowest_open_stage,
    )


def list_batches(
    s: Session,
    seller_id: int,
    filters: BatchFilters = BatchFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[BatchView]:
    """Dispatch batches, newest first."""
    status = enum_value("status", filters.status, BatchStatus)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[BatchView](items=[])
    q = where_given(
        select(ProcessingBatch).where(scope.rows_of(ProcessingBatch)),
        equal(ProcessingBatch.status, status),
    )
    day = text_value("ist_day", filters.ist_day)
    if day:
        q = q.where(ProcessingBatch.ist_day == day)
    since = text_value("ist_day_from", filters.ist_day_from)
    if since:
        q = q.where(ProcessingBatch.ist_day >= since)
    rows, next_cursor = paginate(
        s, q, BATCHES, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].created_at, r[0].id)
    )
    batches = [b for (b,) in rows]
    counts = _counts(s, seller_id, [b.id for b in batches])
    return Page[BatchView](
        items=[_view(b, scope.accounts[b.marketplace_account_id], counts[b.id]) for b in batches],
        next_cursor=next_cursor,
    )


def get_batch(s: Session, seller_id: int, batch_id: int) -> BatchDetail:
    batch = s.execute(
        select(ProcessingBatch).where(ProcessingBatch.id == batch_id, ProcessingBatch.seller_id == seller_id)
    ).scalar_one_or_none()
    if batch is None:
        raise NotFound(f"processing batch {batch_id} does not exist")
    account = seller_accounts(s, seller_id)[batch.marketplace_account_id]
    orders = s.execute(
        select(OrderProcessing, Order)
        .join(Order, (Order.id == OrderProcessing.order_id) & (Order.seller_id == seller_id))
        .where(OrderProcessing.batch_id == batch.id, OrderProcessing.seller_id == seller_id)
        .order_by(Order.ordered_at, Order.id)
    ).all()
    steps = s.execute(
        select(ProcessingStep)
        .where(ProcessingStep.batch_id == batch.id, ProcessingStep.seller_id == seller_id)
        .order_by(ProcessingStep.occurred_at, ProcessingStep.id)
    ).scalars()
    counts = _counts(s, seller_id, [batch.id])[batch.id]
    return BatchDetail(
        **_view(batch, account, counts).model_dump(),
        order_list=[
            BatchOrderView(
                order_id=o.id,
                external_id=o.external_id,
                status=p.status,
                stage=p.stage,
                held_reason=p.held_reason,
                dispatch_by=o.dispatch_by,
            )
            for p, o in orders
        ],
        steps=[step_view(st) for st in steps],
    )
