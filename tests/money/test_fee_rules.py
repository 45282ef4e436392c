"""Rate cards as dated rows: parsing names the bad row and column, overlapping rows are refused, the most
specific row (and a seller's own) wins, and a rate change is a new row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from robnu.domain.errors import InvalidInput
from robnu.domain.fee_rules import COLUMNS, FeeRule, NoFeeRule, RateCard, parse_rate_card
from robnu.services.reconciliation.rates import published_card

HEADER = ",".join(COLUMNS) + "\n"


def test_published_cards_load_for_every_marketplace_with_the_statutory_rows() -> None:
    for code in ("AJIO", "MEESHO", "FLIPKART", "AMAZON_IN"):
        card = published_card(code)
        assert card.find("GST_ON_FEES", date(2026, 11, 1)).rate_percent == Decimal(18)
        assert card.find("CLAIM_WINDOW_DAYS", date(2026, 11, 1)).flat == Decimal(60)


def test_tcs_and_tds_are_dated_rows_not_code() -> None:
    card = published_card("AJIO")
    assert card.find("TCS", date(2024, 7, 9)).rate_percent == Decimal(1)
    assert card.find("TCS", date(2024, 7, 10)).rate_percent == Decimal("0.5")
    assert card.find("TDS", date(2024, 9, 30)).rate_percent == Decimal(1)
    assert card.find("TDS", date(2024, 10, 1)).rate_percent == Decimal("0.1")


def test_bands_minimums_and_slabs() -> None:
    card = published_card("AJIO")
    below = card.find("MARGIN", date(2026, 1, 5), band=Decimal("399"))
    assert below.percent_of(Decimal("399")) == Decimal(150)  # 19 % is 75.81: the minimum applies below 475
    assert card.find("MARGIN", date(2026, 1, 5), band=Decimal("1299")).percent_of(Decimal("1299")) == Decimal("246.81")
    assert card.find("FORWARD_LOGISTICS", date(2026, 1, 5), band=Decimal("474.99")).flat == 0
    meesho = published_card("MEESHO").find("FORWARD_SHIPPING_FEE", date(2026, 1, 5))
    assert (meesho.slab(500), meesho.slab(501), meesho.slab(1200)) == (Decimal(72), Decimal(96), Decimal(120))
    amazon = published_card("AMAZON_IN").find("REFUND_COMMISSION", date(2026, 1, 5))
    assert amazon.percent_of(Decimal(2000)) == Decimal(300)  # 20 % is 400: at most 300


def test_gst_slabs_change_on_22_september_2025() -> None:
    card = published_card("FLIPKART")
    assert card.find("GST_RATE", date(2025, 9, 21), category="APPAREL", band=Decimal(1999)).rate_percent == 12
    assert card.find("GST_RATE", date(2025, 9, 22), category="APPAREL", band=Decimal(1999)).rate_percent == 5
    with pytest.raises(NoFeeRule, match="GST_RATE"):
        card.find("GST_RATE", date(2026, 1, 1), category="TOYS", band=Decimal(100))


def test_a_rate_change_is_a_new_row_and_the_most_specific_row_wins() -> None:
    card = parse_rate_card(
        "X",
        HEADER
        + "COMMISSION,2026-01-01,2026-03-31,,,,,,10,,,,,,\n"
        + "COMMISSION,2026-04-01,,,,,,,12,,,,,,the new rate\n"
        + "COMMISSION,2026-01-01,,shoes,,,,,8,,,,,,\n",
    )
    assert card.find("COMMISSION", date(2026, 3, 31)).rate_percent == 10
    assert card.find("COMMISSION", date(2026, 4, 1)).rate_percent == 12
    assert card.find("COMMISSION", date(2026, 4, 1), category="shoes").rate_percent == 8
    own = FeeRule("COMMISSION", date(2026, 1, 1), rate_percent=Decimal(9), priority=1, source="account rule 1")
    assert card.with_rules([own]).find("COMMISSION", date(2026, 5, 1), category="shoes").rate_percent == 9


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("COMMISSION,2026-13-01,,,,,,,10,,,,,,", "row 1 valid_from"),
        (",2026-01-01,,,,,,,10,,,,,,", "row 1 fee"),
        ("COMMISSION,2026-01-01,,,,,,,ten,,,,,,", "row 1 rate_percent"),
        ("COMMISSION,2026-01-01,,,UPI,,,,10,,,,,,", "row 1 payment"),
        ("COMMISSION,2026-01-01,,,,,,,,,,,,,", "row 1 rate_percent"),
        ("COMMISSION,2026-02-01,2026-01-01,,,,,,10,,,,,,", "row 1 valid_to"),
        ("SHIPPING,2026-01-01,,,,,,,,40,,,0.5,20,", "row 1 slab_grams"),
    ],
)
def test_a_bad_row_is_refused_naming_the_row_and_the_column(row: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_rate_card("X", HEADER + row + "\n")
    assert err.value.field == f"X.csv {field}"


def test_overlapping_rows_are_refused() -> None:
    with pytest.raises(InvalidInput, match="overlaps"):
        parse_rate_card("X", HEADER + "FEE,2026-01-01,,,,,0,500,,10,,,,,\nFEE,2026-03-01,,,,,500,,,20,,,,,\n")
    parse_rate_card("X", HEADER + "FEE,2026-01-01,,,,,0,499.99,,10,,,,,\nFEE,2026-03-01,,,,,500,,,20,,,,,\n")
    with pytest.raises(InvalidInput, match="unknown column"):
        parse_rate_card("X", "fee,valid_from,colour\nFEE,2026-01-01,red\n")


def test_a_card_without_a_marketplace_file_has_the_statutory_rows_only() -> None:
    card = published_card("FIFTH")
    assert isinstance(card, RateCard) and card.find("TCS", date(2026, 1, 1)).rate_percent == Decimal("0.5")
    with pytest.raises(NoFeeRule):
        card.find("COMMISSION", date(2026, 1, 1))
