"""Determinism, documents (real PDFs with the right ids), catalogue/inventory, webhooks and the control API."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pypdf
from meesho_support import T0, MeeshoClient, plain_order, ship

from robnu.domain.india import PLACES, gstin_problem
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox, build_sandbox


def _world(seed: int) -> dict[str, Any]:
    sandbox = build_sandbox(seed=seed, clock=SandboxClock(frozen_at=T0))
    creds = sandbox.create_account()
    sandbox.generate_orders(creds["supplier_id"], 200)
    return {
        "creds": creds,
        "truth": sandbox.truth(creds["supplier_id"]),
        "catalog": sorted(sandbox.world.account(creds["supplier_id"]).products),
    }


def test_same_seed_same_world() -> None:
    one, two = _world(11), _world(11)
    assert one == two
    assert _world(12)["truth"] != one["truth"]


def test_orders_are_realistic(sandbox: MeeshoSandbox, creds: dict[str, Any]) -> None:
    sandbox.generate_orders(creds["supplier_id"], 300)
    acct = sandbox.world.account(creds["supplier_id"])
    assert gstin_problem(acct.gstin) is None
    places = {(p.city.upper(), p.state_code, p.pincode) for p in PLACES}
    subs = list(acct.sub_orders.values())
    assert all((s.customer["city"], s.customer["state_code"], s.customer["pincode"]) in places for s in subs)
    assert {s.payment_mode for s in subs} == {"COD", "PREPAID"}
    assert sum(s.payment_mode == "COD" for s in subs) > len(subs) / 2  # COD dominates on Meesho
    assert any(s.sub_order_no.endswith("_2") for s in subs) and any(s.quantity == 2 for s in subs)
    assert all(len(s.order_no) == 18 and s.created_at <= T0 for s in subs)
    for product in acct.products.values():
        assert len(product.ean) == 13 and len(product.hsn) == 8 and product.mrp > product.price


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_label_and_invoice_pdf(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], sandbox: MeeshoSandbox
) -> None:
    nos = [plain_order(http, creds, payment_mode="COD"), plain_order(http, creds, payment_mode="PREPAID")]
    client.post("/v1/sub-orders/accept", {"sub_order_nos": nos})
    label_id = client.post("/v1/labels", {"sub_order_nos": nos}).json()["data"]["label_id"]
    items = client.get(f"/v1/labels/{label_id}").json()["data"]["items"]
    response = client.get(f"/v1/labels/{label_id}/pdf")
    assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF")
    pages, text = _pdf_text(response.content)
    assert pages == 4  # a 4x6 label page plus a tax-invoice page per sub-order
    acct = sandbox.world.account(creds["supplier_id"])
    for item in items:
        assert item["sub_order_no"] in text and item["awb"] in text and item["invoice_no"] in text
        sub = acct.sub_orders[item["sub_order_no"]]
        assert sub.sku in text
    assert acct.gstin in text and "COD amount: INR" in text
    assert ("CGST" in text) or ("IGST" in text)


def test_manifest_pdf(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any]) -> None:
    no = plain_order(http, creds)
    manifest_id = ship(client, http, creds, no)
    response = client.get(f"/v1/manifests/{manifest_id}/pdf")
    _, text = _pdf_text(response.content)
    assert manifest_id in text and no in text
    assert client.get("/v1/manifests/MNF0/pdf").json()["error"]["code"] == "NOT_FOUND"


def test_inventory_push(client: MeeshoClient, sandbox: MeeshoSandbox, creds: dict[str, Any]) -> None:
    products = client.pages("/v1/products")
    live = [p["sku"] for p in products if p["status"] == "LIVE"]
    paused = next(p["sku"] for p in products if p["status"] == "PAUSED")
    items = [
        {"sku": live[0], "quantity": 25, "warehouse_id": creds["warehouse_ids"][0]},
        {"sku": live[1], "quantity": 0},
        {"sku": "NOPE", "quantity": 1},
        {"sku": live[2], "quantity": -1},
        {"sku": live[3], "quantity": 1.5},
        {"sku": paused, "quantity": 3},
    ]
    results = client.post("/v1/inventory", {"items": items}).json()["data"]["results"]
    assert [(r["status"], r["error_code"]) for r in results] == [
        ("SUCCESS", None),
        ("SUCCESS", None),
        ("FAILURE", "UNKNOWN_SKU"),
        ("FAILURE", "INVALID_QUANTITY"),
        ("FAILURE", "INVALID_QUANTITY"),
        ("FAILURE", "PRODUCT_PAUSED"),
    ]
    stock = client.get("/v1/inventory", sku=f"{live[0]},{live[1]}").json()["data"]
    assert [(s["sku"], s["quantity"], s["status"]) for s in stock] == sorted(
        [(live[0], 25, "LIVE"), (live[1], 0, "LIVE")]
    )
    client.post("/v1/inventory", {"items": [{"sku": live[0], "quantity": 7}]})
    pushed = sandbox.pushed(creds["supplier_id"])
    assert [(p["sku"], p["quantity"]) for p in pushed["inventory"]] == [(live[0], 25), (live[1], 0), (live[0], 7)]
    assert pushed["inventory_latest"][live[0]]["quantity"] == 7
    seqs = [p["seq"] for p in pushed["inventory"]]
    assert seqs == sorted(seqs)
    too_many = client.post("/v1/inventory", {"items": [{"sku": live[0], "quantity": 1}] * 51})
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "TOO_MANY_ITEMS"


def test_webhook_registration(client: MeeshoClient) -> None:
    assert client.get("/v1/webhooks").json()["data"] is None
    body = {"url": "https://robnu.example/meesho/events", "event_types": ["sub_order.created"]}
    assert client.put("/v1/webhooks", body).json()["data"] == body
    assert client.get("/v1/webhooks").json()["data"] == body
    assert client.put("/v1/webhooks", {"url": "ftp://x", "event_types": []}).status_code == 400


def test_control_api_over_http(http: httpx.Client, clock: SandboxClock) -> None:
    created = http.post("/_sandbox/accounts", json={"warehouse_ids": ["WH-PUNE-1"]})
    assert created.status_code == 201
    creds = created.json()
    assert set(creds) >= {"supplier_id", "api_key", "api_secret", "warehouse_ids"}
    assert creds["warehouse_ids"] == ["WH-PUNE-1"]
    sid = creds["supplier_id"]
    generated = http.post(f"/_sandbox/accounts/{sid}/orders", json={"count": 20, "days": 5})
    assert generated.status_code == 201 and generated.json()["created"] >= 20
    truth = http.get(f"/_sandbox/accounts/{sid}/truth").json()
    assert set(truth) == {"orders", "returns", "payouts", "totals"}
    assert len(truth["orders"]) == generated.json()["created"] == len(generated.json()["order_ids"])
    assert http.get(f"/_sandbox/accounts/{sid}/pushed").json()["inventory"] == []
    moved = http.post("/_sandbox/lifecycle/advance", json={"seconds": 3600}).json()
    assert datetime.fromisoformat(moved["now"]) == T0.astimezone(UTC).replace() + (clock.now() - T0)
    assert clock.now() > T0
    assert http.post(f"/_sandbox/accounts/{sid}/revoke").json() == {"revoked": True}
    client = MeeshoClient(http, clock, creds)
    assert client.get("/v1/settings/acceptance").status_code == 403
    assert http.get("/_sandbox/accounts/000000/truth").status_code == 404
    assert http.post("/_sandbox/reset").json() == {"reset": True}


def test_webhook_outbox_is_signed(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    from robnu.sandbox.meesho.signing import canonical_string, signature_matches

    client.put(
        "/v1/webhooks",
        {
            "url": "https://robnu.example/hooks/meesho/events?src=mx",
            "event_types": ["sub_order.created", "sub_order.status_changed"],
        },
    )
    no = plain_order(http, creds)
    client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]})
    outbox = http.get(f"/_sandbox/meesho/accounts/{creds['supplier_id']}/webhook-events").json()["events"]
    assert [e["headers"]["X-Event-Type"] for e in outbox] == ["sub_order.created", "sub_order.status_changed"]
    for event in outbox:
        headers = event["headers"]
        canonical = canonical_string(
            "POST", "/hooks/meesho/events", "src=mx", headers["X-Timestamp"], headers["X-Nonce"], event["body"].encode()
        )
        assert signature_matches(creds["api_secret"], canonical, headers["X-Signature"])
    import json

    change = json.loads(outbox[1]["body"])
    assert change["data"] == {"sub_order_no": no, "from": "PENDING", "to": "READY_TO_SHIP", "at": change["occurred_at"]}
    again = http.get(f"/_sandbox/meesho/accounts/{creds['supplier_id']}/webhook-events").json()["events"]
    assert [e["headers"]["X-Event-Id"] for e in again] == [e["headers"]["X-Event-Id"] for e in outbox]
    since = http.get(
        f"/_sandbox/meesho/accounts/{creds['supplier_id']}/webhook-events", params={"since": change["occurred_at"]}
    ).json()["events"]
    assert since == []
