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
