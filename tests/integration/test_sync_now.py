"""Sync now: the run starts in the background and its id is known at once; errors before the run are raised to
the caller."""

from __future__ import annotations

import pytest

from robnu.config import Settings
from robnu.db.models import Order, SyncRun
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.services.accounts import create_seller
from robnu.services.sync_now import start_sync, sync_target
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime


def test_a_started_sync_hands_out_its_run_and_finishes_it(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",)) as (world, rt):
        creds = world["MEESHO"].create_account()
        world["MEESHO"].generate_orders(str(creds["account_key"]), 30)
        account_id, _ = connect_sandbox_account(rt, world, "MEESHO", create_seller(rt, "S"), creds=creds)
        started = start_sync(rt, account_id, sync_target("orders"))
        started.thread.join(60)
        assert not started.thread.is_alive()
        with rt.sessions() as s:
            run = s.get(SyncRun, started.run_id)
            assert run is not None and run.status == "SUCCEEDED"
            stored = s.query(Order).filter(Order.marketplace_account_id == account_id).count()
            assert stored >= 30 and run.inserted >= stored  # the run wrote them (orders and their items)
            assert run.marketplace_account_id == account_id and run.target == "ORDERS"
        with pytest.raises(NotFound):
            start_sync(rt, account_id + 99, ScheduleTarget.ORDERS)
        for bad in ("inventory", "nope"):
            with pytest.raises(InvalidInput) as err:
                sync_target(bad)
            assert err.value.field == "target"
