"""The sandboxes' orjson-rendered responses carry the very bytes Starlette's JSONResponse would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.responses import JSONResponse

from robnu.sandbox.amazon_in.constants import INCLUDED_DATA
from robnu.sandbox.amazon_in.money import finances_2024_currency, finances_v0_currency
from robnu.sandbox.amazon_in.orders_json import order_2026
from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.world import SandboxWorld

START = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def _same_bytes(body: Any) -> None:
    assert FastJSONResponse(body).body == JSONResponse(body).body


def test_a_page_of_generated_orders_renders_to_the_same_bytes() -> None:
    world = SandboxWorld.frozen_at(START, codes=("AMAZON_IN",), rate_limits_enabled=False)
    sandbox = world["AMAZON_IN"]
    creds = sandbox.create_account()
    sandbox.generate_orders(creds["account_key"], 300, days=20)
    account = sandbox.world.account(creds["account_key"])  # type: ignore[attr-defined]
    now_s = int(START.timestamp())
    orders = [
        order_2026(o, now_s, frozenset(INCLUDED_DATA), (account.seller_name, account.gstin))
        for o in account.orders.values()
    ]
    assert len(orders) == 300
    _same_bytes({"orders": orders, "pagination": {"nextToken": "eyJhIjoxfQ"}, "createdBefore": "2026-11-20T06:28:00Z"})


def test_amounts_text_and_literals_render_to_the_same_bytes() -> None:
    rng = random.Random(14)
    paise = [0, 1, 5, 99, 100, 49_900, -49_900, 10**9, *(rng.randint(-(10**10), 10**10) for _ in range(2000))]
    body = {
        "v0": [finances_v0_currency(p) for p in paise],
        "v2024": [finances_2024_currency(p) for p in paise],
        "names": ["अनन्या शर्मा", "முருகன்", "Zoë \"quoted\" \\ back\nslash", "\u2028\u2029", "\x00\x1f", ""],
        "literals": [True, False, None, 0, -1, 2**53, 2**63 - 1, 0.5, 1.0, [], {}],
    }
    _same_bytes(body)


@dataclass
class _Point:
    x: int


@pytest.mark.parametrize("value", [START, _Point(1), Decimal("1.00"), {1, 2}, b"raw"], ids=type)
def test_what_the_standard_encoder_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        JSONResponse({"v": value})
    with pytest.raises(TypeError):
        FastJSONResponse({"v": value})
