"""All registered sandboxes on one seeded world and one clock, reachable in-process or over real HTTP.

``SANDBOXES`` is the registry: one ``SandboxSpec`` per marketplace code (the four built-ins register
below; a third-party package registers its own with ``register_sandbox``, or declares it in the
``robnu.sandboxes`` entry-point group for ``register_installed_sandboxes``). ``SandboxWorld.transport()``
routes by host name, so Robnu's HTTP factory only needs the endpoints from ``endpoints()``; ``serve()``
(see ``server.py``) puts the same apps on localhost ports.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.kit import ASGIApp
from robnu.sandbox.protocol import MarketplaceSandbox, SandboxFactory
from robnu.sandbox.transport import InProcessTransport

if TYPE_CHECKING:  # mypy checks that each built-in sandbox satisfies the protocol; nothing imports at run time
    from robnu.sandbox import ajio, amazon_in, flipkart, meesho

    _BUILT_IN: tuple[SandboxFactory, ...] = (
        ajio.build_sandbox,
        meesho.build_sandbox,
        amazon_in.build_sandbox,
        flipkart.build_sandbox,
    )

S = TypeVar("S")


@dataclass(frozen=True)
class SandboxSpec:
    """How to build one marketplace's sandbox and where its apps live in-process.

    ``factory`` is a ``SandboxFactory`` or the dotted path of a module whose ``build_sandbox`` is one (imported
    only when a world needs it); ``hosts`` maps each endpoint name of the sandbox's ``apps`` to the host name
    the in-process transport serves it on.
    """

    code: str
    factory: SandboxFactory | str
    hosts: Mapping[str, str]

    def build(self, *, seed: int, clock: SandboxClock, rate_scale: float, rate_limits_enabled: bool) -> Any:
        factory = self.factory
        if isinstance(factory, str):
            factory = importlib.import_module(factory).build_sandbox
        return factory(seed=seed, clock=clock, rate_scale=rate_scale, rate_limits_enabled=rate_limits_enabled)


SANDBOXES: dict[str, SandboxSpec] = {}


def register_sandbox(spec: SandboxSpec) -> None:
    """Add (or replace) the sandbox of ``spec.code``; its hosts must not collide with another sandbox's."""
    taken = {host: code for code, other in SANDBOXES.items() if code != spec.code for host in other.hosts.values()}
    clash = sorted(set(spec.hosts.values()) & set(taken))
    if clash:
        raise ValueError(f"sandbox {spec.code}: host(s) {clash} already serve {sorted({taken[h] for h in clash})}")
    SANDBOXES[spec.code] = spec


def register_installed_sandboxes() -> list[str]:
    """Register the sandbox of every installed plug-in (entry point group ``robnu.sandboxes``, value: a
    ``SandboxSpec``); returns their codes. Not done by default, so a world of the built-ins stays the same
    whatever is installed: the conformance kit (``robnu.testing``) calls it for the plug-in it tests."""
    from robnu import plugins
    from robnu.domain.errors import PluginError

    codes = []
    for ep in plugins.group(plugins.SANDBOXES):
        spec = plugins.load(ep)
        if not isinstance(spec, SandboxSpec):
            raise PluginError(f"{plugins.describe(ep)} gives a {type(spec).__name__}; expected a SandboxSpec")
        register_sandbox(spec)
        codes.append(spec.code)
    return codes


for _spec in (
    SandboxSpec("AJIO", "robnu.sandbox.ajio", {"api": "ajio.sandbox"}),
    SandboxSpec("MEESHO", "robnu.sandbox.meesho", {"api": "meesho.sandbox"}),
    SandboxSpec("AMAZON_IN", "robnu.sandbox.amazon_in", {"api": "amazon.sandbox", "auth": "amazon-auth.sandbox"}),
    SandboxSpec("FLIPKART", "robnu.sandbox.flipkart", {"api": "flipkart.sandbox"}),
):
    register_sandbox(_spec)


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


def _all_codes() -> tuple[str, ...]:
    return tuple(SANDBOXES)


@dataclass
class SandboxWorld:
    seed: int = 7
    clock: SandboxClock = field(default_factory=SandboxClock)
    rate_scale: float = 1.0
    rate_limits_enabled: bool = True
    codes: tuple[str, ...] = field(default_factory=_all_codes)
    sandboxes: dict[str, MarketplaceSandbox] = field(default_factory=dict)
    _transport: HostRouterTransport | None = None

    def __post_init__(self) -> None:
        unknown = [code for code in self.codes if code not in SANDBOXES]
        if unknown:
            raise KeyError(f"no sandbox registered for {unknown}; known: {sorted(SANDBOXES)}")
        for code in self.codes:
            sandbox: MarketplaceSandbox = SANDBOXES[code].build(
                seed=self.seed,
                clock=self.clock,
                rate_scale=self.rate_scale,
                rate_limits_enabled=self.rate_limits_enabled,
            )
            self.sandboxes[code] = sandbox

    @classmethod
    def frozen_at(cls, instant: datetime, **kwargs: Any) -> SandboxWorld:
        return cls(clock=SandboxClock(frozen_at=instant), **kwargs)

    def __getitem__(self, code: str) -> MarketplaceSandbox:
        return self.sandboxes[code]

    def of(self, code: str, kind: type[S]) -> S:
        """The sandbox of ``code`` as its concrete class, for the controls only that marketplace has."""
        sandbox = self.sandboxes[code]
        if not isinstance(sandbox, kind):
            raise TypeError(f"the {code} sandbox is a {type(sandbox).__name__}, not a {kind.__name__}")
        return sandbox

    def endpoints(self) -> dict[str, dict[str, str]]:
        return {code: {name: f"http://{host}" for name, host in SANDBOXES[code].hosts.items()} for code in self.codes}

    def apps(self) -> Iterator[tuple[str, str, ASGIApp]]:
        """(code, endpoint name, ASGI app) for every app of every sandbox."""
        for code in self.codes:
            for name in SANDBOXES[code].hosts:
                yield code, name, self.sandboxes[code].apps[name]

    def transport(self) -> HostRouterTransport:
        if self._transport is None:
            routes = {SANDBOXES[code].hosts[name]: InProcessTransport(app) for code, name, app in self.apps()}
            self._transport = HostRouterTransport(routes)
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
