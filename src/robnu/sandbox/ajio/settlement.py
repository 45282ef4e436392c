"""Settlement lines and cycles (TCS and TDS as Indian law sets them for marketplaces).

Every money event of an order is a dated group of lines; a cycle holds the lines dated inside it.
Cycles are IST half-months (1st-15th, 16th-end) [modelled], published once they end, paid on the
last day of the month (first half) or the 15th of the next month (second half).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from robnu.sandbox.ajio.model import CANCELLED, DELIVERED, R_DELIVERED, Order, Return
from robnu.sandbox.ajio.money import ZERO, ist_at, ist_date, ist_start, q2, split_inclusive

DAY = 86400


@dataclass(frozen=True, slots=True)
class RateCard:
    """Default rate card [weak: 2021 JIT commercial]; SLA penalty amount is modelled."""

    margin_rate: Decimal = Decimal("0.19")
    margin_min: Decimal = Decimal("150")
    low_price: Decimal = Decimal("475")
    forward_logistics: Decimal = Decimal("95")
    return_logistics: Decimal = Decimal("75")
    seller_cancellation: Decimal = Decimal("250")
    sla_penalty: Decimal = Decimal("100")  # modelled: per late shipment
    gst_on_fees: Decimal = Decimal("0.18")
    tcs: Decimal = Decimal("0.005")  # 0.5 % from 10 Jul 2024
    tds: Decimal = Decimal("0.001")  # 0.1 % from 1 Oct 2024
    settle_after_days: int = 7

    def margin(self, price: Decimal) -> Decimal:
        m = q2(price * self.margin_rate)
        return max(m, self.margin_min) if price < self.low_price else m

    def po_unit(self, price: Decimal) -> Decimal:
        """AJIO's B2B buy price per unit: selling price - margin (so that the PO ties out to the order)."""
        return price - self.margin(price)

    def fwd(self, price: Decimal) -> Decimal:
        return ZERO if price < self.low_price else self.forward_logistics

    def rev(self, price: Decimal) -> Decimal:
        return ZERO if price < self.low_price else self.return_logistics


@dataclass(frozen=True, slots=True)
class SLine:
    ts: int
    order_id: str
    order_item_id: str | None
    group: str
    type: str
    base: Decimal
    rate: Decimal | None
    amount: Decimal
    reference: str


class _Lines:
    def __init__(self, order: Order, card: RateCard) -> None:
        self.order = order
        self.card = card
        self.out: list[SLine] = []

    def add(
        self,
        ts: int,
        item: str | None,
        group: str,
        kind: str,
        base: Decimal,
        rate: Decimal | None,
        amount: Decimal,
        ref: str = "",
    ) -> None:
        if amount != 0:
            self.out.append(SLine(ts, self.order.order_id, item, group, kind, base, rate, q2(amount), ref))

    def fees(self, ts: int, item: str | None, fees: list[tuple[str, str, Decimal]], ref: str = "") -> None:
        """Fee lines (debits) and their 18 % GST line."""
        total = ZERO
        for group, kind, amount in fees:
            self.add(ts, item, group, kind, amount, None, -amount, ref)
            total += amount
        self.add(
            ts,
            item,
            "TAX",
            "GST_ON_FEES",
            total,
            self.card.gst_on_fees,
            -q2(total * self.card.gst_on_fees),
            ref,
        )

    def tcs_tds(self, ts: int, item: str, taxable: Decimal, sign: int, ref: str = "") -> None:
        c = self.card
        self.add(ts, item, "TAX", "TCS", taxable, c.tcs, sign * q2(taxable * c.tcs), ref)
        self.add(ts, item, "TAX", "TDS", taxable, c.tds, sign * q2(taxable * c.tds), ref)


