"""Seeded settlement errors, shared by the four sandboxes (a world option switched on per account).

Armed for an account and a period (an IST month of settlements), a sandbox picks one order per error class -
deterministically from the world's seed, the account and the period - and from then on its statements carry the
error: a penalty with no event behind it, a return fee charged twice, a reversal whose credits never came, a
delivered order left out, a fee above the rate card, TCS / TDS on the GST-inclusive value, an RTO charged as a
customer return. Its truth (which order, which settlement, what the seller is owed) is on the control API.
Disarming corrects the statements (a re-issued statement, as after a won dispute).

modelled: the marketplaces publish no such switch; the errors are those sellers report (see
docs/reconciliation.md), placed where a reconciliation has to find them."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# The name each class goes by in a correct reconciliation (Robnu's reason codes).
PENALTY = "penalty_without_event"
SLA_PENALTY = "sla_miss"  # a late-dispatch penalty on an order shipped on time
DUPLICATE = "duplicate_charge"
REVERSAL = "reversal_missing"
UNSETTLED = "unsettled_delivery"
FEE = "fee_above_rate_card"
TAX = "tax_wrong_base"
RTO_AS_RETURN = "rto_charged_as_return"
CLASSES = (PENALTY, DUPLICATE, REVERSAL, UNSETTLED, FEE, TAX, RTO_AS_RETURN)


@dataclass
class SeededError:
    cls: str
    order_id: str  # as the marketplace names it (Meesho: the sub-order)
    item_id: str | None = None
    settlement_id: str = ""
    amount: Decimal = Decimal("0.00")  # what the seller is owed because of it
    detail: str = ""
    at: Any = None  # sandbox-specific: where in the statement the error sits (a time, a return id …)

    def view(self) -> dict[str, Any]:
        return {
            "class": self.cls,
            "order_id": self.order_id,
            "item_id": self.item_id,
            "settlement_id": self.settlement_id,
            "amount": str(self.amount),
            "detail": self.detail,
        }


@dataclass
class Plan:
    period: str
    seed: int
    errors: list[SeededError] = field(default_factory=list)
    armed: bool = True
    missing: list[str] = field(default_factory=list)  # classes no order of the period could carry
    revised_at: datetime | None = None

    def of(self, order_id: str) -> list[SeededError]:
        return [e for e in self.errors if e.order_id == order_id] if self.armed else []

    def view(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "seed": self.seed,
            "armed": self.armed,
            "errors": [e.view() for e in self.errors] if self.armed else [],
            "not_placed": self.missing,
            "recoverable_total": str(
                sum((e.amount for e in self.errors), Decimal("0.00")) if self.armed else Decimal("0.00")
            ),
        }


def view(plan: Plan | None) -> dict[str, Any]:
    """The truth of ``plan`` (nothing armed: no errors)."""
    return plan.view() if plan else {"armed": False, "errors": [], "not_placed": [], "recoverable_total": "0.00"}


def plans(holder: Any) -> dict[str, Plan]:
    """The plans kept on ``holder`` (the world, or an account object), per account key: a world option."""
    found: dict[str, Plan] = holder.__dict__.setdefault("_seeded_settlement_errors", {})
    return found


def plan_of(holder: Any, key: str) -> Plan | None:
    return plans(holder).get(key)


def rng_for(seed: int, key: str, period: str) -> random.Random:
    return random.Random(seed * 1_000_003 + zlib.crc32(f"{key}|{period}".encode()))


def month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_period(period: Any) -> str:
    """``period`` as YYYY-MM; anything else is a ValueError naming the field."""
    text = str(period or "")
    try:
        date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValueError(f"period: {text!r} is not a month like 2026-11") from None
    return text


def pick(rng: random.Random, candidates: list[Any], used: set[str], order_id: Callable[[Any], str]) -> Any | None:
    """One candidate whose order is not used by another class yet (candidates are in a stable order)."""
    free = [c for c in candidates if order_id(c) not in used]
    if not free:
        return None
    chosen = free[rng.randrange(len(free))]
    used.add(order_id(chosen))
    return chosen
