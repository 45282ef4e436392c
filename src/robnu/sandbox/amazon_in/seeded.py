"""Seeded settlement errors in Amazon transactions (see ``robnu.sandbox.seeded_errors``).

Targets are orders the seller ships (not FBA) whose transactions post in groups paid in the period: a prepaid
shipment alone (a late-dispatch penalty though it shipped on time, its payment left out, the referral fee three
points above the card, TCS / TDS on the value with GST), a customer refund (the referral fee never given back)
and an RTO (the reverse weight handling charged twice; on a prepaid one, a refund commission as if a customer
had returned it). Extra charges come as items of their own in the same transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from robnu.sandbox.amazon_in.orders import DAY, Track
from robnu.sandbox.amazon_in.settlement import (
    PENALTY_LATE_DISPATCH,
    Node,
    Transaction,
    TxnItem,
    _gst_on,
    _withheld,
    closing_fee,
    group_bounds,
    group_id,
    group_index,
    parent,
    rhu,
    rupees,
    shipping_fee,
)
from robnu.sandbox.seeded_errors import (
    CLASSES,
    DUPLICATE,
    FEE,
    REVERSAL,
    RTO_AS_RETURN,
    SLA_PENALTY,
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
    from robnu.sandbox.amazon_in.account import Account
    from robnu.sandbox.amazon_in.orders import Order
    from robnu.sandbox.amazon_in.world import AmazonWorld

FEE_EXTRA_BP = 300  # referral fee charged three points above the category's


def settled_month(posted_s: int, now_s: int) -> str | None:
    """The month Robnu files the group of a posting under: its transfer day once paid, else the day it closed;
    None while the group is open."""
    _start, end = group_bounds(group_index(posted_s))
    if end > now_s:
        return None
    transfer = end + DAY  # as the finances API reports FundTransferDate
    when = transfer if transfer <= now_s else end
    return month(datetime.fromtimestamp(when + 19800, UTC).date())


def arm(world: AmazonWorld, account: Account, period: str, seed: int | None) -> Plan:
    old = plan_of(account, account.key)
    if old is not None:
        old.armed = False
    account._txn_cache.clear()
    now_s = int(world.clock.now().timestamp())
    plan = Plan(period, world.seed if seed is None else seed, armed=False, revised_at=world.clock.now())
    _choose(account, plan, now_s)
    raw = {e.order_id: account.transaction(account.orders[e.order_id], e.at[0], e.at[1]) for e in plan.errors}
    plans(account)[account.key] = plan
    plan.armed = True
    account._txn_cache.clear()
    for e in plan.errors:
        before = raw[e.order_id]
        after = account.transaction(account.orders[e.order_id], e.at[0], e.at[1])
        e.amount = rupees(before.total - after.total)
    return plan


def disarm(account: Account) -> Plan | None:
    plan = plan_of(account, account.key)
    if plan is not None and plan.armed:
        plan.armed = False
        account._txn_cache.clear()
    return plan


def _choose(account: Account, plan: Plan, now_s: int) -> None:
    rng = rng_for(plan.seed, account.key, plan.period)
    sales: list[tuple[str, int]] = []
    prepaid_sales: list[tuple[str, int]] = []
    refunds: list[tuple[str, int]] = []
    rtos: list[tuple[str, int]] = []
    prepaid_rtos: list[tuple[str, int]] = []
    for oid in sorted(account.orders):
        order = account.orders[oid]
        if order.track is Track.AFN or len(order.lines) != 1:
            continue
        postings = [(at, kind) for at, kind in order.postings() if at <= now_s]
        kinds = {kind for _, kind in order.postings()}
        for at, kind in postings:
            if settled_month(at, now_s) != plan.period:
                continue
            if (
                kind == "SHIP"
                and kinds == {"SHIP"}
                and order.ship_at is not None
                and order.ship_at <= order.ship_by_s[1]
            ):
                sales.append((oid, at))
                if not order.cod:
                    prepaid_sales.append((oid, at))
            elif kind == "REFUND" and "RTO" not in kinds:
                refunds.append((oid, at))
            elif kind == "RTO":
                rtos.append((oid, at))
                if not order.cod:
                    prepaid_rtos.append((oid, at))
    used: set[str] = set()

    def first(c: tuple[str, int]) -> str:
        return c[0]

    wanted = {
        RTO_AS_RETURN: prepaid_rtos,
        DUPLICATE: rtos,
        REVERSAL: refunds,
        UNSETTLED: prepaid_sales,
        FEE: sales,
        SLA_PENALTY: sales,
        TAX: sales,
    }
    kinds_of = {RTO_AS_RETURN: "RTO", DUPLICATE: "RTO", REVERSAL: "REFUND"}
    for cls in (RTO_AS_RETURN, DUPLICATE, REVERSAL, UNSETTLED, FEE, SLA_PENALTY, TAX):  # the scarcest first
        chosen = pick(rng, wanted[cls], used, first)
        if chosen is None:
            plan.missing.append(cls)
            continue
        oid, at = chosen
        kind = kinds_of.get(cls, "SHIP")
        order = account.orders[oid]
        sid = group_id(account.key, group_index(at))
        plan.errors.append(SeededError(cls, oid, order.lines[0].order_item_id, sid, detail=_DETAIL[cls], at=(kind, at)))
    order_of = {c: i for i, c in enumerate((SLA_PENALTY, *CLASSES))}
    plan.errors.sort(key=lambda e: order_of[e.cls])


_DETAIL = {
    SLA_PENALTY: "late-dispatch penalty on an order shipped on time",
    DUPLICATE: "reverse weight handling charged twice on an RTO",
    REVERSAL: "referral fee never given back on a customer refund",
    UNSETTLED: "shipped prepaid order posted with nothing paid",
    FEE: "referral fee three points above the category's",
    TAX: "TCS / TDS on the value with GST",
    RTO_AS_RETURN: "RTO charged a customer refund's commission",
}


def apply(account: Account, order: Order, kind: str, txn: Transaction) -> Transaction:
    """The transaction with the armed errors placed in it."""
    plan = plan_of(account, account.key)
    if plan is None or not plan.armed:
        return txn
    errors = [e for e in plan.of(order.order_id) if e.at[0] == kind]
    if not errors:
        return txn
    items = list(txn.items)
    line = order.lines[0]
    for e in errors:
        first = items[0] if items else None
        if e.cls == SLA_PENALTY:
            penalties = parent("Penalties", [Node("LateDispatchPenalty", -PENALTY_LATE_DISPATCH)])
            items.append(TxnItem(line, 0, (penalties, _gst_on(penalties))))
        elif e.cls == UNSETTLED:
            items = []
        elif e.cls == FEE and first is not None:
            commission = rhu(line.total_paise, line.sku.commission_bp + FEE_EXTRA_BP, 10000)
            fees = parent(
                "AmazonFees",
                [
                    Node("Commission", -commission),
                    Node("FixedClosingFee", -closing_fee(line.sku.price_paise) * line.quantity),
                    Node("ShippingFee", -shipping_fee(line.sku.weight_grams * line.quantity, account.zone(order))),
                ],
            )
            nodes = tuple(
                fees if n.label == "AmazonFees" else _gst_on(fees) if n.label == "GSTOnFees" else n for n in first.nodes
            )
            items[0] = replace(first, nodes=nodes)
        elif e.cls == TAX and first is not None:
            wrong = _withheld(line.total_paise, txn.posted_s, order.intra_state, -1)
            items[0] = replace(first, nodes=tuple(wrong if n.label == "TaxWithheld" else n for n in first.nodes))
        elif e.cls == REVERSAL and first is not None:
            fees = next(n for n in first.nodes if n.label == "AmazonFees")
            kept = parent("AmazonFees", [c for c in fees.children if c.label != "Commission"])
            nodes = tuple(
                kept if n.label == "AmazonFees" else _gst_on(kept) if n.label == "GSTOnFees" else n for n in first.nodes
            )
            items[0] = replace(first, nodes=nodes)
        elif e.cls == DUPLICATE:
            reverse = parent(
                "AmazonFees",
                [Node("ReverseShippingFee", -shipping_fee(line.sku.weight_grams * line.quantity, account.zone(order)))],
            )
            items.append(TxnItem(line, line.quantity, (reverse, _gst_on(reverse))))
        elif e.cls == RTO_AS_RETURN:
            paid = rhu(line.total_paise, line.sku.commission_bp, 10000)
            kept = parent("AmazonFees", [Node("RefundCommission", -min(rhu(paid, 20, 100), 30000))])
            items.append(TxnItem(line, line.quantity, (kept, _gst_on(kept))))
    return replace(txn, items=tuple(items), total=sum(i.total for i in items))
