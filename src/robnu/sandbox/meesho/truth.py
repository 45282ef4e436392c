"""The truth of a Meesho account: what a full sync must leave in Robnu's database, keyed by Meesho's ids."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from robnu.sandbox.meesho import settlement as st
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.money import money as fmt_money
from robnu.sandbox.meesho.views import iso
from robnu.sandbox.meesho.world import MeeshoWorld


def account_truth(world: MeeshoWorld, acct: Account, now: datetime) -> dict[str, Any]:
    tl.ensure_all(acct)
    orders: dict[str, Any] = {}
    order_value = Decimal(0)
    for no, sub in acct.sub_orders.items():
        found = tl.status_at(sub, now)
        if found is None:
            continue
        orders[no] = {
            "status": found[0],
            "updated_at": iso(found[1]),
            "total": fmt_money(sub.total_price),
            "items": 1,
            "quantity": sub.quantity,
            "order_no": sub.order_no,
        }
        order_value += sub.total_price
    returns: dict[str, Any] = {}
    for rid, ret in acct.returns.items():
        state = tl.return_status_at(ret, now)
        if state is not None:
            returns[rid] = {
                "kind": ret.type,
                "status": state[0],
                "updated_at": iso(state[1]),
                "sub_order_no": ret.sub_order_no,
            }
    payouts: dict[str, Any] = {}
    payout_net = Decimal(0)
    book = st.ledger(acct, world.config)
    for start, lines in st.closed_periods(book, now):
        header = st.settlement_header(acct, start, lines, now)
        payouts[header["settlement_id"]] = {
            "net": header["net_amount"],
            "lines": header["line_count"],
            "status": header["status"],
            "payment_date": header["payment_date"],
        }
        payout_net += Decimal(header["net_amount"])
    return {
        "orders": orders,
        "returns": returns,
        "payouts": payouts,
        "totals": {"order_value": fmt_money(order_value), "payout_net": fmt_money(payout_net)},
    }
