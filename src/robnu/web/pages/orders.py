"""Orders: the list with filters and search (and its chart), one order's detail, document downloads. The list,
the detail and the chart are the API's read models (``services/queries``): the same rows as ``GET /v1/orders``,
``GET /v1/orders/{id}`` and ``GET /v1/stats/orders-per-day``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.adapters.processing.flow import ProcessingStatus
from robnu.domain.clock import ist_day, ist_midnight
from robnu.domain.errors import InvalidInput
from robnu.domain.statuses import OrderStatus
from robnu.services.queries.common import Page
from robnu.services.queries.orders import OrderFilters, OrderSummary, get_order, list_orders
from robnu.services.queries.stats import DayCount, orders_per_day
from robnu.web import permissions as P
from robnu.web.flow import flow_stages
from robnu.web.formatting import script_json
from robnu.web.pages.core import Dashboard, dashboard, is_htmx, need, render
from robnu.web.viewer import Viewer

router = APIRouter()
ANY_HELD = "HELD"  # the processing filter's "held" means held for any reason (HELD or HELD_QUOTA)
PROCESSING_STATES = [ANY_HELD if s == ProcessingStatus.HELD else str(s) for s in ProcessingStatus]
CHART_DAYS = 30
PAGE_SIZE = 50


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{value[:20]!r} is not a date (YYYY-MM-DD)") from None


def _filters(args: Any) -> OrderFilters:
    """The form's fields as the read model's filters: IST days become the range of their midnights."""
    day_from, day_to = _day("day_from", args.get("day_from")), _day("day_to", args.get("day_to"))
    if day_from and day_to and day_from > day_to:
        raise InvalidInput("day_to", "must not be before the 'from' day")
    processing = args.get("processing") or None
    return OrderFilters(
        marketplace=args.get("marketplace") or None,
        status=args.get("status") or None,
        processing_status=None if processing == ANY_HELD else processing,
        held=processing == ANY_HELD,
        ordered_from=ist_midnight(day_from) if day_from else None,
        ordered_to=ist_midnight(day_to + timedelta(days=1)) if day_to else None,
        q=(args.get("q") or "").strip()[:100] or None,
    )


@router.get("/orders", response_class=HTMLResponse)
def orders_list(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ORDERS_READ))
) -> HTMLResponse:
    args = request.query_params
    error = None
    cursor = (args.get("cursor") or "")[:400] or None
    since = ist_midnight(ist_day(d.rt.clock.now()) - timedelta(days=CHART_DAYS - 1))
    with d.session(viewer) as s:
        try:
            page = list_orders(s, viewer.seller_id, _filters(args), cursor=cursor, limit=PAGE_SIZE)
        except InvalidInput as exc:  # the field is named above an empty list; the form keeps what was typed
            error, page = exc, Page[OrderSummary](items=[])
        per_day = orders_per_day(s, viewer.seller_id, since)
    kept = [(k, v) for k, v in args.multi_items() if k != "cursor" and v]
    context: dict[str, Any] = {
        "first_url": f"/orders?{urlencode(kept)}" if cursor else None,
        "next_url": f"/orders?{urlencode([*kept, ('cursor', page.next_cursor)])}" if page.next_cursor else None,
        "page": page,
        "args": args,
        "error": error,
        "statuses": list(OrderStatus),
        "codes": [a.code for a in d.rt.registry.all()],
        "processing_states": PROCESSING_STATES,
        "chart": script_json(_chart(per_day)),
    }
    if is_htmx(request) and request.headers.get("hx-target") == "orders-results":
        return d.templates.TemplateResponse(request, "partials/orders_table.html", context)
    return render(request, d, viewer, "orders.html", **context)


def _chart(per_day: list[DayCount]) -> dict[str, object]:
    days = sorted({c.ist_day for c in per_day})
    codes = sorted({c.marketplace for c in per_day})
    counts = {(c.ist_day, c.marketplace): c.orders for c in per_day}
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
