"""Returns and payouts (with fee and tax lines, reconciliation status, and the payouts-vs-fees chart)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.domain.statuses import ReturnKind, ReturnStatus
from robnu.services.dashboard.money import list_payouts, list_returns, payout_detail, payouts_vs_fees
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
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.RETURNS_READ)),
) -> HTMLResponse:
    kind = kind if kind in ReturnKind.__members__ else ""
    status = status if status in ReturnStatus.__members__ else ""
    with d.session(viewer) as s:
        rows = list_returns(s, viewer.seller_id, kind=kind or None, status=status or None, q=q[:100] or None)
    return render(
        request,
        d,
        viewer,
        "returns.html",
        rows=rows,
        kind=kind,
        status=status,
        q=q[:100],
        kinds=list(ReturnKind),
        statuses=list(ReturnStatus),
    )


@router.get("/payouts", response_class=HTMLResponse)
def payouts_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PAYOUTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        rows = list_payouts(s, viewer.seller_id)
        months = payouts_vs_fees(s, viewer.seller_id)
    chart = {
        "type": "bar",
        "data": {
            "labels": [m for m, _, _ in months],
            "datasets": [
                {"label": "Net paid (₹)", "data": [float(net) for _, net, _ in months]},
                {"label": "Fees and taxes (₹)", "data": [float(fees) for _, _, fees in months]},
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True}}},
    }
    return render(request, d, viewer, "payouts.html", rows=rows, chart=script_json(chart))


@router.get("/payouts/{payout_id}", response_class=HTMLResponse)
def payout_page(
    request: Request, payout_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PAYOUTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        detail = payout_detail(s, viewer.seller_id, payout_id)
    return render(request, d, viewer, "payout.html", p=detail)
