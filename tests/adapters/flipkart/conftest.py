"""Fixtures for the Flipkart adapter tests: the real Flipkart sandbox over in-process HTTP, an adapter
context built from its credentials, and a raw authenticated client to fetch real responses."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from flipkart_support import Env, RecordingTransport
from tests.sandbox_wiring import sandbox_world


@pytest.fixture
def env() -> Iterator[Env]:
    with sandbox_world(("FLIPKART",)) as world:
        sandbox = world["FLIPKART"]
        sandbox.world.pack_delay *= 0
        creds = sandbox.create_account()
        sandbox.generate_orders(creds["seller_id"], 140)
        sandbox.generate_orders(creds["seller_id"], 25, days=1)  # some still wait for the seller
        yield Env(world, sandbox, creds, RecordingTransport(world.transport()))


@pytest.fixture
def raw(env: Env) -> Iterator[Callable[..., Any]]:
    """Call the sandbox as Flipkart answers (real JSON) with a freshly minted token."""
    client = httpx.Client(transport=env.world.transport(), base_url=env.world.endpoints()["FLIPKART"]["api"])
    basic = base64.b64encode(f"{env.creds['app_id']}:{env.creds['app_secret']}".encode()).decode()
    r = client.get(
        "/oauth-service/oauth/token",
        params={"grant_type": "client_credentials", "scope": "Seller_Api"},
        headers={"Authorization": f"Basic {basic}"},
    )
    headers = {"Authorization": "Bearer " + r.json()["access_token"]}

    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == 200, response.text
        return response.json() if "json" in response.headers.get("content-type", "") else response.text

    yield call
