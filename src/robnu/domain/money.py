"""Money rules shared by every marketplace: amounts in rupees as ``Decimal``, rounded to paise half-up.

Why half-up: GST law rounds half-up (the Act rounds tax payable to the rupee with fifty paise and more
going up), Indian tax invoices and the e-invoice schema print amounts rounded the same way to paise, and
the marketplaces' own settlement and invoice figures follow it. Python's default for ``Decimal.quantize``
is half-even ("banker's rounding"), which turns 2.345 into 2.34 where an Indian invoice shows 2.35, so
every rounding of money goes through ``paise`` instead of a bare ``quantize``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PAISE = Decimal("0.01")
ZERO = Decimal("0.00")


def paise(amount: Decimal | int | str) -> Decimal:
    """``amount`` in rupees rounded half-up to paise (see the module doc)."""
    return Decimal(amount).quantize(PAISE, rounding=ROUND_HALF_UP)


def gst_inside(total: Decimal, rate: Decimal) -> Decimal:
    """The GST contained in a GST-inclusive ``total`` at ``rate`` percent, rounded to paise."""
    if rate <= 0:
        return ZERO
    return paise(total * rate / (Decimal(100) + rate))


def split_gst(tax: Decimal, *, intra_state: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(CGST, SGST, IGST) of a tax amount: halves within one state (the odd paisa to SGST), IGST across
    states. The parts always add up to ``tax``."""
    if not intra_state:
        return ZERO, ZERO, paise(tax)
    half = paise(tax / 2)
    return half, paise(tax) - half, ZERO


def taxable_value(inclusive: Decimal, gst_percent: Decimal) -> Decimal:
    """The value before GST of a GST-inclusive amount: e.g. 499 at 5 % -> 475.24."""
    return paise(inclusive / (1 + gst_percent / 100))


def rupees(amount: Decimal) -> str:
    """Indian digit grouping for display only: 123456.5 -> '\u20b91,23,456.50'."""
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(paise(amount)):.2f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join([*groups, tail]) if groups else tail
    return f"{sign}\u20b9{grouped}.{fraction}"
