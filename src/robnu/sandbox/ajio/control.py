"""AJIO control API under ``/_sandbox`` (sandbox-only paths; ajio.md §13 control plane)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Body

from robnu.sandbox.ajio import actions, seeded
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.world import AjioWorld
from robnu.sandbox.kit import CONTROL_PREFIX
from robnu.sandbox.seeded_errors import add_routes, plan_of


def control_routes(world: AjioWorld) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["AJIO sandbox control (not part of the marketplace API)"])

    def book_of(pob: str) -> Book:
        if pob not in world.books:
            fail(404, "NOT_FOUND", f"no account {pob}")
        return world.book(pob)

    @router.post("/accounts", status_code=201)
    def create_account(body: Any = Body(None)) -> dict[str, Any]:
        return world.create_account(**(body if isinstance(body, dict) else {}))

    @router.post("/accounts/{pob}/orders")
    def generate(pob: str, body: Any = Body(None)) -> dict[str, Any]:
        book_of(pob)
        data = body if isinstance(body, dict) else {}
        ids = world.generate_orders(pob, int(data.get("count", 10)), days=int(data.get("days", 30)))
        return {"order_ids": ids}

    @router.post("/accounts/{pob}/revoke")
    def revoke(pob: str) -> dict[str, Any]:
        book_of(pob)
        world.revoke(pob)
        return {"revoked": True}

    @router.get("/accounts/{pob}/truth")
    def truth(pob: str) -> dict[str, Any]:
        book_of(pob)
        return world.truth(pob)

    @router.get("/accounts/{pob}/pushed")
    def pushed(pob: str) -> dict[str, Any]:
        book_of(pob)
        return world.pushed(pob)

    @router.post("/lifecycle/advance")
    def advance(body: Any = Body(None)) -> dict[str, Any]:
        """The lifecycle is clock-driven: advancing it moves the shared sandbox clock."""
        seconds = float((body or {}).get("seconds", 3600)) if isinstance(body, dict) else 3600.0
        world.clock.advance(timedelta(seconds=seconds))
        return {"now": world.clock.now().isoformat()}

    @router.post("/accounts/{pob}/orders/{order_id}/customer-cancel")
    def customer_cancel(pob: str, order_id: str) -> dict[str, Any]:
        book = book_of(pob)
        order = book.by_id.get(order_id)
        if order is None or not world.customer_cancel(book, order):
            fail(409, "CONFLICT", f"order {order_id} is not in pendency")
        return {"order_id": order_id, "status": "CANCELLED"}

    @router.post("/accounts/{pob}/manifests/{manifest_id}/pickup")
    def pickup(pob: str, manifest_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = book_of(pob)
        man = book.manifests.get(manifest_id)
        if man is None or man.cancelled_at is not None:
            fail(404, "NOT_FOUND", f"manifest {manifest_id} not found")
        missing = (body or {}).get("missing_shipment_ids", []) if isinstance(body, dict) else []
        actions.pickup(world, book, man, [str(m) for m in missing], world.now())
        return {"manifest_id": manifest_id, "picked_up": list(man.picked_up), "missing": list(man.missing)}

    @router.post("/accounts/{pob}/returns/{return_id}/dispute")
    def dispute(pob: str, return_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = book_of(pob)
        ret = book.returns_by_id.get(return_id)
        decision = (body or {}).get("decision") if isinstance(body, dict) else None
        if decision not in ("ACCEPTED", "REJECTED"):
            fail(400, "VALIDATION_ERROR", "decision must be ACCEPTED or REJECTED")
        if ret is None or not actions.decide_dispute(world, book, ret, decision, world.now()):
            fail(409, "CONFLICT", f"return {return_id} has no open dispute")
        return {"return_id": return_id, "dispute": decision}

    add_routes(  # seeded settlement errors (robnu.sandbox.seeded_errors)
        router,
        known=book_of,
        arm=lambda pob, period, seed: seeded.arm(world, pob, period, seed),
        disarm=lambda pob: seeded.disarm(world, pob),
        truth=lambda pob: plan_of(world, pob),
    )
    return router
