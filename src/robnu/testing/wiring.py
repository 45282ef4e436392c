"""One way to wire Robnu to the in-process marketplace sandboxes (``SandboxWorld``), for Robnu's tests and a
plug-in's.

* ``wired_runtime(settings, codes, ...)``: a sandbox world frozen at ``FIXED_NOW`` and a ``Runtime`` on the
  emptied test database whose HTTP and clock are the world's; both closed on exit.
* ``connect_sandbox_account(rt, world, code, seller_id)``: a sandbox account connected through the real
  ``connect_account`` (its credentials cut to the satellite's fields).
* For tests that drive an adapter without a runtime or build the pieces themselves: ``sandbox_world``,
  ``sandbox_http``, ``runtime_for``, ``adapter_context`` and ``MemoryTokens``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from robnu.adapters.base import AdapterContext, HttpFactory, TokenStore
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.models import MarketplaceAccount
from robnu.sandbox.world import SANDBOXES, SandboxWorld
from robnu.services.accounts import connect_account
from robnu.services.runtime import Runtime
from robnu.testing.database import empty_tables

FIXED_NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 12:00 IST: the frozen "now" of every test world

RATE_SCALE = 1000.0  # the real (modelled) limits, 1000x faster: throttling paths still run, tests stay fast
BACKOFF_BASE = 0.001
BACKOFF_CAP = 0.02


@contextmanager
def sandbox_world(codes: tuple[str, ...] | None = None, *, rate_scale: float = RATE_SCALE) -> Iterator[SandboxWorld]:
    """The sandboxes of ``codes`` (every registered one when None) on one clock frozen at ``FIXED_NOW``; closed
    on exit."""
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=tuple(SANDBOXES) if codes is None else codes, rate_scale=rate_scale)
    try:
        yield world
    finally:
        world.close()


def sandbox_http(
    world: SandboxWorld,
    *,
    transport: httpx.BaseTransport | None = None,
    rate_scale: float = RATE_SCALE,
    max_retries: int | None = None,
    backoff_cap: float | None = BACKOFF_CAP,
) -> HttpFactory:
    """An HTTP factory that reaches ``world``'s sandboxes, through ``transport`` when given (e.g. one that
    records calls) and otherwise the world's own. ``None`` keeps ``HttpPolicy``'s own retries / cap."""
    policy: dict[str, Any] = {"backoff_base": BACKOFF_BASE, "rate_scale": rate_scale}
    if max_retries is not None:
        policy["max_retries"] = max_retries
    if backoff_cap is not None:
        policy["backoff_cap"] = backoff_cap
    return HttpFactory(
        policy=HttpPolicy(**policy),
        endpoints=world.endpoints(),
        transport=world.transport() if transport is None else transport,
    )


@contextmanager
def runtime_for(
    world: SandboxWorld, settings: Settings, *, http: HttpFactory | None = None, backfill_days: int | None = None
) -> Iterator[Runtime]:
    """A Runtime on the emptied test database with ``world``'s clock and ``http`` (default: ``sandbox_http``);
    its engine is disposed on exit."""
    if backfill_days is not None:
        settings = settings.model_copy(update={"backfill_days": backfill_days})
    rt = Runtime.create(settings, http=http or sandbox_http(world), clock=world.clock)
    try:
        empty_tables(rt.engine)
        yield rt
    finally:
        rt.engine.dispose()


@contextmanager
def wired_runtime(
    settings: Settings,
    codes: tuple[str, ...] | None = None,
    *,
    rate_scale: float = RATE_SCALE,
    max_retries: int | None = None,
    backoff_cap: float | None = BACKOFF_CAP,
    backfill_days: int | None = None,
) -> Iterator[tuple[SandboxWorld, Runtime]]:
    """A frozen sandbox world of ``codes`` and a Runtime wired to it (see ``sandbox_http`` for the policy)."""
    with sandbox_world(codes, rate_scale=rate_scale) as world:
        http = sandbox_http(world, rate_scale=rate_scale, max_retries=max_retries, backoff_cap=backoff_cap)
        with runtime_for(world, settings, http=http, backfill_days=backfill_days) as rt:
            yield world, rt


def connect_sandbox_account(
    rt: Runtime, world: SandboxWorld, code: str, seller_id: int, *, creds: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """Connect a sandbox account (``creds``, or a new one of ``world[code]``) to the seller through
    ``connect_account``, its details cut to the satellite's credential fields: (account id, creds)."""
    if creds is None:
        creds = world[code].create_account()
    fields = rt.registry.get(code).satellite.credentials.model_fields
    return connect_account(rt, seller_id, code, {k: v for k, v in creds.items() if k in fields}), creds


# --------------------------------------------------------------- adapter tests (no runtime, no database)


class MemoryTokens(TokenStore):
    """The TokenStore contract in memory, counting writes (the DB-backed one runs through the runtime)."""

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


def adapter_context(
    world: SandboxWorld,
    model: type[CredentialModel],
    creds: Mapping[str, Any],
    *,
    http: HttpFactory,
    tokens: TokenStore,
    account: MarketplaceAccount | None = None,
) -> AdapterContext[Any]:
    """A context for calling an adapter directly: ``creds`` cut to ``model``'s fields, ``world``'s clock."""
    return AdapterContext(
        account=MarketplaceAccount(id=1) if account is None else account,
        credentials=model.model_validate({k: v for k, v in creds.items() if k in model.model_fields}),
        clock=world.clock,
        http=http,
        tokens=tokens,
    )
