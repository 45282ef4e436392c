"""The seeded Meesho world: ``MeeshoWorld`` puts together the core (accounts, reads), order generation and the
seller's actions, and adds the events that come from couriers, customers and Meesho (driven by the control API).
"""

from __future__ import annotations

from decimal import Decimal

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.actions import SellerActions
from robnu.sandbox.meesho.core import CANCEL_REASONS, WorldConfig
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.generation import Generation
from robnu.sandbox.meesho.model import Account, Claim, Manifest, Return, SubOrder

__all__ = ["CANCEL_REASONS", "MeeshoWorld", "WorldConfig"]


class MeeshoWorld(Generation, SellerActions):
    # ------------------------------------------------------------------ courier / customer / Meesho events
    def scan_manifest(self, acct: Account, manifest_id: str, missing: list[str]) -> Manifest:
        manifest = acct.manifests.get(manifest_id)
        if manifest is None:
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        now = self.clock.now()
        manifest.scan_at = now
        manifest.explicit_scan = True
        manifest.missing = set(missing) & set(manifest.sub_order_nos)
        for no in manifest.sub_order_nos:
            tl.rebuild(acct.sub_orders[no], acct)
        return manifest

    def customer_cancel(self, acct: Account, no: str) -> SubOrder:
        sub = self.sub_order(acct, no)
        status, _ = self.status(sub)
        if status not in ("UNVERIFIED", "PENDING", "HOLD", "READY_TO_SHIP"):
            raise fail(422, "INVALID_STATE", {"current_status": status})
        sub.customer_cancel_at = self.clock.now()
        tl.rebuild(sub, acct)
        return sub

    def force_outcome(self, acct: Account, no: str, kind: str) -> SubOrder:
        sub = self.sub_order(acct, no)
        status, _ = self.status(sub)
        now = self.clock.now()
        if kind in ("DELIVERED", "RTO") and status != "SHIPPED":
            raise fail(422, "INVALID_STATE", {"current_status": status})
        if kind == "RETURN" and status != "DELIVERED":
            raise fail(422, "INVALID_STATE", {"current_status": status})
        if kind == "RETURN":
            sub.forced_return_at = now
        else:
            sub.forced_outcome = (kind, now)
        tl.rebuild(sub, acct)
        return sub

    def advance_return(self, acct: Account, return_id: str, status: str) -> Return:
        ret = self.visible_return(acct, return_id)
        ret.forced.append((self.clock.now(), status))
        acct.version += 1
        return ret

    def decide_claim(self, acct: Account, return_id: str, approve: bool, amount: Decimal | None) -> Claim:
        ret = self.visible_return(acct, return_id)
        if ret.claim is None or ret.claim.status != "OPEN":
            raise fail(422, "INVALID_STATE", {"claim": ret.claim.status if ret.claim else None})
        ret.claim.status = "APPROVED" if approve else "REJECTED"
        ret.claim.decided_at = self.clock.now()
        if approve:
            ret.claim.amount = amount if amount is not None else acct.sub_orders[ret.sub_order_no].total_price
        acct.version += 1
        return ret.claim
