"""Helpers for the Flipkart adapter tests: an in-memory token store, a transport that records calls,
and the environment (the real Flipkart sandbox over in-process HTTP, an adapter context from its
credentials)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from tests.sandbox_wiring import MemoryTokens, adapter_context, sandbox_http

from robnu.adapters.base import AdapterContext
from robnu.adapters.flipkart.adapter import FlipkartAdapter
from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.db.models import MarketplaceAccount
from robnu.sandbox.world import SandboxWorld


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
        http = sandbox_http(self.world, transport=self.transport, backoff_cap=0.005, max_retries=max_retries)
        account = MarketplaceAccount(id=1, seller_id=1)
        creds = {**self.creds, **overrides}
        return adapter_context(self.world, FlipkartCredentials, creds, http=http, tokens=self.tokens, account=account)


def token_calls(transport: RecordingTransport) -> int:
    return transport.count("/oauth-service/oauth/token")


def query(url: bytes) -> dict[str, list[str]]:
    return parse_qs(url.decode())
