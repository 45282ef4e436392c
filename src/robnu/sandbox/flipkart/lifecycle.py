"""A shipment's timeline: (time, status) events computed from its seeded plan and the seller's actions.

The current status is the last event at or before the sandbox clock. Flipkart has no acceptance step:
an order waits in APPROVED until the seller packs it (``POST /v3/shipments/labels``),
packing completes after the configurable delay, then waits in PACKED until the seller marks it
ready to dispatch; from READY_TO_DISPATCH on, the courier moves it by itself.

Return events ("ret:created", "ret:picked_up", "ret:completed", "ret:cancelled") share the timeline;
the order item shows RETURN_REQUESTED from the first and RETURNED from "ret:completed".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from robnu.sandbox.flipkart.model import (
    APPROVED,
    CANCELLED,
    COMPLETED,
    DELIVERED,
    FORM_FAILED,
    PACKED,
    PACKING_IN_PROGRESS,
    PICKUP_COMPLETE,
    READY_TO_DISPATCH,
    RETURN_REQUESTED,
    RETURNED,
    SHIPPED,
    Shipment,
)

# modelled: Flipkart cancels an order not ready to dispatch 48 h after its dispatchByDate.
AUTO_CANCEL_AFTER = timedelta(hours=48)
# modelled: the customer-return window; a delivered item without a return is COMPLETED after it.
RETURN_WINDOW = timedelta(days=10)
RETURN_PICKUP_AFTER = timedelta(hours=24)
RETURN_COMPLETE_AFTER = timedelta(hours=72)
RTO_COMPLETE_AFTER = timedelta(hours=96)

Event = tuple[datetime, str]


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def timeline(sh: Shipment, pack_delay: timedelta) -> tuple[list[Event], str | None]:
    """All events of ``sh`` (past and scheduled) and the cancellation type if it ends cancelled."""
    p = sh.plan
    events: list[Event] = [(sh.order_date, APPROVED)]
    shipped: datetime | None = None
    if sh.packed_at is not None:
        events.append((sh.packed_at, PACKING_IN_PROGRESS))
        done = sh.packed_at + pack_delay
        if sh.form_failed:
            events.append((done, FORM_FAILED))
            if sh.ack_at is not None:
                events.append((max(sh.ack_at, done), PACKED))
        else:
            events.append((done, PACKED))
    if sh.rtd_at is not None:
        rtd = sh.rtd_at
        events.append((rtd, READY_TO_DISPATCH))
        shipped = sh.forced.get(SHIPPED) or rtd + _h(p.pickup_hours + p.ship_hours)
        pickup = min(sh.forced.get(PICKUP_COMPLETE) or rtd + _h(p.pickup_hours), shipped)
        events.append((pickup, PICKUP_COMPLETE))
        events.append((shipped, SHIPPED))
        events.extend(_after_shipping(sh, shipped))
    cancel_type: str | None = None
    candidates: list[tuple[datetime, str]] = []
    if p.buyer_cancel_hours is not None:
        candidates.append((sh.order_date + _h(p.buyer_cancel_hours), "buyerCancellation"))
    auto = sh.dispatch_by + AUTO_CANCEL_AFTER
    if sh.rtd_at is None or sh.rtd_at > auto:
        candidates.append((auto, "marketplaceCancellation"))
    if sh.seller_cancel_at is not None:
        candidates.append((sh.seller_cancel_at, "sellerCancellation"))
    if candidates:
        at, kind = min(candidates)
        if shipped is None or at < shipped:
            events = [e for e in events if e[0] < at] + [(at, CANCELLED)]
            cancel_type = kind
    events.sort(key=lambda e: e[0])
    return events, cancel_type


def _after_shipping(sh: Shipment, shipped: datetime) -> list[Event]:
    p = sh.plan
    forced_courier = sh.forced.get("ret:courier")
    forced_customer = sh.forced.get("ret:customer")
    delivered = sh.forced.get(DELIVERED)
    out: list[Event] = []
    rto_at: datetime | None = forced_courier
    if rto_at is None and p.outcome == "rto" and delivered is None:
        rto_at = shipped + _h(p.return_after_hours)
    if rto_at is not None:
        out.append((rto_at, "ret:created"))
        out.extend(_return_tail(sh, rto_at, RTO_COMPLETE_AFTER))
        return out
    delivered = delivered or shipped + _h(p.deliver_hours)
    out.append((delivered, DELIVERED))
    ret_at = forced_customer
    if ret_at is None and p.outcome == "return":
        ret_at = delivered + _h(p.return_after_hours)
    if ret_at is not None:
        out.append((ret_at, "ret:created"))
        out.extend(_return_tail(sh, ret_at, RETURN_COMPLETE_AFTER))
    else:
        out.append((delivered + RETURN_WINDOW, COMPLETED))
    return out


def _return_tail(sh: Shipment, created: datetime, complete_after: timedelta) -> list[Event]:
    cancelled = sh.forced.get("ret:cancelled")
    picked = sh.forced.get("ret:picked_up") or created + RETURN_PICKUP_AFTER
    completed = sh.forced.get("ret:completed") or created + complete_after
    picked = min(picked, completed)
    tail: list[Event] = [(picked, "ret:picked_up"), (completed, "ret:completed")]
    if cancelled is not None and cancelled < completed:
        return [e for e in tail if e[0] < cancelled] + [(cancelled, "ret:cancelled")]
    return tail


def item_status(tag: str, prev: str) -> str:
    """The order item status a timeline tag shows; a cancelled return puts the item back to DELIVERED."""
    if tag in ("ret:created", "ret:picked_up"):
        return RETURN_REQUESTED
    if tag == "ret:completed":
        return RETURNED
    if tag == "ret:cancelled":
        return DELIVERED if prev != SHIPPED else SHIPPED
    return tag
