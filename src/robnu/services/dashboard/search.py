"""Global search over one seller's order ids, AWBs, return ids and payout ids (exact or prefix)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplacePayout, Order, OrderReturn, Shipment

PER_KIND = 8


@dataclass(frozen=True)
class Hit:
    kind: str  # order, shipment, return, payout
    label: str
    href: str


def search(s: Session, seller_id: int, term: str) -> list[Hit]:
    term = term.strip()
    if len(term) < 2:
        return []
    term = term[:100]
    hits = [
        Hit("order", f"Order {ext}", f"/orders/{oid}")
        for oid, ext in s.execute(
            select(Order.id, Order.external_id)
            .where(Order.seller_id == seller_id, Order.external_id.startswith(term, autoescape=True))
            .order_by(Order.external_id)
            .limit(PER_KIND)
        ).all()
    ]
    hits += [
        Hit("shipment", f"AWB {awb}", f"/orders/{oid}")
        for oid, awb in s.execute(
            select(Shipment.order_id, Shipment.awb)
            .where(Shipment.seller_id == seller_id, Shipment.awb.startswith(term, autoescape=True))
            .order_by(Shipment.awb)
            .limit(PER_KIND)
        ).all()
    ]
    hits += [
        Hit("return", f"Return {ext} ({kind})", f"/returns?q={ext}")
        for ext, kind in s.execute(
            select(OrderReturn.external_id, OrderReturn.kind)
            .where(
                OrderReturn.seller_id == seller_id,
                (OrderReturn.external_id.startswith(term, autoescape=True))
                | (OrderReturn.return_awb.startswith(term, autoescape=True)),
            )
            .order_by(OrderReturn.external_id)
            .limit(PER_KIND)
        ).all()
    ]
    hits += [
        Hit("payout", f"Payout {ext}", f"/payouts/{pid}")
        for pid, ext in s.execute(
            select(MarketplacePayout.id, MarketplacePayout.external_id)
            .where(
                MarketplacePayout.seller_id == seller_id,
                MarketplacePayout.external_id.startswith(term, autoescape=True),
            )
            .order_by(MarketplacePayout.external_id)
            .limit(PER_KIND)
        ).all()
    ]
    return hits
