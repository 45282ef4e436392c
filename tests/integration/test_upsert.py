"""The sync's write, ``upsert_newer``: no read before, the statement says what it wrote; and ``insert_new``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from robnu.db.models import Order
from robnu.db.scope import CrossTenantWrite
from robnu.db.stock_models import StockMovement
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session
from robnu.services.upsert import Upserted, insert_new, upsert_newer
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.factories import product as make_product


def _rows(seller: int, account: int, n: int, *, minutes: int = 0, status: str = "NEW", first: int = 0) -> list[Any]:
    at = FIXED_NOW + timedelta(minutes=minutes)
    return [
        {
            "seller_id": seller,
            "marketplace_account_id": account,
            "external_id": f"O-{k}",
            "source_updated_at": at,
            "status": status,
            "raw_status": status.lower(),
            "created_at": FIXED_NOW,
            "updated_at": at,
            "ordered_at": FIXED_NOW,
            "order_total": "10.5",
        }
        for k in range(first, first + n)
    ]


def _write(rt: Runtime, rows: list[Any]) -> Upserted:
    with rt.session() as s:
        return upsert_newer(s, Order, rows)


def _stored(rt: Runtime) -> dict[str, tuple[int, str]]:
    with rt.sessions() as s:
        return {e: (i, st) for e, i, st in s.execute(select(Order.external_id, Order.id, Order.status)).tuples()}


def test_new_newer_same_and_older_rows(rt: Runtime) -> None:
    seller = create_seller(rt, "Upsert")
    account = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    first = _write(rt, _rows(seller, account, 100))  # SQLite: statements of 64, 32 and 4 rows
    assert (first.inserted, first.updated) == (100, 0)
    assert first.ids == {e: i for e, (i, _st) in _stored(rt).items()}

    again = _write(rt, _rows(seller, account, 100))  # the same versions: nothing written
    assert (again.inserted, again.updated, again.ids) == (0, 0, {})
    older = _write(rt, _rows(seller, account, 10, minutes=-5, status="CANCELLED"))
    assert older.ids == {} and {st for _i, st in _stored(rt).values()} == {"NEW"}

    # 5 of them newer, 3 new ones: the newer are updated in place (same ids), the new inserted.
    mixed = _write(rt, _rows(seller, account, 5, minutes=1, status="SHIPPED") + _rows(seller, account, 3, first=100))
    assert (mixed.inserted, mixed.updated) == (3, 5)
    assert mixed.new == {"O-100", "O-101", "O-102"}
    stored = _stored(rt)
    assert all(stored[f"O-{k}"] == (first.ids[f"O-{k}"], "SHIPPED") for k in range(5))
    assert stored["O-5"][1] == "NEW" and len(stored) == 103
    with rt.sessions() as s:
        assert s.execute(select(Order.order_total).where(Order.external_id == "O-0")).scalar_one() == 10.5


def test_insert_new_keeps_what_is_stored_and_reports_what_it_added(rt: Runtime) -> None:
    seller = create_seller(rt, "Ledger")
    with rt.session() as s:
        p = make_product(seller, "SKU-1", 5, FIXED_NOW)
        s.add(p)
        s.flush()
        row = {"seller_id": seller, "product_id": p.id, "order_item_id": None, "kind": "ADJUST", "quantity": 1,
               "created_at": FIXED_NOW}
        # order_item_id NULL never collides: both rows are added
        assert len(insert_new(s, StockMovement, [row, dict(row, quantity=2)], ("order_item_id", "kind"), "id")) == 2
        assert s.execute(select(func.count()).select_from(StockMovement)).scalar_one() == 2


def test_the_fast_path_runs_in_a_seller_scope_and_stays_in_it(rt: Runtime) -> None:
    """Inside ``tenant_session`` (on PostgreSQL: SET LOCAL app.seller_id, the app role, row-level security)
    the batch write stores the seller's rows, and refuses another seller's before anything is written."""
    mine = create_seller(rt, "Mine")
    theirs = create_seller(rt, "Theirs")
    my_account = connect_account(rt, mine, "AJIO", credentials("AJIO"))
    their_account = connect_account(rt, theirs, "AJIO", credentials("AJIO", 2))
    with tenant_session(rt, mine) as s:
        assert upsert_newer(s, Order, _rows(mine, my_account, 3)).inserted == 3
    with pytest.raises(CrossTenantWrite), tenant_session(rt, mine) as s:
        upsert_newer(s, Order, _rows(theirs, their_account, 1, first=50))
    assert sorted(_stored(rt)) == ["O-0", "O-1", "O-2"]
