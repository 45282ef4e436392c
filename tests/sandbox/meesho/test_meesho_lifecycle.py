"""Sub-order lifecycles: the clock moves orders on, seller actions release them, cancellations and returns."""

from __future__ import annotations

from typing import Any

import httpx
from meesho_support import MeeshoClient, advance, control, plain_order, ship, status_of

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox


def test_sub_order_shape(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any]) -> None:
    no = plain_order(http, creds, payment_mode="COD")
    data = client.get(f"/v1/sub-orders/{no}").json()["data"]
    assert set(data) == {
        "sub_order_no",
        "order_no",
        "supplier_id",
        "warehouse_id",
        "status",
        "created_at",
        "updated_at",
        "expected_dispatch_date",
        "sla_deadline",
        "auto_cancel_at",
        "payment_mode",
        "is_exchange",
        "item",
        "shipping",
        "customer",
        "cancellation",
    }
    assert data["sub_order_no"] == data["order_no"] + "_1" and len(data["order_no"]) == 18
    assert data["supplier_id"] == creds["supplier_id"] and len(creds["supplier_id"]) == 6
    assert data["status"] == "PENDING" and data["created_at"].endswith("+05:30")
    assert data["sla_deadline"] == data["expected_dispatch_date"] + "T17:30:00+05:30"
    assert set(data["item"]) == {
        "sku",
        "product_id",
        "variation_id",
        "product_name",
        "size",
        "quantity",
        "hsn",
        "gst_rate",
        "unit_price",
        "total_price",
    }
    assert set(data["shipping"].values()) == {None}
    assert set(data["customer"]) == {"city", "state", "state_code", "pincode"}
    assert client.get("/v1/sub-orders/999_1").json()["error"]["code"] == "NOT_FOUND"


def test_manual_flow_to_delivery(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock, sandbox: MeeshoSandbox
) -> None:
    no = plain_order(http, creds, outcome="DELIVERED")
    advance(clock, days=1)
    assert status_of(client, no) == "PENDING"  # waits for the seller (ACCEPT_MANUALLY)
    result = client.post("/v1/sub-orders/accept", {"sub_order_nos": [no, "1_1"]}).json()["data"]["results"]
    assert result[0] == {"sub_order_no": no, "status": "ACCEPTED", "error_code": None}
    assert result[1]["error_code"] == "NOT_FOUND"
    assert status_of(client, no) == "READY_TO_SHIP"
    again = client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]}).json()["data"]["results"][0]
    assert again["status"] == "FAILED" and again["error_code"] == "INVALID_STATE"
    label = client.post("/v1/labels", {"sub_order_nos": [no]})
    assert label.status_code == 202
    body = label.json()["data"]
    assert body["label_id"].startswith("LBL") and body["status"] == "PROCESSING"
    assert body["results"] == [{"sub_order_no": no, "status": "QUEUED", "error_code": None}]
    shown = client.get(f"/v1/labels/{body['label_id']}").json()["data"]
    assert shown["status"] == "READY" and shown["pdf_url"] == f"/v1/labels/{body['label_id']}/pdf"
    item = shown["items"][0]
    assert item["courier"] in ("VALMO", "DELHIVERY", "XPRESSBEES", "SHADOWFAX", "ECOM_EXPRESS") and item["awb"]
    assert len(item["invoice_no"]) <= 16
    manifest = client.post("/v1/manifests", {"sub_order_nos": [no]}).json()["data"]
    assert manifest["manifest_id"].startswith("MNF") and manifest["pickup_status"] == "AWAITING_PICKUP"
    assert manifest["sub_order_count"] == 1 and manifest["courier"] == item["courier"]
    assert status_of(client, no) == "READY_TO_SHIP"
    advance(clock, hours=3, seconds=1)  # modelled auto pickup 3 h after the manifest
    sub = client.get(f"/v1/sub-orders/{no}").json()["data"]
    assert sub["status"] == "SHIPPED" and sub["shipping"]["picked_up_at"] and sub["updated_at"]
    detail = client.get(f"/v1/manifests/{manifest['manifest_id']}").json()["data"]
    assert detail["pickup_status"] == "PICKED_UP" and detail["picked_up_count"] == 1 and detail["missing"] == []
    advance(clock, days=7)
    sub = client.get(f"/v1/sub-orders/{no}").json()["data"]
    assert sub["status"] == "DELIVERED" and sub["shipping"]["delivered_at"]
    pushed = sandbox.pushed(creds["supplier_id"])
    assert [a["sub_order_no"] for a in pushed["accepts"]] == [no]
    assert pushed["labels"][0]["label_id"] == body["label_id"]
    assert pushed["dispatches"][0]["manifest_id"] == manifest["manifest_id"]


