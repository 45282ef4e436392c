import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from robnu.sandbox.ajio import build_sandbox
from robnu.sandbox.faults import FaultKind, FaultRule

DAY = 86400


def pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def pending(client, auth, now):
    r = client.get("/orders/pendency", params={"from_date": now() - 7 * DAY, "to_date": now()}, headers=auth)
    assert r.status_code == 200
    return r.json()["orders"]


def ack_body(o, status="Acknowledge"):
    lines = [
        {
            "order_item_id": ln["order_item_id"],
            "confirmed_quantity": ln["ordered_quantity"] if status == "Acknowledge" else 0,
            "cancelled_quantity": 0 if status == "Acknowledge" else ln["ordered_quantity"],
        }
        for ln in o["order_lines"]
    ]
    return {"order_id": o["order_id"], "order_lines": lines, "status": status}


def invoice_body(po, account, now, number):
    intra = account["store"]["state_code"] == po["bill_to"]["state_code"]
    lines = []
    for ln in po["order_lines"]:
        t = ln["tax_summary"]
        lines.append(
            {
                "order_item_id": ln["order_item_id"],
                "hsn": ln["hsn"],
                "quantity": ln["quantity"],
                "unit_price": ln["item_base_price"],
                "taxable_value": t["taxable_value"],
                "cgst_rate": t["cgst_rate"],
                "cgst_amount": t["cgst_amount"],
                "sgst_rate": t["sgst_rate"],
                "sgst_amount": t["sgst_amount"],
                "igst_rate": t["igst_rate"],
                "igst_amount": t["igst_amount"],
            }
        )
    assert intra
    return {
        "invoice_number": number,
        "invoice_date": now,
        "seller_gstin": account["store"]["seller_gstin"],
        "buyer_gstin": po["bill_to"]["gstin"],
        "place_of_supply": po["bill_to"]["state_code"],
        "lines": lines,
    }


def test_full_dispatch_flow(client, sandbox, account, auth, now, clock, login):
    orders = pending(client, auth, now)
    assert orders and all(o["order_id"].startswith("FN") and len(o["order_id"]) == 12 for o in orders)
    o = orders[0]
    r = client.post("/orders", json=ack_body(o), headers=auth).json()
    assert r["failed_items"] == [] and r["success"][0]["order_status"] == "Acknowledge"
    again = client.post("/orders", json=ack_body(o), headers=auth).json()
    assert "ORDER_NOT_PENDING" in again["failed_items"][0]["error_message"]
    po = client.get("/orders", params={"order_id": o["order_id"]}, headers=auth).json()["orders"][0]
    assert po["status"] == "CONFIRMED" and po["po_number"].startswith("PO")
    assert pdf_text(client.get(f"/orders/{o['order_id']}/po.pdf", headers=auth).content).count(po["po_number"])
    r = client.get(f"/orders/{o['order_id']}/shipping-label", headers=auth)
    assert r.status_code == 409 and r.json()["errorCode"] == "LABEL_NOT_READY"
    prefix = account["store"]["invoice_series_prefix"]
    bad = invoice_body(po, account, now(), "XX/25-26/1")
    r = client.post(f"/orders/{o['order_id']}/b2b-invoice", json=bad, headers=auth)
    assert r.status_code == 422 and r.json()["errorCode"] == "INVOICE_SERIES_MISMATCH"
    bad = invoice_body(po, account, now(), prefix + "25-26/900001")
    bad["lines"][0]["taxable_value"] += 5
    r = client.post(f"/orders/{o['order_id']}/b2b-invoice", json=bad, headers=auth)
    assert r.status_code == 422 and r.json()["errorCode"] == "AMOUNT_MISMATCH"
    bad = invoice_body(po, account, now(), prefix + "25-26/900001")
    bad["seller_gstin"] = "08ABCDE1234F1Z1"
    r = client.post(f"/orders/{o['order_id']}/b2b-invoice", json=bad, headers=auth)
    assert r.json()["errors"][0]["code"] == "INVALID_GSTIN"
    good = invoice_body(po, account, now(), prefix + "25-26/900001")
    r = client.post(f"/orders/{o['order_id']}/b2b-invoice", json=good, headers=auth)
    assert r.status_code == 200 and r.json()["result"]["status"] == "ACCEPTED", r.text
    r = client.post(f"/orders/{o['order_id']}/b2b-invoice", json=good, headers=auth)
    assert r.json()["errorCode"] == "ALREADY_INVOICED"
    ship = client.get(f"/orders/{o['order_id']}/shipment", headers=auth).json()
    assert ship["label_status"] == "READY" and ship["awb_number"] == o["tracking_number"]
    label = pdf_text(client.get(f"/orders/{o['order_id']}/shipping-label", headers=auth).content)
    assert o["tracking_number"] in label and o["order_id"] in label
    inv = pdf_text(client.get(f"/orders/{o['order_id']}/customer-invoice", headers=auth).content)
    assert ship["customer_invoice_number"] in inv
    r = client.post("/manifests", json={"courier_name": "NOPE", "shipment_ids": [o["order_id"]]}, headers=auth)
    assert r.status_code == 422 and r.json()["errorCode"] == "MIXED_COURIERS"
    r = client.post("/manifests", json={"courier_name": o["carrier"], "shipment_ids": ["FN0"] * 251}, headers=auth)
    assert r.json()["errorCode"] == "TOO_MANY_SHIPMENTS"
    r = client.post("/manifests", json={"courier_name": o["carrier"], "shipment_ids": [o["order_id"]]}, headers=auth)
    man = r.json()["result"]
    assert man["manifest_id"].startswith("MF") and man["late"] is False  # 11:30 IST, before 17:30
    assert o["order_id"] in pdf_text(client.get(f"/manifests/{man['manifest_id']}/pdf", headers=auth).content)
    got = client.get(f"/manifests/{man['manifest_id']}", headers=auth).json()
    assert got["pickup_status"] == "AWAITING_PICKUP"
    assert (
        client.get("/orders", params={"order_id": o["order_id"]}, headers=auth).json()["orders"][0]["status"]
        == "READY_TO_DISPATCH"
    )
    clock.advance(timedelta(hours=7))  # past 18:00 IST pickup
    auth = login(account)  # the 30-minute token has expired meanwhile
    got = client.get(f"/manifests/{man['manifest_id']}", headers=auth).json()
    assert got["pickup_status"] == "PICKED_UP" and got["pickup_receipt_no"]
    clock.advance(timedelta(days=10))
    status = sandbox.truth(account["pob_id"])["orders"][o["order_id"]]["status"]
    assert status in ("DELIVERED", "RTO")
    pushed = sandbox.pushed(account["pob_id"])
    assert pushed["acknowledgements"][0]["order_id"] == o["order_id"]
    assert pushed["b2b_invoices"][0]["invoice_number"] == good["invoice_number"]
    assert pushed["manifests"][0]["manifest_id"] == man["manifest_id"]


