"""Seeded settlement errors in Flipkart's settled-transaction ledger (see ``robnu.sandbox.seeded_errors``).

Targets are single-item shipments (one per order) whose rows settle in the period's Wednesdays: a delivered
shipment without a return (a seller-cancellation penalty on it, its sale left out - a COD one, whose rows fall due
from the delivery -, commission three points above the card, TCS / TDS on the value with GST), a completed
customer return (reverse shipping twice, the commission never given back) and an RTO charged a refund."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from robnu.sandbox.flipkart import ids
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
    from robnu.sandbox.flipkart.model import Shipment
    from robnu.sandbox.flipkart.settlement import Line
    from robnu.sandbox.flipkart.world import World

FEE_EXTRA = Decimal("0.03")  # commission charged three points above the category's rate
PENALTY_AMOUNT = Decimal(-100)


def neft_id(key: str, day: date) -> str:
    """The settlement id Flipkart's ledger gives the payout of ``day`` (as ``settlement.payouts`` names it)."""
    crc = zlib.crc32(f"{key}:{day.isoformat()}".encode())
    return f"UTIBN{day:%y%m%d}{crc % 10**8:08d}"


def _invalidate(world: World) -> None:
    world.line_cache.clear()
    world.payout_cache.clear()


def arm(world: World, key: str, period: str, seed: int | None) -> Plan:
    from robnu.sandbox.flipkart.settlement import all_lines

    old = plan_of(world, key)
    if old is not None:
        old.armed = False
    _invalidate(world)
    now = world.clock.now()
    now_ist = now.astimezone(ids.IST)
    paid_until = now_ist.date() if now_ist.hour >= 10 else now_ist.date() - timedelta(days=1)
    plan = Plan(period, world.seed if seed is None else seed, armed=False, revised_at=now)
    raw = {sh.shipment_id: (sh, list(all_lines(world, sh))) for sh in world.shipments_of(key) if sh.events}
    _choose(world, key, plan, raw, paid_until)
    plans(world)[key] = plan
    plan.armed = True
    _invalidate(world)
    for e in plan.errors:
        sh, before = raw[e.at[0]]
        after = apply(world, sh, list(before))
        e.amount = sum((ln.net_amount for ln in before), Decimal(0)) - sum((ln.net_amount for ln in after), Decimal(0))
    return plan


def disarm(world: World, key: str) -> Plan | None:
    plan = plan_of(world, key)
    if plan is not None and plan.armed:
        plan.armed = False
        _invalidate(world)
    return plan


def _choose(world: World, key: str, plan: Plan, raw: dict[str, tuple[Shipment, list[Line]]], paid_until: date) -> None:
    rng = rng_for(plan.seed, key, plan.period)

    def settled(day: date) -> bool:
        return day <= paid_until and month(day) == plan.period

    sales: list[tuple[str, str, datetime]] = []
    cod: list[tuple[str, str, datetime]] = []
    returns: list[tuple[str, str, datetime]] = []
    rtos: list[tuple[str, str, datetime]] = []
    for sid in sorted(raw):
        sh, lines = raw[sid]
        if len(sh.items) != 1 or len(world.orders.get(sh.order_id, [])) != 1 or sh.items[0].cancelled_at is not None:
            continue
        kinds = {ln.line_type for ln in lines}
        tags = {tag for _, tag in sh.events}
        sale = next((ln for ln in lines if ln.line_type == "SALE"), None)
        if (
            sale is not None
            and settled(sale.settles_on)
            and not any(t.startswith("ret:") for t in tags)
            and "SLA_PENALTY" not in kinds
        ):
            sales.append((sid, sh.order_id, sale.due))
            if sh.payment_type == "COD":
                cod.append((sid, sh.order_id, sale.due))
        refund = next((ln for ln in lines if ln.line_type == "REFUND"), None)
        if refund is not None and settled(refund.settles_on) and "REVERSE_SHIPPING_FEE" in kinds:
            returns.append((sid, sh.order_id, refund.due))
        if sale is None and refund is None:
            reverse = next((ln for ln in lines if ln.line_type == "REVERSE_SHIPPING_FEE"), None)
            if reverse is not None and settled(reverse.settles_on):
                rtos.append((sid, sh.order_id, reverse.due))
    used: set[str] = set()

    def order_of(c: tuple[str, str, datetime]) -> str:
        return c[1]

    wanted = {
        UNSETTLED: cod,
        DUPLICATE: returns,
        REVERSAL: returns,
        RTO_AS_RETURN: rtos,
        FEE: sales,
        PENALTY: sales,
        TAX: sales,
    }
    for cls in (UNSETTLED, RTO_AS_RETURN, DUPLICATE, REVERSAL, FEE, PENALTY, TAX):  # the scarcest first
        chosen = pick(rng, wanted[cls], used, order_of)
        if chosen is None:
            plan.missing.append(cls)
            continue
        sid, order_id, due = chosen
        sh = raw[sid][0]
        day = next(ln.settles_on for ln in raw[sid][1] if ln.due == due)
        plan.errors.append(
            SeededError(cls, order_id, sh.items[0].order_item_id, neft_id(key, day), detail=_DETAIL[cls], at=(sid, due))
        )
    plan.errors.sort(key=lambda e: CLASSES.index(e.cls))


_DETAIL = {
    PENALTY: "seller-cancellation penalty on a delivered item",
    DUPLICATE: "reverse shipping charged twice",
    REVERSAL: "commission never given back on a customer return",
    UNSETTLED: "delivered COD item left out of the ledger",
    FEE: "commission three points above the category's rate",
    TAX: "TCS / TDS on the value with GST",
    RTO_AS_RETURN: "RTO charged a customer refund",
}


def apply(world: World, sh: Shipment, lines: list[Line]) -> list[Line]:
    """The shipment's ledger rows with the armed errors placed in them."""
    plan = plan_of(world, sh.account_key)
    if plan is None or not plan.armed:
        return lines
    errors = [e for e in plan.errors if e.at[0] == sh.shipment_id]
    if not errors:
        return lines
    from robnu.sandbox.flipkart.settlement import COMMISSION, fee_line, sale_line, tcs_rate, tds_rate

    item = sh.items[0]
    out = list(lines)
    for e in errors:
        due: datetime = e.at[1]
        here = [ln for ln in out if ln.due == due]
        if e.cls == PENALTY:
            out.append(fee_line(due, sh, item, "SELLER_CANCELLATION_PENALTY", PENALTY_AMOUNT))
        elif e.cls == UNSETTLED:
            out = [ln for ln in out if ln not in here]
        elif e.cls == FEE:
            rate = COMMISSION[item.listing.category] + FEE_EXTRA
            dearer = fee_line(due, sh, item, "COMMISSION", -(item.selling_price * item.quantity * rate))
            out = [dearer if ln in here and ln.line_type == "COMMISSION" and ln.amount < 0 else ln for ln in out]
        elif e.cls == TAX:
            day = due.astimezone(ids.IST).date()
            out = [
                replace(ln, tcs=-ids.money(ln.amount * tcs_rate(day)), tds=-ids.money(ln.amount * tds_rate(day)))
                if ln in here and ln.line_type == "SALE"
                else ln
                for ln in out
            ]
        elif e.cls == DUPLICATE:
            out += [ln for ln in here if ln.line_type == "REVERSE_SHIPPING_FEE"]
        elif e.cls == REVERSAL:
            out = [ln for ln in out if not (ln in here and ln.line_type == "COMMISSION" and ln.amount > 0)]
        elif e.cls == RTO_AS_RETURN:
            out.append(sale_line(due, sh, item, "REFUND", -item.total))
    return out
