"""Flipkart's control API under ``/_sandbox`` (sandbox-only paths, never marketplace paths).

The FORM_FAILED switch, the pack delay, and copies of Flipkart's sandbox test-data APIs keyed by seller id
(no token needed). Accounts, orders, truth and the clock are the kit's (``sandbox/control.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.plumbing import FlipkartApi, parse_json, raw_body
from robnu.sandbox.flipkart.testdata import ROUTES as TEST_DATA_ROUTES
from robnu.sandbox.flipkart.testdata import Handler
from robnu.sandbox.kit import CONTROL_PREFIX


class ConfigIn(BaseModel):
    pack_delay_seconds: float | None = Field(default=None, ge=0)
    legacy_processing_status: bool | None = None


def mount_control(app: FastAPI, api: FlipkartApi) -> None:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control (not part of the marketplace API)"])
    world = api.world

    def known(seller_id: str) -> str:
        if seller_id not in world.accounts:
            raise fail(404, f"Unknown account {seller_id}", "NOT_FOUND")
        return seller_id

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
    app.include_router(router)
