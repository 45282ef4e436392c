"""Stock and listings: the one stock truth per SKU, each listing's pushed quantity (the API's read model, as
``GET /v1/stock``), and adjusting stock."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.queries.common import MAX_LIMIT
from robnu.services.queries.stock import list_stock
from robnu.services.stock import adjust_on_hand
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()
MAX_DELTA = 1_000_000


def _page(request: Request, d: Dashboard, viewer: Viewer, **extra: Any) -> HTMLResponse:
    sku = (request.query_params.get("sku") or "").strip()[:100]
    cursor = (request.query_params.get("cursor") or "")[:400] or None
    with d.session(viewer) as s:
        page = list_stock(s, viewer.seller_id, sku=sku or None, cursor=cursor, limit=MAX_LIMIT)
    return render(request, d, viewer, "stock.html", page=page, sku=sku, **extra)


@router.get("/stock", response_class=HTMLResponse)
def stock_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.STOCK_READ))
) -> HTMLResponse:
    return _page(request, d, viewer, form={}, error=None, done=request.query_params.get("done"))


def _parse_adjustment(form: dict[str, str]) -> tuple[str, int, str]:
    sku = form.get("sku", "").strip()
    if not sku or len(sku) > 100:
        raise InvalidInput("sku", "is required (at most 100 characters)")
    raw = form.get("delta", "").strip()
    try:
        delta = int(raw)
    except ValueError:
        raise InvalidInput("delta", f"{raw[:20]!r} is not a whole number (+5 received, -2 removed)") from None
    if delta == 0 or abs(delta) > MAX_DELTA:
        raise InvalidInput("delta", f"must be non-zero and at most {MAX_DELTA:,} either way")
    reason = form.get("reason", "").strip() or "adjusted in the dashboard"
    if len(reason) > 200 or not reason.isprintable():
        raise InvalidInput("reason", "must be at most 200 printable characters")
    return sku, delta, reason


@router.post("/stock/adjust", response_model=None)
async def stock_adjust(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.STOCK_WRITE))
) -> Response:
    form = await check_csrf(request, viewer)
    try:
        sku, delta, reason = _parse_adjustment(form)
        with d.rt.session() as s:  # one transaction: the ledger row, the level and the queued pushes
            level = adjust_on_hand(s, viewer.seller_id, sku, delta, f"{reason} ({viewer.email})", d.rt.clock.now())
    except (InvalidInput, NotFound) as exc:
        field = exc.field if isinstance(exc, InvalidInput) else "sku"
        reason_text = exc.reason if isinstance(exc, InvalidInput) else str(exc)
        return _page(request, d, viewer, form=form, error=(field, reason_text), done=None)
    done = urlencode({"sku": sku, "done": f"{sku}: on hand {level.on_hand}"})
    return RedirectResponse(f"/stock?{done}", status_code=303)
