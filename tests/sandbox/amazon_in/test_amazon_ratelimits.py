"""Each operation's published token bucket (its usage plan in the model) answers 429 QuotaExceeded once the
burst is spent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import START, check_contract, token_request
from robnu.sandbox.amazon_in import build_sandbox
from robnu.sandbox.amazon_in.constants import RATE_LIMITS
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.transport import InProcessTransport


def calls(acc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    seller, sku = acc["selling_partner_id"], acc["skus"][0]
    listing = f"/listings/2021-08-01/items/{seller}/{sku}"
    patch = {
        "productType": "PRODUCT",
        "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": [{"quantity": 1}]}],
    }
    return {
        "searchOrders": ("GET", "/orders/2026-01-01/orders", {"params": {"createdAfter": "2026-11-01T00:00:00Z"}}),
        "getOrder": ("GET", "/orders/2026-01-01/orders/404-0000000-0000000", {}),
        "getOrders": (
            "GET",
            "/orders/v0/orders",
            {"params": {"MarketplaceIds": "A21TJRUUN4KGV", "CreatedAfter": "2026-11-01T00:00:00Z"}},
        ),
        "getOrderV0": ("GET", "/orders/v0/orders/404-0000000-0000000", {}),
        "getOrderItems": ("GET", "/orders/v0/orders/404-0000000-0000000/orderItems", {}),
        "confirmShipment": ("POST", "/orders/v0/orders/404-0000000-0000000/shipmentConfirmation", {"json": {}}),
        "listFinancialEventGroups": ("GET", "/finances/v0/financialEventGroups", {}),
        "listFinancialEvents": (
            "GET",
            "/finances/v0/financialEvents",
            {"params": {"PostedAfter": "2026-11-20T00:00:00Z"}},
        ),
        "listFinancialEventsByOrderId": ("GET", "/finances/v0/orders/404-0000000-0000000/financialEvents", {}),
        "listFinancialEventsByGroupId": ("GET", "/finances/v0/financialEventGroups/x/financialEvents", {}),
        "listTransactions": (
            "GET",
            "/finances/2024-06-19/transactions",
            {"params": {"postedAfter": "2026-11-20T00:00:00Z"}},
        ),
        "patchListingsItem": ("PATCH", listing, {"params": {"marketplaceIds": "A21TJRUUN4KGV"}, "json": patch}),
        "getListingsItem": ("GET", listing, {"params": {"marketplaceIds": "A21TJRUUN4KGV"}}),
        "createReport": ("POST", "/reports/2021-06-30/reports", {"json": {"reportType": "X"}}),
        "getReport": ("GET", "/reports/2021-06-30/reports/1", {}),
        "getReports": ("GET", "/reports/2021-06-30/reports", {"params": {"reportTypes": "X"}}),
        "getReportDocument": ("GET", "/reports/2021-06-30/documents/x", {}),
    }


@pytest.mark.parametrize("operation", sorted(RATE_LIMITS))
def test_burst_then_quota_exceeded(operation: str) -> None:
    # published limits, refill slowed 1000x so that a slow machine cannot refill a token mid-burst
    sandbox = build_sandbox(seed=5, clock=SandboxClock(frozen_at=START), rate_scale=0.001)
    acc = sandbox.create_account()
    sandbox.generate_orders(acc["selling_partner_id"], 20)
    lwa = httpx.Client(transport=InProcessTransport(sandbox.apps["auth"]), base_url="http://lwa")
    token = lwa.post("/auth/o2/token", data=token_request(acc)).json()["access_token"]
    api = httpx.Client(transport=InProcessTransport(sandbox.apps["api"]), base_url="http://amazon")
    method, path, kwargs = calls(acc)[operation]
    limit = RATE_LIMITS[operation]
    for _ in range(limit.burst):
        response = api.request(method, path, headers={"x-amz-access-token": token}, **kwargs)
        assert response.status_code != 429
        assert response.headers["x-amzn-ratelimit-limit"] == f"{limit.rate:g}"
    throttled = api.request(method, path, headers={"x-amz-access-token": token}, **kwargs)
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
        ]
    }
    assert "x-amzn-requestid" in throttled.headers
    check_contract(throttled)
    # buckets are per selling partner: another seller is not throttled
    other = sandbox.create_account()
    other_token = lwa.post("/auth/o2/token", data=token_request(other)).json()["access_token"]
    method2, path2, kwargs2 = calls(other)[operation]
    assert api.request(method2, path2, headers={"x-amz-access-token": other_token}, **kwargs2).status_code != 429


def test_scaled_limits_refill_fast() -> None:
    sandbox = build_sandbox(seed=5, clock=SandboxClock(frozen_at=START), rate_scale=1_000_000)
    acc = sandbox.create_account()
    lwa = httpx.Client(transport=InProcessTransport(sandbox.apps["auth"]), base_url="http://lwa")
    token = lwa.post("/auth/o2/token", data=token_request(acc)).json()["access_token"]
    api = httpx.Client(transport=InProcessTransport(sandbox.apps["api"]), base_url="http://amazon")
    statuses = [
        api.get(
            "/orders/2026-01-01/orders",
            headers={"x-amz-access-token": token},
            params={"createdAfter": "2026-11-01T00:00:00Z"},
        ).status_code
        for _ in range(40)
    ]
    assert 429 not in statuses
