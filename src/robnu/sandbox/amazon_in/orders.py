"""One order and its lifecycle: a precomputed, deterministic timeline of (epoch second, stage) events.

The current state is the last event at or before the sandbox clock. Seller actions (confirmShipment)
re-plan the rest of the timeline from the action time; the order's ``version`` then moves on, so the
account indexes can tell stale entries from live ones.

modelled: Amazon's lifecycle for India, per fulfilment track
* AFN (FBA): PENDING -> UNSHIPPED -> SHIPPED -> out for delivery -> DELIVERED, Amazon does everything.
* EASY_SHIP (MFN, program AMAZON_EASY_SHIP): PENDING -> UNSHIPPED (PENDING_SCHEDULE) -> UNSHIPPED
  (PENDING_PICK_UP, Amazon schedules the pickup) -> SHIPPED (PICKED_UP) -> ... Amazon's carrier drives it.
* SELF_SHIP (MFN, seller's own carrier): PENDING -> UNSHIPPED, then waits for the seller's v0
  confirmShipment (PARTIALLY_SHIPPED while only some units are confirmed). Not shipped by the
  ship-by date + 3 days -> CANCELLED by AMAZON.
After shipping: OUT_FOR_DELIVERY -> DELIVERED, or RTO: RETURNING_TO_SELLER -> RETURNED_TO_SELLER.
Customer returns do not change the order (Amazon keeps it SHIPPED); they appear in the returns report.
"""

from __future__ import annotations

import random
import string
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from robnu.sandbox.amazon_in.catalog import Sku, gst_rate
from robnu.sandbox.people import Person, random_person

HOUR = 3600
DAY = 24 * HOUR
AUTO_CANCEL_GRACE = 3 * DAY  # modelled: unshipped self-ship orders are cancelled 3 days after ship-by


class Stage(StrEnum):
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PENDING_PICK_UP = "PENDING_PICK_UP"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    RETURNING_TO_SELLER = "RETURNING_TO_SELLER"
    RETURNED_TO_SELLER = "RETURNED_TO_SELLER"
    CANCELLED = "CANCELLED"


class Track(StrEnum):
    AFN = "AFN"
    EASY_SHIP = "EASY_SHIP"
    SELF_SHIP = "SELF_SHIP"


# Plain module constants: enum attribute lookups are slow in the hot planning loop.
_PENDING, _UNSHIPPED, _PENDING_PICK_UP = Stage.PENDING, Stage.UNSHIPPED, Stage.PENDING_PICK_UP
_PARTIALLY_SHIPPED, _SHIPPED, _OUT_FOR_DELIVERY = Stage.PARTIALLY_SHIPPED, Stage.SHIPPED, Stage.OUT_FOR_DELIVERY
_DELIVERED, _RETURNING_TO_SELLER = Stage.DELIVERED, Stage.RETURNING_TO_SELLER
_RETURNED_TO_SELLER, _CANCELLED = Stage.RETURNED_TO_SELLER, Stage.CANCELLED
_SELF_SHIP, _EASY_SHIP = Track.SELF_SHIP, Track.EASY_SHIP


# 2026-01-01 fulfillment.fulfillmentStatus and v0 OrderStatus for each stage (Amazon's v0 to 2026-01-01 mapping).
FULFILLMENT_STATUS: dict[Stage, str] = {
    Stage.PENDING: "PENDING",
    Stage.UNSHIPPED: "UNSHIPPED",
    Stage.PENDING_PICK_UP: "UNSHIPPED",
    Stage.PARTIALLY_SHIPPED: "PARTIALLY_SHIPPED",
    Stage.SHIPPED: "SHIPPED",
    Stage.OUT_FOR_DELIVERY: "SHIPPED",
    Stage.DELIVERED: "SHIPPED",
    Stage.RETURNING_TO_SELLER: "SHIPPED",
    Stage.RETURNED_TO_SELLER: "SHIPPED",
    Stage.CANCELLED: "CANCELLED",
}
V0_STATUS: dict[str, str] = {
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
}
# Package status and Easy Ship milestone (2026 packageStatus; v0 EasyShipShipmentStatus is the
# PascalCase twin).
PACKAGE_STATUS: dict[Stage, tuple[str, str]] = {
    Stage.PENDING_PICK_UP: ("PENDING", "PENDING_PICK_UP"),
    Stage.PARTIALLY_SHIPPED: ("IN_TRANSIT", "PICKED_UP"),
    Stage.SHIPPED: ("IN_TRANSIT", "PICKED_UP"),
    Stage.OUT_FOR_DELIVERY: ("IN_TRANSIT", "OUT_FOR_DELIVERY"),
    Stage.DELIVERED: ("DELIVERED", "DELIVERED"),
    Stage.RETURNING_TO_SELLER: ("UNDELIVERABLE", "RETURNING_TO_SELLER"),
    Stage.RETURNED_TO_SELLER: ("UNDELIVERABLE", "RETURNED_TO_SELLER"),
}
V0_EASY_SHIP: dict[str, str] = {
    "PENDING_SCHEDULE": "PendingSchedule",
    "PENDING_PICK_UP": "PendingPickUp",
    "PICKED_UP": "PickedUp",
    "OUT_FOR_DELIVERY": "OutForDelivery",
    "DELIVERED": "Delivered",
    "RETURNING_TO_SELLER": "ReturningToSeller",
    "RETURNED_TO_SELLER": "ReturnedToSeller",
}


