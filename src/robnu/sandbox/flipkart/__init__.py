"""The Flipkart Marketplace Seller API v3 sandbox, shaped by the operations Flipkart publishes on its API docs
site (see docs/sandbox/flipkart.md for what is published and what is modelled).

``build_sandbox`` gives a ``FlipkartSandbox``: its ``apps["api"]`` serves the OAuth token endpoint,
the ``/sellers/...`` and ``/reports/...`` paths and the control API under ``/_sandbox``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart.app import FlipkartApi, mount
from robnu.sandbox.flipkart.auth import TokenStore
from robnu.sandbox.flipkart.control import mount_control
from robnu.sandbox.flipkart.errors import FlipkartErrors
from robnu.sandbox.flipkart.reports import Reports
from robnu.sandbox.flipkart.world import World
from robnu.sandbox.kit import ASGIApp, SandboxKit, create_app, make_kit
from robnu.sandbox.ratelimit import Limit

__all__ = ["RATE_LIMITS", "FlipkartSandbox", "build_sandbox"]

# Flipkart publishes no rate limits (§12): modelled 10 req/s per app with burst 20 for every operation,
# tighter for the bulk document and report calls, and 1/s burst 5 for tokens.
_DEFAULT = Limit(10, 20)
RATE_LIMITS: dict[str, Limit] = {
    "token": Limit(1, 5),
    "searchShipments": _DEFAULT,
    "getShipmentsByIds": _DEFAULT,
    "getShipmentDetails": _DEFAULT,
    "pack": _DEFAULT,
    "markRTD": _DEFAULT,
    "cancelShipments": _DEFAULT,
    "getForms": _DEFAULT,
    "updateAck": _DEFAULT,
    "getLabels": Limit(5, 10),
    "getLabelsOnlyPDF": Limit(5, 10),
    "getLabelsOnly": Limit(5, 10),
    "getInvoices": Limit(5, 10),
    "handoverCounts": _DEFAULT,
    "manifest": Limit(2, 5),
    "getReturns": _DEFAULT,
    "updateInventory": _DEFAULT,
    "getListings": _DEFAULT,
    "reportTrigger": Limit(1, 5),
    "reportDetail": _DEFAULT,
    "reportDownload": Limit(1, 5),
    "createTestOrders": _DEFAULT,
    "changeDispatchSlots": _DEFAULT,
    "putOrderOnHold": _DEFAULT,
    "makeOrderUnHold": _DEFAULT,
    "markOrderItemPickupComplete": _DEFAULT,
    "markOrderItemShipped": _DEFAULT,
    "markOrderItemDelivered": _DEFAULT,
    "createReturn": _DEFAULT,
    "processReturnEvents": _DEFAULT,
}


class FlipkartSandbox(BaseSandbox):
    code: str = "FLIPKART"

    def __init__(self, kit: SandboxKit, world: World, api: FlipkartApi, app: ASGIApp) -> None:
        super().__init__(kit)
        self.world = world
        self.api = api
        self.apps["api"] = app

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
        return self.world.truth(account_key)

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
    tokens = TokenStore(world)
    reports = Reports(world)
    api = FlipkartApi(kit, world, tokens, reports)
    app = create_app(kit, "Flipkart Marketplace Seller API v3 (Robnu sandbox)")
    mount(app, api)
    sandbox = FlipkartSandbox(kit, world, api, app)
    mount_control(app, api)

    def reset() -> None:
        world.reset()
        tokens.reset()
        reports.reset()
        api.form_fail_switch.clear()

    kit.on_reset.append(reset)
    return sandbox
