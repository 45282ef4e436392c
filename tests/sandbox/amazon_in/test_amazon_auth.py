"""LWA token exchange and SP-API authentication: good, bad, expired, revoked, and the
TOKEN_EXPIRED / REVOKED_CREDENTIALS faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from conftest import token_request
from robnu.sandbox.amazon_in import AmazonSandbox
from robnu.sandbox.faults import FaultKind, FaultRule

SEARCH = ("/orders/2026-01-01/orders", {"createdAfter": "2026-11-01T00:00:00Z"})


def test_lwa_form_and_json_bodies(account: dict[str, Any], lwa: httpx.Client) -> None:
    form = lwa.post("/auth/o2/token", data=token_request(account))
    as_json = lwa.post("/auth/o2/token", json=token_request(account))
    for response in (form, as_json):
        assert response.status_code == 200
        body = response.json()
        assert body["access_token"].startswith("Atza|")
        assert body["refresh_token"] == account["refresh_token"]
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600


def test_lwa_errors_use_oauth_shape(account: dict[str, Any], lwa: httpx.Client) -> None:
    bad_grant = lwa.post("/auth/o2/token", data={**token_request(account), "refresh_token": "Atzr|wrong"})
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "invalid_grant"
    assert "revoked" in bad_grant.json()["error_description"]
    bad_client = lwa.post("/auth/o2/token", data={**token_request(account), "client_secret": "nope"})
    assert bad_client.status_code == 401
    assert bad_client.json() == {"error": "invalid_client", "error_description": "Client authentication failed"}
    unknown = lwa.post("/auth/o2/token", data={**token_request(account), "client_id": "amzn1.application-oa2-client.x"})
    assert unknown.status_code == 401
    missing = lwa.post("/auth/o2/token", data={"grant_type": "refresh_token", "client_id": account["lwa_client_id"]})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other_grant = lwa.post("/auth/o2/token", data={**token_request(account), "grant_type": "client_credentials"})
    assert other_grant.status_code == 400 and other_grant.json()["error"] == "invalid_request"
    no_grant = lwa.post("/auth/o2/token", data={})
    assert no_grant.status_code == 400 and no_grant.json()["error"] == "invalid_request"


def test_api_requires_a_live_token(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    path, params = SEARCH
    assert api.get(path, params=params, headers=headers).status_code == 200
    missing = api.get(path, params=params)
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["code"] == "Unauthorized"
    assert missing.json()["errors"][0]["message"] == "Access to requested resource is denied."
    bad = api.get(path, params=params, headers={"x-amz-access-token": "Atza|forged"})
    assert bad.status_code == 403
    # Authorization/SigV4 headers and a wrong Host are ignored.
    odd = api.get(path, params=params, headers={**headers, "Authorization": "AWS4-HMAC-SHA256 x", "Host": "27.0.0.1:1"})
    assert odd.status_code == 200


def test_token_expires_after_3600_sandbox_seconds(
    sandbox: AmazonSandbox, api: httpx.Client, headers: dict[str, str]
) -> None:
    path, params = SEARCH
    sandbox.kit.clock.advance(timedelta(seconds=3599))
    assert api.get(path, params=params, headers=headers).status_code == 200
    sandbox.kit.clock.advance(timedelta(seconds=1))
    expired = api.get(path, params=params, headers=headers)
    assert expired.status_code == 403
    assert "expired" in expired.json()["errors"][0]["details"]


def test_revoked_account(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, lwa: httpx.Client, headers: dict[str, str]
) -> None:
    path, params = SEARCH
    sandbox.revoke(account["selling_partner_id"])
    assert api.get(path, params=params, headers=headers).status_code == 403
    again = lwa.post("/auth/o2/token", data=token_request(account))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_revoke_over_control_api(account: dict[str, Any], api: httpx.Client, lwa: httpx.Client) -> None:
    response = api.post(f"/_sandbox/accounts/{account['selling_partner_id']}/revoke")
    assert response.status_code == 200
    assert lwa.post("/auth/o2/token", data=token_request(account)).json()["error"] == "invalid_grant"


def test_token_expired_fault_kills_the_live_token(
    sandbox: AmazonSandbox,
    account: dict[str, Any],
    api: httpx.Client,
    headers: dict[str, str],
    login: Callable[[dict[str, Any]], dict[str, str]],
) -> None:
    path, params = SEARCH
    sandbox.kit.faults.add(FaultRule(FaultKind.TOKEN_EXPIRED, "searchOrders"))
    first = api.get(path, params=params, headers=headers)
    assert first.status_code == 403 and "expired" in first.json()["errors"][0]["details"]
    assert api.get(path, params=params, headers=headers).status_code == 403  # the token stays dead
    assert api.get(path, params=params, headers=login(account)).status_code == 200  # a refresh fixes it


def test_revoked_credentials_fault(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, lwa: httpx.Client, headers: dict[str, str]
) -> None:
    path, params = SEARCH
    sandbox.kit.faults.add(FaultRule(FaultKind.REVOKED_CREDENTIALS, "*"))
    assert api.get(path, params=params, headers=headers).status_code == 403
    assert lwa.post("/auth/o2/token", data=token_request(account)).json()["error"] == "invalid_grant"


def test_revoked_credentials_fault_on_lwa(sandbox: AmazonSandbox, account: dict[str, Any], lwa: httpx.Client) -> None:
    sandbox.kit.faults.add(FaultRule(FaultKind.REVOKED_CREDENTIALS, "lwaToken"))
    assert lwa.post("/auth/o2/token", data=token_request(account)).status_code == 400


def test_tokens_are_per_account(
    sandbox: AmazonSandbox, api: httpx.Client, login: Callable[[dict[str, Any]], dict[str, str]]
) -> None:
    one = sandbox.create_account()
    two = sandbox.create_account()
    sandbox.generate_orders(one["selling_partner_id"], 5)
    sandbox.generate_orders(two["selling_partner_id"], 7)
    path, params = SEARCH
    params = {"createdAfter": "2026-01-01T00:00:00Z"}
    ids_one = {o["orderId"] for o in api.get(path, params=params, headers=login(one)).json()["orders"]}
    ids_two = {o["orderId"] for o in api.get(path, params=params, headers=login(two)).json()["orders"]}
    assert len(ids_one) == 5 and len(ids_two) == 7 and not ids_one & ids_two
