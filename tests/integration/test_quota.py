"""The free tier's 25 orders per IST day: exact under concurrency and re-processing."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from robnu.db.models import MarketplaceAccount, Order
from robnu.domain.statuses import OrderStatus
from robnu.services.accounts import connect_account, create_seller
from robnu.services.quota import claim, used_today
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.integration.test_stock import _order


def _orders(rt: Runtime, plan: str, n: int) -> tuple[int, list[int]]:
    seller = create_seller(rt, "Quota", plan=plan)
    account_id = connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(s, account, [_order(f"Q{i}", OrderStatus.NEW) for i in range(n)], FIXED_NOW)
    with rt.sessions() as s:
        return seller, list(s.execute(select(Order.id).order_by(Order.id)).scalars())


def _claim(rt: Runtime, seller: int, order_id: int, at=FIXED_NOW) -> bool:  # type: ignore[no-untyped-def]
    with rt.session() as s:
        return claim(s, seller, order_id, at)


def test_26th_order_is_held_and_processed_next_day(rt: Runtime) -> None:
    seller, orders = _orders(rt, "FREE", 30)
    results: dict[int, bool] = {}
    lock = threading.Lock()

    def worker(chunk: list[int]) -> None:
        for order_id in chunk:
            ok = _claim(rt, seller, order_id)
            with lock:
                results[order_id] = ok

    threads = [threading.Thread(target=worker, args=(orders[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results.values()) == 25
    held = [o for o, ok in results.items() if not ok]
    assert len(held) == 5
    granted = next(o for o, ok in results.items() if ok)
    assert _claim(rt, seller, granted)  # re-processing a granted order does not take another slot
    with rt.sessions() as s:
        assert used_today(s, seller, FIXED_NOW) == 25
    tomorrow = FIXED_NOW + timedelta(days=1)
    assert all(_claim(rt, seller, o, tomorrow) for o in held)
    with rt.sessions() as s:
        assert used_today(s, seller, tomorrow) == 5


def test_paid_plans_are_not_limited(rt: Runtime) -> None:
    seller, orders = _orders(rt, "GROWTH", 30)
    assert all(_claim(rt, seller, o) for o in orders)
