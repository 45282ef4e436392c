from __future__ import annotations

import io
from typing import Any

from fk_helpers import Seller, new_order, pack_body
from pypdf import PdfReader

from robnu.sandbox.flipkart import FlipkartSandbox

S = "/sellers/v3/shipments"


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _packed(s: Seller, n: int = 1) -> list[dict[str, Any]]:
    orders = []
    for _ in range(n):
        order = new_order(s)
        assert s.post(f"{S}/labels", json=pack_body(order, None)).json()["shipments"][0]["status"] == "SUCCESS"
        orders.append(order)
    return orders


def test_labels_with_invoice_pdf(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    orders = _packed(fresh, 2)
    ids = ",".join(o["shipmentId"] for o in orders)
    r = fresh.get(f"{S}/{ids}/labels")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _text(r.content)
    for order in orders:
        sh = sandbox.world.shipments[order["shipmentId"]]
        assert order["shipmentId"] in text and order["orderId"] in text and sh.awb in text
        assert str(sh.invoice_number) in text
    assert sandbox.world.accounts[fresh.key].gstin in text


def test_label_only_pdf_and_stream(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    (order,) = _packed(fresh)
    sid = order["shipmentId"]
    r = fresh.post(f"{S}/{sid}/labelOnly/pdf", params={"reprint": "true"})
    assert r.headers["content-type"] == "application/pdf"
    assert sandbox.world.shipments[sid].awb in _text(r.content)
    r = fresh.post(f"{S}/{sid}/labelOnly")
    assert r.headers["content-type"] == "application/octet-stream" and order["orderId"] in _text(r.content)
    many = ",".join([sid] * 51)
    assert fresh.post(f"{S}/{many}/labelOnly/pdf").status_code == 400


def test_invoices_pdf_and_json(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    (order,) = _packed(fresh)
    sid = order["shipmentId"]
    number = sandbox.world.shipments[sid].invoice_number
    assert number is not None and len(number) <= 16
    r = fresh.get(f"{S}/{sid}/invoices", headers={"Accept": "application/pdf"})
    assert number in _text(r.content) and order["orderId"] in _text(r.content)
    r = fresh.get(f"{S}/{sid}/invoices", headers={"Accept": "application/json"})
    invoice = r.json()["invoices"][0]
    assert invoice["invoiceNumber"] == number
    tax = invoice["orderItems"][0]["taxDetails"]
    sh = sandbox.world.shipments[sid]
    seller_state = sandbox.world.accounts[fresh.key].place.state_code
    if sh.place.state_code == seller_state:
        assert tax["igstRate"] == 0 and tax["cgstRate"] == tax["sgstRate"] > 0
    else:
        assert tax["cgstRate"] == tax["sgstRate"] == 0 and tax["igstRate"] > 0


def test_seller_invoice_number_is_kept(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    order = new_order(fresh)
    fresh.post(f"{S}/labels", json=pack_body(order, "INV/26-27/0042"))
    assert sandbox.world.shipments[order["shipmentId"]].invoice_number == "INV/26-27/0042"


def test_documents_need_a_packed_shipment(fresh: Seller) -> None:
    order = new_order(fresh)
    r = fresh.get(f"{S}/{order['shipmentId']}/labels")
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_ITEM_STATE"
    assert fresh.get(f"{S}/nope/labels").status_code == 404
    assert fresh.get(f"{S}/nope/invoices").status_code == 404


def test_handover_counts_and_manifest(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    assert fresh.get(f"{S}/handover/counts").json() == []
    orders = _packed(fresh, 3)
    fresh.post(f"{S}/dispatch", json={"shipmentIds": [o["shipmentId"] for o in orders[:2]]})
    counts = fresh.get(f"{S}/handover/counts", params={"locationId": fresh.account["location_id"]}).json()
    assert counts[0]["count"] == 2 and counts[0]["vendorGroupCode"] == "EKART"
    r = fresh.post(
        f"{S}/manifest",
        json={"params": {"vendorGroupCode": "EKART", "locationId": fresh.account["location_id"], "is_mps": False}},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _text(r.content)
    for order in orders[:2]:
        assert order["shipmentId"] in text and sandbox.world.shipments[order["shipmentId"]].awb in text
    assert orders[2]["shipmentId"] not in text
    manifests = sandbox.pushed(fresh.key)["manifests"]
    assert manifests[0]["manifestId"] in text and len(manifests[0]["shipmentIds"]) == 2
    assert fresh.post(f"{S}/manifest", json={"params": {}}).status_code == 400
    assert fresh.post(f"{S}/manifest", json={"params": {"vendorGroupCode": "DELHIVERY"}}).status_code == 404


def test_forms_for_shipments(fresh: Seller) -> None:
    (order,) = _packed(fresh)
    r = fresh.post(f"{S}/{order['shipmentId']}/forms")
    assert r.status_code == 200 and r.json()["shipments"][0]["shipmentId"] == order["shipmentId"]
