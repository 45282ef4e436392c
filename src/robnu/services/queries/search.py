"""One search box over the seller's orders, shipments, returns and payouts by any id a marketplace or courier
gave them: an order id, a shipment id or AWB, a return id or either leg's AWB, a settlement id. Matches are
exact (a scanned or pasted id), as typed or upper-cased; each lookup is an index probe led by ``seller_id``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from robnu.db.claims_models import ReturnAwb
from robnu.db.models import MarketplacePayout, Order, OrderReturn, Shipment
from robnu.domain.errors import InvalidInput
from robnu.services.queries.common import AccountRef, Dto, seller_accounts

MAX_QUERY = 100
PER_KIND = 20


class SearchHit(Dto):
    kind: str  # ORDER, SHIPMENT, RETURN, PAYOUT
    id: int
    external_id: str
    matched_on: str  # which field held the text
    account: AccountRef
    status: str
    order_id: int | None  # the order a shipment or return belongs to


def _codes(q: str) -> list[str]:
    text = q.strip()
    if not text:
        raise InvalidInput("q", "must not be empty")
    if len(text) > MAX_QUERY:
        raise InvalidInput("q", f"must be at most {MAX_QUERY} characters")
    return sorted({text, text.upper()})


def search(s: Session, seller_id: int, q: str) -> list[SearchHit]:
    """Everything of the seller's that carries ``q`` as an id or AWB: orders, shipments, returns, payouts."""
    codes = _codes(q)
    accounts = seller_accounts(s, seller_id)
    hits: dict[tuple[str, int], SearchHit] = {}

    def probe(kind: str, model: Any, field: InstrumentedAttribute[Any], order_of: Any) -> None:
        rows = s.execute(
            select(model).where(model.seller_id == seller_id, field.in_(codes)).order_by(model.id).limit(PER_KIND)
        ).scalars()
        for row in rows:
            hits.setdefault(
                (kind, row.id),
                SearchHit(
                    kind=kind,
                    id=row.id,
                    external_id=row.external_id,
                    matched_on=field.key,
                    account=accounts[row.marketplace_account_id],
                    status=row.status,
                    order_id=order_of(row),
                ),
            )

    probe("ORDER", Order, Order.external_id, lambda o: o.id)
    probe("SHIPMENT", Shipment, Shipment.awb, lambda sh: sh.order_id)
    probe("SHIPMENT", Shipment, Shipment.external_id, lambda sh: sh.order_id)
    probe("RETURN", OrderReturn, OrderReturn.external_id, lambda r: r.order_id)
    probe("RETURN", OrderReturn, OrderReturn.return_awb, lambda r: r.order_id)
    probe("PAYOUT", MarketplacePayout, MarketplacePayout.external_id, lambda p: None)
    leg_returns = s.execute(
        select(OrderReturn, ReturnAwb.leg)
        .join(ReturnAwb, (ReturnAwb.return_id == OrderReturn.id) & (ReturnAwb.seller_id == seller_id))
        .where(OrderReturn.seller_id == seller_id, ReturnAwb.awb.in_(codes))
        .order_by(OrderReturn.id)
        .limit(PER_KIND)
    ).all()
    for ret, leg in leg_returns:
        hits.setdefault(
            ("RETURN", ret.id),
            SearchHit(
                kind="RETURN",
                id=ret.id,
                external_id=ret.external_id,
                matched_on=f"{leg.lower()}_awb",
                account=accounts[ret.marketplace_account_id],
                status=ret.status,
                order_id=ret.order_id,
            ),
        )
    order = {"ORDER": 0, "SHIPMENT": 1, "RETURN": 2, "PAYOUT": 3}
    return sorted(hits.values(), key=lambda h: (order[h.kind], h.id))
