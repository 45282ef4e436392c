"""The control API every sandbox has, mounted once by the kit under ``/_sandbox`` on each of its apps.

Sandbox-only: no marketplace serves these paths. Clock, faults, rate limits and reset act on the kit; the
account routes (create, generate orders, revoke, truth, pushed, seeded settlement errors) and the lifecycle
advance call the ``MarketplaceSandbox`` attached to the kit, so every sandbox answers them the same way.
Marketplace-specific controls live in each sandbox's own ``control.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, Field

from robnu.sandbox.faults import FaultKind, FaultRule

if TYPE_CHECKING:
    from robnu.sandbox.kit import SandboxKit
    from robnu.sandbox.protocol import MarketplaceSandbox

CONTROL_PREFIX = "/_sandbox"
MAX_ORDERS = 500_000
SHOWN_IDS = 1000  # the generate-orders answer lists at most this many ids


class FaultIn(BaseModel):
    kind: FaultKind
    operation: str = "*"
    count: int = Field(default=1, description="requests it hits; -1 until cleared")
    account: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class ClockIn(BaseModel):
    advance_seconds: float | None = None
    set: datetime | None = None
    freeze: bool | None = None


class RateLimitIn(BaseModel):
    scale: float | None = None
    enabled: bool | None = None


class OrdersIn(BaseModel):
    count: int = Field(default=10, ge=1, le=MAX_ORDERS)
    days: float = Field(default=30, gt=0)


class SettlementErrorsIn(BaseModel):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="the IST month of the settlements, YYYY-MM")
    seed: int | None = None


class AdvanceIn(BaseModel):
    seconds: float = Field(default=0, ge=0)


def control_router(kit: SandboxKit) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control (not part of the marketplace API)"])
    _clock_routes(router, kit)
    _fault_routes(router, kit)
    _account_routes(router, kit)
    return router


def _clock_routes(router: APIRouter, kit: SandboxKit) -> None:
    @router.get("/clock")
    def get_clock() -> dict[str, Any]:
        return {"now": kit.clock.now().isoformat(), "frozen": kit.clock.frozen}

    @router.post("/clock")
    def move_clock(body: ClockIn) -> dict[str, Any]:
        if body.freeze is True:
            kit.clock.freeze()
        if body.set is not None:
            kit.clock.set(body.set)
        if body.advance_seconds:
            kit.clock.advance(timedelta(seconds=body.advance_seconds))
        if body.freeze is False:
            kit.clock.unfreeze()
        return get_clock()

    @router.post("/lifecycle/advance")
    def advance(body: AdvanceIn) -> dict[str, Any]:
        """Move the shared clock on and let the sandbox apply whatever became due (its ``advance``)."""
        kit.sandbox.advance(timedelta(seconds=body.seconds))
        return {"now": kit.clock.now().isoformat()}


def _fault_routes(router: APIRouter, kit: SandboxKit) -> None:
    @router.get("/faults")
    def list_faults() -> dict[str, Any]:
        return {
            "armed": [
                {
                    "id": r.id,
                    "kind": r.kind.value,
                    "operation": r.operation,
                    "remaining": r.remaining,
                    "account": r.account,
                    "params": r.params,
                }
                for r in kit.faults.rules()
            ],
            "fired": [{"kind": k, "operation": o} for k, o in kit.faults.fired],
        }

    @router.post("/faults", status_code=201)
    def add_fault(body: FaultIn) -> dict[str, Any]:
        rule = kit.faults.add(FaultRule(body.kind, body.operation, body.count, body.account, body.params))
        return {"id": rule.id}

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        kit.faults.clear()
        return {"cleared": True}

    @router.post("/ratelimit")
    def set_ratelimit(body: RateLimitIn) -> dict[str, Any]:
        if body.scale is not None:
            kit.limiter.scale = body.scale
        if body.enabled is not None:
            kit.limiter.enabled = body.enabled
        return {"scale": kit.limiter.scale, "enabled": kit.limiter.enabled, "throttled": kit.limiter.throttled}

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        kit.reset()
        return {"reset": True}


def _account_routes(router: APIRouter, kit: SandboxKit) -> None:
    def known(key: str) -> MarketplaceSandbox:
        sandbox = kit.sandbox
        if not sandbox.has_account(key):
            raise HTTPException(404, f"unknown account {key}")
        return sandbox

    @router.post("/accounts", status_code=201)
    def create_account(overrides: dict[str, Any] = Body(default_factory=dict)) -> dict[str, Any]:
        """A new seller account; the body, if any, overrides generated details (see the sandbox's page)."""
        try:
            return kit.sandbox.create_account(**overrides)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.post("/accounts/{key}/orders", status_code=201)
    def generate_orders(key: str, body: OrdersIn) -> dict[str, Any]:
        ids = known(key).generate_orders(key, body.count, days=body.days)
        return {"created": len(ids), "order_ids": ids[:SHOWN_IDS]}

    @router.post("/accounts/{key}/revoke")
    def revoke(key: str) -> dict[str, Any]:
        known(key).revoke(key)
        return {"revoked": True}

    @router.get("/accounts/{key}/truth")
    def truth(key: str) -> dict[str, Any]:
        return known(key).truth(key)

    @router.get("/accounts/{key}/pushed")
    def pushed(key: str) -> dict[str, Any]:
        return known(key).pushed(key)

    def seeded(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return call()
        except NotImplementedError as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.post("/accounts/{key}/settlement-errors")
    def arm_settlement_errors(key: str, body: SettlementErrorsIn) -> dict[str, Any]:
        """Seed settlement errors of every class in the account's statements of ``period``."""
        sandbox = known(key)
        return seeded(lambda: sandbox.arm_settlement_errors(key, body.period, body.seed))

    @router.get("/accounts/{key}/settlement-errors")
    def settlement_errors(key: str) -> dict[str, Any]:
        """The truth of the seeded errors: order, class, settlement and what the seller is owed."""
        sandbox = known(key)
        return seeded(lambda: sandbox.settlement_errors(key))

    @router.delete("/accounts/{key}/settlement-errors")
    def disarm_settlement_errors(key: str) -> dict[str, Any]:
        """The statements are corrected (re-issued without the errors)."""
        sandbox = known(key)
        return seeded(lambda: sandbox.disarm_settlement_errors(key))
