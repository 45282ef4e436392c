"""The four money shapes of SP-API. Never share one serializer between them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robnu.sandbox.amazon_in.constants import CURRENCY


def orders_v0_money(amount: Decimal) -> dict[str, Any]:
    """Orders v0 ``Money``: ``{"CurrencyCode":"INR","Amount":"499.00"}`` (string)."""
    return {"CurrencyCode": CURRENCY, "Amount": f"{amount:.2f}"}


def orders_2026_money(amount: Decimal) -> dict[str, Any]:
    """Orders 2026-01-01 ``Money``: ``{"currencyCode":"INR","amount":"499.00"}`` (string Decimal)."""
    return {"currencyCode": CURRENCY, "amount": f"{amount:.2f}"}


def finances_v0_currency(paise: int) -> dict[str, Any]:
    """Finances v0 ``Currency``: ``{"CurrencyCode":"INR","CurrencyAmount":499.0}`` (number)."""
    return {"CurrencyCode": CURRENCY, "CurrencyAmount": paise / 100}


def finances_2024_currency(paise: int) -> dict[str, Any]:
    """Finances 2024-06-19 ``Currency``: ``{"currencyCode":"INR","currencyAmount":499.0}`` (number)."""
    return {"currencyCode": CURRENCY, "currencyAmount": paise / 100}
