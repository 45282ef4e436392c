"""Returns and payouts (with fee and tax lines, reconciliation status, and the payouts-vs-fees chart): the API's
read models, the same rows as ``GET /v1/returns``, ``GET /v1/payouts[/{id}]`` and
``GET /v1/stats/payouts-per-month``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.domain.errors import InvalidInput
from robnu.domain.statuses import ReturnKind, ReturnStatus
from robnu.services.queries.common import MAX_LIMIT, Page
from robnu.services.queries.payouts import get_payout, list_payouts
from robnu.services.queries.returns import ReturnFilters, ReturnSummary, list_returns
from robnu.services.queries.stats import payouts_per_month
from robnu.web import permissions as P
from robnu.web.formatting import script_json
from robnu.web.pages.core import Dashboard, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()


@router.get("/returns", response_class=HTMLResponse)
def returns_page(
    request: Request,
    kind: str = "",
    status: str = "",
    q: str = "",
    cursor: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.RETURNS_READ)),
) -> HTMLResponse:
    kind, status, q = kind[:64], status[:64], q.strip()[:100]
    filters = ReturnFilters(kind=kind or None, status=status or None, q=q or None)
    error = None
    with d.session(viewer) as s:
        try:
            page = list_returns(s, viewer.seller_id, filters, cursor=cursor[:400] or None, limit=MAX_LIMIT)
        except InvalidInput as exc:
            error, page = exc, Page[ReturnSummary](items=[])
    return render(
        request,
        d,
        viewer,
        "returns.html",
        page=page,
        error=error,
        kind=kind,
        status=status,
        q=q,
        kinds=list(ReturnKind),
        statuses=list(ReturnStatus),
    )


@router.get("/payouts", response_class=HTMLResponse)
def payouts_page(
    request: Request,
    cursor: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.PAYOUTS_READ)),
) -> HTMLResponse:
    with d.session(viewer) as s:
        page = list_payouts(s, viewer.seller_id, cursor=cursor[:400] or None, limit=MAX_LIMIT)
        months = payouts_per_month(s, viewer.seller_id)
    chart = {
        "type": "bar",
        "data": {
            "labels": [m.ist_month for m in months],
            "datasets": [
                {"label": "Net paid (₹)", "data": [float(m.net_paid) for m in months]},
                {"label": "Fees and taxes (₹)", "data": [float(m.fees) for m in months]},
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True}}},
    }
    return render(request, d, viewer, "payouts.html", page=page, chart=script_json(chart))


@router.get("/payouts/{payout_id}", response_class=HTMLResponse)
def payout_page(
    request: Request, payout_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PAYOUTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        detail = get_payout(s, viewer.seller_id, payout_id)
    return render(request, d, viewer, "payout.html", p=detail)
