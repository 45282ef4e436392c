"""Processing (batches by day, stage progress, closing a batch by hand) and the live SLA watchdog."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from robnu.domain.clock import IST
from robnu.domain.errors import NotFound
from robnu.services.dashboard.processing import batch_account, batches_by_day, headroom_history
from robnu.services.processing import process_account
from robnu.services.sla import headroom_board
from robnu.web import permissions as P
from robnu.web.formatting import script_json
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()
SLA_POLL_SECONDS = 5


@router.get("/process/batches", response_class=HTMLResponse)
def batches_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        days = batches_by_day(s, d.rt.registry, viewer.seller_id)
    return render(request, d, viewer, "batches.html", days=days)


@router.post("/process/batches/{batch_id}/close", response_class=HTMLResponse)
async def close_batch(
    request: Request, batch_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_RUN))
) -> HTMLResponse:
    """The user's manual close: a processing run with ``close_manifest`` (the flow decides whether the batch's
    policy lets it close now), run as a job."""
    await check_csrf(request, viewer)
    with d.session(viewer) as s:
        account_id = batch_account(s, viewer.seller_id, batch_id)
    if account_id is None:
        raise NotFound(f"batch {batch_id} does not exist")

    def run() -> str:
        report = process_account(d.rt, account_id, {"close_manifest": True})
        return f"{report.processed} processed, {report.held} held"

    job = d.jobs.submit(viewer.seller_id, f"Close batch {batch_id}", [("processing with manual close", run)])
    return d.templates.TemplateResponse(request, "partials/job.html", {"job": job})


def _sla_chart(history: list[tuple[object, int, float, str]]) -> dict[str, object]:
    by_batch: dict[int, list[dict[str, object]]] = {}
    for at, batch_id, pct, _band in history:
        by_batch.setdefault(batch_id, []).append({"x": at.astimezone(IST).strftime("%d %b %H:%M"), "y": pct})  # type: ignore[attr-defined]
    labels = sorted({p["x"] for points in by_batch.values() for p in points})  # type: ignore[type-var]
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [{"label": f"batch {b}", "data": points, "spanGaps": True} for b, points in by_batch.items()],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "headroom %"}}}},
    }


@router.get("/process/sla-watchdog", response_class=HTMLResponse)
def sla_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> HTMLResponse:
    board = headroom_board(d.rt, viewer.seller_id)
    with d.session(viewer) as s:
        history = headroom_history(s, viewer.seller_id)
    return render(
        request,
        d,
        viewer,
        "sla.html",
        board=board,
        now=d.rt.clock.now(),
        poll=SLA_POLL_SECONDS,
        chart=script_json(_sla_chart(history)),  # type: ignore[arg-type]
        has_history=bool(history),
    )


@router.get("/process/sla-watchdog/board", response_class=HTMLResponse)
def sla_board(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> Response:
    """The board alone, polled by the page: it updates without a reload."""
    board = headroom_board(d.rt, viewer.seller_id)
    return d.templates.TemplateResponse(
        request, "partials/sla_board.html", {"board": board, "now": d.rt.clock.now(), "poll": SLA_POLL_SECONDS}
    )
