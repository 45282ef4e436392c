"""One search box over the seller's orders, shipments, returns and payouts by any id a marketplace or courier
gave them: an order id, a shipment id or AWB, a return id or either leg's AWB, a settlement id. Matches are
exact (a scanned or pasted id), as typed or upper-cased; each lookup is an index probe led by ``seller_id``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, literal, select, union_all
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnAwb
from robnu.db.models import MarketplacePayout, Order, OrderReturn, Shipment
from robnu.domain.errors import InvalidInput
from robnu.services.queries.common import CONTROL_CHARACTERS, AccountRef, Dto, seller_accounts

MAX_QUERY = 100
MAX_HITS = 100


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
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput("q", "must not contain control characters")
    if not text:
        raise InvalidInput("q", "must not be empty")
    if len(text) > MAX_QUERY:
        raise InvalidInput("q", f"must be at most {MAX_QUERY} characters")
    return sorted({text, text.upper()})


def search(s: Session, seller_id: int, q: str) -> list[SearchHit]:
    """Everything of the seller's that carries ``q`` as an id or AWB: orders, shipments, returns, payouts. One
    statement (a UNION ALL of index probes): a search costs one round trip, however many places it looks."""
    codes = _codes(q)
    accounts = seller_accounts(s, seller_id)

    def probe(kind: str, model: Any, field: Any, matched_on: str, order_id: Any, *joins: Any) -> Any:
        q = select(
            literal(kind).label("kind"),
            model.id.label("id"),
            model.external_id.label("external_id"),
            literal(matched_on).label("matched_on"),
            model.marketplace_account_id.label("account_id"),
            model.status.label("status"),
            order_id.label("order_id"),
        )
        for join in joins:
            q = q.join(*join)
        return q.where(model.seller_id == seller_id, field.in_(codes))

    no_order = literal(None, BigInteger)
    leg = (ReturnAwb, (ReturnAwb.return_id == OrderReturn.id) & (ReturnAwb.seller_id == seller_id))
    statement = union_all(
        probe("ORDER", Order, Order.external_id, "external_id", Order.id),
        probe("SHIPMENT", Shipment, Shipment.awb, "awb", Shipment.order_id),
        probe("SHIPMENT", Shipment, Shipment.external_id, "external_id", Shipment.order_id),
        probe("RETURN", OrderReturn, OrderReturn.external_id, "external_id", OrderReturn.order_id),
        probe("RETURN", OrderReturn, OrderReturn.return_awb, "return_awb", OrderReturn.order_id),
        probe("RETURN", OrderReturn, ReturnAwb.awb, "leg_awb", OrderReturn.order_id, leg),
        probe("PAYOUT", MarketplacePayout, MarketplacePayout.external_id, "external_id", no_order),
    ).limit(MAX_HITS)
    hits: dict[tuple[str, int], SearchHit] = {}
    for row in s.execute(statement):
        hits.setdefault(
            (row.kind, row.id),
            SearchHit(
                kind=row.kind,
                id=row.id,
                external_id=row.external_id,
                matched_on=row.matched_on,
                account=accounts[row.account_id],
                status=row.status,
                order_id=row.order_id,
            ),
        )
    order = {"ORDER": 0, "SHIPMENT": 1, "RETURN": 2, "PAYOUT": 3}
    return sorted(hits.values(), key=lambda h: (order[h.kind], h.id))
