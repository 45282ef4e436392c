"""Robnu's Meesho supplier API sandbox: the modelled API of meesho.md §2-§11 on a seeded world.

``build_sandbox(seed=..., clock=...)`` returns a ``MeeshoSandbox`` whose ``apps["api"]`` serves ``/v1/...``
(HMAC signed, §3) and the sandbox-only control API under ``/_sandbox``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.kit import SandboxKit, make_kit
from robnu.sandbox.meesho import settlement as st
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.app import build_api
from robnu.sandbox.meesho.control import add_control_routes
from robnu.sandbox.meesho.errors import MeeshoErrors
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.money import money as fmt_money
from robnu.sandbox.meesho.views import iso
from robnu.sandbox.meesho.world import MeeshoWorld, WorldConfig
from robnu.sandbox.ratelimit import Limit

__all__ = ["RATE_LIMITS", "MeeshoSandbox", "build_sandbox"]

# §11: 20 req/s per api_key, burst 40 (one shared bucket, "default"); labels and manifests 2 req/s on top.
# The burst of 2 for labels/manifests is modelled (§11 gives only the rate).
RATE_LIMITS: dict[str, Limit] = {
    "default": Limit(20.0, 40),
    "createLabels": Limit(2.0, 2),
    "createManifest": Limit(2.0, 2),
}


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
        acct = self._account(account_key)
        now = self.kit.clock.now()
        tl.ensure_all(acct)
        orders: dict[str, Any] = {}
        order_value = Decimal(0)
        for no, sub in acct.sub_orders.items():
            found = tl.status_at(sub, now)
            if found is None:
                continue
            orders[no] = {
                "status": found[0],
                "updated_at": iso(found[1]),
                "total": fmt_money(sub.total_price),
                "items": 1,
                "quantity": sub.quantity,
                "order_no": sub.order_no,
            }
            order_value += sub.total_price
        returns: dict[str, Any] = {}
        for rid, ret in acct.returns.items():
            state = tl.return_status_at(ret, now)
            if state is not None:
                returns[rid] = {
                    "kind": ret.type,
                    "status": state[0],
                    "updated_at": iso(state[1]),
                    "sub_order_no": ret.sub_order_no,
                }
        payouts: dict[str, Any] = {}
        payout_net = Decimal(0)
        book = st.ledger(acct, self.world.config)
        for start, lines in st.closed_periods(book, now):
            header = st.settlement_header(acct, start, lines, now)
            payouts[header["settlement_id"]] = {
                "net": header["net_amount"],
                "lines": header["line_count"],
                "status": header["status"],
                "payment_date": header["payment_date"],
            }
            payout_net += Decimal(header["net_amount"])
        return {
            "orders": orders,
            "returns": returns,
            "payouts": payouts,
            "totals": {"order_value": fmt_money(order_value), "payout_net": fmt_money(payout_net)},
        }

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
        # Meesho has no dispatch call: the manifest plus the courier's pickup scan is the dispatch (§7).
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
