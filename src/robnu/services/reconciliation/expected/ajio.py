"""AJIO's settlement statement (docs/reconciliation.md, "AJIO"): lines are grouped contractual (margin,
logistics), reclaimable tax (GST on fees, TCS, TDS) and event lines (penalties, return reversals).

* Delivered: per line, the sale, the margin (a rate with a minimum below a price), forward logistics, 18 % GST on
  those fees, TCS and TDS on the sale's taxable value; due in the cycle holding delivery + 7 days.
* RTO back at the seller: forward and return logistics per returned unit, with GST; the sale was never paid.
* Customer return, once QC'd: return logistics with GST; each unit that passed QC is debited at AJIO's buy price
  (selling price - margin) with TCS and TDS given back on its taxable value.
* Seller cancellation and SLA penalties, with GST, only when Robnu's records show the cancellation or the late
  handover; an SLA penalty on an order whose handover time Robnu does not know is accepted unverified.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from robnu.domain.clock import IST
from robnu.domain.deductions import ReasonCode
from robnu.domain.fee_rules import NoFeeRule, RateCard
from robnu.services.reconciliation.expected.common import (
    Event,
    ExpectedGroup,
    Need,
    Observed,
    Role,
    delivered,
    delivered_by,
    gst_on,
    settle_lag,
    taxable,
    withheld,
)
from robnu.services.reconciliation.facts import ItemFacts, OrderFacts, ReturnFacts, Timeliness

_ROLES = {
    "ORDER_SALE": Role.SALE,
    "MARGIN": Role.FEE,
    "FORWARD_LOGISTICS": Role.FEE,
    "RETURN_LOGISTICS": Role.FEE,
    "GST_ON_FEES": Role.GST_ON_FEES,
    "TCS": Role.WITHHELD,
    "TDS": Role.WITHHELD,
    "SLA_PENALTY": Role.PENALTY,
    "SELLER_CANCELLATION_PENALTY": Role.PENALTY,
    "RETURN_REVERSAL": Role.REVERSAL,
}
_QC_DONE = frozenset({"QC_PASSED", "QC_FAILED", "CLOSED"})
_BACK_AT_SELLER = frozenset({"DELIVERED_TO_SELLER", "QC_PASSED", "QC_FAILED", "CLOSED"})


class AjioModel:
    code = "AJIO"

    def role(self, kind: str) -> Role:
        return _ROLES.get(kind, Role.OTHER)

    def penalty_reason(self, kind: str) -> ReasonCode:
        return ReasonCode.SLA_MISS if kind == "SLA_PENALTY" else ReasonCode.PENALTY_WITHOUT_EVENT

    def customer_return_only(self, kind: str) -> bool:
        return kind == "RETURN_REVERSAL"  # an RTO was never sold: there is nothing to reverse

    def expected(self, order: OrderFacts, card: RateCard, observed: Sequence[Observed]) -> list[ExpectedGroup]:
        live = [i for i in order.items if not i.cancelled and i.quantity > 0]
        groups: list[ExpectedGroup] = []
        if delivered(order) and live:
            groups.append(self._sale(order, card, live))
        for ret in order.returns:
            if ret.kind == "RTO" and ret.status in _BACK_AT_SELLER:
                groups.append(self._rto(order, card, ret))
            elif ret.kind == "CUSTOMER_RETURN" and ret.status in _QC_DONE:
                groups.extend(self._customer_return(order, card, ret, observed))
        groups.extend(self._penalties(order, card))
        return groups

    def _fees(
        self, g: ExpectedGroup, card: RateCard, item: str | None, fees: list[tuple[str, Decimal]], at: datetime
    ) -> None:
        for kind, amount in fees:
            g.add(kind, item, -amount)
        g.add("GST_ON_FEES", item, gst_on(card, -sum((a for _, a in fees), Decimal(0)), at))

    def _unit_fee(self, card: RateCard, fee: str, item: ItemFacts, at: datetime) -> Decimal:
        rule = card.find(fee, at.astimezone(IST).date(), band=item.unit_price)
        return rule.percent_of(item.unit_price) if rule.rate_percent is not None else rule.flat

    def _sale(self, order: OrderFacts, card: RateCard, live: list[ItemFacts]) -> ExpectedGroup:
        at = delivered_by(order)
        g = ExpectedGroup("sale", Event.SALE, Need.REQUIRED, due_at=at + settle_lag(card, at))
        for item in live:
            qty = item.quantity
            g.add("ORDER_SALE", item.external_id, item.line_total)
            self._fees(
                g,
                card,
                item.external_id,
                [
                    ("MARGIN", self._unit_fee(card, "MARGIN", item, at) * qty),
                    ("FORWARD_LOGISTICS", self._unit_fee(card, "FORWARD_LOGISTICS", item, at) * qty),
                ],
                at,
            )
            base = taxable(card, item, order.ordered_at)
            g.add("TCS", item.external_id, _minus(withheld(card, "TCS", base, at)))
            g.add("TDS", item.external_id, _minus(withheld(card, "TDS", base, at)))
        return g

    def _rto(self, order: OrderFacts, card: RateCard, ret: ReturnFacts) -> ExpectedGroup:
        at = ret.updated_at
        g = ExpectedGroup(f"rto:{ret.external_id}", Event.RTO, Need.REQUIRED, due_at=at)
        for item_id, sku, qty in ret.items:
            item = order.item(item_id, sku)
            if item is None:
                continue
            fees = [
                ("FORWARD_LOGISTICS", self._unit_fee(card, "FORWARD_LOGISTICS", item, at) * qty),
                ("RETURN_LOGISTICS", self._unit_fee(card, "RETURN_LOGISTICS", item, at) * qty),
            ]
            self._fees(g, card, item.external_id, fees, at)
        return g

    def _customer_return(
        self, order: OrderFacts, card: RateCard, ret: ReturnFacts, observed: Sequence[Observed]
    ) -> list[ExpectedGroup]:
        at = ret.updated_at
        logistics = ExpectedGroup(f"return:{ret.external_id}", Event.CUSTOMER_RETURN, Need.REQUIRED, due_at=at)
        groups = [logistics]
        for item_id, sku, qty in ret.items:
            item = order.item(item_id, sku)
            if item is None:
                continue
            fee = self._unit_fee(card, "RETURN_LOGISTICS", item, at) * qty
            self._fees(logistics, card, item.external_id, [("RETURN_LOGISTICS", fee)], at)
            # Which units passed AJIO's QC (and which disputes AJIO rejected) only AJIO's statement says: each
            # reversal it posted, up to the returned quantity, must come with its TCS and TDS given back.
            po_unit = item.unit_price - self._unit_fee(card, "MARGIN", item, at)
            left = qty
            for n, line in enumerate(o for o in observed if o.kind == "RETURN_REVERSAL" and o.item == item.external_id):
                units = _units(-line.amount, po_unit)
                if units is None or units > left:
                    continue
                left -= units
                value = item.unit_price * units
                g = ExpectedGroup(
                    f"reversal:{ret.external_id}:{item.external_id}:{n}", Event.CUSTOMER_RETURN, Need.OPTIONAL
                )
                g.add("RETURN_REVERSAL", item.external_id, -po_unit * units)
                base = taxable(card, item, order.ordered_at, value)
                g.add("TCS", item.external_id, withheld(card, "TCS", base, at))
                g.add("TDS", item.external_id, withheld(card, "TDS", base, at))
                groups.append(g)
        return groups

    def _penalties(self, order: OrderFacts, card: RateCard) -> list[ExpectedGroup]:
        groups: list[ExpectedGroup] = []
        at = order.updated_at
        cancelled = order.status == "CANCELLED" or any(i.cancelled for i in order.items)
        if cancelled:
            groups.append(self._penalty(card, "SELLER_CANCELLATION_PENALTY", Need.OPTIONAL, at, "order cancelled"))
        verdict = order.dispatch.verdict
        if verdict is Timeliness.LATE:
            groups.append(self._penalty(card, "SLA_PENALTY", Need.OPTIONAL, at, order.dispatch.source))
        elif verdict is Timeliness.UNKNOWN:
            groups.append(self._penalty(card, "SLA_PENALTY", Need.UNVERIFIED, at, order.dispatch.source))
        return groups

    def _penalty(self, card: RateCard, kind: str, need: Need, at: datetime, note: str) -> ExpectedGroup:
        g = ExpectedGroup(f"penalty:{kind}", Event.PENALTY, need, note=note)
        try:
            amount = card.find(kind, at.astimezone(IST).date()).flat
        except NoFeeRule:
            g.add(kind, None, None)
            g.add("GST_ON_FEES", None, None)
            return g
        g.add(kind, None, -amount)
        g.add("GST_ON_FEES", None, gst_on(card, -amount, at))
        return g


def _minus(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else -amount


def _units(value: Decimal, unit: Decimal) -> int | None:
    """How many units ``value`` is at ``unit`` each, if it is a whole number of them."""
    if unit <= 0:
        return None
    units = value / unit
    return int(units) if units == units.to_integral_value() and units > 0 else None
