"""Orders: the list with filters and search (and its chart), one order's detail, document downloads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.domain.clock import ist_day, ist_midnight
from robnu.domain.errors import InvalidInput
from robnu.services.dashboard.orders import OrderFilters, flow_stages, list_orders, order_statuses, orders_per_day
from robnu.services.queries.orders import get_order
from robnu.web import permissions as P
from robnu.web.formatting import script_json
from robnu.web.pages.core import Dashboard, dashboard, is_htmx, need, render
from robnu.web.viewer import Viewer

router = APIRouter()
PROCESSING_STATES = ("PENDING", "IN_PROGRESS", "HELD", "HELD_QUOTA", "DONE", "FAILED", "SKIPPED")
CHART_DAYS = 30


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{value[:20]!r} is not a date (YYYY-MM-DD)") from None


def _int(field: str, value: str | None, default: int) -> int:
    if not value:
        return default
    if not value.isdigit() or len(value) > 6:
        raise InvalidInput(field, "must be a whole number")
    return int(value)


@router.get("/orders", response_class=HTMLResponse)
def orders_list(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ORDERS_READ))
) -> HTMLResponse:
    args = request.query_params
    error = None
    try:
        f = OrderFilters(
            marketplace=args.get("marketplace") or None,
            status=args.get("status") or None,
            processing=args.get("processing") or None,
            q=(args.get("q") or "").strip() or None,
            day_from=_day("day_from", args.get("day_from")),
            day_to=_day("day_to", args.get("day_to")),
            page=_int("page", args.get("page"), 1),
        )
    except InvalidInput as exc:
        error, f = exc, OrderFilters()
    with d.session(viewer) as s:
        page = list_orders(s, viewer.seller_id, f)
        statuses = order_statuses(s, viewer.seller_id)
        since = ist_midnight(ist_day(d.rt.clock.now()) - timedelta(days=CHART_DAYS - 1))
        per_day = orders_per_day(s, viewer.seller_id, since)
    codes = [a.code for a in d.rt.registry.all()]
    kept = [(k, v) for k, v in args.multi_items() if k != "page" and v]
    context: dict[str, Any] = {
        "prev_url": f"/orders?{urlencode([*kept, ('page', page.page - 1)])}" if page.page > 1 else None,
        "next_url": f"/orders?{urlencode([*kept, ('page', page.page + 1)])}" if page.has_next else None,
        "page": page,
        "f": f,
        "args": args,
        "error": error,
        "statuses": statuses,
        "codes": codes,
        "processing_states": PROCESSING_STATES,
        "chart": script_json(_chart(per_day)),
    }
    if is_htmx(request) and request.headers.get("hx-target") == "orders-results":
        return d.templates.TemplateResponse(request, "partials/orders_table.html", context)
    return render(request, d, viewer, "orders.html", **context)


def _chart(per_day: list[tuple[str, str, int]]) -> dict[str, object]:
    days = sorted({day for day, _, _ in per_day})
    codes = sorted({code for _, code, _ in per_day})
    counts = {(day, code): n for day, code, n in per_day}
    return {
        "type": "bar",
        "data": {
            "labels": days,
            "datasets": [{"label": code, "data": [counts.get((day, code), 0) for day in days]} for code in codes],
        },
        "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}},
    }


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, order_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ORDERS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        detail = get_order(s, viewer.seller_id, order_id)  # the API's read model: the same order, the same checks
    proc = detail.processing
    stages = flow_stages(
        d.rt.registry, detail.account.marketplace, proc.status if proc else None, proc.stage if proc else None
    )
    return render(request, d, viewer, "order.html", o=detail, stages=stages)
