"""Runs and reports: what each scheduled or manual run did (the list is the API's read model, as
``GET /v1/run-reports``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.services.queries.common import MAX_LIMIT
from robnu.services.queries.runs import RunFilters, get_run_report, list_run_reports
from robnu.services.reports import RunOutcome, get_report, render_text
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
    cursor = (request.query_params.get("cursor") or "")[:400] or None
    with d.session(viewer) as s:
        page = list_run_reports(s, viewer.seller_id, RunFilters(status=status or None), cursor=cursor, limit=MAX_LIMIT)
    return render(request, d, viewer, "runs.html", page=page, status=status, outcomes=list(RunOutcome))


@router.get("/runs/{report_id}", response_class=HTMLResponse)
def run_page(
    request: Request, report_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.RUNS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        get_run_report(s, viewer.seller_id, report_id)  # another seller's report: NotFound, before any read
    report = get_report(d.rt, report_id)  # the report as the seller reads it in text
    return render(request, d, viewer, "run.html", r=report, text=render_text(report))
