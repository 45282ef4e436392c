"""One stock truth: order effects exactly once, available-to-sell rules, coalesced pushes, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from robnu.db.models import InventoryTask, Listing, MarketplaceAccount, Product
from robnu.db.stock_models import StockMovement
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import OrderStatus
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.stock import StockLevel, adjust_on_hand, available_for, queue_listing
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product


def _setup(rt: Runtime, on_hand: int = 10, accounts: tuple[str, ...] = ("AJIO", "FLIPKART")) -> tuple[int, list[int]]:
    seller = create_seller(rt, "Stock Test")
    account_ids = [connect_account(rt, seller, code, credentials(code)) for code in accounts]
    with rt.session() as s:
        product = make_product(seller, "KURTA-M", on_hand, FIXED_NOW, version=0)
        s.add(product)
        s.flush()
        for account_id in account_ids:
            s.add(
                Listing(
                    seller_id=seller,
                    marketplace_account_id=account_id,
                    external_id=f"L-{account_id}",
                    source_updated_at=FIXED_NOW,
                    status="ACTIVE",
                    raw_status="ACTIVE",
                    created_at=FIXED_NOW,
                    updated_at=FIXED_NOW,
                    product_id=product.id,
                    seller_sku="KURTA-M",
                )
            )
    return seller, account_ids


def _order(external_id: str, status: OrderStatus, qty: int = 2, minutes: int = 0) -> OrderRecord:
    updated = FIXED_NOW + timedelta(minutes=minutes)
    return OrderRecord(
        external_id=external_id,
        source_updated_at=updated,
        status=status,
        raw_status=status.value,
        ordered_at=FIXED_NOW,
        order_total=Decimal("999.00"),
        items=[OrderItemRecord(f"{external_id}-1", "KURTA-M", qty, Decimal("499.50"), Decimal("999.00"))],
    )


def _sync(rt: Runtime, account_id: int, *records: OrderRecord) -> None:
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(s, account, list(records), FIXED_NOW)


def _product(rt: Runtime) -> Product:
    with rt.sessions() as s:
        return s.execute(select(Product).where(Product.sku == "KURTA-M")).scalar_one()


def test_reserve_consume_release_exactly_once(rt: Runtime) -> None:
    _, (ajio, flipkart) = _setup(rt)
    _sync(rt, ajio, _order("A1", OrderStatus.NEW))
    _sync(rt, ajio, _order("A1", OrderStatus.NEW))  # re-synced: nothing new
    _sync(rt, ajio, _order("A1", OrderStatus.ACCEPTED, minutes=1))  # still open: still one reservation
    p = _product(rt)
    assert (p.on_hand, p.reserved) == (10, 2)
    _sync(rt, ajio, _order("A1", OrderStatus.SHIPPED, minutes=2))
    _sync(rt, ajio, _order("A1", OrderStatus.CANCELLED, minutes=3))  # cancelled after shipping: no release
    p = _product(rt)
    assert (p.on_hand, p.reserved) == (8, 0)
    _sync(rt, flipkart, _order("F1", OrderStatus.NEW, qty=3))
    _sync(rt, flipkart, _order("F1", OrderStatus.CANCELLED, qty=3, minutes=1))
    _sync(rt, flipkart, _order("F1", OrderStatus.CANCELLED, qty=3, minutes=2))
    _sync(rt, flipkart, _order("F2", OrderStatus.DELIVERED, qty=1))  # first seen already delivered
    p = _product(rt)
    assert (p.on_hand, p.reserved) == (7, 0)
    with rt.sessions() as s:
        kinds = sorted(s.execute(select(StockMovement.kind)).scalars())
    assert kinds == ["CONSUME", "CONSUME", "RELEASE", "RESERVE", "RESERVE", "RESERVE"]


def test_pushes_are_coalesced_per_listing_and_out_of_stock_goes_first(rt: Runtime) -> None:
    seller, (ajio, flipkart) = _setup(rt, on_hand=4)
    _sync(rt, ajio, _order("A1", OrderStatus.NEW, qty=1))
    _sync(rt, ajio, _order("A2", OrderStatus.NEW, qty=1))
    with rt.sessions() as s:
        tasks = s.execute(select(InventoryTask).order_by(InventoryTask.listing_id)).scalars().all()
    assert [(t.quantity, t.status) for t in tasks] == [(2, "PENDING"), (2, "PENDING")]  # one per listing
    assert tasks[0].stock_version == _product(rt).stock_version
    _sync(rt, flipkart, _order("F1", OrderStatus.NEW, qty=2))
    with rt.sessions() as s:
        tasks = s.execute(select(InventoryTask)).scalars().all()
    assert {(t.quantity, t.priority) for t in tasks} == {(0, 100)}
    with rt.session() as s:
        adjust_on_hand(s, seller, "KURTA-M", 6, "goods received", FIXED_NOW)
    with rt.sessions() as s:
        assert {t.quantity for t in s.execute(select(InventoryTask)).scalars()} == {6}


def test_available_rules() -> None:
    level = StockLevel(1, on_hand=20, reserved=3, version=1)
    listing = Listing(buffer=2, percentage=50, max_quantity=None)
    assert available_for(listing, level) == 7  # (20-3-2) * 50%
    listing.max_quantity = 5
    assert available_for(listing, level) == 5
    assert available_for(Listing(buffer=30, percentage=100, max_quantity=None), level) == 0


def test_adjust_refuses_negative_stock(rt: Runtime) -> None:
    seller, _ = _setup(rt, on_hand=1)
    from robnu.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="delta"), rt.session() as s:
        adjust_on_hand(s, seller, "KURTA-M", -2, "count", FIXED_NOW)
    assert _product(rt).on_hand == 1  # nothing half-written


def test_concurrent_orders_on_several_marketplaces(rt: Runtime) -> None:
    """Four marketplaces sell the same SKU at once: counts stay exact and the newest pending quantity per
    listing equals what is really left."""
    _, accounts = _setup(rt, on_hand=40, accounts=("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"))
    errors: list[BaseException] = []

    def sell(account_id: int) -> None:
        try:
            for n in range(8):
                _sync(rt, account_id, _order(f"{account_id}-{n}", OrderStatus.NEW, qty=1))
                _sync(rt, account_id, _order(f"{account_id}-{n}", OrderStatus.NEW, qty=1))  # duplicate delivery
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sell, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    p = _product(rt)
    assert (p.on_hand, p.reserved) == (40, 32)
    with rt.sessions() as s:
        newest: dict[int, InventoryTask] = {}
        for t in s.execute(select(InventoryTask)).scalars():
            if t.listing_id not in newest or t.stock_version > newest[t.listing_id].stock_version:
                newest[t.listing_id] = t
    assert {t.quantity for t in newest.values()} == {8}
    assert {t.stock_version for t in newest.values()} == {p.stock_version}


def test_a_quantity_back_to_what_was_last_pushed_still_supersedes_a_push_in_flight(rt: Runtime) -> None:
    """The marketplace last received 10; a push of 8 is on its way; stock returns to 10. Were 10 skipped as
    "already shown", the marketplace would keep the 8."""
    seller, (ajio, _) = _setup(rt, on_hand=10)
    with rt.session() as s:
        listing = s.execute(select(Listing).where(Listing.marketplace_account_id == ajio)).scalar_one()
        listing.last_pushed_quantity, listing.last_pushed_version = 10, 1
        s.add(
            InventoryTask(
                seller_id=seller,
                marketplace_account_id=ajio,
                listing_id=listing.id,
                quantity=8,
                stock_version=2,
                status="IN_FLIGHT",
                priority=0,
                created_at=FIXED_NOW,
                updated_at=FIXED_NOW,
            )
        )
        s.flush()
        assert queue_listing(s, listing, StockLevel(listing.product_id or 0, 10, 0, 3), FIXED_NOW) == 1
        pending = s.execute(
            select(InventoryTask).where(InventoryTask.listing_id == listing.id, InventoryTask.status == "PENDING")
        ).scalar_one()
        assert (pending.quantity, pending.stock_version) == (10, 3)


def test_a_task_claimed_meanwhile_is_not_edited_under_the_push(rt: Runtime) -> None:
    """Coalescing edits only a task still PENDING: one a push claimed (IN_FLIGHT) keeps the quantity it is
    sending, and the new quantity gets a task of its own."""
    seller, (ajio, _) = _setup(rt, on_hand=10)
    with rt.session() as s:
        listing = s.execute(select(Listing).where(Listing.marketplace_account_id == ajio)).scalar_one()
        task = InventoryTask(
            seller_id=seller,
            marketplace_account_id=ajio,
            listing_id=listing.id,
            quantity=8,
            stock_version=2,
            status="PENDING",
            priority=0,
            created_at=FIXED_NOW,
            updated_at=FIXED_NOW,
        )
        s.add(task)
        s.flush()
        # The race made deterministic: a push claims the task right after queue_listing has read it.
        original = s.execute

        def claim_after_read(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = original(statement, *args, **kwargs)
            if getattr(statement, "is_select", False) and "inventory_tasks" in str(statement):
                original(update(InventoryTask).where(InventoryTask.id == task.id).values(status="IN_FLIGHT"))
            return result

        s.execute = claim_after_read  # type: ignore[method-assign]
        try:
            added = queue_listing(s, listing, StockLevel(listing.product_id or 0, 5, 0, 3), FIXED_NOW)
        finally:
            del s.execute
        assert added == 1
        rows = {
            (t.status, t.quantity, t.stock_version)
            for t in s.execute(select(InventoryTask).where(InventoryTask.listing_id == listing.id)).scalars()
        }
        assert rows == {("IN_FLIGHT", 8, 2), ("PENDING", 5, 3)}
