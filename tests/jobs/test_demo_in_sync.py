"""``robnu run``'s runner keeps a demo seller (one account on each marketplace sandbox) in sync for as
long as it runs: new orders on the marketplaces arrive at their cadence; stopping is clean."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import Order, SyncCursor
from robnu.jobs.local import LocalRunner
from robnu.jobs.settings import JobSettings
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

RATE_SCALE = 200.0


@pytest.fixture
def demo(settings: Settings) -> Iterator[tuple[SandboxWorld, Runtime]]:
    """All four sandboxes and a runtime wired to them (HttpPolicy's own retries and backoff cap)."""
    with wired_runtime(settings, rate_scale=RATE_SCALE, backoff_cap=None) as wired:
        yield wired


def _order_ids(rt: Runtime, account: int) -> set[str]:
    with rt.sessions() as s:
        return set(s.execute(select(Order.external_id).where(Order.marketplace_account_id == account)).scalars())


def test_runner_keeps_a_demo_seller_in_sync(demo: tuple[SandboxWorld, Runtime]) -> None:
    world, rt = demo
    seller = create_seller(rt, "Demo Seller")
    accounts: dict[str, tuple[int, str, set[str]]] = {}
    for code in world.codes:
        creds: dict[str, Any] = world[code].create_account()
        ids = set(world[code].generate_orders(creds["account_key"], 15, days=5))
        account, _ = connect_sandbox_account(rt, world, code, seller, creds=creds)
        accounts[code] = (account, creds["account_key"], ids)
    world.clock.advance(timedelta(minutes=2))  # first runs are spread over a minute of jitter
    runner = LocalRunner(rt, JobSettings(tick_seconds=0.02))
    stop = threading.Event()
    thread = threading.Thread(target=runner.serve, args=(stop,))
    thread.start()

    def wait_in_sync(label: str) -> None:
        """Time passes (five sandbox minutes every 0.2 s) until every generated order is stored."""
        for _ in range(150):
            missing = {c: len(ids - _order_ids(rt, a)) for c, (a, _, ids) in accounts.items()}
            if not any(missing.values()):
                return
            time.sleep(0.2)
            if not runner.in_flight():
                world.clock.advance(timedelta(minutes=5))
        failed = [(a, t, r.outcome, r.error) for a, t, r in runner.results if r.outcome not in ("SUCCEEDED",)]
        raise AssertionError(f"{label}: orders missing {missing}; other outcomes {failed}")

    try:
        wait_in_sync("first sync")
        for _ in range(2):  # the marketplaces keep taking orders; Robnu keeps up at its cadence
            for code, (_account, key, ids) in accounts.items():
                ids.update(world[code].generate_orders(key, 3, days=0))
            wait_in_sync("after new orders")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    with rt.sessions() as s:  # stopped cleanly: no run holds a lease
        assert not s.execute(select(SyncCursor.id).where(SyncCursor.lease_owner.is_not(None))).first()
    targets = {(t, r.outcome) for _, t, r in runner.results}
    assert ("ORDERS", "SUCCEEDED") in targets
