"""Seeded settlement errors in AJIO statements (see ``robnu.sandbox.seeded_errors``).

Targets are single-line orders whose money sits in a cycle settled in the period: a delivered order (no return)
for the penalty, the left-out sale, the margin above the rate card and TCS / TDS on the GST-inclusive value; a
QC'd customer return for the doubled return logistics and the reversal without its TCS / TDS credits; an RTO for
the customer-return reversal charged on it. A statement is rebuilt with the errors when it is read."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from robnu.sandbox.ajio.model import DELIVERED
from robnu.sandbox.ajio.money import q2, split_inclusive
from robnu.sandbox.ajio.settlement import Cycle, SLine
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
    from robnu.sandbox.ajio.book import Book
    from robnu.sandbox.ajio.world import AjioWorld

FEE_MARGIN = Decimal("0.22")  # the margin charged instead of the card's 19 %


def period_of(cycle: Cycle, now: int) -> str:
    """The month Robnu files a cycle under: paid on its payment date, else published the day after it ends."""
    return month(cycle.payment_date if now >= cycle.paid_ts else cycle.end + timedelta(days=1))


def revised_at(book: Book, settlement_id: str) -> int | None:
    stamps: dict[str, int] = book.__dict__.get("_seeded_revised", {})
    return stamps.get(settlement_id)


def _invalidate(world: AjioWorld, book: Book, sids: set[str]) -> None:
    book.statement_cache.clear()
    stamps: dict[str, int] = book.__dict__.setdefault("_seeded_revised", {})
    for sid in sids:
        stamps[sid] = world.now()
    book.touch()


def arm(world: AjioWorld, pob: str, period: str, seed: int | None) -> Plan:
    book = world.book(pob)
    old = plan_of(world, pob)
    if old is not None:
        old.armed = False
    book.statement_cache.clear()
    now = world.now()
    plan = Plan(period, world.seed if seed is None else seed, armed=False)
    statements = [(c, c.settlement_id(book.account.number)) for c in world.cycles(book) if period_of(c, now) == period]
    raw = {sid: world.statement(book, c) for c, sid in statements}
    _choose(world, book, plan, raw, now)
    plans(world)[pob] = plan
    plan.armed = True
    _invalidate(world, book, set(raw) | ({e.settlement_id for e in old.errors} if old else set()))
    for e in plan.errors:
        before = sum((ln.amount for ln in raw[e.settlement_id] if ln.order_id == e.order_id), Decimal(0))
        after = sum(
            (
                ln.amount
                for ln in apply(world, book, e.settlement_id, raw[e.settlement_id])
                if ln.order_id == e.order_id
            ),
            Decimal(0),
        )
        e.amount = before - after
    return plan


def disarm(world: AjioWorld, pob: str) -> Plan | None:
    plan = plan_of(world, pob)
    if plan is not None and plan.armed:
        plan.armed = False
        _invalidate(world, world.book(pob), {e.settlement_id for e in plan.errors})
    return plan


def _choose(world: AjioWorld, book: Book, plan: Plan, raw: dict[str, list[SLine]], now: int) -> None:
    rng = rng_for(plan.seed, book.account.pob_id, plan.period)
    sales: list[tuple[str, SLine]] = []
    returns: list[tuple[str, SLine]] = []
    rtos: list[tuple[str, SLine]] = []
    for sid in sorted(raw):
        for ln in raw[sid]:
            order = book.by_id[ln.order_id]
            if len(order.lines) != 1:
                continue
            if ln.type == "ORDER_SALE" and not order.return_ids and order.state_at(now)[1] == DELIVERED:
                if order.late_manifest_at is None and order.seller_cancel_at is None:
                    sales.append((sid, ln))
            elif ln.type == "RETURN_REVERSAL" and ln.amount < 0:
                ret = book.returns_by_id.get(ln.reference)
                if ret is not None and ret.return_type == "CR" and len(order.return_ids) == 1 and ret.qc_at == ln.ts:
                    returns.append((sid, ln))
            elif ln.type == "RETURN_LOGISTICS" and ln.amount < 0:
                ret = book.returns_by_id.get(ln.reference)
                if ret is not None and ret.return_type == "RTO" and len(order.return_ids) == 1:
                    rtos.append((sid, ln))
    used: set[str] = set()

    def order_of(c: tuple[str, SLine]) -> str:
        return c[1].order_id

    priced = [c for c in sales if book.by_id[c[1].order_id].lines[0].unit_price >= world.card.low_price]
    refundable = [c for c in returns if book.by_id[c[1].order_id].lines[0].unit_price >= world.card.low_price]
    wanted = {
        FEE: priced,
        DUPLICATE: refundable,
        RTO_AS_RETURN: rtos,
        REVERSAL: returns,
        UNSETTLED: sales,
        PENALTY: sales,
        TAX: sales,
    }
    for cls in (FEE, DUPLICATE, RTO_AS_RETURN, REVERSAL, UNSETTLED, PENALTY, TAX):  # the scarcest first
        chosen = pick(rng, wanted[cls], used, order_of)
        if chosen is None:
            plan.missing.append(cls)
            continue
        sid, ln = chosen
        plan.errors.append(
            SeededError(cls, ln.order_id, ln.order_item_id, sid, detail=_detail(cls), at=(ln.ts, ln.reference))
        )
    plan.errors.sort(key=lambda e: CLASSES.index(e.cls))


def _detail(cls: str) -> str:
    return {
        PENALTY: "seller-cancellation penalty on a delivered order",
        DUPLICATE: "return logistics charged twice",
        REVERSAL: "return reversal without its TCS / TDS given back",
        UNSETTLED: "delivered order left out of the statement",
        FEE: "margin at 22 % instead of 19 %",
        TAX: "TCS / TDS on the GST-inclusive sale",
        RTO_AS_RETURN: "RTO debited a customer-return reversal",
    }[cls]


def apply(world: AjioWorld, book: Book, settlement_id: str, lines: list[SLine]) -> list[SLine]:
    """The statement's lines with the armed errors placed in it."""
    plan = plan_of(world, book.account.pob_id)
    if plan is None or not plan.armed:
        return lines
    errors = [e for e in plan.errors if e.settlement_id == settlement_id]
    if not errors:
        return lines
    out = list(lines)
    card = world.card
    for e in errors:
        ts, ref = e.at
        order = book.by_id[e.order_id]
        ln0 = order.lines[0]
        mine = [ln for ln in out if ln.order_id == e.order_id and ln.ts == ts]
        if e.cls == PENALTY:
            fee = card.seller_cancellation
            out.append(SLine(ts, e.order_id, None, "EVENT", "SELLER_CANCELLATION_PENALTY", fee, None, -fee, "SELLER"))
            out.append(
                SLine(
                    ts,
                    e.order_id,
                    None,
                    "TAX",
                    "GST_ON_FEES",
                    fee,
                    card.gst_on_fees,
                    -q2(fee * card.gst_on_fees),
                    "SELLER",
                )
            )
        elif e.cls == UNSETTLED:
            out = [ln for ln in out if ln not in mine]
        elif e.cls == DUPLICATE:
            out += [ln for ln in mine if ln.reference == ref and ln.type in ("RETURN_LOGISTICS", "GST_ON_FEES")]
        elif e.cls == REVERSAL:
            gone = [ln for ln in mine if ln.reference == ref and ln.type in ("TCS", "TDS") and ln.amount > 0]
            out = [ln for ln in out if ln not in gone]
        elif e.cls == FEE:
            qty = ln0.invoiceable
            margin = q2(ln0.unit_price * FEE_MARGIN) * qty
            fwd = card.fwd(ln0.unit_price) * qty
            out = [
                replace(ln, amount=-margin)
                if ln in mine and ln.type == "MARGIN"
                else replace(ln, amount=-q2((margin + fwd) * card.gst_on_fees), base=margin + fwd)
                if ln in mine and ln.type == "GST_ON_FEES" and ln.reference == ""
                else ln
                for ln in out
            ]
        elif e.cls == TAX:
            sale = ln0.unit_price * ln0.invoiceable
            rates = {"TCS": card.tcs, "TDS": card.tds}
            out = [
                replace(ln, base=sale, amount=-q2(sale * rates[ln.type]))
                if ln in mine and ln.type in rates and ln.amount < 0
                else ln
                for ln in out
            ]
        elif e.cls == RTO_AS_RETURN:
            qty = ln0.qty
            value = card.po_unit(ln0.unit_price) * qty
            base = split_inclusive(ln0.unit_price * qty, ln0.gst_rate)[0]
            out.append(SLine(ts, e.order_id, ln0.order_item_id, "EVENT", "RETURN_REVERSAL", value, None, -value, ref))
            out.append(SLine(ts, e.order_id, ln0.order_item_id, "TAX", "TCS", base, card.tcs, q2(base * card.tcs), ref))
            out.append(SLine(ts, e.order_id, ln0.order_item_id, "TAX", "TDS", base, card.tds, q2(base * card.tds), ref))
    out.sort(key=lambda ln: (ln.ts, ln.order_id))
    return out
