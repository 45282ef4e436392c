"""Money tests' wiring: a sandbox account synced into Robnu, with what a seller declares for reconciliation (SKU
profiles, pickup place) read from the sandbox's own catalogue, and the sandbox's seeded settlement errors
armed and read through its control API (the demo's own wiring, ``robnu.cli.demo_money``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from robnu.cli.demo_money import arm, control, declare
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from tests.sandbox_wiring import connect_sandbox_account

__all__ = ["MoneyAccount", "arm", "disarm", "money_account", "sync", "truth"]


@dataclass
class MoneyAccount:
    code: str
    key: str
    account_id: int
    seller_id: int


def sync(rt: Runtime, account_id: int, *targets: ScheduleTarget) -> None:
    engine = SyncEngine(rt)
    for target in targets or (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS):
        outcome = engine.run(account_id, target)
        assert outcome.status is SyncRunStatus.SUCCEEDED, (target, outcome)


def truth(world: SandboxWorld, code: str, key: str) -> dict[str, Any]:
    return control(world, code, "GET", f"/accounts/{key}/settlement-errors")


def disarm(world: SandboxWorld, code: str, key: str) -> dict[str, Any]:
    return control(world, code, "DELETE", f"/accounts/{key}/settlement-errors")


def money_account(
    rt: Runtime, world: SandboxWorld, code: str, orders: int, *, seller_id: int | None = None
) -> MoneyAccount:
    """A sandbox account with ``orders`` orders over 30 days, connected, its catalogue declared; the clock moved
    past the sync's safety lag (nothing synced yet)."""
    sandbox = world[code]
    creds = sandbox.create_account()
    key = str(creds["account_key"])
    sandbox.generate_orders(key, orders)
    seller = seller_id or create_seller(rt, f"Money {code}", plan="GROWTH")
    account_id, _ = connect_sandbox_account(rt, world, code, seller, creds=creds)
    declare(rt, world, code, key, account_id)
    world.clock.advance(timedelta(minutes=5))
    return MoneyAccount(code, key, account_id, seller)
