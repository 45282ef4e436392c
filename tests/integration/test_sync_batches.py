"""How a sync cuts its records into write transactions: full batches while records are at hand, and what it holds
written early when the next page is still on its way (a slow or rate-limited marketplace)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from robnu.config import Settings
from robnu.db.models import Order
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind, FaultRule
from robnu.services.accounts import create_seller
from robnu.services.sync import SyncEngine
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime


def _sync_watching_batches(settings: Settings, delay_seconds: float) -> tuple[int, list[tuple[int, int]]]:
    """Sync 330 Amazon orders (four pages) with every searchOrders page delayed; returns what was fetched, and
    at each batch's commit (the engine reports progress after every batch) the records fetched so far and the
    orders stored so far."""
    with wired_runtime(settings, ("AMAZON_IN",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        creds = world["AMAZON_IN"].create_account()
        world["AMAZON_IN"].generate_orders(str(creds["account_key"]), 330)
        account, _ = connect_sandbox_account(rt, world, "AMAZON_IN", seller, creds=creds)
        world.clock.advance(timedelta(minutes=5))
        if delay_seconds:
            world["AMAZON_IN"].kit.faults.add(
                FaultRule(FaultKind.SLOW, "searchOrders", remaining=-1, params={"delay_seconds": delay_seconds})
            )
        seen: list[tuple[int, int]] = []

        def progress(fetched: int) -> None:
            with rt.sessions() as s:
                seen.append((fetched, s.scalar(select(func.count()).select_from(Order)) or 0))

        outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS, progress=progress)
        return outcome.fetched, seen


def test_a_slow_marketplace_gets_each_page_written_while_the_next_is_on_its_way(settings: Settings) -> None:
    fetched, seen = _sync_watching_batches(settings, delay_seconds=1.0)  # ample for a loaded CI machine
    assert fetched == 330
    # Pages of 100: each of the first three is committed (and readable) before the next page arrives.
    assert seen[:3] == [(100, 100), (200, 200), (300, 300)], seen
    assert seen[-1] == (330, 330)


def test_records_at_hand_go_in_one_batch(settings: Settings) -> None:
    # Without read-ahead there is no one fetching meanwhile, so no batch is cut early: 330 < BATCH_SIZE.
    fetched, seen = _sync_watching_batches(settings.model_copy(update={"sync_read_ahead_records": 0}), 0.0)
    assert fetched == 330
    assert seen == [(330, 330)], seen
