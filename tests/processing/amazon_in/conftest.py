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
from tests.conftest import FIXED_NOW, _empty_tables

from robnu.adapters.base import HttpFactory, ProcessingReport
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.models import Order
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import Plan
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

RATE_SCALE = 1000.0
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

    def process(self, **options: Any) -> ProcessingReport:
        return process_account(self.rt, self.account_id, options)

    def order_ids(self) -> dict[str, int]:
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Order.external_id, Order.id).where(Order.marketplace_account_id == self.account_id)
            ).tuples()
            return dict(rows.all())

    def confirmations(self) -> list[dict[str, Any]]:
        return list(self.sandbox.pushed(self.key)["confirmations"])


def _make(settings: Settings, plan: str) -> Iterator[Proc]:
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=(CODE,), rate_scale=RATE_SCALE)
    policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.02, rate_scale=RATE_SCALE, max_retries=6)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=world.transport())
    rt = Runtime.create(settings.model_copy(update={"backfill_days": 2}), http=http, clock=world.clock)
    _empty_tables(rt.engine)
    sandbox = world[CODE]
    creds = sandbox.create_account()
    seller_id = create_seller(rt, "Amazon processing", plan=plan)
    fields = rt.registry.get(CODE).satellite.credentials.model_fields
    data = {k: v for k, v in creds.items() if k in fields}
    account_id = connect_account(rt, seller_id, CODE, data)
    try:
        yield Proc(world, rt, sandbox, creds, creds["account_key"], account_id)
    finally:
        world.close()
        rt.engine.dispose()


@pytest.fixture
def proc(settings: Settings) -> Iterator[Proc]:
    yield from _make(settings, Plan.GROWTH)


@pytest.fixture
def free_proc(settings: Settings) -> Iterator[Proc]:
    yield from _make(settings, Plan.FREE)
