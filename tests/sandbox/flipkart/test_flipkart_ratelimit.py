from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from fk_contract import validate_response
from fk_helpers import BASE, Seller, new_order

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart import RATE_LIMITS, build_sandbox
from robnu.sandbox.transport import InProcessTransport

S = "/sellers/v3/shipments"


def _calls(s: Seller, sid: str, item_id: str) -> dict[str, Callable[[], httpx.Response]]:
    loc = s.account["location_id"]
    sku = next(iter(s.sandbox.world.accounts[s.key].listings))
    return {
        "searchShipments": lambda: s.post(
            f"{S}/filter", json={"filter": {"type": "preDispatch", "states": ["APPROVED"]}}
        ),
        "getShipmentsByIds": lambda: s.get(S, params={"shipmentIds": sid}),
        "getShipmentDetails": lambda: s.get(f"{S}/{sid}"),
        "pack": lambda: s.post(f"{S}/labels", json={"shipments": [{"shipmentId": "x"}]}),
        "markRTD": lambda: s.post(f"{S}/dispatch", json={"shipmentIds": ["x"]}),
        "cancelShipments": lambda: s.post(f"{S}/cancel", json={"shipments": [{"shipmentId": "x"}]}),
        "getForms": lambda: s.post(f"{S}/{sid}/forms"),
        "updateAck": lambda: s.post(f"{S}/forms/updateAck", json={"shipments": [{"shipmentId": "x"}]}),
        "getLabels": lambda: s.get(f"{S}/{sid}/labels"),
        "getLabelsOnlyPDF": lambda: s.post(f"{S}/{sid}/labelOnly/pdf"),
        "getLabelsOnly": lambda: s.post(f"{S}/{sid}/labelOnly"),
        "getInvoices": lambda: s.get(f"{S}/{sid}/invoices"),
        "handoverCounts": lambda: s.get(f"{S}/handover/counts"),
        "manifest": lambda: s.post(f"{S}/manifest", json={"params": {"vendorGroupCode": "EKART"}}),
        "getReturns": lambda: s.get("/sellers/v2/returns", params={"source": "customer_return"}),
        "updateInventory": lambda: s.post(
            "/sellers/listings/v3/update/inventory", json={sku: {"product_id": "x", "locations": [{"id": loc}]}}
        ),
        "getListings": lambda: s.get(f"/sellers/listings/v3/{sku}"),
        "reportTrigger": lambda: s.post(
            "/reports/settled_transaction_ledger", json={"parameters": {"from_date": "2026-11-01"}}
        ),
        "reportDetail": lambda: s.get("/reports/x/detail"),
        "reportDownload": lambda: s.get("/reports/x/download"),
        "createTestOrders": lambda: s.post("/sellers/orders/sandbox/test_orders", json={}),
        "changeDispatchSlots": lambda: s.post(
            "/sellers/orders/sandbox/update_dispatch_slot", json={"orderItemId": item_id}
        ),
        "putOrderOnHold": lambda: s.put("/sellers/orders/sandbox/on_hold", json={"orderItemId": item_id}),
        "makeOrderUnHold": lambda: s.put("/sellers/orders/sandbox/un_hold", json={"orderItemId": item_id}),
        "markOrderItemPickupComplete": lambda: s.post("/sellers/orders/sandbox/pick_up_complete", json={}),
        "markOrderItemShipped": lambda: s.post("/sellers/orders/sandbox/shipped", json={}),
        "markOrderItemDelivered": lambda: s.post("/sellers/orders/sandbox/delivered", json={}),
        "createReturn": lambda: s.post("/sellers/returns/sandbox/create_returns", json={}),
        "processReturnEvents": lambda: s.post("/sellers/returns/sandbox/return_events", json={}),
        "token": lambda: s.client.get(
            "/oauth-service/oauth/token",
            params={"grant_type": "client_credentials"},
            headers={"Authorization": s.basic},
        ),
    }


@pytest.fixture
def tight() -> Seller:
    # a tiny scale: buckets do not refill during the test, so exactly `burst` calls pass
    sb = build_sandbox(seed=1, clock=SandboxClock(frozen_at=datetime(2026, 11, 18, tzinfo=UTC)), rate_scale=1e-6)
    sb.world.pack_delay *= 0
    hooks = {"response": [lambda r: (r.read(), validate_response(r))]}
    client = httpx.Client(transport=InProcessTransport(sb.apps["api"]), base_url=BASE, event_hooks=hooks)
    s = Seller(sb, client, sb.create_account())
    s.login()
    return s


def test_every_operation_has_a_limit_and_throttles(tight: Seller) -> None:
    order = new_order(tight)
    calls = _calls(tight, order["shipmentId"], order["orderItems"][0]["orderItemId"])
    assert set(calls) == set(RATE_LIMITS)
    for operation, call in calls.items():
        burst = RATE_LIMITS[operation].burst
        used = {"token": 1, "createTestOrders": 1, "getShipmentsByIds": 1}.get(operation, 0)
        statuses = [call().status_code for _ in range(burst - used)]
        assert 429 not in statuses, (operation, statuses)
        r = call()
        assert r.status_code == 429, operation
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["errorCode"] == "RATE_LIMITED"
    tight.client.close()


def test_throttles_are_per_seller(tight: Seller) -> None:
    other = Seller(tight.sandbox, tight.client, tight.sandbox.create_account())
    other.login()
    for _ in range(20):
        tight.get(f"{S}/handover/counts")
    assert tight.get(f"{S}/handover/counts").status_code == 429
    assert other.get(f"{S}/handover/counts").status_code == 200
    tight.client.close()
