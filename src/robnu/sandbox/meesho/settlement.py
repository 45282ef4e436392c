"""Payment lines per sub-order and weekly settlements (TCS and TDS as Indian law sets them for marketplaces).

Every line is computed from the sub-order's full timeline, future ones included, and carries its event time; a
settlement is the set of lines whose IST event date falls in a closed weekly period (Mon-Sun), paid on the
Wednesday after. The ledger is cached per account and rebuilt when the account's ``version`` moves.
"""

from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from robnu.sandbox.meesho import money as m
from robnu.sandbox.meesho import seeded
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.model import Account, SubOrder
from robnu.sandbox.meesho.world import WorldConfig

MONEY_FAULTS = ("duplicate_return_fee", "phantom_penalty", "wrong_weight_slab", "missing_delivered")
PAYMENT_TIME = time(10, 0)  # modelled: payouts land at 10:00 IST on the payment day


@dataclass(frozen=True, slots=True)
class Line:
    line_id: str
    sub_order_no: str
    line_type: str
    amount: Decimal
    event_at: datetime
    description: str


@dataclass
class Ledger:
    version: int
    lines: list[Line]  # sorted by event_at
    by_sub: dict[str, list[Line]]


def period_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def payment_date(start: date) -> date:
    return start + timedelta(days=9)  # the Wednesday after the Mon-Sun period (default)


def settlement_id(acct: Account, start: date) -> str:
    return f"STL{payment_date(start):%Y%m%d}{acct.supplier_id[1:]}"


def _fee_lines(
    sub: SubOrder, kind: str, fee: Decimal, at: datetime, text: str
) -> list[tuple[str, Decimal, datetime, str]]:
    return [(kind, -fee, at, text), ("GST_ON_FEES", -m.gst_on(fee), at, f"18% GST on {kind}")]


def sub_order_lines(sub: SubOrder, acct: Account, config: WorldConfig, faults: set[str]) -> list[Line]:
    raw: list[tuple[str, Decimal, datetime, str]] = []
    product = acct.products[sub.sku]
    value = m.q(sub.total_price)
    taxable = m.taxable_value(value, sub.gst_rate)
    slab_weight = product.weight_kg * sub.quantity + (Decimal("0.5") if "wrong_weight_slab" in faults else 0)
    ship_fee = m.shipping_fee(slab_weight)
    if sub.cancellation is not None:
        by, reason, at = sub.cancellation["cancelled_by"], sub.cancellation["reason"], sub.cancellation["at"]
        if by == "SUPPLIER":
            raw += _fee_lines(sub, "PENALTY_SUPPLIER_CANCEL", m.PENALTIES["PENALTY_SUPPLIER_CANCEL"], at, reason)
        elif reason == "AUTO_CANCELLED_NOT_DISPATCHED":
            raw += _fee_lines(sub, "PENALTY_AUTO_CANCEL", m.PENALTIES["PENALTY_AUTO_CANCEL"], at, reason)
    if sub.picked_up_at is not None and sub.picked_up_at > tl.sla_deadline(sub):
        raw += _fee_lines(
            sub,
            "PENALTY_LATE_DISPATCH",
            m.PENALTIES["PENALTY_LATE_DISPATCH"],
            sub.picked_up_at,
            "Picked up after the SLA deadline",
        )
    ret = acct.returns.get(sub.return_id) if sub.return_id else None
    if sub.delivered_at is not None:
        eligible = sub.delivered_at + timedelta(days=config.settlement_after_days)
        if "missing_delivered" not in faults:
            raw.append(("ORDER_VALUE", value, eligible, "Order value"))
            fees = [("FORWARD_SHIPPING_FEE", ship_fee)]
            if sub.payment_mode == "PREPAID":
                fees.append(("PAYMENT_GATEWAY_FEE", m.q(value * m.PG_FEE_RATE)))
            if acct.returns_assurance:
                fees.append(("RETURNS_ASSURANCE_FEE", m.q(value * m.RETURNS_ASSURANCE_RATE)))
            for kind, fee in fees:
                raw.append((kind, -fee, eligible, kind.replace("_", " ").title()))
            raw.append(("GST_ON_FEES", -m.gst_on(sum((f for _, f in fees), Decimal(0))), eligible, "18% GST on fees"))
            raw.append(("TCS", -m.tcs_on(taxable), eligible, "TCS 0.5% u/s 52 CGST on taxable value"))
            raw.append(("TDS", -m.tds_on(taxable), eligible, "TDS 0.1% u/s 194-O on taxable value"))
        if "phantom_penalty" in faults:
            raw += _fee_lines(sub, "PENALTY_WRONG_ITEM", m.PENALTIES["PENALTY_WRONG_ITEM"], eligible, "Wrong item")
        picked = next((t for t, s in ret.timeline() if s == "PICKED_UP"), None) if ret else None
        if ret is not None and ret.type == "CUSTOMER_RETURN" and picked is not None:
            at = max(picked, eligible)
            raw.append(("ORDER_REVERSAL", -value, at, f"Customer return {ret.return_id}"))
            if not acct.returns_assurance:
                raw += _fee_lines(sub, "RETURN_SHIPPING_FEE", ship_fee, at, ret.return_id)
                if "duplicate_return_fee" in faults:
                    raw.append(("RETURN_SHIPPING_FEE", -ship_fee, at, ret.return_id))
            raw.append(("TCS", m.tcs_on(taxable), at, "TCS reversed on return"))
            raw.append(("TDS", m.tds_on(taxable), at, "TDS reversed on return"))
    elif ret is not None and ret.type == "RTO" and config.rto_forward_fee:
        raw += _fee_lines(sub, "FORWARD_SHIPPING_FEE", ship_fee, ret.created_at, "Forward shipping on RTO")
    if ret is not None and ret.claim is not None and ret.claim.status == "APPROVED" and ret.claim.decided_at:
        raw.append(("CLAIM_REIMBURSEMENT", m.q(ret.claim.amount), ret.claim.decided_at, ret.claim.claim_id))
    return [
        Line(f"{sub.sub_order_no}-L{i:02d}", sub.sub_order_no, kind, m.q(amount), at, text)
        for i, (kind, amount, at, text) in enumerate(raw, start=1)
    ]


