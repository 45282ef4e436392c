"""Every sandbox seeds settlement errors of every class; a reconciled period finds each of them (recall 100 %),
flags nothing else (no false positive, also on an account without errors) and owes the truth to the paisa."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from robnu.config import Settings
from robnu.sandbox.seeded_errors import CLASSES, PENALTY, SLA_PENALTY
from robnu.services.reconciliation.batches import reconcile_period
from tests.money_wiring import arm, money_account, sync, truth
from tests.sandbox_wiring import sandbox_world, wired_runtime

PERIOD = "2026-11"  # the tests' clock stands at 2026-11-20 with 30 days of orders behind it
ORDERS = {"AJIO": 400, "MEESHO": 500, "FLIPKART": 500, "AMAZON_IN": 600}


def _classes(code: str) -> set[str]:
    # Amazon's seeded penalty is a late-dispatch penalty: an SLA miss on an order that shipped on time.
    return {SLA_PENALTY if (code == "AMAZON_IN" and c == PENALTY) else c for c in CLASSES}


@pytest.mark.parametrize("code", list(ORDERS))
def test_a_reconciled_period_finds_every_seeded_error_and_nothing_else(settings: Settings, code: str) -> None:
    with wired_runtime(settings, (code,), backfill_days=60) as (world, rt):
        clean = money_account(rt, world, code, ORDERS[code])
        seeded = money_account(rt, world, code, ORDERS[code], seller_id=clean.seller_id)
        plan = arm(world, code, seeded.key, PERIOD)
        assert plan["armed"] and not plan["not_placed"]
        assert {e["class"] for e in plan["errors"]} == _classes(code)
        assert truth(world, code, seeded.key) == plan  # the control API's truth is what was armed
        for account in (clean, seeded):
            sync(rt, account.account_id)

        baseline = reconcile_period(rt, clean.account_id, PERIOD)
        assert baseline.payouts > 0 and baseline.matched > 100
        assert baseline.deltas == 0 and baseline.recoverable_total == 0, [a.detail for a in baseline.adjustments]

        summary = reconcile_period(rt, seeded.account_id, PERIOD)
        found = {(a.reason_code, a.order_external_id): a.amount for a in summary.adjustments}
        expected = {(e["class"], e["order_id"]): Decimal(e["amount"]) for e in plan["errors"]}
        assert found == expected  # every error, nothing else, each to the paisa
        assert summary.recoverable_total == Decimal(plan["recoverable_total"]) > 0
        assert all(a.is_recoverable and a.status == "OPEN" for a in summary.adjustments)
        assert summary.matched > 100 and summary.problems == []


def test_seeded_errors_are_deterministic_by_seed(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",)) as (world, rt):
        account = money_account(rt, world, "MEESHO", 400)
        first = arm(world, "MEESHO", account.key, PERIOD)
        again = arm(world, "MEESHO", account.key, PERIOD)
        other = arm(world, "MEESHO", account.key, PERIOD, seed=first["seed"] + 1)
        assert first["errors"] == again["errors"]
        assert [e["order_id"] for e in other["errors"]] != [e["order_id"] for e in first["errors"]]


def test_the_control_api_checks_the_account_and_the_period() -> None:
    with sandbox_world(("AJIO",)) as world:
        client = httpx.Client(transport=world.transport(), base_url=world.endpoints()["AJIO"]["api"])
        key = world["AJIO"].create_account()["account_key"]
        assert client.post("/_sandbox/accounts/NOPE/settlement-errors", json={"period": PERIOD}).status_code == 404
        assert client.post(f"/_sandbox/accounts/{key}/settlement-errors", json={"period": "2026-13"}).status_code == 422
        empty = client.get(f"/_sandbox/accounts/{key}/settlement-errors").json()
        assert empty == {"armed": False, "errors": [], "not_placed": [], "recoverable_total": "0.00"}
        armed = client.post(f"/_sandbox/accounts/{key}/settlement-errors", json={"period": PERIOD}).json()
        assert armed["armed"] and armed["period"] == PERIOD  # a new account: nothing to place yet
        assert set(armed["not_placed"]) == set(CLASSES)
        assert client.delete(f"/_sandbox/accounts/{key}/settlement-errors").json()["armed"] is False
