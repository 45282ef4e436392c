"""Flipkart's settled-transaction ledger (docs/reconciliation.md, "Flipkart"): one row per order item and fee,
each fee row carrying its 18 % GST, sale and refund rows carrying TCS and TDS.

* Delivered: per item the sale (with TCS and TDS withheld on its taxable value), commission by the SKU's fee
  category, the fixed fee by price slab, the collection fee (COD by value slab, prepaid a rate); the shipment's
  shipping fee on its first item (weight x zone on a box Robnu does not see: accepted unverified). Paid on the
  Wednesday after the later of shipping and delivery + 7 days (Robnu dates it from the last update it saw).
* Customer return completed: per item the refund (TCS and TDS given back), the commission given back with its
  GST, reverse shipping on the first item.
* RTO completed: forward and reverse shipping on the first item; nothing was sold.
* Penalties with GST: an SLA penalty when Robnu's records show a late dispatch (unknown: unverified), a seller
  cancellation penalty per cancelled item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from robnu.domain.clock import IST
from robnu.domain.deductions import ReasonCode
from robnu.domain.fee_rules import RateCard
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
    zone,
)
from robnu.services.reconciliation.facts import ItemFacts, OrderFacts, ShipmentFacts, Timeliness

_ROLES = {
    "SALE": Role.SALE,
    "REFUND": Role.REVERSAL,
    "COMMISSION": Role.FEE,
    "FIXED_FEE": Role.FEE,
    "COLLECTION_FEE": Role.FEE,
    "SHIPPING_FEE": Role.SHIPPING,
    "REVERSE_SHIPPING_FEE": Role.SHIPPING,
    "SLA_PENALTY": Role.PENALTY,
    "SELLER_CANCELLATION_PENALTY": Role.PENALTY,
}
_COMPLETED = "completed"


class FlipkartModel:
    code = "FLIPKART"

    def role(self, kind: str) -> Role:
        head = kind.split(":", 1)[0]
        if head == "GST_ON_FEES":
            return Role.GST_ON_FEES
        if head in ("TCS", "TDS"):
            return Role.WITHHELD
        return _ROLES.get(head, Role.OTHER)

    def penalty_reason(self, kind: str) -> ReasonCode:
        return ReasonCode.SLA_MISS if kind == "SLA_PENALTY" else ReasonCode.PENALTY_WITHOUT_EVENT

    def customer_return_only(self, kind: str) -> bool:
        return kind == "REFUND" or kind.endswith(":REFUND")  # an RTO was never sold: there is nothing to refund

    def expected(self, order: OrderFacts, card: RateCard, observed: Sequence[Observed]) -> list[ExpectedGroup]:
        live = [i for i in order.items if not i.cancelled and i.quantity > 0]
        groups: list[ExpectedGroup] = []
        returns = [r for r in order.returns if r.raw_status == _COMPLETED]
        rto = next((r for r in returns if r.kind == "RTO"), None)
        customer = next((r for r in returns if r.kind == "CUSTOMER_RETURN"), None)
        if live and rto is None and delivered(order):
            at = delivered_by(order)
            if order.raw_status == "COMPLETED":  # it was delivered a return window before it turned COMPLETED
                window = timedelta(hours=float(card.find("RETURN_WINDOW_HOURS", at.astimezone(IST).date()).flat))
                at = min(at, order.updated_at - window)
            groups.append(self._sale(order, card, live, at, at + settle_lag(card, at)))
            if customer is not None:
                groups.append(self._refund(order, card, live, customer.external_id, customer.updated_at))
        if live and rto is not None:
            g = ExpectedGroup(f"rto:{rto.external_id}", Event.RTO, Need.REQUIRED, due_at=rto.updated_at)
            for shipment in order.shipments or [None]:
                fee = self._shipping(order, card, shipment, rto.updated_at)
                for kind in ("SHIPPING_FEE", "REVERSE_SHIPPING_FEE"):
                    self._fee(g, card, kind, None, _minus(fee), rto.updated_at)
            groups.append(g)
        groups.extend(self._penalties(order, card, live))
        return groups

    def _fee(
        self, g: ExpectedGroup, card: RateCard, kind: str, item: str | None, amount: Decimal | None, at: datetime
    ) -> None:
        g.add(kind, item, amount)
        g.add(f"GST_ON_FEES:{kind}", item, gst_on(card, amount, at))

    def _shipping(
        self, order: OrderFacts, card: RateCard, shipment: ShipmentFacts | None, at: datetime
    ) -> Decimal | None:
        """The shipment's weight-slab fee on the heavier of the declared dead and volumetric weight, by zone;
        None when the box or the zone is unknown (the charge is then accepted unverified)."""
        box = shipment.box if shipment else None
        where = zone(order.account.pickup, order.ship)
        if box is None or box.weight_grams is None or where is None:
            return None
        on = at.astimezone(IST).date()
        grams = Decimal(box.weight_grams)
        if box.length_cm and box.breadth_cm and box.height_cm:
            divisor = card.find("VOLUMETRIC_DIVISOR", on).flat
            grams = max(grams, box.length_cm * box.breadth_cm * box.height_cm * 1000 / divisor)
        chargeable = int(grams.to_integral_value(rounding=ROUND_CEILING))
        return card.find("SHIPPING_FEE", on, zone=where).slab(chargeable)

    def _sale(
        self, order: OrderFacts, card: RateCard, live: list[ItemFacts], at: datetime, due: datetime
    ) -> ExpectedGroup:
        on = at.astimezone(IST).date()
        payment = "COD" if order.is_cod else "PREPAID"
        g = ExpectedGroup("sale", Event.SALE, Need.REQUIRED, due_at=due)
        for item in live:
            base = taxable(card, item, order.ordered_at)
            g.add("SALE", item.external_id, item.line_total)
            g.add("TCS:SALE", item.external_id, _minus(withheld(card, "TCS", base, due)))
            g.add("TDS:SALE", item.external_id, _minus(withheld(card, "TDS", base, due)))
            commission = self._commission(card, item, on)
            if commission is not None:
                self._fee(g, card, "COMMISSION", item.external_id, -commission, at)
            else:
                g.add("COMMISSION", item.external_id, None)
                g.add("GST_ON_FEES:COMMISSION", item.external_id, None)
            fixed = card.find("FIXED_FEE", on, band=item.unit_price).flat * item.quantity
            self._fee(g, card, "FIXED_FEE", item.external_id, -fixed, at)
            rule = card.find("COLLECTION_FEE", on, payment=payment, band=item.line_total)
            collection = rule.percent_of(item.line_total) if rule.rate_percent is not None else rule.flat
            self._fee(g, card, "COLLECTION_FEE", item.external_id, -collection, at)
        for shipment in order.shipments or [None]:  # charged on the shipment's first item
            self._fee(g, card, "SHIPPING_FEE", None, _minus(self._shipping(order, card, shipment, at)), at)
        return g

    def _commission(self, card: RateCard, item: ItemFacts, on: date) -> Decimal | None:
        if item.profile is None or item.profile.fee_category is None:
            return None
        # on the selling price only: the line total also carries the shipping the buyer paid
        return card.find("COMMISSION", on, category=item.profile.fee_category).percent_of(
            item.unit_price * item.quantity
        )

    def _refund(
        self, order: OrderFacts, card: RateCard, live: list[ItemFacts], key: str, at: datetime
    ) -> ExpectedGroup:
        on = at.astimezone(IST).date()
        g = ExpectedGroup(f"return:{key}", Event.CUSTOMER_RETURN, Need.REQUIRED, due_at=at)
        for item in live:
            base = taxable(card, item, order.ordered_at)
            g.add("REFUND", item.external_id, -item.line_total)
            g.add("TCS:REFUND", item.external_id, withheld(card, "TCS", base, at))
            g.add("TDS:REFUND", item.external_id, withheld(card, "TDS", base, at))
            commission = self._commission(card, item, on)
            if commission is not None:
                self._fee(g, card, "COMMISSION", item.external_id, commission, at)
            else:
                g.add("COMMISSION", item.external_id, None)
                g.add("GST_ON_FEES:COMMISSION", item.external_id, None)
        for shipment in order.shipments or [None]:
            self._fee(g, card, "REVERSE_SHIPPING_FEE", None, _minus(self._shipping(order, card, shipment, at)), at)
        return g

    def _penalties(self, order: OrderFacts, card: RateCard, live: list[ItemFacts]) -> list[ExpectedGroup]:
        groups = []
        for item in order.items:
            if item.cancelled or order.status == "CANCELLED":
                groups.append(
                    self._penalty(
                        card, "SELLER_CANCELLATION_PENALTY", item.external_id, Need.OPTIONAL, order.updated_at
                    )
                )
        verdict = order.dispatch.verdict
        if live and verdict is not Timeliness.ON_TIME:
            need = Need.OPTIONAL if verdict is Timeliness.LATE else Need.UNVERIFIED
            groups.append(self._penalty(card, "SLA_PENALTY", None, need, order.updated_at))
        return groups

    def _penalty(self, card: RateCard, kind: str, item: str | None, need: Need, at: datetime) -> ExpectedGroup:
        amount = card.find(kind, at.astimezone(IST).date()).flat
        g = ExpectedGroup(f"penalty:{kind}:{item or '-'}", Event.PENALTY, need)
        self._fee(g, card, kind, item, -amount, at)
        return g


def _minus(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else -amount
