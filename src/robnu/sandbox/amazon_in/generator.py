"""Seeded generation of Indian orders for one account.

Only what the lifecycle needs (ids, times, track, payment, fate) is drawn up front, with cheap
``random()`` draws, so 100k orders generate in seconds; buyer and items are drawn lazily from the
order's own seed (``orders.draw_details``) the first time they are read.
"""

from __future__ import annotations

import random
from bisect import insort
from dataclasses import replace

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.orders import DAY, HOUR, Fate, Order, Package, Track

# modelled rates: share of each track and of each fate.
AFN_SHARE, EASY_SHIP_SHARE = 0.15, 0.40  # the rest ships with the seller's own carrier
COD_SHARE = 0.45
AMAZON_CANCEL = 0.015
BUYER_CANCEL = 0.06
RTO_COD, RTO_PREPAID = 0.12, 0.03
CUSTOMER_RETURN = 0.08
LATE_DISPATCH = 0.05
CANCEL_REASONS = (
    "Order created by mistake",
    "Found a better price",
    "Delivery date too late",
    "Need to change shipping address",
    "No longer needed",
)
RETURN_REASONS = (
    "CR-UNWANTED_ITEM",
    "CR-DEFECTIVE",
    "CR-QUALITY_UNACCEPTABLE",
    "AMZ-PG-APP-TOO-SMALL",
    "AMZ-PG-APP-TOO-LARGE",
    "AMZ-PG-BAD-DESC",
    "CR-DAMAGED_BY_CARRIER",
)


def _between(r: float, low: int, high: int) -> int:
    return low + int(r * (high - low))


def draw_fate(rng: random.Random, track: Track, cod: bool) -> Fate:
    rnd = rng.random
    rto = track is not Track.AFN and rnd() < (RTO_COD if cod else RTO_PREPAID)
    handling = _between(rnd(), 4 * HOUR, 40 * HOUR)
    if track is Track.SELF_SHIP and rnd() < LATE_DISPATCH:
        handling = _between(rnd(), 50 * HOUR, 70 * HOUR)  # shipped after ship-by: penalised
    return Fate(
        pending_s=_between(rnd(), 5 * 60, (30 if cod else 90) * 60),
        schedule_s=_between(rnd(), HOUR, 3 * HOUR),
        handling_s=handling,
        transit_s=_between(rnd(), 30 * HOUR, 100 * HOUR),
        last_mile_s=_between(rnd(), 2 * HOUR, 30 * HOUR),
        rto_s=_between(rnd(), 3 * DAY, 7 * DAY),
        rto=rto,
        amazon_cancel=rnd() < AMAZON_CANCEL,
        buyer_cancel_s=_between(rnd(), HOUR, 20 * HOUR) if rnd() < BUYER_CANCEL else None,
        cancel_reason=CANCEL_REASONS[int(rnd() * len(CANCEL_REASONS))],
        return_after_s=_between(rnd(), DAY, 7 * DAY) if (not rto and rnd() < CUSTOMER_RETURN) else None,
        return_close_s=_between(rnd(), 3 * DAY, 6 * DAY),
        return_reason=RETURN_REASONS[int(rnd() * len(RETURN_REASONS))],
        return_pick=rnd(),
    )


def new_order_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        # 3-7-7 digits; amazon.in ids conventionally start 40x.
        oid = f"40{2 + int(rng.random() * 7)}-{int(rng.random() * 1e7):07d}-{int(rng.random() * 1e7):07d}"
        if oid not in taken:
            taken.add(oid)
            return oid


def make_order(
    account: Account,
    rng: random.Random,
    created_s: int,
    now_s: int,
    taken: set[str],
    track_override: Track | None = None,
) -> Order:
    oid = new_order_id(rng, taken)
    r = rng.random()
    track = Track.AFN if r < AFN_SHARE else Track.EASY_SHIP if r < AFN_SHARE + EASY_SHIP_SHARE else Track.SELF_SHIP
    track = track_override or track
    cod = rng.random() < COD_SHARE
    fate = draw_fate(rng, track, cod)
    if track_override is not None:
        # Sandbox control for processing tests: a forced track gets a steady fate (nobody cancels, no
        # RTO, no return, the seller ships on time), so a test controls every change itself.
        fate = replace(
            fate,
            amazon_cancel=False,
            buyer_cancel_s=None,
            rto=False,
            return_after_s=None,
            handling_s=min(fate.handling_s, 40 * HOUR),
        )
    order = Order(
        order_id=oid,
        account=account.key,
        created_s=created_s,
        track=track,
        cod=cod,
        fate=fate,
        seed=rng.getrandbits(64),
        catalog=account.catalog,
        ship_state=account.ship_from.state_code,
    )
    if track is Track.SELF_SHIP:
        ship_s = order.unshipped_s + order.fate.handling_s
        # History: the seller already shipped what was due before now (not recorded as pushed).
        if ship_s <= now_s:
            order.shipped_s = ship_s
    order.plan()
    return order


def ensure_packages(order: Order) -> None:
    """Packages of Easy Ship and historic self-ship orders, drawn from the order seed on first use."""
    if order.packages or (order.shipped_s is None and order.track is not Track.EASY_SHIP):
        return
    rng = random.Random(order.seed ^ 0x5EED)
    items = [(line.order_item_id, line.quantity) for line in order.lines]
    if order.track is Track.EASY_SHIP:
        order.packages.append(
            Package(
                reference_id=f"{rng.randrange(10**8, 10**9)}",
                carrier_code="ATS",
                carrier_name="Amazon Transportation Services",
                tracking_number=f"IN{rng.randrange(10**9, 10**10)}",
                ship_s=order.unshipped_s + order.fate.handling_s,
                items=items,
            )
        )
    elif order.shipped_s is not None:
        for line in order.lines:
            line.shipped = line.quantity
        order.packages.append(
            Package(
                reference_id=f"{rng.randrange(10**8, 10**9)}",
                carrier_code="Delhivery",
                carrier_name="Delhivery",
                tracking_number=f"{rng.randrange(10**12, 10**13)}",
                ship_s=order.shipped_s,
                items=items,
            )
        )


def generate(account: Account, count: int, now_s: int, days: float, track: Track | None = None) -> list[Order]:
    """``count`` orders created uniformly over the last ``days`` days (all in the past); ``track``
    forces the fulfilment track (and a steady fate, see ``make_order``)."""
    rng = account.rng
    span = max(2, int(days * DAY))
    taken = set(account.orders)
    made: list[Order] = []
    bulk = count > 50
    times = sorted(now_s - 1 - int(rng.random() * (span - 1)) for _ in range(count))
    for created_s in times:
        order = make_order(account, rng, created_s, now_s, taken, track)
        account.orders[order.order_id] = order
        made.append(order)
        if bulk:
            account.by_created.append((created_s, order.order_id))
        else:
            insort(account.by_created, (created_s, order.order_id))
        account.index_order(order, bulk=bulk)
    if bulk:
        account.sort_indexes(created=bool(account.by_created) and len(account.by_created) > count)
    return made
