"""One marketplace's sandbox, a runtime wired to it on a real database, and a seller with a sandbox account:
what every conformance scenario starts from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from robnu.adapters.base import MarketplaceAdapter
from robnu.config import Settings
from robnu.domain.errors import PluginError
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.protocol import MarketplaceSandbox
from robnu.sandbox.world import SANDBOXES, SandboxWorld, register_installed_sandboxes
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from robnu.testing.profile import ConformanceProfile
from robnu.testing.wiring import connect_sandbox_account, wired_runtime


@dataclass
class Harness:
    profile: ConformanceProfile
    world: SandboxWorld
    rt: Runtime
    sandbox: MarketplaceSandbox
    creds: dict[str, Any]
    key: str
    seller_id: int

    @property
    def adapter(self) -> MarketplaceAdapter:
        return self.rt.registry.get(self.profile.code)

    def require(self, *targets: ScheduleTarget) -> None:
        """Skip the scenario unless the adapter declares every one of ``targets``: the suite checks exactly
        what the adapter says it does."""
        missing = [t for t in targets if t not in self.adapter.supported_targets]
        if missing:
            pytest.skip(f"{self.profile.code} does not declare {', '.join(missing)}")

    def connect(self, creds: dict[str, Any] | None = None, *, seller_id: int | None = None) -> int:
        seller = seller_id or self.seller_id
        account_id, _ = connect_sandbox_account(
            self.rt, self.world, self.profile.code, seller, creds=creds or self.creds
        )
        return account_id


def ensure_sandbox(code: str) -> None:
    """The sandbox of ``code`` is registered: a built-in, one registered in code, or an installed plug-in's."""
    if code in SANDBOXES:
        return
    register_installed_sandboxes()
    if code not in SANDBOXES:
        raise PluginError(
            f"no sandbox is registered for {code}: declare its SandboxSpec in the robnu.sandboxes entry-point "
            f"group (or call robnu.sandbox.world.register_sandbox); known: {sorted(SANDBOXES)}"
        )


@contextmanager
def open_harness(
    profile: ConformanceProfile, settings: Settings, *, max_retries: int = 6, backfill_days: int = 45
) -> Iterator[Harness]:
    ensure_sandbox(profile.code)
    with wired_runtime(settings, (profile.code,), max_retries=max_retries, backfill_days=backfill_days) as (
        world,
        rt,
    ):
        sandbox = world[profile.code]
        creds = sandbox.create_account()
        sandbox.generate_orders(creds["account_key"], profile.orders)
        seller_id = create_seller(rt, f"Conformance {profile.code}")
        yield Harness(profile, world, rt, sandbox, creds, creds["account_key"], seller_id)
