"""Settlements: the cycles (by end date), a cycle's lines (paged) and its statement CSV. The arithmetic is in
``settlement.py``."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.ajio import views
from robnu.sandbox.ajio.plumbing import MAX_PAGE, AjioApi, check_paging, parse_day


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world

    @app.get("/payments/settlements")
    def settlements(request: Request, from_date: str | None = None, to_date: str | None = None) -> dict[str, Any]:
        book = api.authed(request, "getSettlements")
        lo = parse_day(from_date) if from_date else None
        hi = parse_day(to_date) if to_date else None
        now = world.now()
        return {
            "settlements": [
                views.settlement(book, c, world.statement(book, c), now) for c in world.cycles(book, lo, hi)
            ]
        }

    @app.get("/payments/settlements/{settlement_id}/lines")
    def settlement_lines(request: Request, settlement_id: str, page: int = 0, size: int = MAX_PAGE) -> dict[str, Any]:
        book = api.authed(request, "getSettlementLines")
        check_paging(page, size)
        sid, lines = api.cycle_lines(book, settlement_id)
        numbered = list(enumerate(lines, 1))
        rows, meta = views.page_of(numbered, page, size)
        return {"lines": [views.settlement_line(sid, n, ln) for n, ln in rows], "page": meta}

    @app.get("/payments/settlements/{settlement_id}/statement.csv")
    def statement_csv(request: Request, settlement_id: str) -> Response:
        book = api.authed(request, "getSettlementStatement")
        sid, lines = api.cycle_lines(book, settlement_id)
        buf = io.StringIO()
        cols = [
            "line_id",
            "order_id",
            "order_item_id",
            "line_group",
            "line_type",
            "base_amount",
            "rate",
            "amount",
            "event_date",
            "reference",
        ]
        writer = csv.DictWriter(buf, fieldnames=cols)
        writer.writeheader()
        for n, ln in enumerate(lines, 1):
            writer.writerow(views.settlement_line(sid, n, ln))
        return Response(buf.getvalue().encode(), media_type="text/csv; charset=utf-8")
