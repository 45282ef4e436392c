"""Two sellers with real data, built once per module through the sandboxes and Robnu's own services: orders,
returns and payouts synced, a period reconciled with seeded settlement errors and one disputed, the catalog
read into listings and products, today's orders taken through the dispatch flow (batches, steps, documents),
stock pushed, and a receive scan. The query tests only read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import OrderReturn
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import file_dispute, storage_for
from robnu.services.dispatch import update_settings
from robnu.services.inventory_push import push_pending
from robnu.services.listings import reconcile_account
from robnu.services.processing import process_account
from robnu.services.reconciliation.batches import reconcile_period
from robnu.services.reports import ReportData, RunOutcome, save_report
from robnu.services.returns.scan import scan
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from tests.money_wiring import MoneyAccount, arm, money_account, sync
from tests.sandbox_wiring import wired_runtime

PERIOD = "2026-11"
ORDERS = 120
FRESH = 6


@dataclass
class SellerData:
    seller_id: int
    ajio: MoneyAccount
    others: dict[str, int] = field(default_factory=dict)  # marketplace code -> account id


@dataclass
class Data:
    rt: Runtime
    world: SandboxWorld
    a: SellerData
    b: SellerData


def _seller(rt: Runtime, world: SandboxWorld, name: str, *, with_meesho: bool) -> SellerData:
    seller_id = create_seller(rt, name, plan="GROWTH")
    ajio = money_account(rt, world, "AJIO", ORDERS, seller_id=seller_id)
    arm(world, "AJIO", ajio.key, PERIOD)
    data = SellerData(seller_id, ajio)
    meesho = money_account(rt, world, "MEESHO", 40, seller_id=seller_id) if with_meesho else None
    if meesho is not None:
        data.others["MEESHO"] = meesho.account_id
    for account_id in (ajio.account_id, *data.others.values()):
        sync(rt, account_id)
    summary = reconcile_period(rt, ajio.account_id, PERIOD)
    assert summary.adjustments, "the armed errors are found"
    with rt.session() as s:
        recoverable = next(a for a in summary.adjustments if a.is_recoverable)
        file_dispute(s, storage_for(rt), recoverable.id, actor=Actor("tester"), now=rt.clock.now())
    reconcile_account(rt, ajio.account_id)
    world["AJIO"].generate_orders(ajio.key, FRESH, days=0.1)
    world.clock.advance(timedelta(minutes=5))
    SyncEngine(rt).run(ajio.account_id, ScheduleTarget.ORDERS, since=rt.clock.now() - timedelta(days=0.2))
    push_pending(rt, ajio.account_id)
    process_account(rt, ajio.account_id)
    if meesho is not None:  # its batch closes only by hand: the SLA board watches it
        update_settings(rt, meesho.account_id, {"closure_policy": "MANUAL", "manual_autoclose": False})
        world["MEESHO"].generate_orders(meesho.key, FRESH, days=0.1)
        world.clock.advance(timedelta(minutes=5))
        SyncEngine(rt).run(meesho.account_id, ScheduleTarget.ORDERS, since=rt.clock.now() - timedelta(days=0.2))
        process_account(rt, meesho.account_id)
    with rt.session() as s:  # the first return on its way back arrives at the warehouse
        ret = (
            s.execute(
                select(OrderReturn)
                .where(OrderReturn.seller_id == seller_id, OrderReturn.return_awb.is_not(None))
                .order_by(OrderReturn.id)
            )
            .scalars()
            .first()
        )
        assert ret is not None and ret.return_awb
        scan(s, storage_for(rt), seller_id, ret.return_awb, actor=Actor("dock"), now=rt.clock.now(), damage_note="torn")
    now = rt.clock.now()
    save_report(
        rt,
        ReportData(
            account_id=ajio.account_id,
            seller_id=seller_id,
            target="ORDERS",
            outcome=RunOutcome.SUCCEEDED,
            started_at=now - timedelta(seconds=3),
            finished_at=now,
            synced=ORDERS,
            details={"note": name},
        ),
    )
    return data


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, migrated_url: str) -> Iterator[Data]:
    tmp: Path = tmp_path_factory.mktemp("queries")
    settings = Settings(data_dir=tmp / "data", database_url=migrated_url, http_backoff_base_seconds=0.01)
    with wired_runtime(settings, ("AJIO", "MEESHO"), backfill_days=60) as (world, rt):
        a = _seller(rt, world, "Seller A", with_meesho=True)
        b = _seller(rt, world, "Seller B", with_meesho=False)
        yield Data(rt, world, a, b)
