"""The SLA board as the seller reads it: every open dispatch batch with orders still in the flow, its deadline,
headroom and band, most at risk first (the watchdog's own assessment, ``robnu.services.sla``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.dispatch_models import SlaEvent
from robnu.services.queries.common import MAX_LIMIT, AccountRef, Dto, check_limit
from robnu.services.sla import assess


class SlaBatchView(Dto):
    batch_id: int
    account: AccountRef
    ist_day: str
    batch_no: int
    closure_policy: str
    cutoff_at: datetime
    deadline: datetime
    headroom_pct: float
    band: str
    open_orders: int
    recorded_band: str | None  # the lowest band already alerted for this batch
    closes_at: datetime | None  # when the policy closes the manifest by itself (None: only a user does)


def sla_board(s: Session, seller_id: int, now: datetime, *, account_id: int | None = None) -> list[SlaBatchView]:
    """The seller's watched batches at ``now`` (a board, not a list: a seller has a few open batches a day). An
    account that is not the seller's has no batches here: the board is empty, not an error."""
    return [
        SlaBatchView(
            batch_id=b.batch_id,
            account=AccountRef(account_id=b.account_id, marketplace=b.marketplace, account_name=b.account_name),
            ist_day=b.ist_day,
            batch_no=b.batch_no,
            closure_policy=b.closure_policy,
            cutoff_at=b.cutoff_at,
            deadline=b.deadline,
            headroom_pct=b.headroom_pct,
            band=b.band.value,
            open_orders=b.open_orders,
            recorded_band=None if b.recorded_band is None else b.recorded_band.value,
            closes_at=b.closes_at,
        )
        for b in assess(s, now, seller_id=seller_id, account_id=account_id)
    ]


class SlaPoint(Dto):
    """A band edge the watchdog recorded: a batch's headroom when it crossed into ``band``."""

    at: datetime
    batch_id: int
    headroom_pct: float
    band: str


def sla_history(s: Session, seller_id: int, *, limit: int = MAX_LIMIT) -> list[SlaPoint]:
    """The latest ``limit`` recorded band edges, oldest first: headroom over time."""
    check_limit(limit)
    rows = s.execute(
        select(SlaEvent.occurred_at, SlaEvent.batch_id, SlaEvent.headroom_pct, SlaEvent.band)
        .where(SlaEvent.seller_id == seller_id)
        .order_by(SlaEvent.occurred_at.desc(), SlaEvent.id.desc())
        .limit(limit)
    ).all()
    return [SlaPoint(at=at, batch_id=b, headroom_pct=float(pct), band=band) for at, b, pct, band in reversed(rows)]
