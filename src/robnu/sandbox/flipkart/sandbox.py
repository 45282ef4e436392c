"""``FlipkartSandbox``: the Flipkart sandbox object the demo, the CLI and the tests hold, and ``build_sandbox``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart import seeded
from robnu.sandbox.flipkart.app import build_api_app
from robnu.sandbox.flipkart.auth import TokenStore
from robnu.sandbox.flipkart.constants import RATE_LIMITS
from robnu.sandbox.flipkart.errors import FlipkartErrors
from robnu.sandbox.flipkart.plumbing import FlipkartApi
from robnu.sandbox.flipkart.reports import Reports
from robnu.sandbox.flipkart.truth import account_truth
from robnu.sandbox.flipkart.world import World
from robnu.sandbox.kit import make_kit
from robnu.sandbox.seeded_errors import check_period, plan_of, view


class FlipkartSandbox(BaseSandbox):
    code: str = "FLIPKART"

    def __init__(self, api: FlipkartApi) -> None:
        super().__init__(api.kit)
        self.world = api.world
        self.api = api
        self.apps["api"] = build_api_app(api)
        self.kit.on_reset.extend([api.world.reset, api.tokens.reset, api.reports.reset, api.reset])

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        """A seller account; the credential keys are seller_id, location_id, app_id, app_secret."""
        return self.world.create_account(**overrides)

    def has_account(self, account_key: str) -> bool:
        return account_key in self.world.accounts

    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]:
        return self.world.generate_orders(account_key, count, days=days)

    def revoke(self, account_key: str) -> None:
        self.world.revoke(account_key)

    def advance(self, delta: timedelta) -> None:
        """Move the shared clock on and apply every lifecycle event that became due."""
        super().advance(delta)
        self.world.tick()

    def truth(self, account_key: str) -> dict[str, Any]:
        return account_truth(self.world, account_key)

    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        with self.world.lock:
            return seeded.arm(self.world, account_key, check_period(period), seed).view()

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        with self.world.lock:
            return view(seeded.disarm(self.world, account_key))

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(plan_of(self.world, account_key))

    def pushed(self, account_key: str) -> dict[str, Any]:
        with self.world.lock:
            data = asdict(self.world.pushed[account_key])
        by_sku: dict[str, list[dict[str, Any]]] = {}
        for push in data["inventory"]:
            by_sku.setdefault(push["sku"], []).append(push)
        data["inventory_by_sku"] = by_sku
        return data


def build_sandbox(
    *, seed: int, clock: SandboxClock, rate_scale: float = 1.0, rate_limits_enabled: bool = True
) -> FlipkartSandbox:
    kit = make_kit(
        "flipkart", FlipkartErrors(), RATE_LIMITS, clock, rate_scale=rate_scale, rate_limits_enabled=rate_limits_enabled
    )
    world = World(seed, clock)
    return FlipkartSandbox(FlipkartApi(kit, world, TokenStore(world), Reports(world)))
