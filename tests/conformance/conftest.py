"""Fixtures for the conformance suite: one marketplace's sandbox, a runtime wired to it, an account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from robnu.config import Settings
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from tests.conformance.profile import ConformanceProfile, load_profiles
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

PROFILES = load_profiles()


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
        seller = seller_id or self.seller_id
        account_id, _ = connect_sandbox_account(
            self.rt, self.world, self.profile.code, seller, creds=creds or self.creds
        )
        return account_id


@pytest.fixture(params=PROFILES, ids=[p.code for p in PROFILES])
def harness(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Harness]:
    profile: ConformanceProfile = request.param
    with wired_runtime(settings, (profile.code,), max_retries=6, backfill_days=45) as (world, rt):
        sandbox = world[profile.code]
        creds = sandbox.create_account()
        sandbox.generate_orders(creds["account_key"], profile.orders)
        seller_id = create_seller(rt, f"Conformance {profile.code}")
        yield Harness(profile, world, rt, sandbox, creds, creds["account_key"], seller_id)