def _fault_targets(acct: Account) -> dict[str, str]:
    """Each money fault hits one sub-order: the earliest delivered one it can apply to (so it is settled soonest)."""
    targets: dict[str, str] = {}
    if not acct.money_faults:
        return targets
    delivered = sorted((sub.delivered_at, no) for no, sub in acct.sub_orders.items() if sub.delivered_at is not None)
    for _, no in delivered:
        sub = acct.sub_orders[no]
        ret = acct.returns.get(sub.return_id) if sub.return_id else None
        for fault in acct.money_faults:
            if fault in targets:
                continue
            if fault == "duplicate_return_fee" and not (ret and ret.type == "CUSTOMER_RETURN"):
                continue
            if fault != "duplicate_return_fee" and ret is not None:
                continue
            targets[fault] = no
        if len(targets) == len(acct.money_faults):
            break
    return targets


def ledger(acct: Account, config: WorldConfig) -> Ledger:
    cached: Ledger | None = acct.__dict__.get("_ledger")
    if cached is not None and cached.version == acct.version:
        return cached
    tl.ensure_all(acct)
    targets = _fault_targets(acct)
    by_sub: dict[str, list[Line]] = {}
    everything: list[Line] = []
    for no, sub in acct.sub_orders.items():
        faults = {f for f, target in targets.items() if target == no}
        lines = seeded.apply(acct, no, sub_order_lines(sub, acct, config, faults))  # seeded errors, when armed
        if lines:
            by_sub[no] = lines
            everything += lines
    everything.sort(key=lambda line: (line.event_at, line.line_id))
    result = Ledger(acct.version, everything, by_sub)
    acct.__dict__["_ledger"] = result
    return result


def closed_periods(book: Ledger, now: datetime) -> list[tuple[date, list[Line]]]:
    """Weekly periods that have ended by ``now`` and hold at least one line."""
    today = tl.ist_date(now)
    current = period_start(today)
    end = tl.ist_at(current, time(0, 0))
    stop = bisect.bisect_left(book.lines, end, key=lambda line: line.event_at)
    periods: dict[date, list[Line]] = {}
    for line in book.lines[:stop]:
        periods.setdefault(period_start(tl.ist_date(line.event_at)), []).append(line)
    return sorted(periods.items())


def settlement_header(acct: Account, start: date, lines: list[Line], now: datetime) -> dict[str, Any]:
    pay = payment_date(start)
    paid = now >= tl.ist_at(pay, PAYMENT_TIME)
    sid = settlement_id(acct, start)
    return {
        "settlement_id": sid,
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=6)).isoformat(),
        "payment_date": pay.isoformat(),
        "status": "PAID" if paid else "SCHEDULED",
        "utr": f"UTIB{zlib.crc32(sid.encode()) % 10**12:012d}" if paid else None,
        "net_amount": m.money(sum((line.amount for line in lines), Decimal(0))),
        "line_count": len(lines),
    }


def line_view(line: Line, *, with_settlement: bool = False, settlement: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "line_id": line.line_id,
        "sub_order_no": line.sub_order_no,
        "line_type": line.line_type,
        "amount": m.money(line.amount),
        "event_date": tl.ist_date(line.event_at).isoformat(),
        "description": line.description,
    }
    if with_settlement:
        view["settlement_id"] = settlement
    return view
