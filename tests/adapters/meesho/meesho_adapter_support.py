"""Helpers for the Meesho adapter tests: a transport that records calls, the test environment (the real
Meesho sandbox over in-process HTTP, an adapter context built from its credentials)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from tests.sandbox_wiring import adapter_context, sandbox_http

from robnu.adapters.base import AdapterContext, TokenStore
from robnu.adapters.meesho.adapter import MeeshoAdapter
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.domain.records import SyncWindow
from robnu.sandbox.world import SandboxWorld


class UntouchedTokens(TokenStore):
    """Meesho has no access tokens: any use of the token store is a test failure."""

    def get(self) -> tuple[str, datetime] | None:
        raise AssertionError("the Meesho adapter must not read the token store")

    def put(self, token: str, expires_at: datetime) -> None:
        raise AssertionError("the Meesho adapter must not write the token store")

    def clear(self) -> None:
        raise AssertionError("the Meesho adapter must not clear the token store")


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the sandbox router; remembers (method, path, status, error code, headers)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, int, str | None]] = []
        self.headers: list[httpx.Headers] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        code = None
        if response.status_code >= 400:
            try:
                code = response.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = None
        self.calls.append((request.method, request.url.path, response.status_code, code))
        self.headers.append(request.headers)
        return response

    def paths(self, path: str) -> list[tuple[str, str, int, str | None]]:
        return [c for c in self.calls if c[1] == path]

    def codes(self) -> list[str]:
        return [c[3] for c in self.calls if c[3]]


@dataclass
class Env:
    world: SandboxWorld
    sandbox: Any
    creds: dict[str, Any]
    transport: RecordingTransport
    adapter: MeeshoAdapter = field(default_factory=MeeshoAdapter)

    @property
    def key(self) -> str:
        return str(self.creds["supplier_id"])

    def ctx(self, creds: dict[str, Any] | None = None, *, max_retries: int = 3) -> AdapterContext:
        http = sandbox_http(self.world, transport=self.transport, backoff_cap=0.005, max_retries=max_retries)
        return adapter_context(self.world, MeeshoCredentials, creds or self.creds, http=http, tokens=UntouchedTokens())

    def window(self, days: float) -> SyncWindow:
        end = self.world.clock.now() - timedelta(seconds=120)
        return SyncWindow(end - timedelta(days=days), end)

    def expected_orders(self, window: SyncWindow) -> dict[str, Any]:
        truth = self.sandbox.truth(self.key)["orders"]
        return {k: t for k, t in truth.items() if _within(t["updated_at"], window)}

    def expected_returns(self, window: SyncWindow) -> dict[str, Any]:
        truth = self.sandbox.truth(self.key)["returns"]
        return {k: t for k, t in truth.items() if _within(t["updated_at"], window)}


def _within(iso: str, window: SyncWindow) -> bool:
    return window.start <= datetime.fromisoformat(iso) < window.end
