"""Helpers for the Meesho sandbox tests: a signing client and control-plane shortcuts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho.signing import signed_headers

T0 = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)  # 12:00 IST on a Tuesday


class MeeshoClient:
    """A minimal request signer on top of httpx, for driving the sandbox in tests (the adapter has its own)."""

    def __init__(self, http: httpx.Client, clock: SandboxClock, creds: dict[str, Any]) -> None:
        self.http = http
        self.clock = clock
        self.api_key = creds["api_key"]
        self.api_secret = creds["api_secret"]

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        nonce: str | None = None,
        timestamp: int | None = None,
    ) -> httpx.Response:
        query = urlencode(params or {})
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        signed = signed_headers(
            self.api_key,
            self.api_secret,
            method,
            path,
            query,
            raw,
            int(self.clock.now().timestamp()) if timestamp is None else timestamp,
            nonce or uuid.uuid4().hex,
        )
        all_headers = {**signed, **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        url = path + ("?" + query if query else "")
        return self.http.request(method, url, content=raw, headers=all_headers)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.request("PUT", path, body=body)

    def pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            response = self.get(path, **query)
            assert response.status_code == 200, response.text
            body = response.json()
            items += body["data"]
            if not body["pagination"]["has_more"]:
                return items
            cursor = body["pagination"]["next_cursor"]


def advance(clock: SandboxClock, **delta: float) -> None:
    clock.advance(timedelta(**delta))


def new_order(http: httpx.Client, creds: dict[str, Any], **options: Any) -> list[str]:
    """Control plane: create one order now; returns its sub_order_nos."""
    response = http.post(f"/_sandbox/meesho/accounts/{creds['supplier_id']}/orders", json=options)
    assert response.status_code == 201, response.text
    nos: list[str] = response.json()["sub_order_nos"]
    return nos


def status_of(client: MeeshoClient, no: str) -> str:
    response = client.get(f"/v1/sub-orders/{no}")
    assert response.status_code == 200, response.text
    status: str = response.json()["data"]["status"]
    return status


PLAIN = {"unverified": False, "hold": False, "customer_cancel_after": None, "items": 1}


def plain_order(http: httpx.Client, creds: dict[str, Any], **options: Any) -> str:
    """One single-item order with no random hold / verification / customer cancel."""
    return new_order(http, creds, **{**PLAIN, **options})[0]


def control(http: httpx.Client, creds: dict[str, Any], path: str, body: Any = None) -> dict[str, Any]:
    response = http.post(f"/_sandbox/meesho/accounts/{creds['supplier_id']}/{path}", json=body or {})
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()
    return data


def ship(client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], no: str) -> str:
    """Accept, label, manifest and scan one sub-order; returns the manifest id."""
    assert client.post("/v1/sub-orders/accept", {"sub_order_nos": [no]}).json()["data"]["results"][0]["status"] == (
        "ACCEPTED"
    )
    assert client.post("/v1/labels", {"sub_order_nos": [no]}).status_code == 202
    manifest = client.post("/v1/manifests", {"sub_order_nos": [no]})
    assert manifest.status_code == 201, manifest.text
    manifest_id: str = manifest.json()["data"]["manifest_id"]
    control(http, creds, f"manifests/{manifest_id}/pickup", {"missing": []})
    return manifest_id
