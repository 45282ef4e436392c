from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fk_helpers import Seller, new_order, pack_body

from robnu.sandbox.flipkart import FlipkartSandbox

S = "/sellers/v3/shipments"


def _status(s: Seller, shipment_id: str) -> str:
    r = s.get(S, params={"shipmentIds": shipment_id})
    status: str = r.json()["shipments"][0]["orderItems"][0]["status"]
    return status


def _advance(sandbox: FlipkartSandbox, hours: float) -> None:
    sandbox.advance(timedelta(hours=hours))


def test_full_forward_lifecycle(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    sandbox.world.pack_delay = timedelta(seconds=5)
    order = new_order(fresh)
    sid = order["shipmentId"]
    assert _status(fresh, sid) == "APPROVED"
    _advance(sandbox, 6)
    assert _status(fresh, sid) == "APPROVED", "Flipkart waits for the seller to pack"
    r = fresh.post(f"{S}/labels", json=pack_body(order))
    assert r.json() == {
        "shipments": [{"shipmentId": sid, "status": "SUCCESS", "errorCode": None, "errorMessage": None}]
    }
    assert _status(fresh, sid) == "PACKING_IN_PROGRESS"
    sandbox.advance(timedelta(seconds=5))
    assert _status(fresh, sid) == "PACKED"
    _advance(sandbox, 48)
    assert _status(fresh, sid) == "PACKED", "waits for ready-to-dispatch"
    r = fresh.post(f"{S}/dispatch", json={"shipmentIds": [sid], "locationId": fresh.account["location_id"]})
    assert r.json()["shipments"][0]["status"] == "SUCCESS"
    assert _status(fresh, sid) == "READY_TO_DISPATCH"
    seen = []
    for _ in range(40):
        _advance(sandbox, 9)
        status = _status(fresh, sid)
        if not seen or seen[-1] != status:
            seen.append(status)
    forward = ["READY_TO_DISPATCH", "PICKUP_COMPLETE", "SHIPPED", "DELIVERED", "COMPLETED"]
    assert [forward.index(x) for x in seen] == sorted(forward.index(x) for x in seen)
    assert {"SHIPPED", "DELIVERED", "COMPLETED"} <= set(seen)
    pushed = sandbox.pushed(fresh.key)
    assert [p["shipmentId"] for p in pushed["labels"]] == [sid]
    assert pushed["dispatches"][0]["shipmentId"] == sid and pushed["dispatches"][0]["slaBreached"] is True
    truth = sandbox.truth(fresh.key)["orders"][order["orderId"]]
    assert truth["status"] == "COMPLETED"


def test_pack_and_rtd_per_item_failures(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    order = new_order(fresh)
    sid = order["shipmentId"]
    r = fresh.post(f"{S}/dispatch", json={"shipmentIds": [sid]})
    assert r.json()["shipments"][0]["errorCode"] == "INVALID_ITEM_STATE"
    body = pack_body(order)
    body["shipments"][0]["taxItems"] = []
    assert fresh.post(f"{S}/labels", json=body).json()["shipments"][0]["errorCode"] == "UNPROCESSABLE_ENTITY"
    body = pack_body(order, invoice_number="INV/2026-27/00000001")
    assert fresh.post(f"{S}/labels", json=body).json()["shipments"][0]["errorCode"] == "UNPROCESSABLE_ENTITY"
    body = pack_body(order)
    body["shipments"][0]["shipmentId"] = "no-such-shipment"
    assert fresh.post(f"{S}/labels", json=body).json()["shipments"][0]["errorCode"] == "INVALID_SHIPMENTS"
    assert fresh.post(f"{S}/labels", json=pack_body(order)).json()["shipments"][0]["status"] == "SUCCESS"
    again = fresh.post(f"{S}/labels", json=pack_body(order)).json()["shipments"][0]
    assert again["status"] == "FAILURE" and again["errorCode"] == "INVALID_ITEM_STATE"
    assert fresh.post(f"{S}/dispatch", json={"shipmentIds": ["nope"]}).json()["shipments"][0]["errorCode"] == (
        "INVALID_SHIPMENTS"
    )
    assert (
        fresh.post(f"{S}/dispatch", json={"shipmentIds": [sid], "locationId": "LOCother"}).json()["shipments"][0][
            "errorCode"
        ]
        == "OPERATION_NOT_ALLOWED"
    )


def test_batch_limits(fresh: Seller) -> None:
    assert fresh.post(f"{S}/labels", json={"shipments": [{"shipmentId": str(n)} for n in range(26)]}).status_code == 400
    assert fresh.post(f"{S}/labels", json={"shipments": []}).status_code == 400
    assert fresh.post(f"{S}/dispatch", json={"shipmentIds": [str(n) for n in range(26)]}).status_code == 400
    assert fresh.post(f"{S}/cancel", json={"shipments": [{"shipmentId": str(n)} for n in range(26)]}).status_code == 400
    assert fresh.post(f"{S}/forms/updateAck", json={"shipments": []}).status_code == 400


def test_form_failed_then_ack(fresh: Seller, sandbox: FlipkartSandbox, client: httpx.Client) -> None:
    order = new_order(fresh)
    sid = order["shipmentId"]
    assert client.post(f"/_sandbox/shipments/{sid}/form_failed").status_code == 200
    fresh.post(f"{S}/labels", json=pack_body(order))
    sandbox.advance(timedelta(seconds=1))
    assert _status(fresh, sid) == "FORM_FAILED"
    forms = fresh.post(f"{S}/{sid}/forms").json()["shipments"][0]["forms"]
    assert forms and forms[0]["status"] == "FAILED"
    bad = {"shipments": [{"shipmentId": sid, "forms": [{"name": forms[0]["name"]}]}]}
    assert fresh.post(f"{S}/forms/updateAck", json=bad).json()["shipments"][0]["errorCode"] == "UNPROCESSABLE_ENTITY"
    ack = {"shipments": [{"shipmentId": sid, "forms": [{"name": forms[0]["name"], "ackNumber": "ACK123"}]}]}
    assert fresh.post(f"{S}/forms/updateAck", json=ack).json()["shipments"][0]["status"] == "SUCCESS"
    assert _status(fresh, sid) == "PACKED"
    assert fresh.post(f"{S}/forms/updateAck", json=ack).json()["shipments"][0]["errorCode"] == "INVALID_ITEM_STATE"
    assert sandbox.pushed(fresh.key)["form_acks"][0]["shipmentId"] == sid


def test_seller_cancel(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    skus = sorted(sandbox.world.accounts[fresh.key].listings)[:2]
    order = new_order(fresh, [(skus[0], 1), (skus[1], 2)])
    sid = order["shipmentId"]
    loc = fresh.account["location_id"]
    groups = [i["cancellationGroupId"] for i in order["shipment"]["orderItems"]]
    bad = {
        "shipments": [{"shipmentId": sid, "locationId": loc, "reason": "changed_mind", "cancellationGroupIds": groups}]
    }
    assert fresh.post(f"{S}/cancel", json=bad).json()["shipments"][0]["errorCode"] == (
        "EMPTY_OR_INVALID_REASON_FOR_CANCELLATION"
    )
    part = {
        "shipments": [
            {"shipmentId": sid, "locationId": loc, "reason": "not_enough_inventory", "cancellationGroupIds": groups[:1]}
        ]
    }
    assert fresh.post(f"{S}/cancel", json=part).json()["shipments"][0]["status"] == "SUCCESS"
    items = fresh.get(S, params={"shipmentIds": sid}).json()["shipments"][0]["orderItems"]
    assert [i["status"] for i in items] == ["CANCELLED", "APPROVED"]
    assert items[0]["cancellationReason"] == "seller_cancellation"
    listing = sandbox.world.accounts[fresh.key].listings[skus[0]]
    assert listing.inventory[loc] == 0
    rest = {
        "shipments": [
            {"shipmentId": sid, "locationId": loc, "reason": "cannot_procure_item", "cancellationGroupIds": groups[1:]}
        ]
    }
    assert fresh.post(f"{S}/cancel", json=rest).json()["shipments"][0]["status"] == "SUCCESS"
    found = fresh.search_all("cancelled", ["CANCELLED"], filter={"cancellationType": "sellerCancellation"})
    assert sid in {s["shipmentId"] for s in found}
    assert len(sandbox.pushed(fresh.key)["cancels"]) == 2


def test_cancel_not_allowed_after_packed(fresh: Seller) -> None:
    order = new_order(fresh)
    fresh.post(f"{S}/labels", json=pack_body(order))
    body = {"shipments": [{"shipmentId": order["shipmentId"], "reason": "not_enough_inventory"}]}
    assert fresh.post(f"{S}/cancel", json=body).json()["shipments"][0]["errorCode"] == "INVALID_ITEM_STATE"


def test_marketplace_cancels_an_unworked_order(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    order = new_order(fresh)
    _advance(sandbox, 24 * 5)
    assert _status(fresh, order["shipmentId"]) == "CANCELLED"
    item = fresh.get(S, params={"shipmentIds": order["shipmentId"]}).json()["shipments"][0]["orderItems"][0]
    assert item["cancellationReason"] == "marketplace_cancellation"


def test_hold_blocks_pack(fresh: Seller) -> None:
    order = new_order(fresh)
    item_id = order["orderItems"][0]["orderItemId"]
    assert fresh.put("/sellers/orders/sandbox/on_hold", json={"orderItemId": item_id}).json() == {"response": "SUCCESS"}
    shipment = fresh.get(S, params={"shipmentIds": order["shipmentId"]}).json()["shipments"][0]
    assert shipment["hold"] is True
    held = fresh.search("preDispatch", ["APPROVED"], filter={"hold": True})["shipments"]
    assert order["shipmentId"] in {s["shipmentId"] for s in held}
    r = fresh.post(f"{S}/labels", json=pack_body(order)).json()["shipments"][0]
    assert r["errorCode"] == "OPERATION_NOT_ALLOWED"
    fresh.put("/sellers/orders/sandbox/un_hold", json={"orderItemId": item_id})
    assert fresh.post(f"{S}/labels", json=pack_body(order)).json()["shipments"][0]["status"] == "SUCCESS"


def _to_rtd(s: Seller) -> dict[str, Any]:
    order = new_order(s)
    s.post(f"{S}/labels", json=pack_body(order))
    s.post(f"{S}/dispatch", json={"shipmentIds": [order["shipmentId"]]})
    return order


def test_test_data_apis_move_the_order(fresh: Seller) -> None:
    order = _to_rtd(fresh)
    item = {"orderItemId": order["orderItems"][0]["orderItemId"]}
    assert fresh.post("/sellers/orders/sandbox/delivered", json=item).status_code == 400
    assert fresh.post("/sellers/orders/sandbox/pick_up_complete", json=item).json() == {"response": "SUCCESS"}
    assert _status(fresh, order["shipmentId"]) == "PICKUP_COMPLETE"
    fresh.post("/sellers/orders/sandbox/shipped", json=item)
    assert _status(fresh, order["shipmentId"]) == "SHIPPED"
    fresh.post("/sellers/orders/sandbox/delivered", json=item)
    assert _status(fresh, order["shipmentId"]) == "DELIVERED"
    assert (
        fresh.post("/sellers/returns/sandbox/create_returns", json={**item, "returnType": "courier"}).status_code == 400
    )
    assert fresh.post("/sellers/returns/sandbox/create_returns", json={**item, "returnType": "customer"}).json() == {
        "response": "SUCCESS"
    }
    assert _status(fresh, order["shipmentId"]) == "RETURN_REQUESTED"
    returns = fresh.get("/sellers/v2/returns", params={"source": "customer_return"}).json()["returnItems"]
    assert [r["status"] for r in returns if r["orderItemId"] == item["orderItemId"]] == ["created"]
    fresh.post("/sellers/returns/sandbox/return_events", json={**item, "eventType": "RETURN_PICKED_UP"})
    fresh.post("/sellers/returns/sandbox/return_events", json={**item, "eventType": "RETURN_COMPLETED"})
    assert _status(fresh, order["shipmentId"]) == "RETURNED"
    returns = fresh.get("/sellers/v2/returns", params={"source": "customer_return"}).json()["returnItems"]
    assert [r["status"] for r in returns if r["orderItemId"] == item["orderItemId"]] == ["completed"]
    assert fresh.post("/sellers/returns/sandbox/return_events", json={**item, "eventType": "X"}).status_code == 400
    assert fresh.post("/sellers/orders/sandbox/shipped", json={"orderItemId": "0"}).status_code == 404


def test_courier_return_rto(fresh: Seller) -> None:
    order = _to_rtd(fresh)
    item = {"orderItemId": order["orderItems"][0]["orderItemId"]}
    fresh.post("/sellers/orders/sandbox/shipped", json=item)
    assert fresh.post("/sellers/returns/sandbox/create_returns", json={**item, "returnType": "courier"}).json() == {
        "response": "SUCCESS"
    }
    shipment = fresh.get(S, params={"shipmentIds": order["shipmentId"]}).json()["shipments"][0]
    assert shipment["orderItems"][0]["courierReturn"] is True
    assert shipment["orderItems"][0]["status"] == "RETURN_REQUESTED"
    rto = fresh.get("/sellers/v2/returns", params={"source": "courier_return"}).json()["returnItems"]
    assert item["orderItemId"] in {r["orderItemId"] for r in rto}


def test_dispatch_slot_change_moves_updated_at(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    order = new_order(fresh)
    before = order["shipment"]["updatedAt"]
    sandbox.advance(timedelta(minutes=5))
    r = fresh.post(
        "/sellers/orders/sandbox/update_dispatch_slot",
        json={"orderItemId": order["orderItems"][0]["orderItemId"], "dispatchByDate": "2026-11-25T18:00:00.000+05:30"},
    )
    assert r.json() == {"response": "SUCCESS"}
    after = fresh.get(S, params={"shipmentIds": order["shipmentId"]}).json()["shipments"][0]
    assert after["dispatchByDate"] == "2026-11-25T18:00:00.000+05:30" and after["updatedAt"] > before


def test_control_plane_copies_of_test_data_apis(fresh: Seller, client: httpx.Client, sandbox: FlipkartSandbox) -> None:
    listing = next(iter(sandbox.world.accounts[fresh.key].listings.values()))
    r = client.post(
        f"/_sandbox/accounts/{fresh.key}/test-data/orders/sandbox/test_orders",
        json={"orderItems": [{"listingId": listing.listing_id, "quantity": 2}]},
    )
    assert r.status_code == 200 and r.json()["orderItems"][0]["quantity"] == 2
    item_id = r.json()["orderItems"][0]["orderItemId"]
    r = client.put(f"/_sandbox/accounts/{fresh.key}/test-data/orders/sandbox/on_hold", json={"orderItemId": item_id})
    assert r.json() == {"response": "SUCCESS"}
    assert client.post("/_sandbox/accounts/nobody/test-data/orders/sandbox/test_orders", json={}).status_code == 404
    assert (
        fresh.post("/sellers/orders/sandbox/test_orders", json={"orderItems": [{"listingId": "LSTX"}]}).status_code
        == 400
    )


def test_generated_orders_move_as_the_clock_runs(seller: Seller, sandbox: FlipkartSandbox) -> None:
    before = sandbox.truth(seller.key)["orders"]
    sandbox.advance(timedelta(days=3))
    after = sandbox.truth(seller.key)["orders"]
    moved = [k for k in before if before[k]["status"] != after[k]["status"]]
    assert len(moved) > 10
    for k in moved:
        assert after[k]["updated_at"] > before[k]["updated_at"]
    statuses = {o["status"] for o in after.values()}
    assert {"COMPLETED", "CANCELLED", "RETURNED"} <= statuses


def test_control_api_accounts_orders_truth_pushed(client: httpx.Client) -> None:
    r = client.post("/_sandbox/accounts", json={"name": "Demo Traders"})
    assert r.status_code == 201
    key = r.json()["seller_id"]
    assert client.post(f"/_sandbox/accounts/{key}/orders", json={"count": 25, "days": 10}).json()["created"] == 25
    truth = client.get(f"/_sandbox/accounts/{key}/truth").json()
    assert len(truth["orders"]) == 25 and set(truth["totals"]) == {"order_value", "payout_net"}
    assert client.get(f"/_sandbox/accounts/{key}/pushed").json()["inventory"] == []
    now = client.post("/_sandbox/lifecycle/advance", json={"seconds": 3600}).json()["now"]
    assert now.startswith("2026-11-18T07:30")
    assert client.post("/_sandbox/config", json={"pack_delay_seconds": 3}).json() == {
        "pack_delay_seconds": 3.0,
        "legacy_processing_status": False,
    }
    assert client.get("/_sandbox/accounts/nobody/truth").status_code == 404
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.get(f"/_sandbox/accounts/{key}/truth").status_code == 404


def test_legacy_processing_status_flag(fresh: Seller, raw_client: httpx.Client) -> None:
    raw_client.post("/_sandbox/config", json={"legacy_processing_status": True})
    order = new_order(fresh)
    r = raw_client.post(f"{S}/labels", json=pack_body(order), headers=fresh.h)
    assert r.json()["shipments"][0]["processingStatus"] == "SUCCESS" and "status" not in r.json()["shipments"][0]
