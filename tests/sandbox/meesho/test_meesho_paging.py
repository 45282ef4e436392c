"""Cursor pagination: complete and duplicate-free; filters; page faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from meesho_support import MeeshoClient, advance

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox


@pytest.fixture
def busy(sandbox: MeeshoSandbox, creds: dict[str, Any]) -> dict[str, Any]:
    sandbox.generate_orders(creds["supplier_id"], 400, days=28)
    return creds


def _window(clock: SandboxClock, days: int = 29) -> dict[str, str]:
    return {"created_from": (clock.now() - timedelta(days=days)).isoformat(), "created_to": clock.now().isoformat()}


def test_pages_to_the_end_without_loss_or_duplicates(
    client: MeeshoClient, sandbox: MeeshoSandbox, busy: dict[str, Any], clock: SandboxClock
) -> None:
    items = client.pages("/v1/sub-orders", limit=37, **_window(clock))
    nos = [i["sub_order_no"] for i in items]
    assert len(nos) == len(set(nos))
    truth = sandbox.truth(busy["supplier_id"])["orders"]
    assert set(nos) == set(truth)
    assert [i["created_at"] for i in items] == sorted(i["created_at"] for i in items)
    for item in items[:50]:
        assert truth[item["sub_order_no"]]["status"] == item["status"]
        assert truth[item["sub_order_no"]]["total"] == item["item"]["total_price"]


def test_filters(client: MeeshoClient, sandbox: MeeshoSandbox, busy: dict[str, Any], clock: SandboxClock) -> None:
    truth = sandbox.truth(busy["supplier_id"])["orders"]
    delivered = client.pages("/v1/sub-orders", status="DELIVERED,RTO", limit=100, **_window(clock))
    assert {i["sub_order_no"] for i in delivered} == {
        n for n, o in truth.items() if o["status"] in ("DELIVERED", "RTO")
    }
    default = client.pages("/v1/sub-orders", limit=100)  # no date filter: the last 7 days
    cutoff = (clock.now() - timedelta(days=7)).timestamp()
    from datetime import datetime

    assert default and all(datetime.fromisoformat(i["created_at"]).timestamp() >= cutoff for i in default)
    updated = client.pages("/v1/sub-orders", updated_from=(clock.now() - timedelta(days=2)).isoformat(), limit=100)
    assert updated and all(datetime.fromisoformat(i["updated_at"]).timestamp() >= cutoff for i in updated)
    sku = delivered[0]["item"]["sku"]
    assert all(i["item"]["sku"] == sku for i in client.pages("/v1/sub-orders", sku=sku, **_window(clock)))
    too_large = client.get("/v1/sub-orders", created_from=(clock.now() - timedelta(days=31)).isoformat())
    assert too_large.status_code == 400 and too_large.json()["error"]["code"] == "DATE_RANGE_TOO_LARGE"
    bad_status = client.get("/v1/sub-orders", status="LOST")
    assert bad_status.json()["error"]["code"] == "VALIDATION_ERROR"
    bad_limit = client.get("/v1/sub-orders", limit=101)
    assert bad_limit.json()["error"]["details"]["fields"][0]["field"] == "limit"


def test_cursor_errors(client: MeeshoClient, busy: dict[str, Any], clock: SandboxClock) -> None:
    first = client.get("/v1/sub-orders", limit=5, **_window(clock)).json()
    cursor = first["pagination"]["next_cursor"]
    assert client.get("/v1/sub-orders", cursor="garbage!", limit=5).json()["error"]["code"] == "INVALID_CURSOR"
    changed = client.get("/v1/sub-orders", cursor=cursor, limit=5, status="PENDING", **_window(clock))
    assert changed.json()["error"]["code"] == "INVALID_CURSOR"
    window = _window(clock)
    advance(clock, hours=24, seconds=1)
    expired = client.get("/v1/sub-orders", cursor=cursor, limit=5, **window)
    assert expired.status_code == 400 and expired.json()["error"]["details"]["reason"] == "expired"


def test_fault_page_token_expired(
    client: MeeshoClient, http: httpx.Client, busy: dict[str, Any], clock: SandboxClock
) -> None:
    window = _window(clock)
    cursor = client.get("/v1/sub-orders", limit=5, **window).json()["pagination"]["next_cursor"]
    http.post("/_sandbox/faults", json={"kind": "page_token_expired", "operation": "listSubOrders"})
    rejected = client.get("/v1/sub-orders", limit=5, cursor=cursor, **window)
    assert rejected.status_code == 400 and rejected.json()["error"]["code"] == "INVALID_CURSOR"
    assert client.get("/v1/sub-orders", limit=5, cursor=cursor, **window).status_code == 200


def test_fault_duplicate_across_pages(
    client: MeeshoClient, http: httpx.Client, busy: dict[str, Any], clock: SandboxClock
) -> None:
    window = _window(clock)
    first = client.get("/v1/sub-orders", limit=5, **window).json()
    http.post("/_sandbox/faults", json={"kind": "duplicate_across_pages", "operation": "listSubOrders"})
    second = client.get("/v1/sub-orders", limit=5, cursor=first["pagination"]["next_cursor"], **window).json()
    assert second["data"][0] == first["data"][-1]
    assert len(second["data"]) == 6


def test_fault_change_between_pages(
    client: MeeshoClient, http: httpx.Client, busy: dict[str, Any], clock: SandboxClock
) -> None:
    window = _window(clock)
    first = client.get("/v1/sub-orders", limit=5, **window).json()
    served = first["data"][-1]
    advance(clock, minutes=5)
    http.post("/_sandbox/faults", json={"kind": "change_between_pages", "operation": "listSubOrders"})
    client.get("/v1/sub-orders", limit=5, cursor=first["pagination"]["next_cursor"], **window)
    now = client.get(f"/v1/sub-orders/{served['sub_order_no']}").json()["data"]
    assert now["updated_at"] > served["updated_at"]


def test_returns_paging(
    client: MeeshoClient, sandbox: MeeshoSandbox, busy: dict[str, Any], clock: SandboxClock, http: httpx.Client
) -> None:
    window = {"updated_from": (clock.now() - timedelta(days=30)).isoformat()}
    items = client.pages("/v1/returns", limit=7, **window)
    ids = [r["return_id"] for r in items]
    assert len(ids) == len(set(ids)) and ids
    truth = sandbox.truth(busy["supplier_id"])["returns"]
    assert set(ids) <= set(truth)
    assert {r["type"] for r in items} <= {"RTO", "CUSTOMER_RETURN"}
    rto = client.pages("/v1/returns", type="RTO", **window)
    assert all(r["type"] == "RTO" for r in rto)
    one = client.get("/v1/returns", sub_order_no=items[0]["sub_order_no"], **window).json()["data"]
    assert [r["return_id"] for r in one] == [items[0]["return_id"]]
    first = client.get("/v1/returns", limit=3, **window).json()
    http.post("/_sandbox/faults", json={"kind": "duplicate_across_pages", "operation": "listReturns"})
    second = client.get("/v1/returns", limit=3, cursor=first["pagination"]["next_cursor"], **window).json()
    assert second["data"][0]["return_id"] == first["data"][-1]["return_id"]
    http.post("/_sandbox/faults", json={"kind": "page_token_expired", "operation": "listReturns"})
    assert client.get("/v1/returns", limit=3, cursor=first["pagination"]["next_cursor"], **window).status_code == 400


def test_products_paging(client: MeeshoClient, sandbox: MeeshoSandbox, creds: dict[str, Any]) -> None:
    items = client.pages("/v1/products", limit=7)
    skus = [p["sku"] for p in items]
    assert len(skus) == len(set(skus)) == len(sandbox.world.account(creds["supplier_id"]).products)
    assert all(len(p["product_id"]) == 9 and p["variation_id"].startswith(p["product_id"]) for p in items)
    paused = client.pages("/v1/products", status="PAUSED")
    assert len(paused) == 1