@dataclass(slots=True)
class Fate:
    """Everything random about an order's future, drawn once at generation."""

    pending_s: int
    schedule_s: int
    handling_s: int
    transit_s: int
    last_mile_s: int
    rto_s: int
    rto: bool
    amazon_cancel: bool
    buyer_cancel_s: int | None
    cancel_reason: str
    return_after_s: int | None
    return_close_s: int
    return_reason: str
    return_pick: float  # which line the customer returns, as a fraction of the line count


@dataclass(slots=True)
class Line:
    order_item_id: str
    sku: Sku
    quantity: int
    gst_rate: int  # percent
    shipped: int = 0

    @property
    def total(self) -> Decimal:
        return self.sku.price * self.quantity

    @property
    def total_paise(self) -> int:
        return self.sku.price_paise * self.quantity


_ALNUM = string.ascii_letters + string.digits


@dataclass(slots=True)
class Details:
    """What an order says about its buyer and items: drawn lazily from the order's own seed."""

    buyer: Person
    buyer_email: str
    lines: list[Line]
    prime: bool
    rma_id: str
    return_awb: str


def draw_details(seed: int, catalog: list[Sku], created_s: int, afn: bool) -> Details:
    rng = random.Random(seed)
    n_lines = 1 if rng.random() < 0.8 else rng.randrange(2, 4)
    lines: list[Line] = []
    for sku in rng.sample(catalog, n_lines):
        qty = 1 if rng.random() < 0.85 else rng.randrange(2, 4)
        item_id = f"{rng.randrange(10**13, 10**14)}"  # 14 digits
        lines.append(Line(item_id, sku, qty, gst_rate(sku.category, sku.price, created_s)))
    return Details(
        buyer=random_person(rng),
        buyer_email="".join(rng.choices(string.digits + string.ascii_lowercase, k=16)) + "@marketplace.amazon.in",
        lines=lines,
        prime=afn or rng.random() < 0.3,
        rma_id="D" + "".join(rng.choices(_ALNUM, k=9)) + "RRMA",  # modelled RMA id shape
        return_awb=f"{rng.randrange(10**12, 10**13)}",  # Delhivery-style 13 digits
    )


@dataclass(slots=True)
class Package:
    reference_id: str
    carrier_code: str
    carrier_name: str
    tracking_number: str
    ship_s: int
    items: list[tuple[str, int]]
    shipping_method: str = "Standard"


