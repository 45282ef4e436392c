"""Fixtures for the conformance suite: one marketplace's sandbox, a runtime wired to it, an account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from tests.conformance.profile import ConformanceProfile, load_profiles
from tests.conftest import FIXED_NOW, _empty_tables

PROFILES = load_profiles()
RATE_SCALE = 1000.0  # real limits, 1000x faster: throttling paths still run, tests stay fast


@dataclass
class Harness:
    profile: ConformanceProfile
    world: SandboxWorld
    rt: Runtime
    sandbox: Any
    creds: dict[str, Any]
    key: str
    seller_id: int

    def connect(self, creds: dict[str, Any] | None = None, *, seller_id: int | None = None) -> int:
        fields = self.rt.registry.get(self.profile.code).satellite.credentials.model_fields
        data = {k: v for k, v in (creds or self.creds).items() if k in fields}
        return connect_account(self.rt, seller_id or self.seller_id, self.profile.code, data)


@pytest.fixture(params=PROFILES, ids=[p.code for p in PROFILES])
def harness(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Harness]:
    profile: ConformanceProfile = request.param
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=(profile.code,), rate_scale=RATE_SCALE)
    policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.02, rate_scale=RATE_SCALE, max_retries=6)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=world.transport())
    rt = Runtime.create(settings.model_copy(update={"backfill_days": 45}), http=http, clock=world.clock)
    _empty_tables(rt.engine)
    sandbox = world[profile.code]
    creds = sandbox.create_account()
    sandbox.generate_orders(creds["account_key"], profile.orders)
    seller_id = create_seller(rt, f"Conformance {profile.code}")
    try:
        yield Harness(profile, world, rt, sandbox, creds, creds["account_key"], seller_id)
    finally:
        world.close()
        rt.engine.dispose()
