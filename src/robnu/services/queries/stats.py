"""Counts and sums over time for the charts: orders per IST day per marketplace, and net payouts against their
fees and taxes per IST month. Aggregated in the database per (day or payout); the seller's handful of accounts
and a few months keep the rest small."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplacePayout, Order, PayoutLineItem
from robnu.domain.clock import ist_date
from robnu.domain.errors import InvalidInput
from robnu.services.queries.common import Dto, seller_accounts

MAX_DAYS = 366


class DayCount(Dto):
    ist_day: str  # YYYY-MM-DD
    marketplace: str
    orders: int


class MonthMoney(Dto):
    ist_month: str  # YYYY-MM
    net_paid: Decimal
    fees: Decimal  # every negative line (commission, fees, their GST, TCS/TDS), as a positive amount


def orders_per_day(s: Session, seller_id: int, since: datetime) -> list[DayCount]:
    """Orders placed since ``since`` per IST day and marketplace, oldest day first."""
    if since.tzinfo is None:
        raise InvalidInput("since", "must carry a timezone")
    accounts = seller_accounts(s, seller_id)
    counts: dict[tuple[str, str], int] = {}
    for at, account_id in s.execute(
        select(Order.ordered_at, Order.marketplace_account_id).where(
            Order.seller_id == seller_id, Order.ordered_at >= since
        )
    ):
        key = (ist_date(at), accounts[account_id].marketplace)
        counts[key] = counts.get(key, 0) + 1
    return [DayCount(ist_day=day, marketplace=code, orders=n) for (day, code), n in sorted(counts.items())]


def fees_by_payout(s: Session, seller_id: int, payout_ids: list[int] | None = None) -> dict[int, Decimal]:
    """The fees and taxes of each payout (its negative lines, as a positive amount); ``None``: every payout."""
    q = (
        select(PayoutLineItem.payout_id, func.sum(PayoutLineItem.amount))
        .where(PayoutLineItem.seller_id == seller_id, PayoutLineItem.amount < 0)
        .group_by(PayoutLineItem.payout_id)
    )
    if payout_ids is not None:
        q = q.where(PayoutLineItem.payout_id.in_(payout_ids))
    return {int(pid): -Decimal(total or 0) for pid, total in s.execute(q)}


def payouts_per_month(s: Session, seller_id: int) -> list[MonthMoney]:
    """Net paid and fees per IST month of payment (or of the period's end while unpaid), oldest month first."""
    fees = fees_by_payout(s, seller_id)
    months: dict[str, list[Decimal]] = {}
    for pid, paid_at, period_end, net in s.execute(
        select(
            MarketplacePayout.id, MarketplacePayout.paid_at, MarketplacePayout.period_end, MarketplacePayout.net_amount
        ).where(MarketplacePayout.seller_id == seller_id)
    ):
        at = paid_at or period_end
        if at is None:
            continue
        month = months.setdefault(ist_date(at)[:7], [Decimal(0), Decimal(0)])
        month[0] += net
        month[1] += fees.get(pid, Decimal(0))
    return [MonthMoney(ist_month=m, net_paid=v[0], fees=v[1]) for m, v in sorted(months.items())]
