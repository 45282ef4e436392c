"""Money arithmetic shared by the rate cards and reconciliation: Decimal only, paise rounded half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q2(value: Decimal) -> Decimal:
    """Round to paise, half-up: how tax and fee amounts are rounded per line (see docs/reconciliation.md)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def taxable_value(inclusive: Decimal, gst_percent: Decimal) -> Decimal:
    """The value before GST of a GST-inclusive amount: e.g. 499 at 5 % -> 475.24."""
    return q2(inclusive / (1 + gst_percent / 100))


def rupees(amount: Decimal) -> str:
    """Indian digit grouping for display only: 123456.5 -> '₹1,23,456.50'."""
    sign = "-" if amount < 0 else ""
    whole, _, paise = f"{abs(q2(amount)):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join([*groups, tail]) if groups else tail
    return f"{sign}\u20b9{grouped}.{paise}"
