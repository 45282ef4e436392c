"""Returns and payouts as the dashboard lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robnu.db.models import Marketplace, MarketplaceAccount, MarketplacePayout, OrderReturn, PayoutLineItem
from robnu.db.money_models import ReconciliationBatch
from robnu.domain.clock import ist_date
from robnu.domain.errors import NotFound

LIMIT = 200


@dataclass(frozen=True)
class ReturnRow:
    id: int
    external_id: str
    marketplace: str
    order_external_id: str
    order_id: int | None
    kind: str
    status: str
    reason: str | None
    awb: str | None
    requested_at: datetime | None
    refund: Decimal | None
    internal_status: str


def list_returns(
    s: Session, seller_id: int, *, kind: str | None = None, status: str | None = None, q: str | None = None
) -> list[ReturnRow]:
    query = (
        select(OrderReturn, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == OrderReturn.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(OrderReturn.seller_id == seller_id)
        .order_by(OrderReturn.requested_at.desc(), OrderReturn.id.desc())
        .limit(LIMIT)
    )
    if kind:
        query = query.where(OrderReturn.kind == kind)
    if status:
        query = query.where(OrderReturn.status == status)
    if q:
        term = q.strip()[:100]
        query = query.where(
            OrderReturn.external_id.startswith(term, autoescape=True)
            | OrderReturn.return_awb.startswith(term, autoescape=True)
            | OrderReturn.order_external_id.startswith(term, autoescape=True)
        )
    return [
        ReturnRow(
            r.id,
            r.external_id,
            code,
            r.order_external_id,
            r.order_id,
            r.kind,
            r.status,
            r.reason,
            r.return_awb,
            r.requested_at,
            r.refund_amount,
            r.internal_status,
        )
        for r, code in s.execute(query).all()
    ]


@dataclass(frozen=True)
class PayoutRow:
    id: int
    external_id: str
    marketplace: str
    account_id: int
    status: str
    period_start: datetime | None
    period_end: datetime | None
    paid_at: datetime | None
    net_amount: Decimal
    fees: Decimal  # every negative line: commission, fees, their GST, TCS/TDS
    reconciliation: str  # the latest reconciliation of its period: RECONCILED, DELTAS, or NOT RUN


@dataclass
class PayoutDetail:
    row: PayoutRow
    lines: list[tuple[str, str | None, str | None, Decimal, datetime | None]] = field(default_factory=list)


def _period(p: MarketplacePayout) -> str | None:
    at = p.period_end or p.paid_at or p.period_start
    return ist_date(at)[:7] if at else None


def list_payouts(s: Session, seller_id: int, *, payout_id: int | None = None) -> list[PayoutRow]:
    query = (
        select(MarketplacePayout, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == MarketplacePayout.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(MarketplacePayout.seller_id == seller_id)
        .order_by(MarketplacePayout.paid_at.desc(), MarketplacePayout.id.desc())
        .limit(LIMIT)
    )
    if payout_id is not None:
        query = query.where(MarketplacePayout.id == payout_id)
    payouts = s.execute(query).all()
    ids = [p.id for p, _ in payouts]
    fees = dict(
        s.execute(
            select(PayoutLineItem.payout_id, func.sum(PayoutLineItem.amount))
            .where(PayoutLineItem.seller_id == seller_id, PayoutLineItem.payout_id.in_(ids), PayoutLineItem.amount < 0)
            .group_by(PayoutLineItem.payout_id)
        )
        .tuples()
        .all()
    )
    latest: dict[tuple[int, str], str] = {}
    for account_id, period, status in s.execute(
        select(ReconciliationBatch.marketplace_account_id, ReconciliationBatch.period, ReconciliationBatch.status)
        .where(ReconciliationBatch.seller_id == seller_id)
        .order_by(ReconciliationBatch.run_no)
    ):
        latest[(account_id, period)] = status
    return [
        PayoutRow(
            p.id,
            p.external_id,
            code,
            p.marketplace_account_id,
            p.status,
            p.period_start,
            p.period_end,
            p.paid_at,
            p.net_amount,
            -Decimal(fees.get(p.id) or 0),
            latest.get((p.marketplace_account_id, _period(p) or ""), "NOT RUN"),
        )
        for p, code in payouts
    ]


def payout_detail(s: Session, seller_id: int, payout_id: int) -> PayoutDetail:
    """One of the seller's payouts with its lines; another seller's is NotFound."""
    rows = list_payouts(s, seller_id, payout_id=payout_id)
    if not rows:
        raise NotFound(f"payout {payout_id} does not exist")
    detail = PayoutDetail(rows[0])
    detail.lines = [
        (li.line_type, li.raw_type, li.order_external_id, li.amount, li.occurred_at)
        for li in s.execute(
            select(PayoutLineItem)
            .where(PayoutLineItem.seller_id == seller_id, PayoutLineItem.payout_id == payout_id)
            .order_by(PayoutLineItem.occurred_at, PayoutLineItem.id)
        ).scalars()
    ]
    return detail


def payouts_vs_fees(s: Session, seller_id: int) -> list[tuple[str, Decimal, Decimal]]:
    """(IST month, net paid, fees) per month: the chart on the Payouts page."""
    months: dict[str, list[Decimal]] = {}
    for row in list_payouts(s, seller_id):
        at = row.paid_at or row.period_end
        if at is None:
            continue
        m = months.setdefault(ist_date(at)[:7], [Decimal(0), Decimal(0)])
        m[0] += row.net_amount
        m[1] += row.fees
    return [(month, v[0], v[1]) for month, v in sorted(months.items())]
