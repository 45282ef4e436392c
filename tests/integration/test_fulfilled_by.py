"""Orders the marketplace ships from its own warehouse (Amazon FBA) move none of the seller's stock and are
not the seller's dispatch work: they take no free-tier slot."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import MarketplaceAccount, Order, Product
from robnu.db.processing_models import OrderProcessing
from robnu.db.stock_models import StockMovement
from robnu.domain.clock import ManualClock
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import FulfilledBy, OrderStatus
from robnu.services import quota
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product
from tests.integration.test_processing_engine import LedgerFlow, _run
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime


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


def test_amazon_fba_orders_are_marked_as_the_marketplaces_when_synced(settings: Settings) -> None:
    with wired_runtime(settings, ("AMAZON_IN",)) as (world, rt):
        account_id, creds = connect_sandbox_account(rt, world, "AMAZON_IN", create_seller(rt, "Amazon seller"))
        sandbox, key = world["AMAZON_IN"], creds["account_key"]
        afn = set(sandbox.generate_orders(key, 6, days=2, track="AFN"))
        mfn = set(sandbox.generate_orders(key, 6, days=2, track="SELF_SHIP"))
        assert SyncEngine(rt).run(account_id, ScheduleTarget.ORDERS).error is None
        with rt.sessions() as s:
            stored = dict(s.execute(select(Order.external_id, Order.fulfilled_by)).tuples().all())
    assert afn & set(stored) and mfn & set(stored)
    assert {stored[o] for o in afn if o in stored} == {"MARKETPLACE"}
    assert {stored[o] for o in mfn if o in stored} == {"SELLER"}
