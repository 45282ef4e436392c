"""Fixtures for the Meesho adapter tests: the real Meesho sandbox over in-process HTTP, an adapter context
built from its credentials, and a raw signed client to fetch real responses for the mapping tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from meesho_adapter_support import Env, RecordingTransport
from tests.sandbox_wiring import sandbox_world

from robnu.adapters.meesho.auth import MeeshoSigner
from robnu.adapters.meesho.credentials import MeeshoCredentials


@pytest.fixture
def env() -> Iterator[Env]:
    with sandbox_world(("MEESHO",)) as world:
        sandbox = world["MEESHO"]
        creds = sandbox.create_account()
        sandbox.generate_orders(creds["account_key"], 260, days=40)
        sandbox.generate_orders(creds["account_key"], 20, days=1)  # some still wait for the supplier
        yield Env(world, sandbox, creds, RecordingTransport(world.transport()))


@pytest.fixture
def raw(env: Env) -> Iterator[Callable[..., Any]]:
    """GET a path from the sandbox exactly as Meesho answers it (real JSON), signed by Robnu's signer."""
    client = httpx.Client(transport=env.world.transport(), base_url=env.world.endpoints()["MEESHO"]["api"])
    creds = MeeshoCredentials.model_validate({k: env.creds[k] for k in MeeshoCredentials.model_fields})
    signer = MeeshoSigner(creds, env.world.clock)

    def get(path: str, **params: Any) -> Any:
        request = client.build_request("GET", path, params=params)
        signer.sign(request)
        response = client.send(request)
        assert response.status_code == 200, response.text
        return response.json()

    yield get
