from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fk_contract import validate_response
from fk_helpers import BASE, START, Seller

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart import FlipkartSandbox, build_sandbox
from robnu.sandbox.transport import InProcessTransport


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(frozen_at=START)


@pytest.fixture
def sandbox(clock: SandboxClock) -> FlipkartSandbox:
    sb = build_sandbox(seed=42, clock=clock, rate_limits_enabled=False)
    sb.world.pack_delay = sb.world.pack_delay * 0  # unit tests: packing completes at once
    return sb


def _client(sb: FlipkartSandbox, validate: bool) -> Iterator[httpx.Client]:
    hooks: dict[str, list[Callable[[httpx.Response], None]]] = {}
    if validate:

        def hook(response: httpx.Response) -> None:
            response.read()
            validate_response(response)

        hooks = {"response": [hook]}
    transport = InProcessTransport(sb.apps["api"])
    with httpx.Client(transport=transport, base_url=BASE, event_hooks=hooks) as c:  # type: ignore[arg-type]
        yield c
    transport.close()


@pytest.fixture
def client(sandbox: FlipkartSandbox) -> Iterator[httpx.Client]:
    """A client that validates every response against the published contract."""
    yield from _client(sandbox, True)


@pytest.fixture
def raw_client(sandbox: FlipkartSandbox) -> Iterator[httpx.Client]:
    """A client without contract checks (for faults that mangle bodies on purpose)."""
    yield from _client(sandbox, False)


@pytest.fixture
def seller(sandbox: FlipkartSandbox, client: httpx.Client) -> Seller:
    s = Seller(sandbox, client, sandbox.create_account())
    sandbox.generate_orders(s.key, 300, days=30)
    s.login()
    return s


@pytest.fixture
def fresh(sandbox: FlipkartSandbox, client: httpx.Client) -> Seller:
    """A seller with a logged-in client and no orders yet."""
    s = Seller(sandbox, client, sandbox.create_account())
    s.login()
    return s
