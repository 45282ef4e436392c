from __future__ import annotations

from decimal import Decimal

from robnu.web.formatting import inr


def test_rupees_use_lakh_grouping_and_keep_the_sign() -> None:
    assert inr(Decimal("1234567.891")) == "₹12,34,567.89"
    assert inr(Decimal("-999.5")) == "-₹999.50"
    assert inr(0) == "₹0.00"
    assert inr(None) == "—"