def order_lines(order: Order, returns: list[Return], card: RateCard) -> list[SLine]:
    """Every settlement line the order will ever produce, dated (future dates included)."""
    b = _Lines(order, card)
    for ts, status, note in order.events:
        if status == DELIVERED:
            when = ts + card.settle_after_days * DAY
            for ln in order.lines:
                qty = ln.invoiceable
                if qty <= 0:
                    continue
                sale = ln.unit_price * qty
                b.add(when, ln.order_item_id, "SALE", "ORDER_SALE", sale, None, sale)
                b.fees(
                    when,
                    ln.order_item_id,
                    [
                        ("CONTRACTUAL", "MARGIN", card.margin(ln.unit_price) * qty),
                        ("CONTRACTUAL", "FORWARD_LOGISTICS", card.fwd(ln.unit_price) * qty),
                    ],
                )
                b.tcs_tds(when, ln.order_item_id, split_inclusive(sale, ln.gst_rate)[0], -1)
        elif status == CANCELLED and note.startswith("AJIO"):
            b.fees(ts, None, [("EVENT", "SELLER_CANCELLATION_PENALTY", card.seller_cancellation)], note)
    if order.seller_cancel_at is not None:
        b.fees(
            order.seller_cancel_at,
            None,
            [("EVENT", "SELLER_CANCELLATION_PENALTY", card.seller_cancellation)],
            "SELLER",
        )
    if order.late_manifest_at is not None:
        b.fees(
            order.late_manifest_at,
            None,
            [("EVENT", "SLA_PENALTY", card.sla_penalty)],
            order.manifest_id or "",
        )
    lines = {ln.order_item_id: ln for ln in order.lines}
    for ret in returns:
        if ret.return_type == "RTO":
            dts = next((ts for ts, st, _ in ret.events if st == R_DELIVERED), None)
            if dts is None:
                continue
            for item, qty, _reason in ret.lines:
                price = lines[item].unit_price
                b.fees(
                    dts,
                    item,
                    [
                        ("CONTRACTUAL", "FORWARD_LOGISTICS", card.fwd(price) * qty),
                        ("CONTRACTUAL", "RETURN_LOGISTICS", card.rev(price) * qty),
                    ],
                    ret.return_id,
                )
            continue
        if ret.qc_at is None:
            continue
        for item, qty, _reason in ret.lines:
            ln = lines[item]
            b.fees(
                ret.qc_at,
                item,
                [("CONTRACTUAL", "RETURN_LOGISTICS", card.rev(ln.unit_price) * qty)],
                ret.return_id,
            )
            passed = sum(1 for r in ret.qc if r.order_item_id == item and r.qc_status == "PASS")
            failed = qty - passed
            debits = [(ret.qc_at, passed)]
            if failed and ret.dispute_decision == "REJECTED" and ret.dispute_decided_at is not None:
                debits.append((ret.dispute_decided_at, failed))
            for when, units in debits:
                if units <= 0:
                    continue
                value = card.po_unit(ln.unit_price) * units
                b.add(when, item, "EVENT", "RETURN_REVERSAL", value, None, -value, ret.return_id)
                b.tcs_tds(when, item, split_inclusive(ln.unit_price * units, ln.gst_rate)[0], 1, ret.return_id)
    return b.out


def money_times(order: Order, returns: list[Return], card: RateCard) -> list[int]:
    """The dates ``order_lines`` would give the order's lines, without building them (no money math).

    Used to index which cycles an order has money in; the lines themselves are computed lazily, per
    cycle, when a statement is first read (``AjioWorld.statement``). Same rules as ``order_lines``:
    a group of lines whose amounts are all zero yields no date.
    """
    out: list[int] = []
    for ts, status, note in order.events:
        if status == DELIVERED:
            if any(ln.invoiceable > 0 for ln in order.lines):
                out.append(ts + card.settle_after_days * DAY)
        elif status == CANCELLED and note.startswith("AJIO") and card.seller_cancellation:
            out.append(ts)
    if order.seller_cancel_at is not None and card.seller_cancellation:
        out.append(order.seller_cancel_at)
    if order.late_manifest_at is not None and card.sla_penalty:
        out.append(order.late_manifest_at)
    lines = {ln.order_item_id: ln for ln in order.lines}
    for ret in returns:
        if ret.return_type == "RTO":
            dts = next((ts for ts, st, _ in ret.events if st == R_DELIVERED), None)
            if dts is not None and any(
                card.fwd(lines[item].unit_price) or card.rev(lines[item].unit_price) for item, _q, _r in ret.lines
            ):
                out.append(dts)
            continue
        if ret.qc_at is None:
            continue
        for item, qty, _reason in ret.lines:
            ln = lines[item]
            passed = sum(1 for r in ret.qc if r.order_item_id == item and r.qc_status == "PASS")
            if card.rev(ln.unit_price) or passed > 0:
                out.append(ret.qc_at)
            failed = qty - passed
            if failed and ret.dispute_decision == "REJECTED" and ret.dispute_decided_at is not None:
                out.append(ret.dispute_decided_at)
    return out


@dataclass(frozen=True, slots=True)
class Cycle:
    start: date
    end: date  # inclusive

    @property
    def start_ts(self) -> int:
        return ist_start(self.start)

    @property
    def end_ts(self) -> int:
        """Exclusive end: 00:00 IST the day after ``end``; the statement is published then."""
        return ist_start(self.end + timedelta(days=1))

    @property
    def payment_date(self) -> date:
        if self.start.day == 1:
            return self.end.replace(day=calendar.monthrange(self.end.year, self.end.month)[1])
        nxt = self.end + timedelta(days=1)
        return nxt.replace(day=15)

    @property
    def paid_ts(self) -> int:
        return ist_at(self.payment_date, 10, 0)  # modelled: RTGS credited 10:00 IST

    def settlement_id(self, account_number: int) -> str:
        return f"ST{self.payment_date:%Y%m%d}{account_number:02d}"

    def next(self) -> Cycle:
        return cycle_of_date(self.end + timedelta(days=1))


def cycle_of_date(day: date) -> Cycle:
    if day.day <= 15:
        return Cycle(day.replace(day=1), day.replace(day=15))
    last = calendar.monthrange(day.year, day.month)[1]
    return Cycle(day.replace(day=16), day.replace(day=last))


def cycle_of(ts: int) -> Cycle:
    return cycle_of_date(ist_date(ts))
