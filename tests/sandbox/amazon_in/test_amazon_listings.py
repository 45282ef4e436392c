"""Listings Items 2021-08-01 patchListingsItem quantity and read-back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from robnu.sandbox.amazon_in import AmazonSandbox

MP = {"marketplaceIds": "A21TJRUUN4KGV"}


def patch_body(quantity: Any, op: str = "replace") -> dict[str, Any]:
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": op,
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def url(account: dict[str, Any], sku: str) -> str:
    return f"/listings/2021-08-01/items/{account['selling_partner_id']}/{quote(sku, safe='')}"


def test_patch_quantity_is_recorded_in_order(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    a, b = account["skus"][:2]
    for sku, qty in ((a, 5), (b, 7), (a, 2), (a, 0)):
        response = api.patch(url(account, sku), headers=headers, params=MP, json=patch_body(qty, "merge"))
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ACCEPTED" and body["sku"] == sku and body["issues"] == []
    pushed = sandbox.pushed(account["selling_partner_id"])
    assert [p["quantity"] for p in pushed["inventory"][a]] == [5, 2, 0]
    assert [(p["sku"], p["quantity"]) for p in pushed["inventory_log"]] == [(a, 5), (b, 7), (a, 2), (a, 0)]
    assert [p["seq"] for p in pushed["inventory_log"]] == [1, 2, 3, 4]
    read = api.get(url(account, a), headers=headers, params={**MP, "includedData": "fulfillmentAvailability"})
    assert read.json()["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 0}]


def test_patch_invalid_and_unknown(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    sku = account["skus"][0]
    invalid = api.patch(url(account, sku), headers=headers, params=MP, json=patch_body(-1)).json()
    assert invalid["status"] == "INVALID" and invalid["issues"][0]["severity"] == "ERROR"
    unknown = api.patch(url(account, "NO/SUCH#SKU"), headers=headers, params=MP, json=patch_body(1))
    assert unknown.status_code == 200 and unknown.json()["status"] == "INVALID"
    assert unknown.json()["sku"] == "NO/SUCH#SKU"  # %2F survives routing
    preview = api.patch(
        url(account, sku), headers=headers, params={**MP, "mode": "VALIDATION_PREVIEW"}, json=patch_body(3)
    ).json()
    assert preview["status"] == "VALID"
    log = sandbox.pushed(account["selling_partner_id"])["inventory_log"]
    assert [(r["sku"], r["status"]) for r in log] == [(sku, "INVALID"), ("NO/SUCH#SKU", "INVALID")]


def test_patch_bad_requests(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    sku = account["skus"][0]
    for body in (
        {"patches": []},
        {"productType": "PRODUCT", "patches": []},
        {"productType": "PRODUCT", "patches": [{"op": "upsert", "path": "/x"}]},
        ["not", "an", "object"],
    ):
        response = api.patch(url(account, sku), headers=headers, params=MP, json=body)
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "BAD_REQUEST"
    assert api.patch(url(account, sku), headers=headers, json=patch_body(1)).status_code == 400  # no marketplaceIds
    other = api.patch(f"/listings/2021-08-01/items/AOTHERSELLER/{sku}", headers=headers, params=MP, json=patch_body(1))
    assert other.status_code == 403
    repeated = api.patch(
        url(account, sku) + "?marketplaceIds=A21TJRUUN4KGV&marketplaceIds=A1F83G8C2ARO7P",
        headers=headers,
        json=patch_body(4),
    )
    assert repeated.status_code == 200


def test_get_listing_unknown_sku(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    assert api.get(url(account, "NOPE"), headers=headers, params=MP).status_code == 404
    summary = api.get(url(account, account["skus"][1]), headers=headers, params=MP).json()
    assert summary["summaries"][0]["marketplaceId"] == "A21TJRUUN4KGV"
