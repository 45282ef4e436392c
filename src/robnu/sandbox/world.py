"""All four sandboxes on one seeded world and one clock, reachable in-process or over real HTTP.

``SandboxWorld.transport()`` routes by host name, so Robnu's HTTP factory only needs the endpoints
from ``endpoints()``; ``serve()`` (see ``server.py``) puts the same apps on localhost ports.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.transport import InProcessTransport

# code -> (sandbox package, {endpoint name: in-process host})
SANDBOXES: dict[str, tuple[str, dict[str, str]]] = {
    "AJIO": ("robnu.sandbox.ajio", {"api": "ajio.sandbox"}),
    "MEESHO": ("robnu.sandbox.meesho", {"api": "meesho.sandbox"}),
    "AMAZON_IN": ("robnu.sandbox.amazon_in", {"api": "amazon.sandbox", "auth": "amazon-auth.sandbox"}),
    "FLIPKART": ("robnu.sandbox.flipkart", {"api": "flipkart.sandbox"}),
}


class HostRouterTransport(httpx.BaseTransport):
    """Sends each request to the in-process app that owns its host name."""

    def __init__(self, routes: dict[str, InProcessTransport]) -> None:
        self._routes = routes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = self._routes.get(request.url.host)
        if target is None:
            raise httpx.ConnectError(f"no sandbox serves host {request.url.host}", request=request)
        return target.handle_request(request)

    def close(self) -> None:
        for t in self._routes.values():
            t.close()


@dataclass
class SandboxWorld:
    seed: int = 7
    clock: SandboxClock = field(default_factory=SandboxClock)
    rate_scale: float = 1.0
    rate_limits_enabled: bool = True
    codes: tuple[str, ...] = tuple(SANDBOXES)
    sandboxes: dict[str, Any] = field(default_factory=dict)
    _transport: HostRouterTransport | None = None

    def __post_init__(self) -> None:
        for code in self.codes:
            module = importlib.import_module(SANDBOXES[code][0])
            self.sandboxes[code] = module.build_sandbox(
                seed=self.seed,
                clock=self.clock,
                rate_scale=self.rate_scale,
                rate_limits_enabled=self.rate_limits_enabled,
            )

    @classmethod
    def frozen_at(cls, instant: datetime, **kwargs: Any) -> SandboxWorld:
        return cls(clock=SandboxClock(frozen_at=instant), **kwargs)

    def __getitem__(self, code: str) -> Any:
        return self.sandboxes[code]

    def endpoints(self) -> dict[str, dict[str, str]]:
        return {code: {name: f"http://{host}" for name, host in SANDBOXES[code][1].items()} for code in self.codes}

    def apps(self) -> Iterator[tuple[str, str, Any]]:
        """(code, endpoint name, ASGI app) for every app of every sandbox."""
        for code in self.codes:
            for name in SANDBOXES[code][1]:
                yield code, name, self.sandboxes[code].apps[name]

    def transport(self) -> HostRouterTransport:
        if self._transport is None:
            routes = {SANDBOXES[code][1][name]: InProcessTransport(app) for code, name, app in self.apps()}
            self._transport = HostRouterTransport(routes)
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
