"""Fixtures for Amazon India full processing: a Runtime wired to the Amazon sandbox (in-process HTTP, like
tests/conformance/conftest.py), a connected account with its seller GSTIN, and helpers to sync ORDERS
and run full processing through the adapter."""

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
from robnu.domain.statuses import Plan
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

CODE = "AMAZON_IN"


@dataclass
class Proc:
    world: SandboxWorld
    rt: Runtime
    sandbox: Any
    creds: dict[str, Any]
    key: str
    account_id: int

    def orders(self, count: int, *, track: str = "SELF_SHIP") -> list[str]:
        """Fresh orders (created over the last 10 minutes), then 2 hours on so they are UNSHIPPED."""
        ids: list[str] = self.sandbox.generate_orders(self.key, count, days=10 / 1440, track=track)
        self.advance(timedelta(hours=2))
        return ids

    def advance(self, delta: timedelta) -> None:
        self.world.clock.advance(delta)

    def sync(self) -> None:
        outcome = SyncEngine(self.rt).run(self.account_id, ScheduleTarget.ORDERS)
        assert outcome.error is None, outcome

    def process(self, *, crash_after_stage: int | None = None, **options: Any) -> ProcessingReport:
        """Run full processing; ``crash_after_stage`` makes the run die after that stage's effects."""
        return process_account(self.rt, self.account_id, options, ledger=crash_after(crash_after_stage))

    def order_ids(self) -> dict[str, int]:
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Order.external_id, Order.id).where(Order.marketplace_account_id == self.account_id)
            ).tuples()
            return dict(rows.all())

    def confirmations(self) -> list[dict[str, Any]]:
        return list(self.sandbox.pushed(self.key)["confirmations"])


def _make(settings: Settings, plan: str) -> Iterator[Proc]:
    with wired_runtime(settings, (CODE,), max_retries=6, backfill_days=2) as (world, rt):
        seller_id = create_seller(rt, "Amazon processing", plan=plan)
        account_id, creds = connect_sandbox_account(rt, world, CODE, seller_id)
        yield Proc(world, rt, world[CODE], creds, creds["account_key"], account_id)


@pytest.fixture
def proc(settings: Settings) -> Iterator[Proc]:
    yield from _make(settings, Plan.GROWTH)


@pytest.fixture
def free_proc(settings: Settings) -> Iterator[Proc]:
    yield from _make(settings, Plan.FREE)
