"""Contract tests: every route and status code the sandbox serves validates against Amazon's
official models, with the format checker and the undeclared-keys walker; plus the models' self-check."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jsonschema import Draft4Validator

from conftest import (
    MODELS,
    SEEN,
    load_model,
    undeclared_keys,
    validator,
)
from robnu.sandbox.amazon_in import AmazonSandbox

KNOWN_FORMAT_EXCEPTIONS = {
    # date-only values in date-time fields of these two examples.
    ("finances_2024-06-19.json", "/finances/2024-06-19/balances"),
    ("finances_2024-06-19.json", "/finances/2024-06-19/summary"),
}


def test_model_self_check() -> None:
    checked = failed_known = 0
    for model_path in sorted(MODELS.glob("*.json")):
        model = json.loads(model_path.read_text())
        for path, operations in model["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                for status, response in operation["responses"].items():
                    if "schema" not in response:
                        continue
                    examples = response.get("x-amzn-api-sandbox", {}).get("static", [])
                    for example in examples:
                        body = example["response"]
                        plain = Draft4Validator(dict(response["schema"], definitions=model["definitions"]))
                        plain.validate(body)
                        strict = validator(model_path.name, path, method, status)
                        if (model_path.name, path) in KNOWN_FORMAT_EXCEPTIONS:
                            failed_known += not strict.is_valid(body)
                        else:
                            strict.validate(body)
                        checked += 1
    assert checked == 80
    assert failed_known == 2


def test_walker_catches_misspelled_keys() -> None:
    model = load_model("orders_2026-01-01.json")
    schema = model["paths"]["/orders/2026-01-01/orders"]["get"]["responses"]["200"]["schema"]
    body = {
        "orders": [
            {
                "orderId": "1",
                "createdTime": "2026-01-01T00:00:00Z",
                "lastUpdatedTime": "2026-01-01T00:00:00Z",
                "salesChannel": {"channelName": "AMAZON", "marketplaceID": "x"},
                "orderItems": [],
            }
        ]
    }
    assert undeclared_keys(body, schema, model["definitions"]) == ["$.orders[0].salesChannel.marketplaceID"]
    finance = load_model("finances_2024-06-19.json")
    tx_schema = finance["paths"]["/finances/2024-06-19/transactions"]["get"]["responses"]["200"]["schema"]
    ctx = {
        "payload": {
            "transactions": [{"items": [{"contexts": [{"contextType": "ProductContext", "asin": "B0", "skuu": "x"}]}]}]
        }
    }
    assert undeclared_keys(ctx, tx_schema, finance["definitions"]) == [
        "$.payload.transactions[0].items[0].contexts[0].skuu"
    ]


def _some(api: httpx.Client, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = api.get(
        "/orders/2026-01-01/orders",
        headers=headers,
        params={
            "createdAfter": "2026-10-01T00:00:00Z",
            "maxResultsPerPage": 100,
            "includedData": "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,"
            "PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS",
            **extra,
        },
    )
    assert response.status_code == 200
    return response.json()


def test_every_route_and_status_validates(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    SEEN.clear()
    seller = account["selling_partner_id"]
    sku = account["skus"][0]
    bad = {"x-amz-access-token": "Atza|nope"}
    orders = _some(api, headers)["orders"]
    assert orders
    oid = next(o["orderId"] for o in orders if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED")
    group = api.get("/finances/v0/financialEventGroups", headers=headers).json()["payload"]["FinancialEventGroupList"][
        0
    ]["FinancialEventGroupId"]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("get", "/orders/2026-01-01/orders", {"params": {"createdAfter": "2026-10-01T00:00:00Z"}}),
        ("get", "/orders/2026-01-01/orders", {"params": {"createdAfter": "TEST_CASE_400"}}),
        ("get", f"/orders/2026-01-01/orders/{oid}", {"params": {"includedData": "FULFILLMENT,PACKAGES,PROCEEDS"}}),
        ("get", "/orders/2026-01-01/orders/404-0000000-0000000", {}),
        ("get", "/orders/2026-01-01/orders/TEST_CASE_400", {}),
        (
            "get",
            "/orders/v0/orders",
            {"params": {"MarketplaceIds": "A21TJRUUN4KGV", "CreatedAfter": "2026-10-01T00:00:00Z"}},
        ),
        ("get", "/orders/v0/orders", {"params": {"CreatedAfter": "2026-10-01T00:00:00Z"}}),
        ("get", f"/orders/v0/orders/{oid}", {}),
        ("get", "/orders/v0/orders/404-0000000-0000000", {}),
        ("get", f"/orders/v0/orders/{oid}/orderItems", {}),
        ("get", f"/orders/v0/orders/{oid}/orderItems", {"params": {"NextToken": "x"}}),
        ("get", "/orders/v0/orders/404-0000000-0000000/orderItems", {}),
        ("post", "/orders/v0/orders/404-0000000-0000000/shipmentConfirmation", {"json": {}}),
        ("get", "/finances/v0/financialEventGroups", {}),
        (
            "get",
            "/finances/v0/financialEventGroups",
            {"params": {"FinancialEventGroupStartedBefore": "2030-01-01T00:00:00Z"}},
        ),
        ("get", "/finances/v0/financialEvents", {"params": {"PostedAfter": "2026-11-01T00:00:00Z"}}),
        ("get", "/finances/v0/financialEvents", {}),
        ("get", f"/finances/v0/orders/{oid}/financialEvents", {}),
        ("get", f"/finances/v0/orders/{oid}/financialEvents", {"params": {"MaxResultsPerPage": 0}}),
        ("get", f"/finances/v0/financialEventGroups/{group}/financialEvents", {}),
        (
            "get",
            f"/finances/v0/financialEventGroups/{group}/financialEvents",
            {"params": {"PostedBefore": "2030-01-01T00:00:00Z"}},
        ),
        ("get", "/finances/2024-06-19/transactions", {"params": {"postedAfter": "2026-10-01T00:00:00Z"}}),
        ("get", "/finances/2024-06-19/transactions", {}),
        (
            "post",
            "/reports/2021-06-30/reports",
            {"json": {"reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE", "marketplaceIds": ["A21TJRUUN4KGV"]}},
        ),
        ("post", "/reports/2021-06-30/reports", {"json": {"reportType": "X"}}),
        (
            "get",
            "/reports/2021-06-30/reports",
            {"params": {"reportTypes": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"}},
        ),
        ("get", "/reports/2021-06-30/reports", {}),
        ("get", "/reports/2021-06-30/reports/1", {}),
        ("get", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.eu.nope", {}),
        (
            "patch",
            f"/listings/2021-08-01/items/{seller}/{sku}",
            {
                "params": {"marketplaceIds": "A21TJRUUN4KGV"},
                "json": {
                    "productType": "PRODUCT",
                    "patches": [
                        {
                            "op": "replace",
                            "path": "/attributes/fulfillment_availability",
                            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
                        }
                    ],
                },
            },
        ),
        (
            "patch",
            f"/listings/2021-08-01/items/{seller}/{sku}",
            {"params": {"marketplaceIds": "A21TJRUUN4KGV"}, "json": {"patches": []}},
        ),
        (
            "get",
            f"/listings/2021-08-01/items/{seller}/{sku}",
            {"params": {"marketplaceIds": "A21TJRUUN4KGV", "includedData": "summaries,fulfillmentAvailability,issues"}},
        ),
        ("get", f"/listings/2021-08-01/items/{seller}/NOPE", {"params": {"marketplaceIds": "A21TJRUUN4KGV"}}),
    ]
    for method, path, kwargs in calls:
        api.request(method.upper(), path, headers=headers, **kwargs)
    # 403, 429, 500, 503 on every route
    routes = {(m, p) for m, p, _ in calls}
    for method, path in routes:
        api.request(method.upper(), path, headers=bad, json={} if method != "get" else None)
    for kind, params in (("rate_limit", {}), ("server_error", {"status": 500}), ("server_error", {"status": 503})):
        for method, path in routes:
            sandbox.kit.faults.add(_rule(kind, params))
            response = api.request(method.upper(), path, headers=headers, json={} if method != "get" else None)
            assert response.status_code in (429, 500, 503)
    seen_statuses = {(path, status) for _f, path, status in SEEN}
    for template in (
        "/orders/2026-01-01/orders",
        "/orders/2026-01-01/orders/{orderId}",
        "/orders/v0/orders",
        "/orders/v0/orders/{orderId}",
        "/orders/v0/orders/{orderId}/orderItems",
        "/finances/v0/financialEventGroups",
        "/finances/v0/financialEvents",
        "/finances/v0/orders/{orderId}/financialEvents",
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
        "/finances/2024-06-19/transactions",
        "/reports/2021-06-30/reports",
        "/reports/2021-06-30/reports/{reportId}",
        "/reports/2021-06-30/documents/{reportDocumentId}",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        "/orders/v0/orders/{orderId}/shipmentConfirmation",
    ):
        for status in ("400", "403", "429", "500", "503"):
            if template.endswith("{orderId}") and status == "400" and "2026" not in template:
                continue
            if template.endswith(("{reportId}", "{reportDocumentId}")) and status == "400":
                continue
            assert (template, status) in seen_statuses, (template, status)
    assert ("/orders/2026-01-01/orders/{orderId}", "404") in seen_statuses
    assert ("/reports/2021-06-30/reports", "202") in seen_statuses
    assert ("/reports/2021-06-30/reports", "200") in seen_statuses
    for template in (
        "/finances/v0/financialEvents",
        "/finances/v0/orders/{orderId}/financialEvents",
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
    ):
        assert (template, "200") in seen_statuses, template


def _rule(kind: str, params: dict[str, Any]) -> Any:
    from robnu.sandbox.faults import FaultKind, FaultRule

    return FaultRule(FaultKind(kind), "*", 1, None, params)


def test_included_data_enums_stay_in_model_tables(
    account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    from robnu.sandbox.amazon_in.constants import DETAILED_STATUSES, PROGRAMS, SERVICE_LEVELS

    seen_detailed: set[str] = set()
    for order in _some(api, headers)["orders"]:
        assert set(order["programs"]) <= PROGRAMS
        assert order["fulfillment"]["fulfillmentServiceLevel"] in SERVICE_LEVELS
        for package in order.get("packages", []):
            seen_detailed.add(package["packageStatus"]["detailedStatus"])
    assert seen_detailed and seen_detailed <= DETAILED_STATUSES
