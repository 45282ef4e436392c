"""Meesho's settlement of a sub-order (docs/reconciliation.md, "Meesho"): 0 % commission; fees with 18 % GST.

* Delivered: the order value, forward shipping by weight slab of the declared weight, the payment-gateway fee on
  prepaid orders, the Returns Assurance fee if the supplier opted in, GST on those fees, TCS and TDS on the
  taxable value; dated delivery + 7 days, paid in that week's settlement.
* Customer return once picked up: the value reversed, return shipping with GST (not under Returns Assurance),
  TCS and TDS given back; dated at the later of the pickup (a day after the request) and the sale's date.
* RTO: nothing, unless the account's contract charges forward shipping on RTOs (option ``rto_forward_fee``).
* Penalties with GST: late dispatch when the pickup came after the SLA deadline; supplier / auto cancellation on
  a cancelled sub-order; wrong item on a customer return for a wrong item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from robnu.domain.clock import IST
from robnu.domain.deductions import ReasonCode
from robnu.domain.fee_rules import RateCard
from robnu.domain.money import paise, taxable_value
from robnu.services.reconciliation.expected.common import (
    Event,
    ExpectedGroup,
    Need,
    Observed,
    Role,
    gst_on,
    gst_percent,
    settle_lag,
    withheld,
)
from robnu.services.reconciliation.facts import ItemFacts, OrderFacts, ReturnFacts, Timeliness

_ROLES = {
    "ORDER_VALUE": Role.SALE,
    "ORDER_REVERSAL": Role.REVERSAL,
    "FORWARD_SHIPPING_FEE": Role.SHIPPING,
    "RETURN_SHIPPING_FEE": Role.SHIPPING,
    "PAYMENT_GATEWAY_FEE": Role.FEE,
    "RETURNS_ASSURANCE_FEE": Role.FEE,
    "GST_ON_FEES": Role.GST_ON_FEES,
    "TCS": Role.WITHHELD,
    "TDS": Role.WITHHELD,
    "PENALTY_SUPPLIER_CANCEL": Role.PENALTY,
    "PENALTY_AUTO_CANCEL": Role.PENALTY,
    "PENALTY_LATE_DISPATCH": Role.PENALTY,
    "PENALTY_WRONG_ITEM": Role.PENALTY,
}
_PICKED_UP = frozenset({"PICKED_UP", "IN_TRANSIT", "DELIVERED_TO_SUPPLIER", "LOST"})
PICKUP_AFTER = timedelta(days=1)  # modelled: the courier picks a customer return up a day after the request


class MeeshoModel:
    code = "MEESHO"

    def role(self, kind: str) -> Role:
        return _ROLES.get(kind, Role.OTHER)

    def penalty_reason(self, kind: str) -> ReasonCode:
        return ReasonCode.SLA_MISS if kind == "PENALTY_LATE_DISPATCH" else ReasonCode.PENALTY_WITHOUT_EVENT

    def customer_return_only(self, kind: str) -> bool:
        return kind in ("ORDER_REVERSAL", "RETURN_SHIPPING_FEE")  # an RTO was never paid nor picked up

    def expected(self, order: OrderFacts, card: RateCard, observed: Sequence[Observed]) -> list[ExpectedGroup]:
        groups: list[ExpectedGroup] = []
        item = order.items[0] if order.items else None  # a sub-order is one line
        options = order.account.options
        assurance = bool(options.get("returns_assurance"))
        sale_at: datetime | None = None
        if item is not None and order.delivered_at is not None:
            sale_at = order.delivered_at + settle_lag(card, order.delivered_at)
            groups.append(self._sale(order, card, item, sale_at, assurance))
        for ret in order.returns:
            if item is None:
                break
            if ret.kind == "CUSTOMER_RETURN" and ret.raw_status in _PICKED_UP and sale_at and ret.requested_at:
                groups.append(
                    self._customer_return(
                        order, card, item, ret, max(ret.requested_at + PICKUP_AFTER, sale_at), assurance
                    )
                )
            elif ret.kind == "RTO" and options.get("rto_forward_fee") and ret.requested_at:
                g = ExpectedGroup(f"rto:{ret.external_id}", Event.RTO, Need.REQUIRED, due_at=ret.requested_at)
                fee = self._shipping(card, "FORWARD_SHIPPING_FEE", item, ret.requested_at)
                g.add("FORWARD_SHIPPING_FEE", item.external_id, _minus(fee))
                g.add("GST_ON_FEES", item.external_id, gst_on(card, _minus(fee), ret.requested_at))
                groups.append(g)
        groups.extend(self._penalties(order, card, item))
        return groups

    def _shipping(self, card: RateCard, fee: str, item: ItemFacts, at: datetime) -> Decimal | None:
        if item.profile is None or item.profile.weight_grams is None:
            return None
        return card.find(fee, at.astimezone(IST).date()).slab(item.profile.weight_grams * item.quantity)

    def _taxable(self, card: RateCard, order: OrderFacts, item: ItemFacts) -> Decimal | None:
        rate = gst_percent(card, item, order.ordered_at)
        if rate is not None:
            return taxable_value(item.line_total, rate)
        return item.line_total - item.tax_amount if item.tax_amount else None  # the GST Meesho showed on the line

    def _sale(self, order: OrderFacts, card: RateCard, item: ItemFacts, at: datetime, assurance: bool) -> ExpectedGroup:
        on = at.astimezone(IST).date()
        g = ExpectedGroup("sale", Event.SALE, Need.REQUIRED, due_at=at)
        value = item.line_total
        fees: list[tuple[str, Decimal | None]] = [
            ("FORWARD_SHIPPING_FEE", self._shipping(card, "FORWARD_SHIPPING_FEE", item, at))
        ]
        if not order.is_cod:
            fees.append(
                ("PAYMENT_GATEWAY_FEE", card.find("PAYMENT_GATEWAY_FEE", on, payment="PREPAID").percent_of(value))
            )
        if assurance:
            fees.append(("RETURNS_ASSURANCE_FEE", card.find("RETURNS_ASSURANCE_FEE", on).percent_of(value)))
        g.add("ORDER_VALUE", item.external_id, value)
        for kind, fee in fees:
            g.add(kind, item.external_id, _minus(fee))
        known = [f for _, f in fees]
        fee_total = None if any(f is None for f in known) else sum((f for f in known if f is not None), Decimal(0))
        g.add("GST_ON_FEES", item.external_id, gst_on(card, _minus(fee_total), at))
        base = self._taxable(card, order, item)
        g.add("TCS", item.external_id, _minus(withheld(card, "TCS", base, at)))
        g.add("TDS", item.external_id, _minus(withheld(card, "TDS", base, at)))
        return g

    def _customer_return(
        self, order: OrderFacts, card: RateCard, item: ItemFacts, ret: ReturnFacts, at: datetime, assurance: bool
    ) -> ExpectedGroup:
        g = ExpectedGroup(f"return:{ret.external_id}", Event.CUSTOMER_RETURN, Need.REQUIRED, due_at=at)
        g.add("ORDER_REVERSAL", item.external_id, -item.line_total)
        if not assurance:
            fee = self._shipping(card, "RETURN_SHIPPING_FEE", item, at)
            g.add("RETURN_SHIPPING_FEE", item.external_id, _minus(fee))
            g.add("GST_ON_FEES", item.external_id, gst_on(card, _minus(fee), at))
        base = self._taxable(card, order, item)
        g.add("TCS", item.external_id, withheld(card, "TCS", base, at))
        g.add("TDS", item.external_id, withheld(card, "TDS", base, at))
        return g

    def _penalties(self, order: OrderFacts, card: RateCard, item: ItemFacts | None) -> list[ExpectedGroup]:
        line = item.external_id if item else None
        groups = []
        if order.status == "CANCELLED":  # Robnu does not see who cancelled: either penalty may come
            groups += [
                self._penalty(card, kind, line, Need.OPTIONAL, order.updated_at)
                for kind in ("PENALTY_SUPPLIER_CANCEL", "PENALTY_AUTO_CANCEL")
            ]
        verdict = order.dispatch.verdict
        if verdict is not Timeliness.ON_TIME:
            need = Need.OPTIONAL if verdict is Timeliness.LATE else Need.UNVERIFIED
            groups.append(
                self._penalty(card, "PENALTY_LATE_DISPATCH", line, need, order.shipped_at or order.updated_at)
            )
        if any(r.kind == "CUSTOMER_RETURN" and (r.reason or "").startswith("WRONG_ITEM") for r in order.returns):
            groups.append(self._penalty(card, "PENALTY_WRONG_ITEM", line, Need.OPTIONAL, order.updated_at))
        return groups

    def _penalty(self, card: RateCard, kind: str, item: str | None, need: Need, at: datetime) -> ExpectedGroup:
        amount = card.find(kind, at.astimezone(IST).date()).flat
        g = ExpectedGroup(f"penalty:{kind}", Event.PENALTY, need)
        g.add(kind, item, -amount)
        g.add("GST_ON_FEES", item, gst_on(card, -amount, at))
        return g


def _minus(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else -paise(amount)
