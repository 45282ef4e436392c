"""Meesho full processing against the Meesho sandbox over HTTP: a runtime wired to the sandbox (as in
tests/conformance/conftest.py), a FREE seller with one connected account, helpers to create sub-orders,
sync them and run full processing through the adapter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.processing.crash import crash_after
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

from robnu.adapters.base import ProcessingReport
from robnu.config import Settings
from robnu.db.models import Order
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

# A plain sub-order: one item, no verification, no address hold, no customer cancel (the sandbox would
# otherwise draw them at its modelled rates).
PLAIN: dict[str, Any] = {"items": 1, "unverified": False, "hold": False, "customer_cancel_after": None}


@dataclass
class MeeshoProcessing:
    world: SandboxWorld
    rt: Runtime
    sandbox: Any
    key: str
    seller_id: int
    account_id: int

    @property
    def supplier(self) -> Any:
        return self.sandbox.world.account(self.key)

    def new_orders(self, count: int, **options: Any) -> list[str]:
        nos: list[str] = []
        for _ in range(count):
            nos += self.sandbox.world.create_order(self.supplier, {**PLAIN, **options})
        return nos

    def advance(self, delta: timedelta) -> None:
        self.world.clock.advance(delta)

    def sync(self) -> None:
        """Let the sync safety lag pass, then pull ORDERS."""
        self.advance(timedelta(minutes=5))
        outcome = SyncEngine(self.rt).run(self.account_id, ScheduleTarget.ORDERS)
        assert outcome.error is None, outcome.error

    def process(self, *, crash_after_stage: int | None = None, **options: Any) -> ProcessingReport:
        """Run full processing; ``crash_after_stage`` makes the run die after that stage's effects."""
        return process_account(self.rt, self.account_id, options, ledger=crash_after(crash_after_stage))

    def order_ids(self) -> dict[str, int]:
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Order.external_id, Order.id).where(Order.marketplace_account_id == self.account_id)
            ).tuples()
            return {no: oid for no, oid in rows}

    def pushed(self) -> dict[str, Any]:
        result: dict[str, Any] = self.sandbox.pushed(self.key)
        return result


@pytest.fixture
def mp(settings: Settings) -> Iterator[MeeshoProcessing]:
    with wired_runtime(settings, ("MEESHO",), max_retries=6) as (world, rt):
        seller_id = create_seller(rt, "Meesho Processing", plan="FREE")
        account_id, creds = connect_sandbox_account(rt, world, "MEESHO", seller_id)
        yield MeeshoProcessing(world, rt, world["MEESHO"], creds["account_key"], seller_id, account_id)
