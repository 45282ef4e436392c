"""Drawing new Flipkart shipments: items, buyer, payment and the plan of how each one's life goes.

Deterministic from the account's RNG. modelled throughout: the mix of single- and multi-item orders, COD
share, cancellation, RTO and return rates, reasons, timings and box sizes are plausible, not published.
"""

from __future__ import annotations

import random
from collections.abc import Container
from datetime import datetime, timedelta
from decimal import Decimal

from robnu.sandbox.flipkart import ids
from robnu.sandbox.flipkart.model import Account, Listing, OrderItem, Plan, Shipment
from robnu.sandbox.people import random_person

_RETURN_REASONS = (
    ("SIZE_ISSUE", "too_small"),
    ("QUALITY_ISSUE", "material_not_as_expected"),
    ("DAMAGED_PRODUCT", "torn_or_stained"),
    ("WRONG_PRODUCT", "different_colour"),
    ("NOT_REQUIRED", "ordered_by_mistake"),
)
_RTO_REASONS = (
    ("CUSTOMER_REFUSED", "cod_not_ready"),
    ("CUSTOMER_UNREACHABLE", "phone_switched_off"),
    ("ADDRESS_ISSUE", "incomplete_address"),
)


_ZERO = Decimal(0)
_FORTY = Decimal(40)
_BOXES = ((20.0, 15.0, 5.0), (25.0, 20.0, 8.0), (30.0, 20.0, 10.0), (20.0, 15.0, 8.0))


def draw_shipment(
    account: Account, at: datetime, rng: random.Random, lines: list[tuple[Listing, int]] | None, taken: Container[str]
) -> Shipment:
    """A new shipment of ``account`` ordered at ``at``: its items (``lines``, or drawn), buyer, payment and the
    plan of how its life will go. ``taken`` holds the order item ids already in use."""
    listings = list(account.listings.values())
    if lines is None:
        roll = rng.random()
        n_items = 1 if roll < 0.8 else (2 if roll < 0.95 else 3)
        start = int(rng.random() * len(listings))
        picked = [listings[(start + 7 * n) % len(listings)] for n in range(n_items)]
        lines = [(lst, 1 if rng.random() < 0.85 else 2 + int(rng.random() * 2)) for lst in picked]
    items: list[OrderItem] = []
    first_item = ""
    weight = 0.05
    for listing, qty in lines:
        item_id = ids.order_item_id(rng)
        while item_id in taken:
            item_id = ids.order_item_id(rng)
        first_item = first_item or item_id
        # modelled: Flipkart-funded shipping is free above Rs 499; otherwise Rs 40 per item
        shipping = _ZERO if listing.selling_price * qty >= 499 else _FORTY
        items.append(OrderItem(item_id, listing, qty, listing.selling_price, shipping))
        weight += float(listing.weight_kg) * qty
    order_id = ids.order_id(first_item, rng)
    person = random_person(rng)
    prepaid = rng.random() < 0.55  # modelled: COD is ~45 % of Flipkart orders for small sellers
    outcome_roll = rng.random()
    outcome = (
        "rto" if outcome_roll < (0.12 if not prepaid else 0.04) else ("return" if outcome_roll > 0.90 else "delivered")
    )
    reasons = _RTO_REASONS if outcome == "rto" else _RETURN_REASONS
    reason, sub_reason = reasons[int(rng.random() * len(reasons))]
    plan = Plan(
        buyer_cancel_hours=rng.uniform(0.2, 20.0) if rng.random() < 0.06 else None,
        pickup_hours=rng.uniform(2, 20),
        ship_hours=rng.uniform(1, 8),
        deliver_hours=rng.uniform(24, 120),
        outcome=outcome,
        return_after_hours=rng.uniform(24, 72) if outcome == "rto" else rng.uniform(24, 200),
        return_reason=reason,
        return_sub_reason=sub_reason,
        auto_seller=False,
        pack_after_hours=rng.uniform(0.5, 8),
        rtd_after_hours=rng.uniform(0.2, 6),
    )
    # dispatch SLA: after the order, by the next day or the one after (IST day granularity modelled)
    dispatch_by = at + timedelta(hours=(24, 36, 48)[int(rng.random() * 3)])
    sh = Shipment(
        shipment_id=ids.shipment_id(rng),
        order_id=order_id,
        account_key=account.key,
        location_id=account.location_id,
        order_date=at,
        dispatch_after=at,
        dispatch_by=dispatch_by,
        payment_type="PREPAID" if prepaid else "COD",
        items=items,
        buyer_name=person.name,
        buyer_phone=person.phone,
        address_line1=person.address_line1,
        place=person.place,
        awb=ids.awb(rng),
        return_awb=ids.awb(rng),
        plan=plan,
    )
    box = _BOXES[int(rng.random() * len(_BOXES))]
    sh.dims = (box[0], box[1], box[2], round(weight, 2))
    return sh
