"""AJIO's own control routes under ``/_sandbox`` (sandbox-only paths): customer cancellations, courier pickups
and dispute decisions. Accounts, orders, truth and the clock are the kit's (``sandbox/control.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from robnu.sandbox.ajio import actions
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.world import AjioWorld
from robnu.sandbox.kit import CONTROL_PREFIX


def control_routes(world: AjioWorld) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["AJIO sandbox control (not part of the marketplace API)"])

    def book_of(pob: str) -> Book:
        if pob not in world.books:
            fail(404, "NOT_FOUND", f"no account {pob}")
        return world.book(pob)

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

    return router
