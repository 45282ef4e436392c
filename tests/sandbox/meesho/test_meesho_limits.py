"""Rate limits and error codes; generic faults through the kit; idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meesho_support import MeeshoClient, plain_order

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import RATE_LIMITS, MeeshoSandbox, build_sandbox
from robnu.sandbox.ratelimit import Limit
from robnu.sandbox.transport import InProcessTransport


@pytest.fixture
def limited(clock: SandboxClock) -> Iterator[tuple[MeeshoSandbox, MeeshoClient, httpx.Client, dict[str, Any]]]:
    sandbox = build_sandbox(seed=5, clock=clock, rate_scale=0.001)  # refills ~nothing during the test
    transport = InProcessTransport(sandbox.apps["api"])
    creds = sandbox.create_account()
    with httpx.Client(transport=transport, base_url="http://meesho.sandbox") as http:
        yield sandbox, MeeshoClient(http, clock, creds), http, creds
    transport.close()


def test_published_limits() -> None:
    assert RATE_LIMITS["default"] == Limit(20.0, 40)
    assert RATE_LIMITS["createLabels"].rate == 2.0 and RATE_LIMITS["createManifest"].rate == 2.0


def _assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["X-Request-Id"] == body["error"]["request_id"]


def test_default_bucket_per_api_key(limited: tuple[MeeshoSandbox, MeeshoClient, httpx.Client, dict[str, Any]]) -> None:
    sandbox, client, http, _ = limited
    codes = [client.get("/v1/settings/acceptance").status_code for _ in range(41)]
    assert codes[:40] == [200] * 40
    _assert_throttled(client.get("/v1/sub-orders"))  # one bucket across operations
    other = MeeshoClient(http, client.clock, sandbox.create_account())
    assert other.get("/v1/settings/acceptance").status_code == 200  # per api_key


@pytest.mark.parametrize(("path", "operation"), [("/v1/labels", "createLabels"), ("/v1/manifests", "createManifest")])
def test_label_and_manifest_limits(
    limited: tuple[MeeshoSandbox, MeeshoClient, httpx.Client, dict[str, Any]], path: str, operation: str
) -> None:
    _, client, _, _ = limited
    responses = [client.post(path, {"sub_order_nos": ["1_1"]}) for _ in range(3)]
    assert [r.status_code != 429 for r in responses] == [True, True, False]
    _assert_throttled(responses[2])
    assert responses[2].json()["error"]["details"]["operation"] == operation


def test_generic_faults(client: MeeshoClient, http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"kind": "server_error", "operation": "getAcceptance"})
    error = client.get("/v1/settings/acceptance")
    assert error.status_code == 500 and error.json()["error"]["code"] == "INTERNAL_ERROR"
    http.post("/_sandbox/faults", json={"kind": "server_error", "params": {"status": 503}})
    assert client.get("/v1/settings/acceptance").json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    http.post("/_sandbox/faults", json={"kind": "rate_limit", "params": {"retry_after": 3}})
    throttled = client.get("/v1/settings/acceptance")
    _assert_throttled(throttled)
    assert throttled.headers["Retry-After"] == "3"
    http.post("/_sandbox/faults", json={"kind": "malformed_body"})
    assert client.get("/v1/settings/acceptance").text.startswith("<html>")
    http.post("/_sandbox/faults", json={"kind": "truncated_body"})
    with pytest.raises(ValueError):
        client.get("/v1/settings/acceptance").json()
    http.post("/_sandbox/faults", json={"kind": "drop_connection"})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/v1/settings/acceptance")
    http.post("/_sandbox/faults", json={"kind": "slow", "params": {"delay_seconds": 0.05}})
    assert client.get("/v1/settings/acceptance").status_code == 200


def test_idempotency_key(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], sandbox: MeeshoSandbox
) -> None:
    no = plain_order(http, creds)
    headers = {"Idempotency-Key": "accept-1"}
    first = client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]}, headers=headers)
    replay = client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]}, headers=headers)
    assert first.json()["data"] == replay.json()["data"]
    assert replay.json()["data"]["results"][0]["status"] == "ACCEPTED"  # replayed, not re-run
    assert len(sandbox.pushed(creds["supplier_id"])["accepts"]) == 1
    reused = client.post("/v1/sub-orders/accept", {"sub_order_nos": ["x_1"]}, headers=headers)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    too_long = client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]}, headers={"Idempotency-Key": "k" * 65})
    assert too_long.status_code == 400


def test_validation_errors(client: MeeshoClient) -> None:
    not_json = client.http.post("/v1/sub-orders/accept")
    assert not_json.status_code == 401  # unsigned
    empty = client.post("/v1/sub-orders/accept", {"sub_order_nos": []})
    assert empty.status_code == 400 and empty.json()["error"]["details"]["fields"][0]["field"] == "sub_order_nos"
    many = client.post("/v1/sub-orders/accept", {"sub_order_nos": [f"{i}_1" for i in range(51)]})
    assert many.json()["error"]["code"] == "TOO_MANY_ITEMS"
    cancel_many = client.post(
        "/v1/sub-orders/cancel", {"sub_order_nos": [f"{i}_1" for i in range(51)], "reason": "OTHER"}
    )
    assert cancel_many.json()["error"]["code"] == "TOO_MANY_ITEMS"
