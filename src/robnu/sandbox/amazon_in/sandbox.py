"""``AmazonSandbox``: the Amazon India sandbox object the demo, the CLI and the tests hold."""

from __future__ import annotations

from typing import Any

from robnu.sandbox.amazon_in import seeded
from robnu.sandbox.amazon_in.app import build_api_app
from robnu.sandbox.amazon_in.auth import build_auth_app
from robnu.sandbox.amazon_in.constants import CODE, RATE_LIMITS
from robnu.sandbox.amazon_in.errors import AmazonErrors
from robnu.sandbox.amazon_in.world import AmazonWorld
from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.kit import SandboxKit, make_kit
from robnu.sandbox.seeded_errors import check_period, plan_of, view


class AmazonSandbox(BaseSandbox):
    code: str = CODE

    def __init__(self, kit: SandboxKit, world: AmazonWorld) -> None:
        super().__init__(kit)
        self.world = world
        self.apps.update(api=build_api_app(kit, world), auth=build_auth_app(kit, world))
        kit.on_reset.append(world.reset)

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        """A seller account with its LWA app: selling_partner_id, marketplace_id, lwa_client_id,
        lwa_client_secret, refresh_token, region (plus account_key = selling_partner_id, seller details)."""
        return self.world.create_account(**overrides)

    def has_account(self, account_key: str) -> bool:
        return account_key in self.world.accounts

    def generate_orders(self, account_key: str, count: int, *, days: float = 30, track: str | None = None) -> list[str]:
        return self.world.generate_orders(account_key, count, days=days, track=track)

    def revoke(self, account_key: str) -> None:
        self.world.revoke(account_key)

    def truth(self, account_key: str) -> dict[str, Any]:
        return self.world.truth(account_key)

    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        return seeded.arm(self.world, self.world.account(account_key), check_period(period), seed).view()

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(seeded.disarm(self.world.account(account_key)))

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(plan_of(self.world.account(account_key), account_key))

    def pushed(self, account_key: str) -> dict[str, Any]:
        return self.world.pushed(account_key)


def build_sandbox(
    *, seed: int, clock: SandboxClock, rate_scale: float = 1.0, rate_limits_enabled: bool = True
) -> AmazonSandbox:
    kit = make_kit(
        "amazon_in",
        AmazonErrors(),
        RATE_LIMITS,
        clock,
        rate_scale=rate_scale,
        rate_limits_enabled=rate_limits_enabled,
    )
    return AmazonSandbox(kit, AmazonWorld(seed, clock))
