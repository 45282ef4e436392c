"""Meesho's own control routes under ``/_sandbox/meesho`` (sandbox-only paths): orders with chosen options, key
rotation, the webhook outbox, sub-order and return events, claims, money faults and settings. Accounts,
generated orders, truth and the clock are the kit's (``sandbox/control.py``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Body, FastAPI

from robnu.sandbox.kit import CONTROL_PREFIX
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.events import delivery, derive_events
from robnu.sandbox.meesho.settlement import MONEY_FAULTS

if TYPE_CHECKING:
    from robnu.sandbox.meesho.sandbox import MeeshoSandbox


def add_control_routes(app: FastAPI, sandbox: MeeshoSandbox) -> None:
    router = APIRouter(prefix=f"{CONTROL_PREFIX}/meesho", tags=["meesho sandbox control"])
    world = sandbox.world

    def acct(supplier_id: str) -> Any:
        try:
            return world.account(supplier_id)
        except KeyError:
            raise fail(404, "NOT_FOUND", {"supplier_id": supplier_id}) from None

    @router.post("/accounts/{supplier_id}/orders", status_code=201)
    def create_order(supplier_id: str, body: dict[str, Any] = Body(default_factory=dict)) -> dict[str, Any]:
        """Options: items, sku, quantity, payment_mode, unverified, exchange, hold, hold_resolves, outcome."""
        return {"sub_order_nos": world.create_order(acct(supplier_id), body)}

    @router.post("/accounts/{supplier_id}/keys", status_code=201)
    def rotate(supplier_id: str) -> dict[str, Any]:
        return sandbox.rotate_key(supplier_id)

    @router.post("/accounts/{supplier_id}/keys/{api_key}/retire")
    def retire(supplier_id: str, api_key: str) -> dict[str, Any]:
        world.retire_key(acct(supplier_id), api_key)
        return {"retired": api_key}

    @router.get("/accounts/{supplier_id}/webhook-events")
    def webhook_events(supplier_id: str, since: str | None = None, limit: int = 500) -> dict[str, Any]:
        """The webhook outbox: the signed POSTs Meesho would have sent, oldest first (``since``: ISO time,
        exclusive)."""
        account = acct(supplier_id)
        now = sandbox.kit.clock.now()
        after = datetime.fromisoformat(since) if since else None
        found = derive_events(world, account, now, after)
        return {
            "events": [delivery(account, e, now) for e in found[:limit]],
            "has_more": len(found) > limit,
            "last_occurred_at": found[min(limit, len(found)) - 1]["occurred_at"] if found else None,
        }

    @router.post("/accounts/{supplier_id}/sub-orders/{sub_order_no}/{event}")
    def sub_order_event(supplier_id: str, sub_order_no: str, event: str) -> dict[str, Any]:
        """event: customer-cancel | deliver | rto | customer-return."""
        account = acct(supplier_id)
        if event == "customer-cancel":
            world.customer_cancel(account, sub_order_no)
        elif event in ("deliver", "rto", "customer-return"):
            kind = {"deliver": "DELIVERED", "rto": "RTO", "customer-return": "RETURN"}[event]
            world.force_outcome(account, sub_order_no, kind)
        else:
            raise fail(404, "NOT_FOUND", {"event": event})
        sub = account.sub_orders[sub_order_no]
        status, _ = world.status(sub)
        return {"sub_order_no": sub_order_no, "status": status, "return_id": sub.return_id}

    @router.post("/accounts/{supplier_id}/manifests/{manifest_id}/pickup")
    def pickup(supplier_id: str, manifest_id: str, body: dict[str, Any] = Body(default_factory=dict)) -> dict[str, Any]:
        manifest = world.scan_manifest(acct(supplier_id), manifest_id, [str(x) for x in body.get("missing", [])])
        return {"manifest_id": manifest.manifest_id, "missing": sorted(manifest.missing)}

    @router.post("/accounts/{supplier_id}/returns/{return_id}/advance")
    def advance_return(supplier_id: str, return_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        ret = world.advance_return(acct(supplier_id), return_id, str(body["status"]))
        return {"return_id": ret.return_id, "status": ret.timeline()[-1][1]}

    @router.post("/accounts/{supplier_id}/returns/{return_id}/claim")
    def decide_claim(supplier_id: str, return_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        amount = Decimal(str(body["amount"])) if body.get("amount") is not None else None
        claim = world.decide_claim(acct(supplier_id), return_id, bool(body.get("approve")), amount)
        return {"claim_id": claim.claim_id, "status": claim.status}

    @router.post("/accounts/{supplier_id}/money-faults")
    def money_faults(supplier_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        account = acct(supplier_id)
        kind = str(body.get("kind"))
        if kind not in MONEY_FAULTS:
            raise fail(400, "VALIDATION_ERROR", {"fields": [{"field": "kind", "issue": f"one of {MONEY_FAULTS}"}]})
        if body.get("enabled", True):
            account.money_faults.add(kind)
        else:
            account.money_faults.discard(kind)
        account.version += 1
        return {"money_faults": sorted(account.money_faults)}

    @router.post("/accounts/{supplier_id}/settings")
    def account_settings(supplier_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        account = acct(supplier_id)
        if "returns_assurance" in body:
            account.returns_assurance = bool(body["returns_assurance"])
            account.version += 1
        return {"returns_assurance": account.returns_assurance, "acceptance_mode": account.acceptance_mode}

    @router.get("/config")
    def get_config() -> dict[str, Any]:
        return dict(world.config.__dict__)

    @router.post("/config")
    def set_config(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """label_delay_seconds (slow label jobs), auto_pickup_seconds (null: pickup only by scan), ..."""
        for key, value in body.items():
            if key not in world.config.__dict__:
                raise fail(400, "VALIDATION_ERROR", {"fields": [{"field": key, "issue": "unknown setting"}]})
            setattr(world.config, key, value)
        for account in world.accounts.values():
            account.version += 1
        return dict(world.config.__dict__)

    app.include_router(router)
