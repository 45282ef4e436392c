from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from robnu.sandbox.ajio import AjioSandbox, build_sandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.transport import InProcessTransport

START = datetime(2026, 1, 20, 6, 0, tzinfo=UTC)  # 11:30 IST


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(frozen_at=START)


@pytest.fixture
def sandbox(clock: SandboxClock) -> AjioSandbox:
    return build_sandbox(seed=42, clock=clock, rate_limits_enabled=False)


@pytest.fixture
def client(sandbox: AjioSandbox) -> Iterator[httpx.Client]:
    transport = InProcessTransport(sandbox.apps["api"])
    with httpx.Client(transport=transport, base_url="http://ajio.sandbox") as c:
        yield c
    transport.close()


@pytest.fixture
def account(sandbox: AjioSandbox) -> dict[str, Any]:
    acc = sandbox.create_account()
    sandbox.generate_orders(acc["pob_id"], 300)
    return acc


@pytest.fixture
def login(client: httpx.Client) -> Any:
    def do(acc: dict[str, Any]) -> dict[str, str]:
        r = client.post("/authToken", json={"username": acc["pob_id"], "password": acc["api_password"]})
        assert r.status_code == 200, r.text
        return {"Authorization": "Bearer " + r.json()["result"]["accessToken"]}

    return do


@pytest.fixture
def auth(login: Any, account: dict[str, Any]) -> dict[str, str]:
    return login(account)  # type: ignore[no-any-return]


@pytest.fixture
def now(clock: SandboxClock) -> Any:
    return lambda: int(clock.now().timestamp())
