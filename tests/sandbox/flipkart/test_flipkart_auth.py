from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from fk_helpers import Seller

from robnu.sandbox.flipkart import FlipkartSandbox

TOKEN = "/oauth-service/oauth/token"
SEARCH = "/sellers/v3/shipments/filter"
PRE = {"filter": {"type": "preDispatch", "states": ["APPROVED"]}}


def test_token_by_get_query_and_post_form(fresh: Seller) -> None:
    r = fresh.client.get(
        TOKEN,
        params={"grant_type": "client_credentials", "scope": "Seller_Api,Default"},
        headers={"Authorization": fresh.basic, "Accept": "application/json"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 5183999 and "Seller_Api" in body["scope"]
    r = fresh.client.post(
        TOKEN, data={"grant_type": "client_credentials", "scope": "Seller_Api"}, headers={"Authorization": fresh.basic}
    )
    assert r.status_code == 200 and r.json()["access_token"] != body["access_token"]
    fresh.token = r.json()["access_token"]
    assert fresh.post(SEARCH, json=PRE).status_code == 200


def test_unknown_app_id_and_wrong_secret(fresh: Seller) -> None:
    bad = "Basic " + base64.b64encode(b"nosuchapp:secret").decode()
    r = fresh.client.get(TOKEN, params={"grant_type": "client_credentials"}, headers={"Authorization": bad})
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized", "error_description": "No client with requested id: nosuchapp"}
    wrong = "Basic " + base64.b64encode(f"{fresh.account['app_id']}:nope".encode()).decode()
    r = fresh.client.get(TOKEN, params={"grant_type": "client_credentials"}, headers={"Authorization": wrong})
    assert r.status_code == 401 and r.json() == {"error": "unauthorized", "error_description": "Bad credentials"}


def test_token_request_errors(fresh: Seller) -> None:
    r = fresh.client.get(TOKEN, params={"grant_type": "client_credentials"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = fresh.client.get(TOKEN, params={"grant_type": "password"}, headers={"Authorization": fresh.basic})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = fresh.client.get(
        TOKEN, params={"grant_type": "client_credentials", "scope": "Other"}, headers={"Authorization": fresh.basic}
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_bad_missing_and_expired_bearer(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    r = fresh.client.post(SEARCH, json=PRE, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_token", "error_description": "Invalid access token: not-a-token"}
    assert fresh.client.post(SEARCH, json=PRE).status_code == 401
    sandbox.kit.clock.advance(timedelta(seconds=5183998))
    assert fresh.post(SEARCH, json=PRE).status_code == 200
    sandbox.kit.clock.advance(timedelta(seconds=2))
    r = fresh.post(SEARCH, json=PRE)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    fresh.login()
    assert fresh.post(SEARCH, json=PRE).status_code == 200


def test_revoked_account(fresh: Seller, sandbox: FlipkartSandbox) -> None:
    sandbox.revoke(fresh.key)
    r = fresh.post(SEARCH, json=PRE)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = fresh.client.get(TOKEN, params={"grant_type": "client_credentials"}, headers={"Authorization": fresh.basic})
    assert r.status_code == 401 and r.json()["error_description"] == "Bad credentials"


def test_revoke_over_control_api(fresh: Seller) -> None:
    assert fresh.client.post(f"/_sandbox/accounts/{fresh.key}/revoke").status_code == 200
    assert fresh.post(SEARCH, json=PRE).status_code == 401


def test_token_expired_fault(fresh: Seller, client: httpx.Client) -> None:
    r = client.post("/_sandbox/faults", json={"kind": "token_expired", "operation": "searchShipments"})
    assert r.status_code == 201
    r = fresh.post(SEARCH, json=PRE)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert fresh.post(SEARCH, json=PRE).status_code == 401  # the token stays dead
    fresh.login()
    assert fresh.post(SEARCH, json=PRE).status_code == 200


def test_revoked_credentials_fault(fresh: Seller, client: httpx.Client) -> None:
    client.post("/_sandbox/faults", json={"kind": "revoked_credentials", "account": fresh.key})
    r = fresh.post(SEARCH, json=PRE)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = fresh.client.get(TOKEN, params={"grant_type": "client_credentials"}, headers={"Authorization": fresh.basic})
    assert r.status_code == 401 and r.json()["error_description"] == "Bad credentials"


def test_tokens_of_one_seller_do_not_see_another(sandbox: FlipkartSandbox, fresh: Seller, client: httpx.Client) -> None:
    other = Seller(sandbox, client, sandbox.create_account())
    sandbox.generate_orders(other.key, 5, days=1)
    other.login()
    order_id = next(iter(sandbox.truth(other.key)["orders"]))
    assert fresh.get("/sellers/v3/shipments", params={"orderIds": order_id}).json() == {"shipments": []}
    assert other.get("/sellers/v3/shipments", params={"orderIds": order_id}).json()["shipments"]


def test_credential_keys(sandbox: FlipkartSandbox) -> None:
    account = sandbox.create_account(app_id="myapp", app_secret="mysecret")
    assert {"seller_id", "location_id", "app_id", "app_secret"} <= set(account)
    assert (
        account["app_id"] == "myapp" and account["location_id"].startswith("LOC") and len(account["location_id"]) == 35
    )