def test_relabel_keeps_awb(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any]) -> None:
    no = plain_order(http, creds)
    client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]})
    first = client.post("/v1/labels", {"sub_order_nos": [no]}).json()["data"]["label_id"]
    second = client.post("/v1/labels", {"sub_order_nos": [no]}).json()["data"]["label_id"]
    assert first != second
    a = client.get(f"/v1/labels/{first}").json()["data"]["items"][0]
    b = client.get(f"/v1/labels/{second}").json()["data"]["items"][0]
    assert a["awb"] == b["awb"]
    assert client.get(f"/v1/labels/{first}/pdf").status_code == 200  # old PDF stays downloadable
    assert client.get(f"/v1/sub-orders/{no}").json()["data"]["shipping"]["label_id"] == second


def test_label_and_manifest_errors(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    pending = plain_order(http, creds)
    result = client.post("/v1/labels", {"sub_order_nos": [pending]}).json()["data"]
    assert result["results"][0]["error_code"] == "INVALID_STATE" and result["status"] == "FAILED"
    too_many = client.post("/v1/labels", {"sub_order_nos": [f"{i}_1" for i in range(51)]})
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "TOO_MANY_ITEMS"
    unlabelled = client.post("/v1/manifests", {"sub_order_nos": [pending]})
    assert unlabelled.status_code == 422 and unlabelled.json()["error"]["code"] == "INVALID_STATE"
    assert unlabelled.json()["error"]["details"]["current_status"] == "PENDING"
    manifests = client.post("/v1/manifests", {"sub_order_nos": [f"{i}_1" for i in range(101)]})
    assert manifests.json()["error"]["code"] == "TOO_MANY_ITEMS"
    # two couriers on one manifest -> MIXED_COURIERS
    nos = [plain_order(http, creds) for _ in range(12)]
    client.post("/v1/sub-orders/accept", {"sub_order_nos": nos})
    labels = client.post("/v1/labels", {"sub_order_nos": nos}).json()["data"]["label_id"]
    couriers = {i["courier"] for i in client.get(f"/v1/labels/{labels}").json()["data"]["items"]}
    assert len(couriers) > 1
    mixed = client.post("/v1/manifests", {"sub_order_nos": nos})
    assert mixed.status_code == 422 and mixed.json()["error"]["code"] == "MIXED_COURIERS"
    # slow label job: LABEL_NOT_READY until the delay has passed
    http.post("/_sandbox/meesho/config", json={"label_delay_seconds": 60})
    no = plain_order(http, creds)
    client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]})
    label_id = client.post("/v1/labels", {"sub_order_nos": [no]}).json()["data"]["label_id"]
    assert client.get(f"/v1/labels/{label_id}").json()["data"]["status"] == "PROCESSING"
    assert client.get(f"/v1/labels/{label_id}/pdf").json()["error"]["code"] == "LABEL_NOT_READY"
    advance(clock, seconds=61)
    assert client.get(f"/v1/labels/{label_id}/pdf").headers["content-type"] == "application/pdf"


