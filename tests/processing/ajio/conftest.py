"""AJIO full processing against the AJIO sandbox over HTTP: a runtime wired to the sandbox (as in
tests/conformance/conftest.py), a FREE seller with one connected account, helpers to create fresh
pendency orders, sync them and run full processing through the adapter."""

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
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

RATE_SCALE = 1000.0  # the real (modelled) limits, 1000x faster


@dataclass
class AjioProcessing:
    world: SandboxWorld
    rt: Runtime
    sandbox: Any
    key: str
    seller_id: int
    account_id: int

    @property
    def book(self) -> Any:
        return self.sandbox.world.book(self.key)

    def new_orders(self, count: int) -> list[str]:
        """Fresh orders (placed a minute ago), waiting in AJIO's pendency for an acknowledgement."""
        ids: list[str] = self.sandbox.generate_orders(self.key, count, days=0)
        return ids

    def advance(self, delta: timedelta) -> None:
        self.world.clock.advance(delta)

    def sync(self) -> None:
        """Let the sync safety lag pass, then pull ORDERS."""
        self.advance(timedelta(minutes=5))
        outcome = SyncEngine(self.rt).run(self.account_id, ScheduleTarget.ORDERS)
        assert outcome.error is None, outcome.error

    def process(self, **options: Any) -> ProcessingReport:
        return process_account(self.rt, self.account_id, options)

    def order_ids(self) -> dict[str, int]:
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Order.external_id, Order.id).where(Order.marketplace_account_id == self.account_id)
            ).tuples()
            return {str(k): int(v) for k, v in rows.all()}

    def pushed(self) -> dict[str, Any]:
        result: dict[str, Any] = self.sandbox.pushed(self.key)
        return result


@pytest.fixture
def ap(settings: Settings) -> Iterator[AjioProcessing]:
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=("AJIO",), rate_scale=RATE_SCALE)
    policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.02, rate_scale=RATE_SCALE, max_retries=6)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=world.transport())
    rt = Runtime.create(settings, http=http, clock=world.clock)
    _empty_tables(rt.engine)
    sandbox = world["AJIO"]
    creds = sandbox.create_account()
    seller_id = create_seller(rt, "AJIO Processing", plan="FREE")
    fields = rt.registry.get("AJIO").satellite.credentials.model_fields
    account_id = connect_account(rt, seller_id, "AJIO", {k: v for k, v in creds.items() if k in fields})
    try:
        yield AjioProcessing(world, rt, sandbox, creds["account_key"], seller_id, account_id)
    finally:
        world.close()
        rt.engine.dispose()
