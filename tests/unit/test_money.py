"""Money rounds half-up to paise, as Indian tax invoices do (Python's Decimal default is half-even)."""

from __future__ import annotations

from decimal import Decimal

from robnu.domain.clock import IST, as_utc, ist_day, ist_midnight
from robnu.domain.money import gst_inside, paise, split_gst


def test_paise_round_half_up() -> None:
    assert paise(Decimal("2.345")) == Decimal("2.35")  # half-even would give 2.34
    assert paise(Decimal("2.355")) == Decimal("2.36")
    assert paise("-2.345") == Decimal("-2.35")  # away from zero, like the positive side
    assert paise(7) == Decimal("7.00")


def test_gst_inside_an_inclusive_price_and_its_split() -> None:
    assert gst_inside(Decimal("1299.00"), Decimal("5")) == Decimal("61.86")  # 1299 x 5/105 = 61.857
    assert gst_inside(Decimal("100.00"), Decimal("0")) == Decimal("0.00")
    cgst, sgst, igst = split_gst(Decimal("61.87"), intra_state=True)
    assert (cgst, sgst, igst) == (Decimal("30.94"), Decimal("30.93"), Decimal("0.00"))
    assert cgst + sgst == Decimal("61.87")  # the halves always add up to the tax
    assert split_gst(Decimal("61.87"), intra_state=False) == (Decimal("0.00"), Decimal("0.00"), Decimal("61.87"))


def test_one_ist() -> None:
    from datetime import UTC, date, datetime

    late = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 00:30 IST the next day
    assert ist_day(late) == date(2026, 11, 21)
    assert ist_midnight(date(2026, 11, 21)) == datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    assert as_utc(datetime(2026, 11, 20, 12, 0)) == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert late.astimezone(IST).utcoffset().total_seconds() == 5.5 * 3600  # type: ignore[union-attr]
