"""Payouts and their lines as the seller reads them. A line carries its reconciliation status when a
reconciliation run has looked at it: the newest ``reconciliation_items`` row for the line (MATCHED, DELTA,
UNEXPECTED, UNVERIFIED), with the amount Robnu expected and the adjustment it raised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplacePayout, PayoutLineItem
from robnu.db.money_models import ReconciliationBatch, ReconciliationItem
from robnu.domain.clock import ist_date
from robnu.domain.errors import NotFound
from robnu.domain.statuses import PayoutStatus
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
from robnu.services.queries.money import claims_of_adjustments
from robnu.services.queries.stats import fees_by_payout

NOT_RUN = "NOT_RUN"

PAYOUTS = Keyset("payouts", (MarketplacePayout.created_at, MarketplacePayout.id))


@dataclass(frozen=True)
class PayoutFilters:
    """``paid_from``/``paid_to`` bound the payout's paid date; ``q`` is an exact settlement id."""

    marketplace: str | None = None
    account_id: int | None = None
    status: str | None = None
    paid_from: datetime | None = None
    paid_to: datetime | None = None
    q: str | None = None


class PayoutSummary(Dto):
    id: int
    external_id: str
    account: AccountRef
    status: str
    raw_status: str
    period_start: datetime | None
    period_end: datetime | None
    paid_at: datetime | None
    net_amount: Decimal
    currency: str
    fees: Decimal  # every negative line (commission, fees, their GST, TCS/TDS), as a positive amount
    reconciliation_status: str  # the latest reconciliation run of its period: RECONCILED, DELTAS or NOT_RUN


class PayoutLineView(Dto):
    id: int
    external_id: str
    line_type: str
    raw_type: str | None
    order_id: int | None
    order_external_id: str | None
    order_item_external_id: str | None
    description: str | None
    amount: Decimal
    currency: str
    occurred_at: datetime | None
    reconciliation_status: str | None  # None: no reconciliation run has looked at this line yet
    expected_amount: Decimal | None
    adjustment_id: int | None
    claim_id: int | None  # the claim filed on that adjustment, if any


class PayoutDetail(PayoutSummary):
    lines: list[PayoutLineView]
    reconciliation: dict[str, int]  # line count per reconciliation status ("NOT_RECONCILED" for the rest)


def _period(p: MarketplacePayout) -> str | None:
    """The IST month a payout belongs to for reconciliation (its period's end, else when it was paid)."""
    at = p.period_end or p.paid_at or p.period_start
    return ist_date(at)[:7] if at else None


def _reconciled(s: Session, seller_id: int, payouts: list[MarketplacePayout]) -> dict[int, str]:
    """Each payout's reconciliation status: the status of the latest run of its account and period."""
    wanted = {(p.marketplace_account_id, period) for p in payouts if (period := _period(p)) is not None}
    latest: dict[tuple[int, str], str] = {}
    if wanted:
        for account_id, period, status in s.execute(
            select(ReconciliationBatch.marketplace_account_id, ReconciliationBatch.period, ReconciliationBatch.status)
            .where(
                ReconciliationBatch.seller_id == seller_id,
                ReconciliationBatch.period.in_({period for _, period in wanted}),
            )
            .order_by(ReconciliationBatch.run_no, ReconciliationBatch.id)
        ):
            latest[(account_id, period)] = status  # later runs overwrite earlier ones
    return {p.id: latest.get((p.marketplace_account_id, _period(p) or ""), NOT_RUN) for p in payouts}


def _summaries(
    s: Session, seller_id: int, payouts: list[MarketplacePayout], accounts: dict[int, AccountRef]
) -> list[PayoutSummary]:
    fees = fees_by_payout(s, seller_id, [p.id for p in payouts])
    reconciled = _reconciled(s, seller_id, payouts)
    return [
        _summary(p, accounts[p.marketplace_account_id], fees.get(p.id, Decimal(0)), reconciled[p.id]) for p in payouts
    ]


def _summary(p: MarketplacePayout, account: AccountRef, fees: Decimal, reconciliation: str) -> PayoutSummary:
    return PayoutSummary(
        id=p.id,
        external_id=p.external_id,
        account=account,
        status=p.status,
        raw_status=p.raw_status,
        period_start=p.period_start,
        period_end=p.period_end,
        paid_at=p.paid_at,
        net_amount=p.net_amount,
        currency=p.currency,
        fees=fees,
        reconciliation_status=reconciliation,
    )


def list_payouts(
    s: Session,
    seller_id: int,
    filters: PayoutFilters = PayoutFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[PayoutSummary]:
    """The seller's payouts, newest first (as Robnu first stored them), one page after ``cursor``."""
    status = enum_value("status", filters.status, PayoutStatus)
    paid_from, paid_to = check_range("paid", filters.paid_from, filters.paid_to)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[PayoutSummary](items=[])
    q = where_given(
        select(MarketplacePayout).where(scope.rows_of(MarketplacePayout)),
        equal(MarketplacePayout.status, status),
        at_least(MarketplacePayout.paid_at, paid_from),
        before(MarketplacePayout.paid_at, paid_to),
    )
    code = text_value("q", filters.q)
    if code:
        q = q.where(MarketplacePayout.external_id == code)
    rows, next_cursor = paginate(
        s, q, PAYOUTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].created_at, r[0].id)
    )
    return Page[PayoutSummary](
        items=_summaries(s, seller_id, [p for (p,) in rows], scope.accounts), next_cursor=next_cursor
    )


def get_payout(s: Session, seller_id: int, payout_id: int) -> PayoutDetail:
    payout = s.execute(
        select(MarketplacePayout).where(MarketplacePayout.id == payout_id, MarketplacePayout.seller_id == seller_id)
    ).scalar_one_or_none()
    if payout is None:
        raise NotFound(f"payout {payout_id} does not exist")
    lines = list(
        s.execute(
            select(PayoutLineItem)
            .where(PayoutLineItem.payout_id == payout.id, PayoutLineItem.seller_id == seller_id)
            .order_by(PayoutLineItem.id)
        ).scalars()
    )
    newest: dict[int, ReconciliationItem] = {}
    for item in s.execute(
        select(ReconciliationItem)
        .where(ReconciliationItem.payout_id == payout.id, ReconciliationItem.seller_id == seller_id)
        .order_by(ReconciliationItem.batch_id, ReconciliationItem.id)
    ).scalars():
        if item.payout_line_id is not None:
            newest[item.payout_line_id] = item  # later batches overwrite earlier ones
    claims = claims_of_adjustments(s, seller_id, [i.adjustment_id for i in newest.values() if i.adjustment_id])
    views = []
    for line in lines:
        rec = newest.get(line.id)
        views.append(
            PayoutLineView(
                id=line.id,
                external_id=line.external_id,
                line_type=line.line_type,
                raw_type=line.raw_type,
                order_id=line.order_id,
                order_external_id=line.order_external_id,
                order_item_external_id=line.order_item_external_id,
                description=line.description,
                amount=line.amount,
                currency=line.currency,
                occurred_at=line.occurred_at,
                reconciliation_status=rec.status if rec else None,
                expected_amount=rec.expected_amount if rec else None,
                adjustment_id=rec.adjustment_id if rec else None,
                claim_id=claims.get(rec.adjustment_id) if rec and rec.adjustment_id else None,
            )
        )
    counts = Counter(v.reconciliation_status or "NOT_RECONCILED" for v in views)
    return PayoutDetail(
        **_summaries(s, seller_id, [payout], seller_accounts(s, seller_id))[0].model_dump(),
        lines=views,
        reconciliation=dict(sorted(counts.items())),
    )
