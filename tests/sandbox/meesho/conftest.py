"""Fixtures for the Meesho sandbox tests: a frozen shared clock, the sandbox, an account and a signing client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meesho_support import T0, MeeshoClient

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox, build_sandbox
from robnu.sandbox.transport import InProcessTransport


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(frozen_at=T0)


@pytest.fixture
def sandbox(clock: SandboxClock) -> MeeshoSandbox:
    return build_sandbox(seed=42, clock=clock, rate_limits_enabled=False)


@pytest.fixture
def http(sandbox: MeeshoSandbox) -> Iterator[httpx.Client]:
    transport = InProcessTransport(sandbox.apps["api"])
    with httpx.Client(transport=transport, base_url="http://meesho.sandbox") as client:
        yield client
    transport.close()


@pytest.fixture
def creds(sandbox: MeeshoSandbox) -> dict[str, Any]:
    return sandbox.create_account()


@pytest.fixture
def client(http: httpx.Client, clock: SandboxClock, creds: dict[str, Any]) -> MeeshoClient:
    return MeeshoClient(http, clock, creds)
