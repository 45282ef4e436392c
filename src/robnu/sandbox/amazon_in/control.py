"""Sandbox-only control routes of the Amazon sandbox, under /_sandbox/amazon (never marketplace paths)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from robnu.sandbox.amazon_in import seeded
from robnu.sandbox.amazon_in.timefmt import iso_z
from robnu.sandbox.amazon_in.world import AmazonWorld
from robnu.sandbox.seeded_errors import add_routes, plan_of


class AccountIn(BaseModel):
    overrides: dict[str, Any] = Field(default_factory=dict)


class OrdersIn(BaseModel):
    count: int = Field(ge=1, le=500_000)
    days: float = Field(default=30, gt=0)
    track: str | None = Field(default=None, pattern="^(AFN|EASY_SHIP|SELF_SHIP)$")


class AdvanceIn(BaseModel):
    seconds: float = Field(ge=0)


def control_router(world: AmazonWorld) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/amazon", tags=["sandbox control (not part of the marketplace API)"])

    def known(key: str) -> None:
        if key not in world.accounts:
            raise HTTPException(404, f"unknown account {key}")

    @router.post("/accounts", status_code=201)
    def create_account(body: AccountIn) -> dict[str, Any]:
        try:
            return world.create_account(**body.overrides)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None

    @router.post("/accounts/{key}/orders", status_code=201)
    def generate_orders(key: str, body: OrdersIn) -> dict[str, Any]:
        known(key)
        ids = world.generate_orders(key, body.count, days=body.days, track=body.track)
        return {"created": len(ids), "order_ids": ids[:1000]}

    @router.post("/accounts/{key}/revoke")
    def revoke(key: str) -> dict[str, Any]:
        known(key)
        world.revoke(key)
        return {"revoked": True}

    @router.get("/accounts/{key}/truth")
    def truth(key: str) -> dict[str, Any]:
        known(key)
        return world.truth(key)

    @router.get("/accounts/{key}/pushed")
    def pushed(key: str) -> dict[str, Any]:
        known(key)
        return world.pushed(key)

    @router.post("/lifecycle/advance")
    def advance(body: AdvanceIn) -> dict[str, Any]:
        """Move the shared clock on: orders follow their timelines (same as POST /_sandbox/clock)."""
        world.clock.advance(timedelta(seconds=body.seconds))
        return {"now": iso_z(world.clock.now())}

    add_routes(  # seeded settlement errors (robnu.sandbox.seeded_errors)
        router,
        known=known,
        arm=lambda key, period, seed: seeded.arm(world, world.account(key), period, seed),
        disarm=lambda key: seeded.disarm(world.account(key)),
        truth=lambda key: plan_of(world.account(key), key),
    )
    return router
