"""Request signing: the canonical string, both test vectors, the verifier and every auth error."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
from meesho_support import MeeshoClient, advance

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox
from robnu.sandbox.meesho.signing import (
    EMPTY_BODY_SHA256,
    canonical_query,
    canonical_sha256,
    canonical_string,
    sign,
    signature_matches,
)

SECRET = "msk_test_9b1f4c7e2a6d4e0f8c3b5a1d7e9f2c4b"
V1_QUERY = "status=PENDING&limit=50&created_from=2026-01-10T00%3A00%3A00%2B05%3A30"
V1_CANONICAL = (
    "GET\n/v1/sub-orders\ncreated_from=2026-01-10T00%3A00%3A00%2B05%3A30&limit=50&status=PENDING\n1768021200\n"
    "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
V1_SIGNATURE = "535f01bc08b5bb6596756b1b7d51516d915dd854e7610d53eef387a59624cce0"
V2_BODY = b'{"sub_order_nos":["107263514829374650_1"]}'
V2_SIGNATURE = "4d6f4f844cd5023bfdaaaf61b4afa1231b782c16408e9818eaa9a1ae83a51e86"


def test_vector_1_canonical_string_and_signature() -> None:
    canonical = canonical_string(
        "GET", "/v1/sub-orders", V1_QUERY, "1768021200", "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f", b""
    )
    assert canonical == V1_CANONICAL
    assert sign(SECRET, canonical) == V1_SIGNATURE
    assert signature_matches(SECRET, canonical, V1_SIGNATURE)
    assert not signature_matches(SECRET, canonical, "0" * 64)


def test_vector_2_body_hash_and_signature() -> None:
    assert hashlib.sha256(V2_BODY).hexdigest() == "cdb6a0b8629b166cdf3dd0159dfc8aa3244e45254f0a7ac40b642fd63c019964"
    canonical = canonical_string(
        "POST", "/v1/sub-orders/accept", "", "1768021260", "a1b2c3d4e5f60718293a4b5c6d7e8f90", V2_BODY
    )
    assert sign(SECRET, canonical) == V2_SIGNATURE
    assert signature_matches(SECRET, canonical, V2_SIGNATURE)


def test_canonical_query_rules() -> None:
    assert canonical_query("") == ""
    assert canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert canonical_query("q=a+b&blank=") == "blank=&q=a%20b"
    assert canonical_query("x=%7e~*") == "x=~~%2A"
    assert EMPTY_BODY_SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _vector_sandbox(sandbox: MeeshoSandbox, clock: SandboxClock, at: int) -> dict[str, Any]:
    clock.set(datetime.fromtimestamp(at, UTC))
    return sandbox.create_account(api_key="mk_test_7Q2xK9", api_secret=SECRET)


def test_server_verifies_vector_1(sandbox: MeeshoSandbox, clock: SandboxClock, http: httpx.Client) -> None:
    _vector_sandbox(sandbox, clock, 1768021200)
    headers = {
        "X-Api-Key": "mk_test_7Q2xK9",
        "X-Timestamp": "1768021200",
        "X-Nonce": "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f",
        "X-Signature": V1_SIGNATURE,
    }
    response = http.get("/v1/sub-orders?" + V1_QUERY, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True


def test_server_verifies_vector_2(sandbox: MeeshoSandbox, clock: SandboxClock, http: httpx.Client) -> None:
    _vector_sandbox(sandbox, clock, 1768021260)
    headers = {
        "X-Api-Key": "mk_test_7Q2xK9",
        "X-Timestamp": "1768021260",
        "X-Nonce": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "X-Signature": V2_SIGNATURE,
        "Content-Type": "application/json",
    }
    response = http.post("/v1/sub-orders/accept", content=V2_BODY, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["results"] == [
        {"sub_order_no": "107263514829374650_1", "status": "FAILED", "error_code": "NOT_FOUND"}
    ]


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code
    assert body["error"]["request_id"].startswith("req_")
    assert response.headers["X-Request-Id"] == body["error"]["request_id"]
    error: dict[str, Any] = body["error"]
    return error


def test_missing_and_malformed_headers(http: httpx.Client, client: MeeshoClient) -> None:
    error = _error(http.get("/v1/settings/acceptance"), 401, "AUTH_HEADERS_MISSING")
    assert sorted(error["details"]["missing"]) == ["X-Api-Key", "X-Nonce", "X-Signature", "X-Timestamp"]
    bad = {"X-Api-Key": client.api_key, "X-Timestamp": "soon", "X-Nonce": "short", "X-Signature": "ABC"}
    error = _error(http.get("/v1/settings/acceptance", headers=bad), 401, "AUTH_HEADERS_MISSING")
    assert sorted(error["details"]["missing"]) == ["X-Nonce", "X-Signature", "X-Timestamp"]


def test_good_credentials_validate(client: MeeshoClient) -> None:
    response = client.get("/v1/settings/acceptance")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"mode": "ACCEPT_MANUALLY"}}
    assert response.headers["X-Request-Id"].startswith("req_")


def test_invalid_api_key(client: MeeshoClient) -> None:
    client.api_key = "mk_test_nobody"
    _error(client.get("/v1/settings/acceptance"), 401, "INVALID_API_KEY")


def test_hmac_mismatch_exact_body(client: MeeshoClient, clock: SandboxClock) -> None:
    good_secret = client.api_secret
    client.api_secret = "msk_test_wrong"
    response = client.request("GET", "/v1/sub-orders", {"limit": "5"}, nonce="n" * 20)
    error = _error(response, 401, "HMAC_MISMATCH")
    assert set(response.json()) == {"success", "error"}
    assert set(error) == {"code", "message", "request_id", "details"}
    assert error["message"] == "HMAC mismatch: X-Signature does not match the canonical request"
    assert set(error["details"]) == {"canonical_request_sha256", "signed_fields", "server_time"}
    assert error["details"]["signed_fields"] == ["method", "path", "query", "timestamp", "nonce", "body_sha256"]
    assert error["details"]["server_time"] == int(clock.now().timestamp())
    expected = canonical_string("GET", "/v1/sub-orders", "limit=5", str(int(clock.now().timestamp())), "n" * 20, b"")
    assert error["details"]["canonical_request_sha256"] == canonical_sha256(expected)
    client.api_secret = good_secret
    assert client.request("GET", "/v1/sub-orders", {"limit": "5"}, nonce="m" * 20).status_code == 200


def test_body_tampering_is_a_mismatch(client: MeeshoClient, http: httpx.Client, clock: SandboxClock) -> None:
    from robnu.sandbox.meesho.signing import signed_headers

    headers = signed_headers(
        client.api_key,
        client.api_secret,
        "POST",
        "/v1/sub-orders/accept",
        "",
        b'{"sub_order_nos":["1_1"]}',
        int(clock.now().timestamp()),
        "x" * 16,
    )
    response = http.post("/v1/sub-orders/accept", content=b'{"sub_order_nos":["2_1"]}', headers=headers)
    _error(response, 401, "HMAC_MISMATCH")


def test_timestamp_window(client: MeeshoClient, clock: SandboxClock) -> None:
    now = int(clock.now().timestamp())
    assert client.request("GET", "/v1/settings/acceptance", timestamp=now - 300).status_code == 200
    error = _error(
        client.request("GET", "/v1/settings/acceptance", timestamp=now - 301), 401, "TIMESTAMP_OUT_OF_WINDOW"
    )
    assert error["details"]["server_time"] == now
    _error(client.request("GET", "/v1/settings/acceptance", timestamp=now + 301), 401, "TIMESTAMP_OUT_OF_WINDOW")


def test_nonce_replay_window(client: MeeshoClient, clock: SandboxClock) -> None:
    nonce = "replay-nonce-0001"
    assert client.request("GET", "/v1/settings/acceptance", nonce=nonce).status_code == 200
    _error(client.request("GET", "/v1/settings/acceptance", nonce=nonce), 401, "NONCE_REUSED")
    advance(clock, seconds=601)
    assert client.request("GET", "/v1/settings/acceptance", nonce=nonce).status_code == 200


def test_revoked_credentials(sandbox: MeeshoSandbox, client: MeeshoClient, creds: dict[str, Any]) -> None:
    sandbox.revoke(creds["supplier_id"])
    _error(client.get("/v1/settings/acceptance"), 403, "API_KEY_DISABLED")


def test_key_rotation(
    sandbox: MeeshoSandbox, client: MeeshoClient, creds: dict[str, Any], http: httpx.Client, clock: SandboxClock
) -> None:
    new = sandbox.rotate_key(creds["supplier_id"])
    fresh = MeeshoClient(http, clock, new)
    assert fresh.get("/v1/settings/acceptance").status_code == 200
    assert client.get("/v1/settings/acceptance").status_code == 200  # both active during rotation
    rotate_again = http.post(f"/_sandbox/meesho/accounts/{creds['supplier_id']}/keys")
    assert rotate_again.status_code == 409
    sandbox.retire_key(creds["supplier_id"], creds["api_key"])
    _error(client.get("/v1/settings/acceptance"), 403, "API_KEY_DISABLED")
    assert fresh.get("/v1/settings/acceptance").status_code == 200


def test_fault_revoked_credentials(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any]) -> None:
    http.post(
        "/_sandbox/faults",
        json={"kind": "revoked_credentials", "operation": "getAcceptance", "account": creds["supplier_id"]},
    )
    _error(client.get("/v1/settings/acceptance"), 403, "API_KEY_DISABLED")
    _error(client.get("/v1/sub-orders"), 403, "API_KEY_DISABLED")  # stays revoked


def test_fault_clock_skew(client: MeeshoClient, http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"kind": "clock_skew", "params": {"skew_seconds": 900}})
    error = _error(client.get("/v1/settings/acceptance"), 401, "TIMESTAMP_OUT_OF_WINDOW")
    assert error["details"]["server_time"] == int(client.clock.now().timestamp()) + 900
    assert client.get("/v1/settings/acceptance").status_code == 200  # one-shot by default


def test_acceptance_setting_round_trip(client: MeeshoClient, sandbox: MeeshoSandbox, creds: dict[str, Any]) -> None:
    assert client.put("/v1/settings/acceptance", {"mode": "ACCEPT_ALWAYS"}).json()["data"] == {"mode": "ACCEPT_ALWAYS"}
    assert client.get("/v1/settings/acceptance").json()["data"]["mode"] == "ACCEPT_ALWAYS"
    error = _error(client.put("/v1/settings/acceptance", {"mode": "SOMETIMES"}), 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == "mode"
    assert sandbox.pushed(creds["supplier_id"])["acceptance_mode"][0]["mode"] == "ACCEPT_ALWAYS"


def test_unknown_path_uses_error_body(client: MeeshoClient) -> None:
    _error(client.get("/v1/nothing-here"), 404, "NOT_FOUND")
