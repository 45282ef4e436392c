"""Periods: an IST calendar month of payouts. A payout belongs to the month it was paid in (or, not paid yet, the
month its statement closed); a line that never came belongs to the payout that should have carried it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from robnu.db.models import MarketplacePayout
from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> str:
    value = text.strip()
    if not _PERIOD.match(value):
        raise InvalidInput("period", f"{text!r} is not a month like 2026-11")
    return value


def bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of the IST month, as aware datetimes."""
    year, month = (int(x) for x in parse_period(period).split("-"))
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=IST)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, datetime.combine(nxt, time(0), tzinfo=IST)


def settled_on(payout: MarketplacePayout) -> datetime:
    """When a payout counts as settled: its payment, else the close of its statement, else its last change."""
    return payout.paid_at or payout.period_end or payout.source_updated_at


def period_of(at: datetime) -> str:
    return at.astimezone(IST).strftime("%Y-%m")


# Payouts of a month's last days are published, paid or re-issued in the first days of the next one.
LATE_SETTLEMENT = timedelta(days=7)


def due_periods(now: datetime) -> list[str]:
    """The periods a scheduled run reconciles: this IST month, and the last one while its late settlements
    still come in (the first week of the month)."""
    return sorted({period_of(now - LATE_SETTLEMENT), period_of(now)})


def statement_end(payout: MarketplacePayout) -> datetime | None:
    return payout.period_end or payout.paid_at


def published_until(payouts: Sequence[MarketplacePayout]) -> datetime | None:
    """The end of the newest statement the marketplace has published (its period end, or the day it paid)."""
    ends = [end for p in payouts if (end := statement_end(p)) is not None]
    return max(ends) if ends else None


def carrier_of(due_at: datetime, payouts: Sequence[MarketplacePayout]) -> MarketplacePayout | None:
    """The first published statement whose period ends after ``due_at``: the one that should have carried a
    line due then."""
    later = [(end, p.id, p) for p in payouts if (end := statement_end(p)) is not None and end > due_at]
    return min(later, key=lambda t: (t[0], t[1]))[2] if later else None
