"""A sandbox world of a few thousand orders per account, all four marketplaces: after a full sync the
per-account counts and money totals in Robnu equal the sandbox's own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import MarketplacePayout, Order
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services.accounts import create_seller
from robnu.services.sync import SyncEngine
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

ORDERS_PER_ACCOUNT = 2000


@pytest.mark.slow
def test_counts_and_money_totals_equal_the_sandbox(settings: Settings) -> None:
    with wired_runtime(settings, backfill_days=45) as (world, rt):
        seller = create_seller(rt, "Big seller", plan="GROWTH")
        accounts = {}
        for code in world.codes:
            creds = world[code].create_account()
            world[code].generate_orders(creds["account_key"], ORDERS_PER_ACCOUNT)
            accounts[code] = (creds["account_key"], connect_sandbox_account(rt, world, code, seller, creds=creds)[0])
        # Let the newest changes age past the safety lag, so the whole world is inside the sync window.
        world.clock.advance(timedelta(minutes=5))
        engine = SyncEngine(rt)
        for code, (key, account_id) in accounts.items():
            for target in (ScheduleTarget.ORDERS, ScheduleTarget.PAYOUTS):
                outcome = engine.run(account_id, target)
                assert outcome.status is SyncRunStatus.SUCCEEDED, (code, target, outcome)
            truth = world[code].truth(key)
            horizon = (world.clock.now() - timedelta(minutes=2)).isoformat()  # the sync's safety lag
            with rt.sessions() as s:
                stored = dict(
                    s.execute(
                        select(Order.external_id, Order.order_total).where(Order.marketplace_account_id == account_id)
                    )
                    .tuples()
                    .all()
                )
                payouts = (
                    s.execute(
                        select(MarketplacePayout.external_id, MarketplacePayout.net_amount).where(
                            MarketplacePayout.marketplace_account_id == account_id
                        )
                    )
                    .tuples()
                    .all()
                )
            settled = {oid for oid, t in truth["orders"].items() if t["updated_at"] <= horizon}
            assert settled <= set(stored) <= set(truth["orders"]), code  # none lost, none invented
            assert len(stored) >= ORDERS_PER_ACCOUNT - 5, code  # only the last two minutes may still be out
            unsynced = set(truth["orders"]) - set(stored)
            truth_value = Decimal(truth["totals"]["order_value"]) - sum(
                (Decimal(truth["orders"][o]["total"]) for o in unsynced), Decimal(0)
            )
            assert sum(stored.values(), Decimal(0)) == truth_value, code
            expected_net = sum(
                (Decimal(p["net"]) for pid, p in truth["payouts"].items() if pid in dict(payouts)), Decimal(0)
            )
            assert sum((net for _, net in payouts), Decimal(0)) == expected_net, code
            assert len(payouts) >= 1, code
