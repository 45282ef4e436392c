"""Sandbox facts the money tests rely on: a cancelled Meesho sub-order stays cancelled (its hold's end does not
bring it back), so a cancellation penalty always has its cancellation."""

from __future__ import annotations

from robnu.sandbox.world import SandboxWorld
from tests.conftest import FIXED_NOW


def test_nothing_happens_to_a_meesho_sub_order_after_it_is_cancelled() -> None:
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=("MEESHO",), seed=1)
    try:
        sandbox = world["MEESHO"]
        key = sandbox.create_account()["account_key"]
        sandbox.generate_orders(key, 800)
        account = sandbox.world.account(key)
        cancelled = 0
        for sub in account.sub_orders.values():
            sandbox.world.status(sub)  # builds the timeline
            statuses = [status for _, status in sub.events]
            if "CANCELLED" in statuses:
                cancelled += 1
                assert statuses[-1] == "CANCELLED", (sub.sub_order_no, sub.events)
        assert cancelled > 20
    finally:
        world.close()
