"""Helpers shared by the Flipkart sandbox tests (a uniquely named module, unlike conftest)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import httpx

from robnu.sandbox.flipkart import FlipkartSandbox

START = datetime(2026, 11, 18, 6, 30, tzinfo=UTC)  # a Wednesday, 12:00 IST
BASE = "http://flipkart.sandbox"


class Seller:
    """One sandbox seller: its credentials and a client holding a bearer token."""

    def __init__(self, sandbox: FlipkartSandbox, client: httpx.Client, account: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.client = client
        self.account = account
        self.key: str = account["seller_id"]
        self.token = ""

    @property
    def basic(self) -> str:
        raw = f"{self.account['app_id']}:{self.account['app_secret']}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def login(self) -> str:
        r = self.client.get(
            "/oauth-service/oauth/token",
            params={"grant_type": "client_credentials", "scope": "Seller_Api"},
            headers={"Authorization": self.basic},
        )
        assert r.status_code == 200, r.text
        self.token = r.json()["access_token"]
        return self.token

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.put(path, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def search(self, typ: str, states: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        flt: dict[str, Any] = {"type": typ}
        if states:
            flt["states"] = states
        flt.update(extra.pop("filter", {}))
        r = self.post("/sellers/v3/shipments/filter", json={"filter": flt, **extra})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def search_all(self, typ: str, states: list[str] | None = None, **extra: Any) -> list[dict[str, Any]]:
        body = self.search(typ, states, **extra)
        out = list(body["shipments"])
        while body["hasMore"]:
            r = self.get("/sellers" + body["nextPageUrl"])
            assert r.status_code == 200, r.text
            body = r.json()
            out += body["shipments"]
        return out


def new_order(s: Seller, skus: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    listings = s.sandbox.world.accounts[s.key].listings
    chosen = skus or [(next(iter(listings)), 1)]
    r = s.post(
        "/sellers/orders/sandbox/test_orders",
        json={
            "shipmentType": "NORMAL",
            "locationId": s.account["location_id"],
            "orderItems": [{"listingId": listings[sku].listing_id, "quantity": q} for sku, q in chosen],
        },
    )
    assert r.status_code == 200, r.text
    order = r.json()
    r = s.get("/sellers/v3/shipments", params={"orderIds": order["orderId"]})
    order["shipment"] = r.json()["shipments"][0]
    order["shipmentId"] = order["shipment"]["shipmentId"]
    return order


def pack_body(order: dict[str, Any], invoice_number: str | None = "INV/26-27/0001") -> dict[str, Any]:
    sh = order["shipment"]
    inv: dict[str, Any] = {"orderId": order["orderId"], "invoiceDate": "2026-11-18T12:00:00.000+05:30"}
    if invoice_number:
        inv["invoiceNumber"] = invoice_number
    return {
        "shipments": [
            {
                "shipmentId": sh["shipmentId"],
                "locationId": sh["locationId"],
                "taxItems": [
                    {"orderItemId": i["orderItemId"], "taxRate": 5.0, "quantity": i["quantity"]}
                    for i in sh["orderItems"]
                ],
                "invoices": [inv],
                "subShipments": [
                    {"subShipmentId": "SS-1", "dimensions": {"length": 20, "breadth": 15, "height": 5, "weight": 0.4}}
                ],
            }
        ]
    }
