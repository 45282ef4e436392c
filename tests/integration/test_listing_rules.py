"""Listings are editable: a marketplace SKU mapped to the seller's SKU master, and per-listing stock rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from robnu.cli.main import app
from robnu.db.models import InventoryTask, Listing, MarketplaceAccount, Product
from robnu.db.stock_models import StockMovement
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import OrderStatus
from robnu.services.accounts import connect_account, create_seller
from robnu.services.listing_rules import edit_listing, list_listings
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product
from tests.integration.test_cli import cli as cli


@pytest.fixture
def listing(rt: Runtime) -> tuple[int, int]:
    """(account id, listing id): a Meesho listing "MS-KURTA-01" not linked; the master has KURTA-M (10)."""
    seller = create_seller(rt, "Listings")
    account_id = connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    with rt.session() as s:
        s.add(make_product(seller, "KURTA-M", 10, FIXED_NOW, version=0))
        row = Listing(
            seller_id=seller,
            marketplace_account_id=account_id,
            external_id="MS-KURTA-01",
            seller_sku="MS-KURTA-01",
            source_updated_at=FIXED_NOW,
            status="ACTIVE",
            raw_status="ACTIVE",
            created_at=FIXED_NOW,
            updated_at=FIXED_NOW,
            buffer=0,
            percentage=100,
        )
        s.add(row)
        s.flush()
        return account_id, row.id


def _sync_order(rt: Runtime, account_id: int, external_id: str, sku: str, qty: int) -> None:
    record = OrderRecord(
        external_id=external_id,
        source_updated_at=FIXED_NOW,
        status=OrderStatus.NEW,
        raw_status="PENDING",
        ordered_at=FIXED_NOW,
        order_total=Decimal("499.00") * qty,
        items=[OrderItemRecord(f"{external_id}-1", sku, qty, Decimal("499.00"), Decimal("499.00") * qty)],
    )
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(s, account, [record], FIXED_NOW)


def _product(rt: Runtime) -> Product:
    with rt.sessions() as s:
        return s.execute(select(Product).where(Product.sku == "KURTA-M")).scalar_one()


def test_an_unmapped_marketplace_sku_does_not_touch_stock_and_a_mapped_one_does(
    rt: Runtime, listing: tuple[int, int]
) -> None:
    account_id, listing_id = listing
    _sync_order(rt, account_id, "SO-1", "MS-KURTA-01", 1)
    assert _product(rt).reserved == 0  # nothing in the master is called MS-KURTA-01
    view = edit_listing(rt, listing_id, product_sku="KURTA-M", buffer=2, percentage=50)
    assert view.product_sku == "KURTA-M" and view.available == 4  # (10 - 0 - 2) * 50 %
    with rt.sessions() as s:
        task = s.execute(select(InventoryTask).where(InventoryTask.listing_id == listing_id)).scalar_one()
        assert task.quantity == 4
    _sync_order(rt, account_id, "SO-2", "MS-KURTA-02", 1)  # another SKU: still unmapped
    _sync_order(rt, account_id, "SO-3", "MS-KURTA-01", 2)  # the mapped SKU reserves against KURTA-M
    product = _product(rt)
    assert (product.on_hand, product.reserved) == (10, 2)
    with rt.sessions() as s:
        kinds = s.execute(select(StockMovement.kind, StockMovement.quantity)).tuples().all()
        assert kinds == [("RESERVE", 2)]
        task = s.execute(select(InventoryTask).where(InventoryTask.listing_id == listing_id)).scalar_one()
        assert task.quantity == 3  # (10 - 2 - 2) * 50 %, coalesced into the pending task


def test_bad_edits_name_the_field_and_write_nothing(rt: Runtime, listing: tuple[int, int]) -> None:
    _, listing_id = listing
    for kwargs, field in (
        ({"buffer": -1}, "buffer"),
        ({"percentage": 101}, "percentage"),
        ({"max_quantity": -5}, "max_quantity"),
        ({"product_sku": "NO-SUCH-SKU", "buffer": 3}, "product_sku"),
    ):
        with pytest.raises(InvalidInput) as err:
            edit_listing(rt, listing_id, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field
    with rt.sessions() as s:
        row = s.get(Listing, listing_id)
        assert row is not None and (row.product_id, row.buffer, row.percentage) == (None, 0, 100)
    with pytest.raises(NotFound):
        edit_listing(rt, 999, buffer=1)


def test_a_cap_is_set_and_removed(rt: Runtime, listing: tuple[int, int]) -> None:
    _, listing_id = listing
    assert edit_listing(rt, listing_id, product_sku="KURTA-M", max_quantity=3).available == 3
    assert edit_listing(rt, listing_id, clear_max=True).available == 10


def test_cli_lists_and_edits(rt: Runtime, listing: tuple[int, int], cli: CliRunner) -> None:
    account_id, listing_id = listing
    edited = cli.invoke(app, ["listings", "edit", str(listing_id), "--sku", "KURTA-M", "--max", "6"])
    assert edited.exit_code == 0, edited.output
    shown = cli.invoke(app, ["listings", "list", str(account_id)])
    assert shown.exit_code == 0 and "MS-KURTA-01" in shown.output and "KURTA-M" in shown.output
    assert [v.available for v in list_listings(rt, account_id)] == [6]
    bad = cli.invoke(app, ["listings", "edit", str(listing_id), "--percentage", "150"])
    assert bad.exit_code == 2 and "percentage" in bad.output
