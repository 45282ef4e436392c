"""Helpers for the Flipkart adapter tests: an in-memory token store, a transport that records calls,
and the environment (the real Flipkart sandbox over in-process HTTP, an adapter context from its
credentials)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from robnu.adapters.base import AdapterContext, HttpFactory, TokenStore
from robnu.adapters.flipkart.adapter import FlipkartAdapter
from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.adapters.http import HttpPolicy
from robnu.db.models import MarketplaceAccount
from robnu.sandbox.world import SandboxWorld

RATE_SCALE = 1000.0
CREDENTIAL_KEYS = ("seller_id", "location_id", "app_id", "app_secret")


class MemoryTokens(TokenStore):
    """The TokenStore contract in memory, counting writes (the DB-backed one runs in conformance)."""

    def __init__(self) -> None:
        self.value: tuple[str, datetime] | None = None
        self.puts = 0
        self.clears = 0

    def get(self) -> tuple[str, datetime] | None:
        return self.value

    def put(self, token: str, expires_at: datetime) -> None:
        self.value = (token, expires_at)
        self.puts += 1

    def clear(self) -> None:
        self.value = None
        self.clears += 1


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the sandbox router and remembers (method, path, status, request body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, int, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        self.calls.append((request.method, request.url.path, response.status_code, body))
        return response

    def count(self, path_prefix: str, method: str | None = None) -> int:
        return sum(1 for m, p, _, _ in self.calls if p.startswith(path_prefix) and (method is None or m == method))


@dataclass
class Env:
    world: SandboxWorld
    sandbox: Any
    creds: dict[str, Any]
    transport: RecordingTransport
    tokens: MemoryTokens = field(default_factory=MemoryTokens)
    adapter: FlipkartAdapter = field(default_factory=FlipkartAdapter)

    @property
    def key(self) -> str:
        return str(self.creds["seller_id"])

    def ctx(self, *, max_retries: int = 4, **overrides: Any) -> AdapterContext:
        data = {k: v for k, v in {**self.creds, **overrides}.items() if k in CREDENTIAL_KEYS}
        policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.005, rate_scale=RATE_SCALE, max_retries=max_retries)
        http = HttpFactory(policy=policy, endpoints=self.world.endpoints(), transport=self.transport)
        account = MarketplaceAccount(id=1, seller_id=1)
        return AdapterContext(
            account=account,
            credentials=FlipkartCredentials(**data),
            session=None,  # type: ignore[arg-type]  # the adapter never touches the database
            clock=self.world.clock,
            http=http,
            tokens=self.tokens,
        )


def token_calls(transport: RecordingTransport) -> int:
    return transport.count("/oauth-service/oauth/token")


def query(url: bytes) -> dict[str, list[str]]:
    return parse_qs(url.decode())
