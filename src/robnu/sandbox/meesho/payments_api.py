"""Payments: settlements of closed periods, a settlement's lines (paged) and one sub-order's payment lines.
The arithmetic is in ``settlement.py``."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.meesho import pagination as pg
from robnu.sandbox.meesho import settlement as st
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.errors import fail, validation_error
from robnu.sandbox.meesho.money import money
from robnu.sandbox.meesho.plumbing import MeeshoApi, ok, parse_date


def register(app: FastAPI, api: MeeshoApi) -> None:
    world, kit = api.world, api.kit

    @app.get("/v1/payments/settlements")
    def list_settlements(request: Request) -> Response:
        acct = api.begin(request, "listSettlements")
        now = world.clock.now()
        today = tl.ist_date(now)
        end = parse_date("to", request.query_params.get("to")) or today
        start = parse_date("from", request.query_params.get("from")) or end - timedelta(days=30)
        if end < start:
            raise validation_error("to", "must not be before from")
        if (end - start).days > 92:
            raise fail(400, "DATE_RANGE_TOO_LARGE", {"field": "from/to", "max_days": 92})
        book = st.ledger(acct, world.config)
        headers = [
            st.settlement_header(acct, period, lines, now)
            for period, lines in st.closed_periods(book, now)
            if start <= st.payment_date(period) <= end
        ]
        return ok(headers, pagination={"next_cursor": None, "has_more": False})

    @app.get("/v1/payments/settlements/{settlement_id}/lines")
    def settlement_lines(settlement_id: str, request: Request) -> Response:
        op = "listSettlementLines"
        acct = api.begin(request, op)
        params = dict(request.query_params)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        book = st.ledger(acct, world.config)
        period = next(
            (lines for start, lines in st.closed_periods(book, now) if st.settlement_id(acct, start) == settlement_id),
            None,
        )
        if period is None:
            raise fail(404, "NOT_FOUND", {"settlement_id": settlement_id})
        offset = 0
        if params.get("cursor"):
            offset = int(pg.decode(params["cursor"], params, now.timestamp())["k"])
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
        page = period[offset : offset + limit]
        items = [st.line_view(line) for line in page]
        if offset and kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, acct.supplier_id):
            items.insert(0, st.line_view(period[offset - 1]))
        more = offset + limit < len(period)
        cursor = (
            pg.encode({"k": offset + limit, "f": pg.fingerprint(params), "x": now.timestamp() + pg.CURSOR_TTL})
            if more
            else None
        )
        return ok(items, pagination={"next_cursor": cursor, "has_more": more})

    @app.get("/v1/payments/sub-orders/{sub_order_no}")
    def sub_order_payments(sub_order_no: str, request: Request) -> Response:
        acct = api.begin(request, "getSubOrderPayments")
        sub = world.sub_order(acct, sub_order_no)
        now = world.clock.now()
        book = st.ledger(acct, world.config)
        closed_before = tl.ist_at(st.period_start(tl.ist_date(now)), time(0, 0))
        lines = [line for line in book.by_sub.get(sub.sub_order_no, []) if line.event_at <= now]
        views = [
            st.line_view(
                line,
                with_settlement=True,
                settlement=st.settlement_id(acct, st.period_start(tl.ist_date(line.event_at)))
                if line.event_at < closed_before
                else None,
            )
            for line in lines
        ]
        total = sum((line.amount for line in lines), Decimal(0))
        return ok({"sub_order_no": sub.sub_order_no, "lines": views, "final_settlement_amount": money(total)})
