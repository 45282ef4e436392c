"""Amazon.in's finances (docs/reconciliation.md, "Amazon"): one transaction per posting, an item per order line
with a breakdown tree: ``ProductCharges``, ``AmazonFees/*``, ``GSTOnFees`` (18 % of the item's fees) and
``TaxWithheld/*`` (TCS as IGST, or CGST + SGST halves within the seller's state; TDS u/s 194-O).

* Shipped: per line the price, the referral fee by the SKU's category, the closing fee by price slab, the
  weight-handling fee by weight slab and zone; posted an hour after shipment (prepaid) or delivery (COD).
* Customer refund (the returned line): price back, the referral fee back less a refund commission (20 %, at most
  300), GST on the net, TCS / TDS given back; posted about two days after the request.
* RTO back at the seller: COD - forward and reverse weight handling; prepaid - the price and the referral fee
  back, reverse weight handling, TCS / TDS given back.
* A late-dispatch penalty with GST when Robnu's records show the order shipped after its ship-by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from robnu.domain.clock import IST
from robnu.domain.deductions import ReasonCode
from robnu.domain.fee_rules import RateCard
from robnu.domain.money import paise
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
    total,
    withheld,
    zone,
)
from robnu.services.reconciliation.facts import ItemFacts, OrderFacts, Timeliness

SALE, FEES, GST, WITHHELD = "ProductCharges", "AmazonFees", "GSTOnFees", "TaxWithheld"
COMMISSION, CLOSING, SHIPPING = f"{FEES}/Commission", f"{FEES}/FixedClosingFee", f"{FEES}/ShippingFee"
REFUND_COMMISSION, REVERSE_SHIPPING = f"{FEES}/RefundCommission", f"{FEES}/ReverseShippingFee"
PENALTY = "Penalties/LateDispatchPenalty"
_SHIPPED_OR_LATER = frozenset({"SHIPPED", "DELIVERED", "RETURN_REQUESTED", "RETURNED"})
_ROLES = {
    SALE: Role.SALE,
    COMMISSION: Role.FEE,
    CLOSING: Role.FEE,
    REFUND_COMMISSION: Role.FEE,
    SHIPPING: Role.SHIPPING,
    REVERSE_SHIPPING: Role.SHIPPING,
    GST: Role.GST_ON_FEES,
    PENALTY: Role.PENALTY,
}


class AmazonModel:
    code = "AMAZON_IN"

    def role(self, kind: str) -> Role:
        if kind.startswith(f"{WITHHELD}/"):
            return Role.WITHHELD
        if kind.startswith("Penalties/"):
            return Role.PENALTY
        return _ROLES.get(kind, Role.OTHER)

    def penalty_reason(self, kind: str) -> ReasonCode:
        return ReasonCode.SLA_MISS

    def customer_return_only(self, kind: str) -> bool:
        return kind == REFUND_COMMISSION  # kept from a customer refund; an RTO gives the referral fee back whole

    def expected(self, order: OrderFacts, card: RateCard, observed: Sequence[Observed]) -> list[ExpectedGroup]:
        groups: list[ExpectedGroup] = []
        rto = next((r for r in order.returns if r.kind == "RTO" and r.status == "DELIVERED_TO_SELLER"), None)
        shipped = order.shipped_at
        # Amazon fulfils FBA orders itself and shows no package: shipped by its last update at the latest.
        fba = order.fulfilled_by == "MARKETPLACE" and order.status in _SHIPPED_OR_LATER
        posted: datetime | None = None
        need = Need.REQUIRED
        if order.is_cod:
            if rto is None and delivered(order):
                at = delivered_by(order)
                posted = at + settle_lag(card, at)
            elif rto is None and fba:  # delivered or not, Robnu cannot tell: paid or not, both are right
                posted, need = order.updated_at + settle_lag(card, order.updated_at), Need.OPTIONAL
        elif shipped is not None or fba:
            at = shipped or order.updated_at
            posted = at + settle_lag(card, at)
        if posted is not None:
            group = self._shipment(order, card, posted)
            group.need = need
            groups.append(group)
        for ret in order.returns:
            if ret.kind == "CUSTOMER_RETURN" and ret.requested_at is not None and ret.status != "CANCELLED":
                at = ret.requested_at + timedelta(
                    hours=float(card.find("REFUND_AFTER_HOURS", _day(ret.requested_at)).flat)
                )
                for item_id, sku, _qty in ret.items[:1]:
                    item = order.item(item_id, sku)
                    if item is not None:
                        groups.append(self._refund(order, card, item, ret.external_id, at))
        if rto is not None:
            groups.append(self._rto(order, card, rto.external_id, rto.updated_at + settle_lag(card, rto.updated_at)))
        verdict = order.dispatch.verdict
        if shipped is not None and verdict is not Timeliness.ON_TIME and order.fulfilled_by == "SELLER":
            need = Need.OPTIONAL if verdict is Timeliness.LATE else Need.UNVERIFIED
            amount = -card.find("LATE_DISPATCH_PENALTY", _day(shipped)).flat
            g = ExpectedGroup("penalty:late_dispatch", Event.PENALTY, need, note=order.dispatch.source)
            g.add(PENALTY, None, amount)
            g.add(GST, None, gst_on(card, amount, shipped))
            groups.append(g)
        return groups

    # ---------------------------------------------------------------------------------------- parts
    def _commission(self, card: RateCard, item: ItemFacts, on: date) -> Decimal | None:
        if item.profile is None or item.profile.fee_category is None:
            return None
        return card.find("COMMISSION", on, category=item.profile.fee_category).percent_of(item.line_total)

    def _weight_fee(self, card: RateCard, order: OrderFacts, item: ItemFacts, on: date) -> Decimal | None:
        where = zone(order.account.pickup, order.ship)
        if item.profile is None or item.profile.weight_grams is None or where is None:
            return None
        return card.find("SHIPPING_FEE", on, zone=where).slab(item.profile.weight_grams * item.quantity)

    def _withheld(
        self, g: ExpectedGroup, card: RateCard, order: OrderFacts, item: ItemFacts, at: datetime, sign: int
    ) -> None:
        base = taxable(card, item, order.ordered_at)
        intra = order.account.pickup.state_code is not None and order.account.pickup.state_code == order.ship.state_code
        known = order.account.pickup.state_code is not None
        tcs_rate = card.find("TCS", _day(at)).fraction
        if base is None or not known:
            g.add(f"{WITHHELD}/TCS-IGST" if not intra else f"{WITHHELD}/TCS-CGST", item.external_id, None)
        elif intra:
            half = paise(base * tcs_rate / 2)
            g.add(f"{WITHHELD}/TCS-CGST", item.external_id, sign * half)
            g.add(f"{WITHHELD}/TCS-SGST", item.external_id, sign * half)
        else:
            g.add(f"{WITHHELD}/TCS-IGST", item.external_id, sign * paise(base * tcs_rate))
        tds = withheld(card, "TDS", base, at)
        g.add(f"{WITHHELD}/TDS-194O", item.external_id, None if tds is None else sign * tds)

    def _shipment(self, order: OrderFacts, card: RateCard, at: datetime) -> ExpectedGroup:
        on = _day(at)
        g = ExpectedGroup("sale", Event.SALE, Need.REQUIRED, due_at=at)
        for item in order.items:
            if item.quantity <= 0:
                continue
            commission = self._commission(card, item, on)
            closing = card.find("FIXED_CLOSING_FEE", on, band=item.unit_price).flat * item.quantity
            shipping = self._weight_fee(card, order, item, on)
            g.add(SALE, item.external_id, item.line_total)
            g.add(COMMISSION, item.external_id, _neg(commission))
            g.add(CLOSING, item.external_id, -closing)
            g.add(SHIPPING, item.external_id, _neg(shipping))
            g.add(GST, item.external_id, gst_on(card, _neg(total(commission, closing, shipping)), at))
            self._withheld(g, card, order, item, at, -1)
        return g

    def _refund(self, order: OrderFacts, card: RateCard, item: ItemFacts, key: str, at: datetime) -> ExpectedGroup:
        on = _day(at)
        g = ExpectedGroup(f"return:{key}", Event.CUSTOMER_RETURN, Need.REQUIRED, due_at=at)
        commission = self._commission(card, item, on)
        kept = None if commission is None else card.find("REFUND_COMMISSION", on).percent_of(commission)
        g.add(SALE, item.external_id, -item.line_total)
        g.add(COMMISSION, item.external_id, commission)
        g.add(REFUND_COMMISSION, item.external_id, _neg(kept))
        net = None if commission is None or kept is None else commission - kept
        g.add(GST, item.external_id, gst_on(card, net, at))
        self._withheld(g, card, order, item, at, 1)
        return g

    def _rto(self, order: OrderFacts, card: RateCard, key: str, at: datetime) -> ExpectedGroup:
        on = _day(at)
        g = ExpectedGroup(f"rto:{key}", Event.RTO, Need.REQUIRED, due_at=at)
        for item in order.items:
            if item.quantity <= 0:
                continue
            reverse = self._weight_fee(card, order, item, on)
            if order.is_cod:  # nothing was paid: forward and reverse weight handling are charged
                g.add(SHIPPING, item.external_id, _neg(reverse))
                g.add(REVERSE_SHIPPING, item.external_id, _neg(reverse))
                g.add(GST, item.external_id, gst_on(card, _neg(total(reverse, reverse)), at))
                continue
            commission = self._commission(card, item, on)
            g.add(SALE, item.external_id, -item.line_total)
            g.add(COMMISSION, item.external_id, commission)
            g.add(REVERSE_SHIPPING, item.external_id, _neg(reverse))
            net = None if commission is None or reverse is None else commission - reverse
            g.add(GST, item.external_id, gst_on(card, net, at))
            self._withheld(g, card, order, item, at, 1)
        return g


def _day(at: datetime) -> date:
    return at.astimezone(IST).date()


def _neg(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else -amount
