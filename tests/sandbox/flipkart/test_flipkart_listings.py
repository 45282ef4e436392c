from __future__ import annotations

from datetime import timedelta

from fk_helpers import Seller

from robnu.sandbox.flipkart import FlipkartSandbox

INV = "/sellers/listings/v3/update/inventory"


def test_inventory_update_records_pushes_in_order(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    listings = sandbox.world.accounts[fresh.key].listings
    loc = fresh.account["location_id"]
    skus = sorted(listings)[:3]
    body = {
        sku: {"product_id": listings[sku].fsn, "locations": [{"id": loc, "status": "ENABLED", "inventory": n}]}
        for n, sku in enumerate(skus)
    }
    r = fresh.post(INV, json=body)
    assert r.status_code == 200
    assert r.json() == {sku: {"status": "SUCCESS", "errors": [], "attribute_errors": []} for sku in skus}
    sandbox.advance(timedelta(seconds=10))
    fresh.post(INV, json={skus[0]: {"product_id": listings[skus[0]].fsn, "locations": [{"id": loc, "inventory": 7}]}})
    pushed = sandbox.pushed(fresh.key)
    assert [p["sku"] for p in pushed["inventory"]] == [*skus, skus[0]]
    assert [p["inventory"] for p in pushed["inventory_by_sku"][skus[0]]] == [0, 7]
    assert pushed["inventory_by_sku"][skus[0]][0]["at"] < pushed["inventory_by_sku"][skus[0]][1]["at"]
    assert listings[skus[0]].inventory[loc] == 7
    got = fresh.get("/sellers/listings/v3/" + ",".join([*skus, "NOPE"])).json()
    assert got["available"][skus[0]]["locations"][0]["inventory"] == 7 and got["unavailable"] == ["NOPE"]


def test_inventory_per_sku_failures_are_http_200(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    listings = sandbox.world.accounts[fresh.key].listings
    loc = fresh.account["location_id"]
    a, b, c = sorted(listings)[:3]
    body = {
        "UNKNOWN-SKU": {"product_id": "X", "locations": [{"id": loc, "inventory": 1}]},
        a: {"product_id": "WRONGFSN", "locations": [{"id": loc, "inventory": 1}]},
        b: {"product_id": listings[b].fsn, "locations": [{"id": loc, "inventory": -1}]},
        c: {"product_id": listings[c].fsn, "locations": [{"id": "LOCnope", "inventory": 1}]},
    }
    r = fresh.post(INV, json=body)
    assert r.status_code == 200
    codes = {sku: [e["code"] for e in v["errors"]] for sku, v in r.json().items()}
    assert codes == {"UNKNOWN-SKU": [1001], a: [1002], b: [1003], c: [1004]}
    assert all(v["status"] == "FAILURE" for v in r.json().values())
    assert sandbox.pushed(fresh.key)["inventory"] == []


def test_inventory_request_errors(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    listings = sandbox.world.accounts[fresh.key].listings
    body = {sku: {"product_id": listings[sku].fsn, "locations": []} for sku in sorted(listings)[:11]}
    r = fresh.post(INV, json=body)
    assert r.status_code == 400 and r.json()["errorCode"] == "BAD_REQUEST"
    assert fresh.post(INV, json={}).status_code == 400
    assert fresh.post(INV, content=b"[", headers={"Content-Type": "application/json"}).status_code == 400
    assert fresh.client.post(INV, json={}).status_code == 401
    assert fresh.get("/sellers/listings/v3/" + ",".join(f"S{n}" for n in range(11))).status_code == 400