def test_batch_is_all_or_nothing_and_idempotent(client, sandbox, account, auth, now):
    orders = pending(client, auth, now)[:3]
    body = {"batch_ref": "2026-01-20-AM", "orders": [ack_body(o) for o in orders]}
    body["orders"][-1]["order_lines"][0]["confirmed_quantity"] += 1
    r = client.post("/orders/confirmations", json=body, headers=auth)
    assert r.status_code == 422 and r.json()["errorCode"] == "BATCH_REJECTED"
    assert r.json()["errors"][0]["field"].startswith(f"orders[{len(orders) - 1}].order_lines[0]")
    assert r.json()["errors"][0]["code"] == "QTY_MISMATCH"
    assert len(pending(client, auth, now)) >= len(orders)  # nothing applied
    body["orders"][-1] = ack_body(orders[-1])
    r = client.post("/orders/confirmations", json=body, headers=auth)
    assert r.status_code == 200 and r.json()["result"]["accepted_orders"] == len(orders)
    assert client.post("/orders/confirmations", json=body, headers=auth).json() == r.json()
    assert len(sandbox.pushed(account["pob_id"])["acknowledgements"]) == len(orders)


def test_inventory_absolute_and_limits(client, sandbox, account, auth, now):
    skus = [p["sku"] for p in client.get("/products", params={"size": 50}, headers=auth).json()["products"]]
    r = client.post(
        "/updateInventory",
        json={"inventory": [{"sku": skus[0], "quantity": 0}, {"sku": "NOPE", "quantity": 1}]},
        headers=auth,
    ).json()
    assert r["success"] == [{"sku": skus[0], "quantity": 0}] and r["failed_items"][0]["sku"] == "NOPE"
    r = client.post("/updateInventory", json={"inventory": [{"sku": skus[0], "quantity": 1}] * 51}, headers=auth)
    assert r.status_code == 400 and r.json()["errorCode"] == "TOO_MANY_ITEMS"
    assert sandbox.pushed(account["pob_id"])["inventory_latest"][skus[0]] == 0
    # an order needing a SKU with no stock fails the inventory check
    o = pending(client, auth, now)[0]
    client.post(
        "/updateInventory",
        json={"inventory": [{"sku": ln["item_details"]["item_code"], "quantity": 0} for ln in o["order_lines"]]},
        headers=auth,
    )
    r = client.post("/orders", json=ack_body(o), headers=auth).json()
    assert "QTY_EXCEEDS_INVENTORY" in r["failed_items"][0]["error_message"]


