"""Runs and reports: what each scheduled or manual run did."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.domain.errors import NotFound
from robnu.services.reports import RunOutcome, get_report, list_reports, render_text
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    status: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.RUNS_READ)),
) -> HTMLResponse:
    status = status if status in RunOutcome.__members__ else ""
    reports = list_reports(d.rt, seller_id=viewer.seller_id, status=status or None, limit=100)
    return render(request, d, viewer, "runs.html", reports=reports, status=status, outcomes=list(RunOutcome))


@router.get("/runs/{report_id}", response_class=HTMLResponse)
def run_page(
    request: Request, report_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.RUNS_READ))
) -> HTMLResponse:
    found = list_reports(d.rt, seller_id=viewer.seller_id, limit=1, report_id=report_id)
    if not found:
        raise NotFound(f"run report {report_id} does not exist")
    report = get_report(d.rt, report_id)
    return render(request, d, viewer, "run.html", r=report, text=render_text(report))
