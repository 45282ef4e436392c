"""``MeeshoSandbox``: the Meesho sandbox object the demo, the CLI and the tests hold, and ``build_sandbox``."""

from __future__ import annotations

from typing import Any

from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.kit import SandboxKit, make_kit
from robnu.sandbox.meesho import seeded
from robnu.sandbox.meesho.app import build_api
from robnu.sandbox.meesho.constants import RATE_LIMITS
from robnu.sandbox.meesho.control import add_control_routes
from robnu.sandbox.meesho.errors import MeeshoErrors
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.truth import account_truth
from robnu.sandbox.meesho.world import MeeshoWorld, WorldConfig
from robnu.sandbox.seeded_errors import check_period, plan_of, view


class MeeshoSandbox(BaseSandbox):
    code = "MEESHO"

    def __init__(self, kit: SandboxKit, world: MeeshoWorld) -> None:
        super().__init__(kit)
        self.world = world
        api = build_api(world, kit)
        add_control_routes(api, self)
        self.apps["api"] = api
        kit.on_reset.append(self._reset)

    def _reset(self) -> None:
        self.world.config = WorldConfig()

    def _account(self, account_key: str) -> Account:
        return self.world.account(account_key)

    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        return seeded.arm(self.world, self._account(account_key), check_period(period), seed).view()

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(seeded.disarm(self._account(account_key)))

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        return view(plan_of(self._account(account_key), account_key))

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        acct = self.world.create_account(**overrides)
        key = acct.keys[0]
        return {
            "account_key": acct.supplier_id,
            "supplier_id": acct.supplier_id,
            "api_key": key.api_key,
            "api_secret": key.api_secret,
            "warehouse_ids": list(acct.warehouse_ids),
            "name": acct.name,
            "gstin": acct.gstin,
            "state_code": acct.state_code,
        }

    def has_account(self, account_key: str) -> bool:
        return account_key in self.world.accounts

    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]:
        """``count`` orders (1-3 sub-orders each); returns the new sub_order_nos."""
        return self.world.generate_orders(self._account(account_key), count, days=days)

    def revoke(self, account_key: str) -> None:
        self.world.revoke(self._account(account_key))

    def rotate_key(self, account_key: str) -> dict[str, Any]:
        key = self.world.rotate_key(self._account(account_key))
        return {"api_key": key.api_key, "api_secret": key.api_secret}

    def retire_key(self, account_key: str, api_key: str) -> None:
        self.world.retire_key(self._account(account_key), api_key)

    def truth(self, account_key: str) -> dict[str, Any]:
        """What Robnu's database must hold after a full sync, keyed by the API's own ids."""
        return account_truth(self.world, self._account(account_key), self.kit.clock.now())

    def pushed(self, account_key: str) -> dict[str, Any]:
        """What the seller pushed, in order of arrival (each record has ``seq`` and ``at``)."""
        acct = self._account(account_key)
        kinds = (
            "inventory",
            "accepts",
            "cancels",
            "labels",
            "manifests",
            "acceptance_mode",
            "returns_received",
            "claims",
        )
        result: dict[str, Any] = {kind: list(acct.pushed.get(kind, [])) for kind in kinds}
        inventory: dict[str, Any] = {}
        for record in result["inventory"]:
            inventory[record["sku"]] = {
                "quantity": record["quantity"],
                "at": record["at"],
                "seq": record["seq"],
            }
        result["inventory_latest"] = inventory
        # Meesho has no dispatch call: the manifest plus the courier's pickup scan is the dispatch.
        result["dispatches"] = [
            {"manifest_id": m["manifest_id"], "sub_order_nos": m["sub_order_nos"], "at": m["at"]}
            for m in result["manifests"]
        ]
        return result


def build_sandbox(
    *, seed: int, clock: SandboxClock, rate_scale: float = 1.0, rate_limits_enabled: bool = True
) -> MeeshoSandbox:
    kit = make_kit(
        "meesho",
        MeeshoErrors(),
        RATE_LIMITS,
        clock,
        rate_scale=rate_scale,
        rate_limits_enabled=rate_limits_enabled,
    )
    return MeeshoSandbox(kit, MeeshoWorld(seed, clock))
