"""``AjioSandbox``: the AJIO sandbox object the demo, the CLI and the tests hold, and ``build_sandbox``."""

from __future__ import annotations

from typing import Any

from robnu.sandbox.ajio import seeded
from robnu.sandbox.ajio.app import build_app
from robnu.sandbox.ajio.auth import TokenStore
from robnu.sandbox.ajio.constants import RATE_LIMITS
from robnu.sandbox.ajio.errors import AjioErrors
from robnu.sandbox.ajio.plumbing import AjioApi
from robnu.sandbox.ajio.world import AjioWorld
from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.kit import SandboxKit, make_kit
from robnu.sandbox.seeded_errors import check_period, plan_of, view


class AjioSandbox(BaseSandbox):
    code = "AJIO"

    def __init__(self, kit: SandboxKit, world: AjioWorld, tokens: TokenStore) -> None:
        super().__init__(kit)
        self.world = world
        self.tokens = tokens
        self.apps["api"] = build_app(AjioApi(kit, world, tokens))
        kit.on_reset.append(tokens.clear)

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        return self.world.create_account(**overrides)

    def has_account(self, account_key: str) -> bool:
        return account_key in self.world.books

    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]:
        return self.world.generate_orders(account_key, count, days=days)

    def revoke(self, account_key: str) -> None:
        self.world.revoke(account_key)

    def truth(self, account_key: str) -> dict[str, Any]:
        return self.world.truth(account_key)

    def pushed(self, account_key: str) -> dict[str, Any]:
        return self.world.pushed(account_key)

    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        return seeded.arm(self.world, account_key, check_period(period), seed).view()

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(seeded.disarm(self.world, account_key))

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(plan_of(self.world, account_key))

    def last_invoice_serial(self, account_key: str) -> int:
        """The serial of the last B2B invoice of the store's series (the portal invoices too): what the
        seller's own books say when Robnu asks where the series stands."""
        return int(self.world.book(account_key).account.invoice_seq)


def build_sandbox(
    *,
    seed: int,
    clock: SandboxClock,
    rate_scale: float = 1.0,
    rate_limits_enabled: bool = True,
    label_delay_seconds: int = 0,
) -> AjioSandbox:
    kit = make_kit(
        "ajio",
        AjioErrors(),
        RATE_LIMITS,
        clock,
        rate_scale=rate_scale,
        rate_limits_enabled=rate_limits_enabled,
    )
    world = AjioWorld(seed, clock, label_delay=label_delay_seconds)
    return AjioSandbox(kit, world, TokenStore())