@dataclass(slots=True)
class Order:
    order_id: str
    account: str
    created_s: int
    track: Track
    cod: bool
    fate: Fate
    seed: int
    catalog: list[Sku]
    ship_state: str
    _details: Details | None = None
    timeline: list[tuple[int, Stage]] = field(default_factory=list)
    version: int = 0
    shipped_s: int | None = None  # all units shipped (self-ship: by the seller)
    partial_s: int | None = None  # first partial confirmShipment
    packages: list[Package] = field(default_factory=list)
    cancelled_by: str = ""
    cancel_reason: str = ""
    ship_at: int | None = None  # set by plan(): when the order (fully) shipped
    delivered_at: int | None = None
    returned_at: int | None = None  # RTO back at the seller

    # -- lazily drawn details --
    @property
    def details(self) -> Details:
        if self._details is None:
            self._details = draw_details(self.seed, self.catalog, self.created_s, self.track is Track.AFN)
        return self._details

    @property
    def lines(self) -> list[Line]:
        return self.details.lines

    @property
    def buyer(self) -> Person:
        return self.details.buyer

    @property
    def intra_state(self) -> bool:
        return self.details.buyer.place.state_code == self.ship_state

    @property
    def return_line(self) -> Line:
        lines = self.details.lines
        return lines[min(len(lines) - 1, int(self.fate.return_pick * len(lines)))]

    # -- SLA windows (the SLA clock is shipByWindow.latestDateTime) --
    @property
    def unshipped_s(self) -> int:
        return self.created_s + self.fate.pending_s

    @property
    def ship_by_s(self) -> tuple[int, int]:
        start = self.unshipped_s
        return start, start + 2 * DAY  # modelled: two days' handling time

    @property
    def deliver_by_s(self) -> tuple[int, int]:
        _, latest_ship = self.ship_by_s
        return latest_ship + DAY, latest_ship + 6 * DAY

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    # -- state at a moment --
    def _index(self, now_s: int) -> int:
        return bisect_right(self.timeline, now_s, key=lambda event: event[0]) - 1

    def stage(self, now_s: int) -> Stage:
        i = self._index(now_s)
        return self.timeline[max(i, 0)][1]

    def last_updated(self, now_s: int) -> int:
        i = self._index(now_s)
        return self.timeline[max(i, 0)][0]

    def visible(self, now_s: int) -> bool:
        return self.created_s <= now_s

    def event_time(self, stage: Stage) -> int | None:
        for at, s in self.timeline:
            if s is stage:
                return at
        return None

    def return_times(self) -> tuple[int, int] | None:
        """(requested, closed) of the customer return, if this order gets one."""
        delivered = self.delivered_at
        if delivered is None or self.fate.return_after_s is None:
            return None
        requested = delivered + self.fate.return_after_s
        return requested, requested + self.fate.return_close_s

    # -- planning --
    def plan(self) -> None:
        """(Re)build the timeline from the fate and the seller's actions so far."""
        fate = self.fate
        track = self.track
        self.ship_at = self.delivered_at = self.returned_at = None
        events: list[tuple[int, Stage]] = [(self.created_s, _PENDING)]
        t = self.created_s + fate.pending_s
        self.cancelled_by = self.cancel_reason = ""
        if fate.amazon_cancel:
            events.append((t, _CANCELLED))
            self.cancelled_by, self.cancel_reason = "AMAZON", "Payment authorisation failed"
            self.timeline = events
            return
        events.append((t, _UNSHIPPED))
        ship_s = self.shipped_s if track is _SELF_SHIP else t + fate.handling_s
        if track is _EASY_SHIP:
            events.append((t + fate.schedule_s, _PENDING_PICK_UP))
        cancel_s = None if fate.buyer_cancel_s is None else t + fate.buyer_cancel_s
        first_ship = self.partial_s if self.partial_s is not None else ship_s
        if cancel_s is not None and (first_ship is None or cancel_s < first_ship):
            events = [e for e in events if e[0] < cancel_s]
            events.append((cancel_s, _CANCELLED))
            self.cancelled_by, self.cancel_reason = "BUYER", fate.cancel_reason
            self.timeline = events
            return
        if self.partial_s is not None:
            events.append((self.partial_s, _PARTIALLY_SHIPPED))
        if ship_s is None:
            if self.partial_s is None:
                events.append((t + 2 * DAY + AUTO_CANCEL_GRACE, _CANCELLED))
                self.cancelled_by, self.cancel_reason = "AMAZON", "Order not shipped by the ship-by date"
            self.timeline = events
            return
        events = [e for e in events if e[0] < ship_s]
        events.append((ship_s, _SHIPPED))
        self.ship_at = ship_s
        ofd = ship_s + fate.transit_s
        events.append((ofd, _OUT_FOR_DELIVERY))
        if fate.rto:
            events.append((ofd + fate.last_mile_s, _RETURNING_TO_SELLER))
            self.returned_at = ofd + fate.last_mile_s + fate.rto_s
            events.append((self.returned_at, _RETURNED_TO_SELLER))
        else:
            self.delivered_at = ofd + fate.last_mile_s
            events.append((self.delivered_at, _DELIVERED))
        self.timeline = events

    def touch(self, now_s: int) -> bool:
        """Record an update at ``now_s`` without changing the stage (CHANGE_BETWEEN_PAGES)."""
        i = self._index(now_s)
        if i < 0 or self.timeline[i][0] == now_s:
            return False
        self.timeline.insert(i + 1, (now_s, self.timeline[i][1]))
        return True

    def postings(self) -> list[tuple[int, str]]:
        """(posted epoch second, kind) of every financial transaction this timeline produces."""
        out: list[tuple[int, str]] = []
        shipped = self.ship_at
        if shipped is None:
            return out
        delivered = self.delivered_at
        returned = self.returned_at
        # modelled: prepaid settles at shipment, COD after delivery (cash is remitted later).
        if not self.cod:
            out.append((shipped + HOUR, "SHIP"))
        elif delivered is not None:
            out.append((delivered + HOUR, "SHIP"))
        if self.track is Track.SELF_SHIP and shipped > self.ship_by_s[1]:
            out.append((shipped + 2 * HOUR, "PENALTY"))
        if returned is not None:
            out.append((returned + HOUR, "RTO"))
        times = self.return_times()
        if times is not None:
            out.append((times[0] + 2 * DAY, "REFUND"))  # modelled: refund on reverse pickup
        return out
