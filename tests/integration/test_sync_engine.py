"""Sync-engine semantics on a real database: leases, cursors, the newer-wins guard, quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import registry
from robnu.db.models import MarketplaceAccount, Order, SyncRun
from robnu.domain.clock import ManualClock
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import OrderStatus, SyncRunStatus
from robnu.sandbox.server import free_port
from robnu.sandbox.transport import InProcessTransport
from robnu.services import lease
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.fifth_marketplace import sandbox
from tests.fifth_marketplace.adapter import KiranaHubAdapter

VERSIONS = str(Path(__file__).parents[1] / "fifth_marketplace" / "migrations")


@pytest.fixture
def kh(rt: Runtime) -> Iterator[tuple[Runtime, int]]:
    """The Kirana Hub test marketplace on the shared database (its satellite table added once)."""
    from robnu import migrations

    migrations.upgrade(rt.engine, extra_version_locations=[VERSIONS])
    orders = sandbox.build_orders(25)
    rt.http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.001),
        endpoints={"KIRANA_HUB": {"api": "http://kirana.sandbox"}},
        transport=InProcessTransport(sandbox.create_app(orders)),
    )
    rt.clock = ManualClock(FIXED_NOW)
    registry.register(KiranaHubAdapter)
    seller = create_seller(rt, "Engine Test")
    account = connect_account(rt, seller, "KIRANA_HUB", {"shop_id": "KH0001", "api_token": sandbox.SHOP_TOKEN})
    try:
        yield rt, account
    finally:
        registry.unregister("KIRANA_HUB")
        with rt.engine.begin() as c:
            c.exec_driver_sql("DELETE FROM kirana_hub_account_details")
            c.exec_driver_sql("DELETE FROM marketplace_accounts")
        # Leave the shared database as other tests expect it: without the test marketplace's branch.
        migrations.downgrade(rt.engine, "kirana_hub@base", extra_version_locations=[VERSIONS])


def test_lease_is_exclusive_until_it_expires(kh: tuple[Runtime, int]) -> None:
    rt, account = kh
    ttl = timedelta(minutes=5)
    with rt.session() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        lease.ensure_cursor(s, acct.seller_id, account, "ORDERS", FIXED_NOW)
        assert lease.try_acquire(s, account, "ORDERS", "worker-a", FIXED_NOW, ttl)
        assert not lease.try_acquire(s, account, "ORDERS", "worker-b", FIXED_NOW + timedelta(minutes=1), ttl)
        assert lease.try_acquire(s, account, "ORDERS", "worker-b", FIXED_NOW + timedelta(minutes=6), ttl)  # crashed a
        assert not lease.renew(s, account, "ORDERS", "worker-a", FIXED_NOW + timedelta(minutes=6), ttl)


def test_run_is_skipped_while_another_holds_the_lease(kh: tuple[Runtime, int]) -> None:
    rt, account = kh
    with rt.session() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        lease.ensure_cursor(s, acct.seller_id, account, "ORDERS", FIXED_NOW)
        lease.try_acquire(s, account, "ORDERS", "someone-else", FIXED_NOW, timedelta(minutes=5))
    outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    assert outcome.status is SyncRunStatus.SKIPPED
    with rt.sessions() as s:
        assert s.execute(select(Order)).first() is None


def test_cursor_moves_only_after_success_and_windows_overlap(kh: tuple[Runtime, int]) -> None:
    rt, account = kh
    first = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    assert first.status is SyncRunStatus.SUCCEEDED and first.inserted == 25
    with rt.sessions() as s:
        mark = lease.high_water(s, account, "ORDERS")
        run = s.get(SyncRun, first.run_id)
        assert run is not None and mark == run.window_end == FIXED_NOW - timedelta(seconds=120)
        assert run.window_start == FIXED_NOW - timedelta(days=rt.settings.backfill_days)
    assert isinstance(rt.clock, ManualClock)
    rt.clock.advance(timedelta(hours=1))
    second = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    with rt.sessions() as s:
        run = s.get(SyncRun, second.run_id)
        assert run is not None and run.window_start == mark - timedelta(seconds=rt.settings.sync_overlap_seconds)
    assert (second.inserted, second.updated) == (0, 0)

    closed_port = free_port()  # the marketplace is unreachable: a real refused TCP connection
    rt.http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.001, max_retries=1),
        endpoints={"KIRANA_HUB": {"api": f"http://127.0.0.1:{closed_port}"}},
    )
    rt.clock.advance(timedelta(hours=1))
    failed = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
    assert failed.status is SyncRunStatus.FAILED and "ConnectError" in (failed.error or "")
    with rt.sessions() as s:
        assert lease.high_water(s, account, "ORDERS") == mark + timedelta(hours=1)  # unmoved by the failure


def _order(updated: datetime, status: OrderStatus, total: str) -> OrderRecord:
    return OrderRecord(
        external_id="X-1",
        source_updated_at=updated,
        status=status,
        raw_status=status.value,
        ordered_at=FIXED_NOW,
        order_total=Decimal(total),
        items=[OrderItemRecord("X-1-1", "SKU", 1, Decimal(total), Decimal(total))],
    )


def test_older_record_never_overwrites_newer(kh: tuple[Runtime, int]) -> None:
    rt, account = kh
    t1, t2 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    with rt.session() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        assert write_orders(s, acct, [_order(t2, OrderStatus.SHIPPED, "10.00")], FIXED_NOW).inserted == 1
        counts = write_orders(s, acct, [_order(t1, OrderStatus.NEW, "9.00")], FIXED_NOW)
        assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 1)
        same_batch = write_orders(
            s,
            acct,
            [_order(t2 + timedelta(hours=1), OrderStatus.DELIVERED, "10.00"), _order(t1, OrderStatus.NEW, "1")],
            FIXED_NOW,
        )
        assert same_batch.updated == 1
    with rt.sessions() as s:
        order = s.execute(select(Order).where(Order.external_id == "X-1")).scalar_one()
        assert order.status == "DELIVERED" and order.order_total == Decimal("10.0000")
