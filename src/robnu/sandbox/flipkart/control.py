"""Flipkart's control API under ``/_sandbox`` (sandbox-only paths, never marketplace paths).

Accounts, order generation, revocation, truth, pushed, lifecycle advance, the FORM_FAILED switch,
the pack delay, and copies of Flipkart's sandbox test-data APIs (reference §14) keyed by seller id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field

from robnu.sandbox.flipkart import seeded
from robnu.sandbox.flipkart.app import FlipkartApi, parse_json, raw_body
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.testdata import ROUTES as TEST_DATA_ROUTES
from robnu.sandbox.flipkart.testdata import Handler
from robnu.sandbox.kit import CONTROL_PREFIX
from robnu.sandbox.seeded_errors import add_routes, plan_of


class OrdersIn(BaseModel):
    count: int = Field(default=10, ge=1, le=500_000)
    days: float = Field(default=30, gt=0)


class AdvanceIn(BaseModel):
    seconds: float = Field(default=0, ge=0)


class ConfigIn(BaseModel):
    pack_delay_seconds: float | None = Field(default=None, ge=0)
    legacy_processing_status: bool | None = None


def mount_control(app: FastAPI, api: FlipkartApi, sandbox: Any) -> None:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control (not part of the marketplace API)"])
    world = api.world

    def known(seller_id: str) -> str:
        if seller_id not in world.accounts:
            raise fail(404, f"Unknown account {seller_id}", "NOT_FOUND")
        return seller_id

    @router.post("/accounts", status_code=201)
    def create_account(request: Request, body: bytes = Depends(raw_body)) -> dict[str, Any]:
        overrides = parse_json(body) if body.strip() else {}
        if not isinstance(overrides, dict):
            raise fail(400, "Body must be a JSON object of overrides")
        try:
            created: dict[str, Any] = sandbox.create_account(**overrides)
        except ValueError as exc:
            raise fail(400, str(exc)) from None
        return created

    @router.post("/accounts/{seller_id}/orders")
    def generate(seller_id: str, body: OrdersIn) -> dict[str, Any]:
        order_ids = sandbox.generate_orders(known(seller_id), body.count, days=body.days)
        return {"created": len(order_ids), "orderIds": order_ids[:100]}

    @router.post("/accounts/{seller_id}/revoke")
    def revoke(seller_id: str) -> dict[str, Any]:
        sandbox.revoke(known(seller_id))
        return {"revoked": True}

    @router.get("/accounts/{seller_id}/truth")
    def truth(seller_id: str) -> dict[str, Any]:
        result: dict[str, Any] = sandbox.truth(known(seller_id))
        return result

    @router.get("/accounts/{seller_id}/pushed")
    def pushed(seller_id: str) -> dict[str, Any]:
        result: dict[str, Any] = sandbox.pushed(known(seller_id))
        return result

    @router.post("/lifecycle/advance")
    def advance(body: AdvanceIn) -> dict[str, Any]:
        sandbox.advance(timedelta(seconds=body.seconds))
        return {"now": world.clock.now().isoformat()}

    @router.post("/config")
    def config(body: ConfigIn) -> dict[str, Any]:
        if body.pack_delay_seconds is not None:
            world.pack_delay = timedelta(seconds=body.pack_delay_seconds)
        if body.legacy_processing_status is not None:
            api.legacy_processing_status = body.legacy_processing_status
        return {
            "pack_delay_seconds": world.pack_delay.total_seconds(),
            "legacy_processing_status": api.legacy_processing_status,
        }

    @router.post("/shipments/{shipment_id}/form_failed")
    def form_failed(shipment_id: str) -> dict[str, Any]:
        """Arm FORM_FAILED for one shipment: its next pack ends FORM_FAILED instead of PACKED."""
        if shipment_id not in world.shipments:
            raise fail(404, f"Shipment {shipment_id} not found", "NOT_FOUND")
        api.form_fail_switch.add(shipment_id)
        return {"armed": shipment_id}

    def copy(handler: Handler) -> Callable[..., dict[str, Any]]:
        def run(seller_id: str, body: bytes = Depends(raw_body)) -> dict[str, Any]:
            with world.lock:
                world.tick(known(seller_id))
                return handler(world, seller_id, parse_json(body))

        return run

    for method, path, operation, handler in TEST_DATA_ROUTES:
        router.add_api_route(
            f"/accounts/{{seller_id}}/test-data{path}",
            copy(handler),
            methods=[method],
            operation_id=f"control_{operation}",
        )
    add_routes(  # seeded settlement errors (robnu.sandbox.seeded_errors)
        router,
        known=known,
        arm=lambda key, period, seed: seeded.arm(world, key, period, seed),
        disarm=lambda key: seeded.disarm(world, key),
        truth=lambda key: plan_of(world, key),
    )
    app.include_router(router)
