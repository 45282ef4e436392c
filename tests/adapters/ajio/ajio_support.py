"""Helpers for the AJIO adapter tests: an in-memory token store, a transport that records calls, and
the test environment (the real AJIO sandbox over in-process HTTP, an adapter context from its credentials)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from tests.sandbox_wiring import MemoryTokens, adapter_context, sandbox_http

from robnu.adapters.ajio.adapter import AjioAdapter
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.base import AdapterContext
from robnu.sandbox.world import SandboxWorld

DAY = 86400


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the sandbox router and remembers (method, path, status, error code)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, int, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        code = None
        if response.status_code >= 400:
            try:
                code = response.json().get("errorCode")
            except ValueError:
                code = None
        self.calls.append((request.method, request.url.path, response.status_code, code))
        return response

    def paths(self, path: str) -> list[tuple[str, str, int, str | None]]:
        return [c for c in self.calls if c[1] == path]


@dataclass
class Env:
    world: SandboxWorld
    sandbox: Any
    creds: dict[str, Any]
    transport: RecordingTransport
    tokens: MemoryTokens = field(default_factory=MemoryTokens)
    adapter: AjioAdapter = field(default_factory=AjioAdapter)

    @property
    def key(self) -> str:
        return str(self.creds["pob_id"])

    def ctx(self, creds: dict[str, Any] | None = None, *, max_retries: int = 3) -> AdapterContext:
        http = sandbox_http(self.world, transport=self.transport, backoff_cap=0.005, max_retries=max_retries)
        return adapter_context(self.world, AjioCredentials, creds or self.creds, http=http, tokens=self.tokens)

    def now(self) -> int:
        return int(self.world.clock.now().timestamp())

    def minted(self) -> int:
        """How many /authToken calls the sandbox answered with a token."""
        return len(self.sandbox.tokens._by_pob.get(self.key, []))


def window_days(env: Env, days: int) -> tuple[datetime, datetime]:
    end = env.world.clock.now() - timedelta(seconds=120)
    return end - timedelta(days=days), end