def test_pending_order_lifecycle_with_clock(client, sandbox, account, auth, now, clock, login):
    o = pending(client, auth, now)[0]
    clock.advance(timedelta(hours=25))
    truth = sandbox.truth(account["pob_id"])["orders"][o["order_id"]]
    assert truth["status"] == "CANCELLED"
    r = client.post("/orders", json=ack_body(o), headers=login(account)).json()
    assert r["failed_items"]


def test_paging_orders_no_loss_and_faults(client, sandbox, account, auth, now):
    params = {"from_date": now() - 30 * DAY, "to_date": now(), "size": 50}
    seen: list[str] = []
    page = 0
    while True:
        body = client.get("/orders", params={**params, "page": page}, headers=auth).json()
        seen += [o["order_id"] for o in body["orders"]]
        page += 1
        if page >= body["page"]["totalPages"]:
            break
    truth = sandbox.truth(account["pob_id"])["orders"]
    assert len(seen) == len(set(seen)) == sum(1 for v in truth.values() if v["status"] != "PENDENCY")
    sandbox.kit.faults.add(FaultRule(FaultKind.DUPLICATE_ACROSS_PAGES, "getOrders"))
    p0 = client.get("/orders", params={**params, "page": 0}, headers=auth).json()["orders"]
    p1 = client.get("/orders", params={**params, "page": 1}, headers=auth).json()["orders"]
    assert p1[0]["order_id"] == p0[-1]["order_id"]
    sandbox.kit.faults.add(FaultRule(FaultKind.CHANGE_BETWEEN_PAGES, "getOrders"))
    before = p0[0]["updated_at"]
    client.get("/orders", params={**params, "page": 1}, headers=auth)
    got = client.get("/orders", params={"order_id": p0[0]["order_id"]}, headers=auth).json()["orders"][0]
    assert got["updated_at"] > before and got["updated_at"] == now()
    r = client.get("/orders", params={**params, "size": 51}, headers=auth)
    assert r.status_code == 400 and r.json()["errorCode"] == "VALIDATION_ERROR"


def test_returns_and_qc(client, sandbox, account, auth, now, clock, login):
    pob = account["pob_id"]
    book = sandbox.world.book(pob)
    rets = client.get("/returns", params={"from_date": now() - 30 * DAY, "to_date": now()}, headers=auth).json()
    assert rets["returns"] and all(r["return_type"] in ("CR", "RTO") for r in rets["returns"])
    waiting = [r for r in book.returns if r.events and r.qc_at is None]
    # move to a point where one of them is delivered to the seller and awaits QC
    target = min(
        (t for r in waiting for t, s, _ in r.events if s == "DELIVERED_TO_SELLER" and t >= now()),
        default=None,
    )
    if target is not None:
        clock.advance(timedelta(seconds=target - now()))
        auth = login(account)
    ret = next(
        r for r in book.returns if r.events and r.qc_at is None and r.state_at(now())[1] == "DELIVERED_TO_SELLER"
    )
    bad = {
        "qc_results": [
            {
                "order_item_id": ret.lines[0][0],
                "unit_index": 1,
                "qc_status": "PASS",
                "qc_code": "F02_USED_OR_WORN",
            }
        ]
    }
    r = client.post(f"/returns/{ret.return_id}/qc", json=bad, headers=auth)
    assert r.status_code == 422
    results = [
        {"order_item_id": item, "unit_index": u, "qc_status": "PASS", "qc_code": "P01_GOOD_RESALEABLE"}
        for item, qty, _ in ret.lines
        for u in range(1, qty + 1)
    ]
    r = client.post(f"/returns/{ret.return_id}/qc", json={"qc_results": results}, headers=auth)
    assert r.status_code == 200 and r.json()["result"]["status"] == "QC_DONE"
    r = client.post(f"/returns/{ret.return_id}/qc", json={"qc_results": results}, headers=auth)
    assert r.json()["errorCode"] == "QC_ALREADY_SUBMITTED"
    assert sandbox.pushed(pob)["qc"][0]["return_id"] == ret.return_id


