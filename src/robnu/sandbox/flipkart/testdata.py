"""Flipkart's sandbox test-data APIs, shared by the marketplace paths and the control plane.

Each takes the account key and the JSON body and answers ``{"response": "..."}`` like Flipkart's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import parse_iso
from robnu.sandbox.flipkart.model import (
    DELIVERED,
    PICKUP_COMPLETE,
    READY_TO_DISPATCH,
    RETURN_REQUESTED,
    SHIPPED,
    Shipment,
)
from robnu.sandbox.flipkart.world import World

Handler = Callable[[World, str, Any], dict[str, Any]]


def _item_shipment(world: World, key: str, body: Any) -> Shipment:
    item_id = str(body.get("orderItemId", "")) if isinstance(body, dict) else ""
    found = world.order_items.get(item_id)
    if found is None or world.shipments[found[0]].account_key != key:
        raise fail(404, f"Order item {item_id} not found", "NOT_FOUND")
    return world.shipments[found[0]]


def test_orders(world: World, key: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("orderItems"), list) or not body["orderItems"]:
        raise fail(400, "orderItems is required")
    account = world.account(key)
    by_listing = {lst.listing_id: lst for lst in account.listings.values()}
    lines = []
    for entry in body["orderItems"]:
        listing = by_listing.get(str(entry.get("listingId", "")))
        if listing is None:
            raise fail(400, f"Unknown listingId {entry.get('listingId')}")
        qty = int(entry.get("quantity") or 1)
        if qty < 1:
            raise fail(400, "quantity must be at least 1")
        lines.append((listing, qty))
    if body.get("locationId") and body["locationId"] != account.location_id:
        raise fail(400, f"Unknown locationId {body['locationId']}")
    sh = world.create_test_order(key, lines, str(body.get("shipmentType") or "NORMAL"))
    return {
        "orderId": sh.order_id,
        "orderItems": [
            {"orderItemId": i.order_item_id, "listingId": i.listing.listing_id, "quantity": i.quantity}
            for i in sh.items
        ],
    }


def _hold(value: bool) -> Handler:
    def handler(world: World, key: str, body: Any) -> dict[str, Any]:
        sh = _item_shipment(world, key, body)
        sh.hold = value
        world.touch(sh)
        return {"response": "SUCCESS"}

    return handler


def _force(status: str, required: tuple[str, ...]) -> Handler:
    def handler(world: World, key: str, body: Any) -> dict[str, Any]:
        sh = _item_shipment(world, key, body)
        if sh.status not in required:
            raise fail(400, f"Order item is {sh.status}; expected one of {', '.join(required)}", "INVALID_ITEM_STATE")
        sh.forced[status] = world.clock.now()
        world.changed(sh)
        return {"response": "SUCCESS"}

    return handler


def update_dispatch_slot(world: World, key: str, body: Any) -> dict[str, Any]:
    # modelled: the published body re-uses the test-order schema; we take orderItemId + the new dates
    sh = _item_shipment(world, key, body)
    try:
        if body.get("dispatchByDate"):
            sh.dispatch_by = parse_iso(str(body["dispatchByDate"]))
        if body.get("dispatchAfterDate"):
            sh.dispatch_after = parse_iso(str(body["dispatchAfterDate"]))
    except ValueError:
        raise fail(400, "dispatch dates must be ISO 8601 with +05:30") from None
    world.touch(sh)
    return {"response": "SUCCESS"}


def create_returns(world: World, key: str, body: Any) -> dict[str, Any]:
    sh = _item_shipment(world, key, body)
    kind = str(body.get("returnType", ""))
    if kind not in ("courier", "customer"):
        raise fail(400, "returnType must be courier or customer")
    needed = (SHIPPED, PICKUP_COMPLETE) if kind == "courier" else (DELIVERED,)
    if sh.status not in needed:
        raise fail(400, f"Order item is {sh.status}; a {kind} return needs {', '.join(needed)}", "INVALID_ITEM_STATE")
    sh.forced["ret:" + kind] = world.clock.now()
    if kind == "courier" and PICKUP_COMPLETE not in sh.forced and sh.status == PICKUP_COMPLETE:
        sh.forced[SHIPPED] = world.clock.now() - timedelta(microseconds=1)
    world.changed(sh)
    return {"response": "SUCCESS"}


_RETURN_EVENTS = {
    "RETURN_PICKED_UP": "ret:picked_up",
    "RETURN_COMPLETED": "ret:completed",
    "RETURN_CANCELLED": "ret:cancelled",
}


def return_events(world: World, key: str, body: Any) -> dict[str, Any]:
    sh = _item_shipment(world, key, body)
    event = _RETURN_EVENTS.get(str(body.get("eventType", "")))
    if event is None:
        raise fail(400, f"eventType must be one of {', '.join(_RETURN_EVENTS)}")
    if sh.status != RETURN_REQUESTED:
        raise fail(400, f"Order item is {sh.status}; no open return", "INVALID_ITEM_STATE")
    sh.forced[event] = world.clock.now()
    world.changed(sh)
    return {"response": "SUCCESS"}


# (method, published path under /sellers, operation name, handler)
ROUTES: list[tuple[str, str, str, Handler]] = [
    ("POST", "/orders/sandbox/test_orders", "createTestOrders", test_orders),
    ("POST", "/orders/sandbox/update_dispatch_slot", "changeDispatchSlots", update_dispatch_slot),
    ("PUT", "/orders/sandbox/on_hold", "putOrderOnHold", _hold(True)),
    ("PUT", "/orders/sandbox/un_hold", "makeOrderUnHold", _hold(False)),
    (
        "POST",
        "/orders/sandbox/pick_up_complete",
        "markOrderItemPickupComplete",
        _force(PICKUP_COMPLETE, (READY_TO_DISPATCH,)),
    ),
    (
        "POST",
        "/orders/sandbox/shipped",
        "markOrderItemShipped",
        _force(SHIPPED, (READY_TO_DISPATCH, PICKUP_COMPLETE)),
    ),
    ("POST", "/orders/sandbox/delivered", "markOrderItemDelivered", _force(DELIVERED, (SHIPPED,))),
    ("POST", "/returns/sandbox/create_returns", "createReturn", create_returns),
    ("POST", "/returns/sandbox/return_events", "processReturnEvents", return_events),
]