def test_partial_pickup_and_late_dispatch(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    http.post("/_sandbox/meesho/config", json={"auto_pickup_seconds": None})
    nos = [plain_order(http, creds) for _ in range(10)]
    client.post("/v1/sub-orders/accept", {"sub_order_nos": nos})
    label_id = client.post("/v1/labels", {"sub_order_nos": nos}).json()["data"]["label_id"]
    items = client.get(f"/v1/labels/{label_id}").json()["data"]["items"]
    courier = items[0]["courier"]
    same = [i["sub_order_no"] for i in items if i["courier"] == courier]
    manifest_id = client.post("/v1/manifests", {"sub_order_nos": same}).json()["data"]["manifest_id"]
    sub = client.get(f"/v1/sub-orders/{same[0]}").json()["data"]
    advance(clock, days=1, hours=6)  # past the 17:30 SLA of the expected dispatch date
    control(http, creds, f"manifests/{manifest_id}/pickup", {"missing": same[:1]})
    detail = client.get(f"/v1/manifests/{manifest_id}").json()["data"]
    assert detail["pickup_status"] == "PARTIALLY_PICKED_UP" and detail["missing"] == same[:1]
    assert status_of(client, same[0]) == "READY_TO_SHIP"
    if len(same) > 1:
        assert status_of(client, same[1]) == "SHIPPED"
        lines = client.get(f"/v1/payments/sub-orders/{same[1]}").json()["data"]["lines"]
        assert [line["line_type"] for line in lines] == ["PENALTY_LATE_DISPATCH", "GST_ON_FEES"]
    day = sub["created_at"][:10]
    listed = client.get("/v1/manifests", date=day).json()["data"]
    assert manifest_id in [m["manifest_id"] for m in listed]


def test_auto_cancel_when_not_dispatched(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    no = plain_order(http, creds)
    sub = client.get(f"/v1/sub-orders/{no}").json()["data"]
    advance(clock, days=3)
    after = client.get(f"/v1/sub-orders/{no}").json()["data"]
    assert after["status"] == "CANCELLED" and after["updated_at"] == sub["auto_cancel_at"]
    assert after["cancellation"]["cancelled_by"] == "MEESHO"
    lines = client.get(f"/v1/payments/sub-orders/{no}").json()["data"]
    assert [line["line_type"] for line in lines["lines"]] == ["PENALTY_AUTO_CANCEL", "GST_ON_FEES"]
    assert lines["final_settlement_amount"] == "-59.00"


def test_supplier_and_customer_cancel(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any]) -> None:
    mine, theirs = plain_order(http, creds), plain_order(http, creds)
    bad = client.post("/v1/sub-orders/cancel", {"sub_order_nos": [mine], "reason": "BORED"})
    assert bad.status_code == 400 and bad.json()["error"]["details"]["fields"][0]["field"] == "reason"
    result = client.post("/v1/sub-orders/cancel", {"sub_order_nos": [mine], "reason": "OUT_OF_STOCK", "remarks": ""})
    assert result.json()["data"]["results"] == [{"sub_order_no": mine, "status": "CANCELLED", "error_code": None}]
    sub = client.get(f"/v1/sub-orders/{mine}").json()["data"]
    assert sub["cancellation"]["cancelled_by"] == "SUPPLIER" and sub["cancellation"]["reason"] == "OUT_OF_STOCK"
    lines = client.get(f"/v1/payments/sub-orders/{mine}").json()["data"]["lines"]
    assert lines[0]["line_type"] == "PENALTY_SUPPLIER_CANCEL"
    again = client.post("/v1/sub-orders/cancel", {"sub_order_nos": [mine], "reason": "OTHER"})
    assert again.json()["data"]["results"][0]["error_code"] == "INVALID_STATE"
    control(http, creds, f"sub-orders/{theirs}/customer-cancel")
    sub = client.get(f"/v1/sub-orders/{theirs}").json()["data"]
    assert sub["status"] == "CANCELLED" and sub["cancellation"]["cancelled_by"] == "CUSTOMER"
    assert client.get(f"/v1/payments/sub-orders/{theirs}").json()["data"]["lines"] == []


def test_acceptance_modes(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], sandbox: MeeshoSandbox
) -> None:
    client.put("/v1/settings/acceptance", {"mode": "ACCEPT_ALWAYS"})
    assert status_of(client, plain_order(http, creds)) == "READY_TO_SHIP"
    client.put("/v1/settings/acceptance", {"mode": "ACCEPT_BY_INVENTORY"})
    sku = next(p["sku"] for p in client.pages("/v1/products") if p["status"] == "LIVE")
    client.post("/v1/inventory", {"items": [{"sku": sku, "quantity": 1}]})
    first = plain_order(http, creds, sku=sku, quantity=1)
    second = plain_order(http, creds, sku=sku, quantity=1)
    assert status_of(client, first) == "READY_TO_SHIP"
    assert status_of(client, second) == "PENDING"
    assert client.get("/v1/inventory", sku=sku).json()["data"][0]["quantity"] == 0
    failed = client.post("/v1/sub-orders/accept", {"sub_order_nos": [second]}).json()["data"]["results"][0]
    assert failed["error_code"] == "INSUFFICIENT_INVENTORY"