def test_rto_generation(client, sandbox, account, auth, now):
    book = sandbox.world.book(account["pob_id"])
    o = next(o for o in book.orders if o.state_at(now())[1] == "DISPATCHED")
    r = client.post(
        "/returns/rto",
        json={
            "order_id": o.order_id,
            "awb_number": o.awb,
            "received_at": now(),
            "order_item_ids": [ln.order_item_id for ln in o.lines],
        },
        headers=auth,
    )
    assert r.status_code == 200 and r.json()["result"]["status"] == "DELIVERED_TO_SELLER"
    r = client.post(
        "/returns/rto", json={"order_id": o.order_id, "awb_number": o.awb, "received_at": now()}, headers=auth
    )
    assert r.json()["errorCode"] == "ORDER_NOT_DISPATCHED"


def test_settlement_arithmetic(client, sandbox, account, auth):
    sts = client.get("/payments/settlements", headers=auth).json()["settlements"]
    assert sts
    truth = sandbox.truth(account["pob_id"])
    for st in sts:
        lines, page = [], 0
        while True:
            body = client.get(
                f"/payments/settlements/{st['settlement_id']}/lines", params={"page": page}, headers=auth
            ).json()
            lines += body["lines"]
            page += 1
            if page >= body["page"]["totalPages"]:
                break
        net = sum(Decimal(str(ln["amount"])) for ln in lines)
        assert net == Decimal(str(st["net_amount"])) == Decimal(truth["payouts"][st["settlement_id"]]["net"])
        for ln in lines:
            if ln["line_group"] == "TAX":
                expected = (Decimal(str(ln["base_amount"])) * Decimal(str(ln["rate"]))).quantize(Decimal("0.01"))
                assert abs(Decimal(str(ln["amount"]))) == expected
                assert ln["rate"] in (0.18, 0.005, 0.001)
        csv = client.get(f"/payments/settlements/{st['settlement_id']}/statement.csv", headers=auth).text
        assert csv.splitlines()[0].startswith("line_id,order_id") and len(csv.splitlines()) == len(lines) + 1


def test_worked_example_rate_card():
    from robnu.sandbox.ajio.settlement import RateCard

    card = RateCard()
    price = Decimal("1299")
    assert card.margin(price) == Decimal("246.81") and card.po_unit(price) == Decimal("1052.19")


def test_same_seed_same_world(clock):
    a, b = build_sandbox(seed=9, clock=clock), build_sandbox(seed=9, clock=clock)
    ka, kb = a.create_account(), b.create_account()
    assert ka == kb
    a.generate_orders(ka["pob_id"], 200)
    b.generate_orders(kb["pob_id"], 200)
    assert a.truth(ka["pob_id"]) == b.truth(kb["pob_id"])
    c = build_sandbox(seed=10, clock=clock)
    assert c.create_account()["pob_id"] != ka["pob_id"]


def test_control_api(client, sandbox, clock):
    acc = client.post("/_sandbox/accounts", json={"einvoice": {"enabled": True}}).json()
    assert acc["einvoice"]["enabled"] and acc["einvoice"]["gsp_provider"]
    ids = client.post(f"/_sandbox/accounts/{acc['pob_id']}/orders", json={"count": 20}).json()["order_ids"]
    truth = client.get(f"/_sandbox/accounts/{acc['pob_id']}/truth").json()
    assert set(truth["orders"]) == set(ids)
    assert "inventory" in client.get(f"/_sandbox/accounts/{acc['pob_id']}/pushed").json()
    client.post("/_sandbox/lifecycle/advance", json={"seconds": 60})
    assert client.post(f"/_sandbox/accounts/{acc['pob_id']}/revoke").json()["revoked"]


@pytest.mark.slow
def test_100k_orders_page_fast(clock):
    sb = build_sandbox(seed=3, clock=clock, rate_limits_enabled=False)
    acc = sb.create_account()
    t0 = time.process_time()  # CPU time: the sandbox's cost, not the load of a shared machine
    sb.generate_orders(acc["pob_id"], 100_000)
    assert time.process_time() - t0 < 25
    book = sb.world.book(acc["pob_id"])
    now = int(clock.now().timestamp())
    t0 = time.perf_counter()
    sb.world.pendency(book, now - 7 * DAY, now)
    assert time.perf_counter() - t0 < 0.05
    t0 = time.perf_counter()
    sb.world.purchase_orders(book, now - DAY // 4, now, None)
    assert time.perf_counter() - t0 < 0.05
