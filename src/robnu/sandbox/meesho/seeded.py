"""Seeded settlement errors in Meesho settlements (see ``robnu.sandbox.seeded_errors``).

Targets are sub-orders whose lines sit in weekly settlements of the period: a delivered sub-order without a
return (a wrong-item penalty nobody returned anything for, the sale left out, the payment-gateway fee above the
card on a prepaid one, TCS / TDS on the GST-inclusive value), a picked-up customer return (return shipping
charged twice, TCS / TDS never given back) and an RTO charged the customer-return lines. The plan lives on the
account; the ledger is rebuilt with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from robnu.sandbox.meesho import money as m
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.seeded_errors import (
    CLASSES,
    DUPLICATE,
    FEE,
    PENALTY,
    REVERSAL,
    RTO_AS_RETURN,
    TAX,
    UNSETTLED,
    Plan,
    SeededError,
    month,
    pick,
    plan_of,
    plans,
    rng_for,
)

if TYPE_CHECKING:
    from robnu.sandbox.meesho.model import Account
    from robnu.sandbox.meesho.settlement import Line
    from robnu.sandbox.meesho.world import MeeshoWorld

FEE_PG_RATE = Decimal("0.03")  # the gateway fee charged instead of the card's 2 %
PAYMENT_TIME = time(10, 0)


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_of(start: date, now: datetime) -> str:
    """The month Robnu files a weekly settlement under: its payment day once paid, else the day after it ends."""
    pay = start + timedelta(days=9)
    return month(pay if now >= tl.ist_at(pay, PAYMENT_TIME) else start + timedelta(days=7))


def arm(world: MeeshoWorld, acct: Account, period: str, seed: int | None) -> Plan:
    from robnu.sandbox.meesho.settlement import closed_periods, ledger

    old = plan_of(acct, acct.supplier_id)
    if old is not None:
        old.armed = False
    acct.version += 1
    now = world.clock.now()
    plan = Plan(period, world.seed if seed is None else seed, armed=False, revised_at=now)
    book = ledger(acct, world.config)
    weeks = {start for start, _ in closed_periods(book, now) if period_of(start, now) == period}
    _choose(acct, plan, book.by_sub, weeks, now)
    plans(acct)[acct.supplier_id] = plan
    plan.armed = True
    acct.version += 1
    for e in plan.errors:
        before = book.by_sub.get(e.order_id, [])
        after = apply(acct, e.order_id, list(before))
        e.amount = sum((ln.amount for ln in before), Decimal(0)) - sum((ln.amount for ln in after), Decimal(0))
    return plan


def disarm(acct: Account) -> Plan | None:
    plan = plan_of(acct, acct.supplier_id)
    if plan is not None and plan.armed:
        plan.armed = False
        acct.version += 1
    return plan


def _choose(acct: Account, plan: Plan, by_sub: dict[str, list[Line]], weeks: set[date], now: datetime) -> None:
    rng = rng_for(plan.seed, acct.supplier_id, plan.period)
    sales: list[tuple[str, datetime]] = []
    prepaid: list[tuple[str, datetime]] = []
    returns: list[tuple[str, datetime]] = []
    rtos: list[tuple[str, datetime]] = []
    for no in sorted(acct.sub_orders):
        sub = acct.sub_orders[no]
        lines = by_sub.get(no, [])
        ret = acct.returns.get(sub.return_id) if sub.return_id else None
        if ret is not None and ret.type == "RTO" and ret.created_at <= now:
            if not lines and _week(tl.ist_date(ret.created_at)) in weeks:
                rtos.append((no, ret.created_at))
            continue
        value = next((ln for ln in lines if ln.line_type == "ORDER_VALUE"), None)
        if value is None or _week(tl.ist_date(value.event_at)) not in weeks:
            continue
        if ret is None and all(ln.event_at == value.event_at for ln in lines):
            sales.append((no, value.event_at))
            if any(ln.line_type == "PAYMENT_GATEWAY_FEE" for ln in lines):
                prepaid.append((no, value.event_at))
        reversal = next((ln for ln in lines if ln.line_type == "ORDER_REVERSAL"), None)
        shipping = any(ln.line_type == "RETURN_SHIPPING_FEE" for ln in lines)
        if reversal is not None and shipping and _week(tl.ist_date(reversal.event_at)) in weeks:
            returns.append((no, reversal.event_at))
    used: set[str] = set()

    def first(c: tuple[str, datetime]) -> str:
        return c[0]

    wanted = {
        FEE: prepaid,
        DUPLICATE: returns,
        REVERSAL: returns,
        RTO_AS_RETURN: rtos,
        UNSETTLED: sales,
        PENALTY: sales,
        TAX: sales,
    }
    for cls in (FEE, RTO_AS_RETURN, DUPLICATE, REVERSAL, UNSETTLED, PENALTY, TAX):  # the scarcest first
        chosen = pick(rng, wanted[cls], used, first)
        if chosen is None:
            plan.missing.append(cls)
            continue
        no, at = chosen
        start = _week(tl.ist_date(at))
        sid = f"STL{start + timedelta(days=9):%Y%m%d}{acct.supplier_id[1:]}"
        plan.errors.append(SeededError(cls, no, no, sid, detail=_DETAIL[cls], at=at))
    plan.errors.sort(key=lambda e: CLASSES.index(e.cls))


_DETAIL = {
    PENALTY: "wrong-item penalty with no return behind it",
    DUPLICATE: "return shipping charged twice",
    REVERSAL: "customer return without its TCS / TDS given back",
    UNSETTLED: "delivered sub-order left out of the settlement",
    FEE: "payment-gateway fee at 3 % instead of 2 %",
    TAX: "TCS / TDS on the GST-inclusive order value",
    RTO_AS_RETURN: "RTO charged the customer-return lines",
}


def apply(acct: Account, no: str, lines: list[Line]) -> list[Line]:
    """The sub-order's lines with the armed errors placed in them."""
    plan = plan_of(acct, acct.supplier_id)
    if plan is None or not plan.armed:
        return lines
    errors = plan.of(no)
    if not errors:
        return lines
    from robnu.sandbox.meesho.settlement import Line

    sub = acct.sub_orders[no]
    value = m.q(sub.total_price)
    taxable = m.taxable_value(value, sub.gst_rate)
    out = list(lines)
    added = [0]

    def add(kind: str, amount: Decimal, at: datetime, text: str) -> None:
        added[0] += 1  # ids of their own: they never collide with the sub-order's L01, L02 …
        out.append(Line(f"{no}-S{added[0]:02d}", no, kind, m.q(amount), at, text))

    for e in errors:
        at: datetime = e.at
        here = [ln for ln in out if ln.event_at == at]
        if e.cls == PENALTY:
            penalty = m.PENALTIES["PENALTY_WRONG_ITEM"]
            add("PENALTY_WRONG_ITEM", -penalty, at, "Wrong item")
            add("GST_ON_FEES", -m.gst_on(penalty), at, "18% GST on PENALTY_WRONG_ITEM")
        elif e.cls == UNSETTLED:
            out = [ln for ln in out if ln not in here]
        elif e.cls == FEE:
            pg = m.q(value * FEE_PG_RATE)
            fees = sum(
                (-ln.amount for ln in here if ln.line_type.endswith("_FEE") and ln.line_type != "PAYMENT_GATEWAY_FEE"),
                Decimal(0),
            )
            out = [_amount(ln, -pg) if ln in here and ln.line_type == "PAYMENT_GATEWAY_FEE" else ln for ln in out]
            out = [
                _amount(ln, -m.gst_on(fees + pg)) if ln in here and ln.line_type == "GST_ON_FEES" else ln for ln in out
            ]
        elif e.cls == TAX:
            rates = {"TCS": m.TCS_RATE, "TDS": m.TDS_RATE}
            out = [
                _amount(ln, -m.q(value * rates[ln.line_type]))
                if ln in here and ln.line_type in rates and ln.amount < 0
                else ln
                for ln in out
            ]
        elif e.cls == DUPLICATE:
            charged = next(ln for ln in here if ln.line_type == "RETURN_SHIPPING_FEE")
            add("RETURN_SHIPPING_FEE", charged.amount, at, charged.description)
            add("GST_ON_FEES", -m.gst_on(-charged.amount), at, "18% GST on RETURN_SHIPPING_FEE")
        elif e.cls == REVERSAL:
            out = [ln for ln in out if not (ln in here and ln.line_type in ("TCS", "TDS") and ln.amount > 0)]
        elif e.cls == RTO_AS_RETURN:
            product = acct.products[sub.sku]
            shipping = m.shipping_fee(product.weight_kg * sub.quantity)
            add("ORDER_REVERSAL", -value, at, f"Customer return {sub.return_id}")
            add("RETURN_SHIPPING_FEE", -shipping, at, sub.return_id or "")
            add("GST_ON_FEES", -m.gst_on(shipping), at, "18% GST on RETURN_SHIPPING_FEE")
            add("TCS", m.tcs_on(taxable), at, "TCS reversed on return")
            add("TDS", m.tds_on(taxable), at, "TDS reversed on return")
    return out


def _amount(line: Line, amount: Decimal) -> Line:
    return replace(line, amount=m.q(amount))
