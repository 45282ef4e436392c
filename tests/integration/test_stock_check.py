"""The dispatch flows' stock check: oldest orders first, across every marketplace of the seller."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from robnu.db.models import Listing, MarketplaceAccount, Order
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import FulfilledBy, OrderStatus
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.stock import adjust_on_hand
from robnu.services.stock_check import stock_shortfall
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product


def _order(
    rt: Runtime,
    account_id: int,
    external_id: str,
    sku: str,
    minutes: int,
    status: OrderStatus = OrderStatus.NEW,
    fulfilled_by: FulfilledBy = FulfilledBy.SELLER,
    version: int = 0,
) -> int:
    record = OrderRecord(
        external_id=external_id,
        source_updated_at=FIXED_NOW + timedelta(seconds=version),
        status=status,
        raw_status=status.value,
        ordered_at=FIXED_NOW + timedelta(minutes=minutes),
        order_total=Decimal("499.00"),
        items=[OrderItemRecord(f"{external_id}-1", sku, 1, Decimal("499.00"), Decimal("499.00"))],
        fulfilled_by=fulfilled_by,
    )
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(s, account, [record], FIXED_NOW)
    with rt.sessions() as s:
        return s.execute(select(Order.id).where(Order.external_id == external_id)).scalar_one()


def _short(rt: Runtime, order_id: int) -> str | None:
    with rt.sessions() as s:
        order = s.get(Order, order_id)
        assert order is not None
        return stock_shortfall(s, order, order.marketplace_account_id)


def test_the_oldest_order_gets_the_last_unit_whichever_marketplace_runs_first(rt: Runtime) -> None:
    seller = create_seller(rt, "Oldest first")
    meesho = connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    flipkart = connect_account(rt, seller, "FLIPKART", credentials("FLIPKART"))
    with rt.session() as s:
        s.add(make_product(seller, "KURTA-M", 1, FIXED_NOW))
    newer = _order(rt, meesho, "MS-NEW", "KURTA-M", minutes=10)
    older = _order(rt, flipkart, "FK-OLD", "KURTA-M", minutes=0)
    # Meesho's flow may run first: its order is still the newer one and is held; Flipkart's is not.
    assert _short(rt, newer) == "stock: KURTA-M has 0 free after older orders, 1 to confirm"
    assert _short(rt, older) is None

    # The older one ships (its unit leaves on-hand stock), a unit is received; orders that no longer take
    # stock do not stand in the newer one's way: the shipped one, a cancelled one, a marketplace-fulfilled one.
    _order(rt, flipkart, "FK-OLD", "KURTA-M", minutes=0, status=OrderStatus.SHIPPED, version=1)
    _order(rt, flipkart, "FK-GONE", "KURTA-M", minutes=-5, status=OrderStatus.CANCELLED)
    _order(rt, meesho, "MS-FBA", "KURTA-M", minutes=-5, fulfilled_by=FulfilledBy.MARKETPLACE)
    assert "has 0 free" in str(_short(rt, newer))  # shipping consumed the only unit
    with rt.session() as s:
        adjust_on_hand(s, seller, "KURTA-M", 1, "goods received", FIXED_NOW)
    assert _short(rt, newer) is None


def test_an_older_order_under_a_mapped_marketplace_sku_counts(rt: Runtime) -> None:
    seller = create_seller(rt, "Mapped")
    ajio = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    meesho = connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    with rt.session() as s:
        product = make_product(seller, "KURTA-M", 2, FIXED_NOW)
        s.add(product)
        s.flush()
        s.add(
            Listing(
                seller_id=seller,
                marketplace_account_id=ajio,
                external_id="AJ-KURTA",
                seller_sku="AJ-KURTA-M",
                product_id=product.id,
                source_updated_at=FIXED_NOW,
                status="ACTIVE",
                raw_status="ACTIVE",
                created_at=FIXED_NOW,
                updated_at=FIXED_NOW,
                buffer=0,
                percentage=100,
            )
        )
    first = _order(rt, ajio, "AJ-1", "AJ-KURTA-M", minutes=0)  # AJIO's SKU, mapped to KURTA-M
    second = _order(rt, meesho, "MS-1", "KURTA-M", minutes=1)
    third = _order(rt, meesho, "MS-2", "KURTA-M", minutes=2)
    unmapped = _order(rt, meesho, "MS-3", "AJ-KURTA-M", minutes=3)  # the same name on Meesho is not mapped
    assert [_short(rt, o) for o in (first, second)] == [None, None]
    assert _short(rt, third) == "stock: KURTA-M has 0 free after older orders, 1 to confirm"
    assert _short(rt, unmapped) is None  # not in the stock master on that account: not checked
