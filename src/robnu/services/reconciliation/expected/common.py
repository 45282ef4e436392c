"""What every statement model shares: expected lines grouped by the event that causes them, the role of a line
type, and the arithmetic the rate card does not carry (GST rate of a piece, taxable value, TCS / TDS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from robnu.domain.clock import IST
from robnu.domain.deductions import ReasonCode
from robnu.domain.fee_rules import NoFeeRule, RateCard
from robnu.domain.money import paise, taxable_value
from robnu.services.reconciliation.facts import ItemFacts, OrderFacts, Place


class Need(StrEnum):
    REQUIRED = "required"  # must be paid once due: absent when due is a finding
    OPTIONAL = "optional"  # the marketplace may or may not charge it (a decision Robnu cannot see)
    UNVERIFIED = "unverified"  # whatever comes is accepted unchecked: Robnu lacks the inputs to judge it


class Role(StrEnum):
    """What a line type is, for the sweep to name a difference."""

    SALE = "sale"
    FEE = "fee"
    SHIPPING = "shipping"  # a weight-dependent fee
    GST_ON_FEES = "gst_on_fees"
    WITHHELD = "withheld"  # TCS / TDS
    PENALTY = "penalty"
    REVERSAL = "reversal"  # a sale or fee given back or taken back on a return
    OTHER = "other"


class Event(StrEnum):
    SALE = "sale"
    CUSTOMER_RETURN = "customer_return"
    RTO = "rto"
    PENALTY = "penalty"


@dataclass(frozen=True)
class ExpectedLine:
    kind: str  # the marketplace's own line type, as adapters store it in PayoutLineItem.raw_type
    item: str | None  # order item external id; None: any line of the order (order-level charges)
    amount: Decimal | None  # None: the amount cannot be checked (its inputs are unknown)


@dataclass
class ExpectedGroup:
    """Lines one event causes. If any line of a group is paid, all of it must be (a reversal with its credits,
    a fee with its GST): a line missing beside paid ones is a finding at once, whatever the due date."""

    key: str  # stable within the order, e.g. "sale", "return:RT123", "penalty:SLA_PENALTY"
    event: Event
    need: Need
    lines: list[ExpectedLine] = field(default_factory=list)
    due_at: datetime | None = None  # when REQUIRED lines must have been paid by
    note: str = ""

    def add(self, kind: str, item: str | None, amount: Decimal | None) -> None:
        if amount is None or amount != 0:
            self.lines.append(ExpectedLine(kind, item, amount))


@dataclass(frozen=True)
class Observed:
    """A line the marketplace actually paid for the order. A model reads these only where the marketplace
    decides something Robnu cannot see (how many returned units passed its QC), never to excuse a line."""

    kind: str
    item: str | None
    amount: Decimal


class StatementModel(Protocol):
    """How one marketplace settles an order: the groups of lines Robnu's facts say it should pay, and the
    roles of its line types."""

    code: str

    def expected(self, order: OrderFacts, card: RateCard, observed: Sequence[Observed]) -> list[ExpectedGroup]: ...

    def role(self, kind: str) -> Role: ...

    def penalty_reason(self, kind: str) -> ReasonCode: ...

    def customer_return_only(self, kind: str) -> bool: ...


# -------------------------------------------------------------------------------------- arithmetic
def gst_percent(card: RateCard, item: ItemFacts, on: datetime) -> Decimal | None:
    """The GST rate of one piece of ``item`` on ``on`` from its tax class, or None without a profile."""
    if item.profile is None or item.profile.tax_class is None or item.quantity <= 0:
        return None
    unit = item.line_total / item.quantity
    try:
        return (
            card.find("GST_RATE", on.astimezone(IST).date(), category=item.profile.tax_class, band=unit).fraction * 100
        )
    except NoFeeRule:
        return None


def taxable(card: RateCard, item: ItemFacts, on: datetime, value: Decimal | None = None) -> Decimal | None:
    """The taxable value (GST excluded) of ``value`` (default: the whole line) of ``item``."""
    rate = gst_percent(card, item, on)
    if rate is None:
        return None
    return taxable_value(item.line_total if value is None else value, rate)


def withheld(card: RateCard, fee: str, base: Decimal | None, on: datetime) -> Decimal | None:
    """TCS or TDS on ``base`` at the rate valid on ``on``."""
    if base is None:
        return None
    return paise(base * card.find(fee, on.astimezone(IST).date()).fraction)


def gst_on(card: RateCard, fees: Decimal | None, on: datetime) -> Decimal | None:
    """GST on a marketplace's fees, signed like the fees (rounded half-up on the magnitude)."""
    if fees is None:
        return None
    rate = card.find("GST_ON_FEES", on.astimezone(IST).date()).fraction
    return paise(fees * rate) if fees >= 0 else -paise(-fees * rate)


def settle_lag(card: RateCard, on: datetime) -> timedelta:
    return timedelta(hours=float(card.find("SETTLE_AFTER_HOURS", on.astimezone(IST).date()).flat))


def total(*amounts: Decimal | None) -> Decimal | None:
    """The sum, or None when any part is unknown."""
    out = Decimal(0)
    for a in amounts:
        if a is None:
            return None
        out += a
    return out


def zone(pickup: Place, ship: Place) -> str | None:
    """local (same city), zonal (same first pincode digit: the postal region), national; None if unknown."""
    if not pickup.pincode or not ship.pincode:
        return None
    if pickup.pincode == ship.pincode or (
        pickup.city and ship.city and pickup.city.strip().lower() == ship.city.strip().lower()
    ):
        return "local"
    return "zonal" if pickup.pincode[0] == ship.pincode[0] else "national"


def delivered(order: OrderFacts) -> bool:
    """Reached the buyer: delivered now, or delivered and then returned by the customer."""
    if order.status == "DELIVERED" or order.delivered_at is not None:
        return True
    return bool(order.returns_of("CUSTOMER_RETURN")) and not order.returns_of("RTO")


def delivered_by(order: OrderFacts) -> datetime:
    """When it was delivered at the latest: the recorded time, else the order's last update (delivery cannot
    come after it), so a due date computed from it is never too early."""
    return order.delivered_at or order.updated_at
