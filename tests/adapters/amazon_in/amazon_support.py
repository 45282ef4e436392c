"""Helpers for the Amazon adapter tests: an in-memory token store, a transport that records calls, and
the environment (the real Amazon sandbox over in-process HTTP, an adapter context from its credentials)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.sandbox_wiring import MemoryTokens, adapter_context, sandbox_http

from robnu.adapters.amazon_in.adapter import AmazonInAdapter
from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.base import AdapterContext, HttpFactory
from robnu.db.models import MarketplaceAccount
from robnu.sandbox.world import SandboxWorld

LWA_PATH = "/auth/o2/token"


@dataclass
class Call:
    method: str
    path: str
    status: int
    code: str | None
    params: dict[str, str]
    headers: dict[str, str]


class RecordingTransport(httpx.BaseTransport):
    """Passes every request to the sandbox router and remembers what was sent and answered."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[Call] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        code = None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                errors = body.get("errors")
                code = errors[0].get("code") if isinstance(errors, list) and errors else body.get("error")
        self.calls.append(
            Call(
                request.method,
                request.url.path,
                response.status_code,
                code,
                dict(request.url.params),
                dict(request.headers),
            )
        )
        return response

    def count(self, path_prefix: str, method: str | None = None) -> int:
        return sum(1 for c in self.calls if c.path.startswith(path_prefix) and (method is None or c.method == method))


@dataclass
class Env:
    world: SandboxWorld
    sandbox: Any
    creds: dict[str, Any]
    transport: RecordingTransport
    tokens: MemoryTokens = field(default_factory=MemoryTokens)
    adapter: AmazonInAdapter = field(default_factory=AmazonInAdapter)

    @property
    def key(self) -> str:
        return str(self.creds["account_key"])

    def factory(self, *, backoff_cap: float = 0.01, **policy: Any) -> HttpFactory:
        return sandbox_http(self.world, transport=self.transport, backoff_cap=backoff_cap, **policy)

    def ctx(
        self, creds: dict[str, Any] | None = None, *, http: HttpFactory | None = None, **policy: Any
    ) -> AdapterContext:
        account = MarketplaceAccount(id=1, seller_id=1, marketplace_id=1, external_account_id=self.key)
        http = http or self.factory(**policy)
        return adapter_context(
            self.world, AmazonCredentials, creds or self.creds, http=http, tokens=self.tokens, account=account
        )


class Raw:
    """SP-API as Amazon answers it (real JSON from the sandbox), with a freshly minted LWA token."""

    def __init__(self, env: Env) -> None:
        endpoints = env.world.endpoints()["AMAZON_IN"]
        self.api = httpx.Client(transport=env.world.transport(), base_url=endpoints["api"])
        lwa = httpx.Client(transport=env.world.transport(), base_url=endpoints["auth"])
        r = lwa.post(
            LWA_PATH,
            data={
                "grant_type": "refresh_token",
                "refresh_token": env.creds["refresh_token"],
                "client_id": env.creds["lwa_client_id"],
                "client_secret": env.creds["lwa_client_secret"],
            },
        )
        assert r.status_code == 200, r.text
        self.headers = {"x-amz-access-token": r.json()["access_token"]}

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.api.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 202), response.text
        return response.json()

    def download(self, url: str) -> str:
        return gzip.decompress(self.api.get(url).content).decode()
