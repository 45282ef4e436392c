"""Fixtures for the AJIO adapter tests: the real AJIO sandbox over in-process HTTP, an adapter context
built from its credentials, and a raw authenticated client to fetch real responses for mapping tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from ajio_support import Env, RecordingTransport
from tests.sandbox_wiring import sandbox_world


@pytest.fixture
def env() -> Iterator[Env]:
    with sandbox_world(("AJIO",)) as world:
        sandbox = world["AJIO"]
        creds = sandbox.create_account(catalog_size=130)
        sandbox.generate_orders(creds["account_key"], 160)
        sandbox.generate_orders(creds["account_key"], 30, days=1)  # some still await their ack
        yield Env(world, sandbox, creds, RecordingTransport(world.transport()))


@pytest.fixture
def raw(env: Env) -> Iterator[Callable[..., Any]]:
    """GET a path from the sandbox as AJIO answers it (real JSON) with a freshly minted token."""
    client = httpx.Client(transport=env.world.transport(), base_url=env.world.endpoints()["AJIO"]["api"])
    r = client.post("/authToken", json={"username": env.creds["pob_id"], "password": env.creds["api_password"]})
    headers = {"Authorization": "Bearer " + r.json()["result"]["accessToken"]}

    def get(path: str, **params: Any) -> Any:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    yield get
