"""Orders the marketplace ships from its own warehouse (Amazon FBA) move none of the seller's stock and are
not the seller's dispatch work: they take no free-tier slot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.db.models import MarketplaceAccount, Order, Product
from robnu.db.processing_models import OrderProcessing
from robnu.db.stock_models import StockMovement
from robnu.domain.clock import ManualClock
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import FulfilledBy, OrderStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services import quota
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product
from tests.integration.test_processing_engine import LedgerFlow, _run


@contextmanager
def amazon_world(rt: Runtime) -> Iterator[tuple[Any, str, int]]:
    """An Amazon sandbox account connected for a new seller: (sandbox, account key, account id)."""
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=("AMAZON_IN",), rate_scale=1000.0)
    rt.http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.001, backoff_cap=0.02, rate_scale=1000.0),
        endpoints=world.endpoints(),
        transport=world.transport(),
    )
    rt.clock = world.clock
    try:
        sandbox = world["AMAZON_IN"]
        creds = sandbox.create_account()
        fields = rt.registry.get("AMAZON_IN").satellite.credentials.model_fields
        seller = create_seller(rt, "Amazon seller")
        account_id = connect_account(rt, seller, "AMAZON_IN", {k: v for k, v in creds.items() if k in fields})
        yield sandbox, creds["account_key"], account_id
    finally:
        world.close()


def _record(external_id: str, fulfilled_by: FulfilledBy) -> OrderRecord:
    return OrderRecord(
        external_id=external_id,
        source_updated_at=FIXED_NOW,
        status=OrderStatus.NEW,
        raw_status="UNSHIPPED",
        ordered_at=FIXED_NOW,
        order_total=Decimal("499.00"),
        items=[OrderItemRecord(f"{external_id}-1", "KURTA-M", 2, Decimal("249.50"), Decimal("499.00"))],
        fulfilled_by=fulfilled_by,
    )


def test_a_marketplace_fulfilled_order_moves_no_stock_and_takes_no_slot(rt: Runtime) -> None:
    rt.clock = ManualClock(FIXED_NOW)
    seller = create_seller(rt, "FBA seller", plan="FREE")
    account_id = connect_account(rt, seller, "AMAZON_IN", credentials("AMAZON_IN"))
    with rt.session() as s:
        s.add(make_product(seller, "KURTA-M", 10, FIXED_NOW))
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(
            s, account, [_record("FBA-1", FulfilledBy.MARKETPLACE), _record("MFN-1", FulfilledBy.SELLER)], FIXED_NOW
        )
    with rt.sessions() as s:
        product = s.execute(select(Product)).scalar_one()
        assert (product.on_hand, product.reserved) == (10, 2)  # only the seller-fulfilled order reserved
        assert s.execute(select(StockMovement.kind)).scalars().all() == ["RESERVE"]
    report = _run(rt, account_id, LedgerFlow())
    assert (report.processed, report.skipped) == (1, 1)  # type: ignore[attr-defined]
    with rt.sessions() as s:
        states = {
            o.external_id: (p.status, p.held_reason)
            for o, p in s.execute(
                select(Order, OrderProcessing).join(OrderProcessing, OrderProcessing.order_id == Order.id)
            )
        }
        assert states["FBA-1"] == ("SKIPPED", "fulfilled by the marketplace")
        assert states["MFN-1"][0] == "DONE"
        assert quota.used_today(s, seller, FIXED_NOW) == 1


def test_amazon_fba_orders_are_marked_as_the_marketplaces_when_synced(rt: Runtime) -> None:
    with amazon_world(rt) as (sandbox, key, account_id):
        afn = set(sandbox.generate_orders(key, 6, days=2, track="AFN"))
        mfn = set(sandbox.generate_orders(key, 6, days=2, track="SELF_SHIP"))
        assert SyncEngine(rt).run(account_id, ScheduleTarget.ORDERS).error is None
        with rt.sessions() as s:
            stored = dict(s.execute(select(Order.external_id, Order.fulfilled_by)).tuples().all())
    assert Counter(stored[o] for o in afn if o in stored) == Counter({"MARKETPLACE": len(afn & set(stored))})
    assert {stored[o] for o in mfn if o in stored} == {"SELLER"}
    assert afn & set(stored) and mfn & set(stored)