def test_unverified_and_hold(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    unverified = plain_order(http, creds, unverified=True, exchange=True)
    sub = client.get(f"/v1/sub-orders/{unverified}").json()["data"]
    assert sub["status"] == "UNVERIFIED" and sub["is_exchange"] is True
    held = plain_order(http, creds, hold=True, hold_resolves=True)
    lost = plain_order(http, creds, hold=True, hold_resolves=False)
    advance(clock, minutes=30)
    assert status_of(client, held) == "HOLD"
    refused = client.post("/v1/sub-orders/accept", {"sub_order_nos": [held]}).json()["data"]["results"][0]
    assert refused["error_code"] == "INVALID_STATE" and refused["current_status"] == "HOLD"
    advance(clock, hours=2)
    assert status_of(client, unverified) == "PENDING"
    advance(clock, hours=10)
    assert status_of(client, held) == "PENDING"
    cancelled = client.get(f"/v1/sub-orders/{lost}").json()["data"]
    assert cancelled["status"] == "CANCELLED" and cancelled["cancellation"]["cancelled_by"] == "MEESHO"


def test_rto_receive_and_claim(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    no = plain_order(http, creds, outcome="RTO")
    ship(client, http, creds, no)
    control(http, creds, f"sub-orders/{no}/rto")
    sub = client.get(f"/v1/sub-orders/{no}").json()["data"]
    assert sub["status"] == "RTO"
    returns = client.get("/v1/returns", type="RTO").json()["data"]
    ret = next(r for r in returns if r["sub_order_no"] == no)
    assert ret["return_id"].startswith("RET") and ret["status"] == "RTO_INITIATED" and ret["reverse_awb"]
    early = client.post(f"/v1/returns/{ret['return_id']}/receive", {"condition": "OK"})
    assert early.status_code == 422 and early.json()["error"]["code"] == "INVALID_STATE"
    advance(clock, days=1, minutes=1)
    assert client.get(f"/v1/returns/{ret['return_id']}").json()["data"]["status"] == "RTO_IN_TRANSIT"
    control(http, creds, f"returns/{ret['return_id']}/advance", {"status": "RTO_DELIVERED"})
    ret = client.get(f"/v1/returns/{ret['return_id']}").json()["data"]
    assert ret["status"] == "RTO_DELIVERED" and ret["delivered_at"]
    body = {"condition": "DAMAGED", "received_at": "2026-03-18T10:00:00+05:30", "remarks": "torn"}
    first = client.post(f"/v1/returns/{ret['return_id']}/receive", body)
    assert first.status_code == 200 and first.json()["data"]["received"]["condition"] == "DAMAGED"
    assert first.json()["data"]["claim_due_at"]
    repeat = client.post(f"/v1/returns/{ret['return_id']}/receive", body)
    assert repeat.status_code == 200 and repeat.json()["data"] == first.json()["data"]
    conflict = client.post(f"/v1/returns/{ret['return_id']}/receive", {"condition": "OK"})
    assert conflict.status_code == 409
    bad = client.post(f"/v1/returns/{ret['return_id']}/claims", {"claim_type": "NOPE"})
    assert bad.status_code == 400
    claim = client.post(
        f"/v1/returns/{ret['return_id']}/claims",
        {"claim_type": "DAMAGED_RETURN", "description": "torn", "evidence_urls": ["https://x/1.jpg"]},
    )
    assert claim.status_code == 201 and claim.json()["data"]["status"] == "OPEN"
    decided = control(http, creds, f"returns/{ret['return_id']}/claim", {"approve": True})
    assert decided["status"] == "APPROVED"
    lines = client.get(f"/v1/payments/sub-orders/{no}").json()["data"]["lines"]
    assert lines[-1]["line_type"] == "CLAIM_REIMBURSEMENT" and lines[-1]["amount"] == sub["item"]["total_price"]


def test_claim_window_closes(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    no = plain_order(http, creds, outcome="DELIVERED")
    ship(client, http, creds, no)
    control(http, creds, f"sub-orders/{no}/deliver")
    assert status_of(client, no) == "DELIVERED"
    result = control(http, creds, f"sub-orders/{no}/customer-return")
    assert result["status"] == "CUSTOMER_RETURN"
    return_id = result["return_id"]
    control(http, creds, f"returns/{return_id}/advance", {"status": "DELIVERED_TO_SUPPLIER"})
    ret = client.get(f"/v1/returns/{return_id}").json()["data"]
    assert ret["type"] == "CUSTOMER_RETURN" and ret["status"] == "DELIVERED_TO_SUPPLIER"
    client.post(f"/v1/returns/{return_id}/receive", {"condition": "WRONG_ITEM"})
    advance(clock, hours=49)
    late = client.post(f"/v1/returns/{return_id}/claims", {"claim_type": "WRONG_RETURN", "description": "x"})
    assert late.status_code == 422 and late.json()["error"]["code"] == "CLAIM_WINDOW_CLOSED"


def test_generated_orders_move_with_the_clock(
    sandbox: MeeshoSandbox, client: MeeshoClient, creds: dict[str, Any], clock: SandboxClock
) -> None:
    sandbox.generate_orders(creds["supplier_id"], 150, days=10)
    before = sandbox.truth(creds["supplier_id"])["orders"]
    statuses = {o["status"] for o in before.values()}
    assert {"PENDING", "SHIPPED", "DELIVERED"} <= statuses
    advance(clock, days=20)
    after = sandbox.truth(creds["supplier_id"])["orders"]
    moved = [no for no in before if before[no]["status"] != after[no]["status"]]
    assert moved
    assert all(after[no]["updated_at"] >= before[no]["updated_at"] for no in before)
    assert not {o["status"] for o in after.values()} & {"UNVERIFIED", "HOLD", "PENDING", "READY_TO_SHIP"}
