"""Processing (batches by day, stage progress, closing a batch by hand) and the live SLA watchdog. The batches,
the board and the headroom history are the API's read models (``GET /v1/processing/batches``, ``/v1/sla``,
``/v1/sla/history``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from robnu.domain.clock import IST, ist_day
from robnu.services.processing import process_account
from robnu.services.queries import sla
from robnu.services.queries.common import MAX_LIMIT
from robnu.services.queries.processing import BatchFilters, BatchView, get_batch, list_batches
from robnu.web import permissions as P
from robnu.web.flow import stage_count
from robnu.web.formatting import script_json
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.pages.job_view import job_card
from robnu.web.viewer import Viewer

router = APIRouter()
SLA_POLL_SECONDS = 5
DAYS_SHOWN = 7


@dataclass(frozen=True)
class BatchRow:
    """A batch as the page draws it: the read model plus its flow's stage count for the progress bar."""

    batch: BatchView
    stages: int
    furthest: int  # the lowest stage an open order has completed: where the batch as a whole stands

    @property
    def may_close_by_hand(self) -> bool:
        """A user may close an open batch whose policy waits for a user (MANUAL) or for a time (DELAYED)."""
        return self.batch.status == "OPEN" and self.batch.closure_policy in ("MANUAL", "DELAYED")


@router.get("/process/batches", response_class=HTMLResponse)
def batches_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> HTMLResponse:
    since = (ist_day(d.rt.clock.now()) - timedelta(days=DAYS_SHOWN - 1)).isoformat()
    with d.session(viewer) as s:
        batches = list_batches(s, viewer.seller_id, BatchFilters(ist_day_from=since), limit=MAX_LIMIT).items
    days: dict[str, list[BatchRow]] = {}
    for b in sorted(batches, key=lambda b: (b.account.marketplace, b.batch_no)):
        stages = stage_count(d.rt.registry, b.account.marketplace)
        furthest = stages if b.lowest_open_stage is None else b.lowest_open_stage
        days.setdefault(b.ist_day, []).append(BatchRow(b, stages, furthest))
    newest_first = dict(sorted(days.items(), reverse=True))
    return render(request, d, viewer, "batches.html", days=newest_first)


@router.post("/process/batches/{batch_id}/close", response_class=HTMLResponse)
async def close_batch(
    request: Request, batch_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_RUN))
) -> HTMLResponse:
    """The user's manual close: a processing run with ``close_manifest`` (the flow decides whether the batch's
    policy lets it close now), run as a job."""
    await check_csrf(request, viewer)
    with d.session(viewer) as s:
        account_id = get_batch(s, viewer.seller_id, batch_id).account.account_id  # another seller's: NotFound

    def run() -> str:
        report = process_account(d.rt, account_id, {"close_manifest": True})
        return f"{report.processed} processed, {report.held} held"

    steps = [("processing with manual close", run)]
    # kind close_batch is never run again from its card: the batch's page shows whether to close it again.
    job = d.jobs.submit(viewer.seller_id, f"Close batch {batch_id}", steps, kind="close_batch", subject_id=batch_id)
    return job_card(request, d, viewer, job)


def _sla_chart(history: list[sla.SlaPoint]) -> dict[str, object]:
    by_batch: dict[int, list[dict[str, object]]] = {}
    labels: set[str] = set()
    for point in history:
        x = point.at.astimezone(IST).strftime("%d %b %H:%M")
        labels.add(x)
        by_batch.setdefault(point.batch_id, []).append({"x": x, "y": point.headroom_pct})
    return {
        "type": "line",
        "data": {
            "labels": sorted(labels),
            "datasets": [{"label": f"batch {b}", "data": points, "spanGaps": True} for b, points in by_batch.items()],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "headroom %"}}}},
    }


@router.get("/process/sla-watchdog", response_class=HTMLResponse)
def sla_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        board = sla.sla_board(s, viewer.seller_id, d.rt.clock.now())
        history = sla.sla_history(s, viewer.seller_id)
    return render(
        request,
        d,
        viewer,
        "sla.html",
        board=board,
        now=d.rt.clock.now(),
        poll=SLA_POLL_SECONDS,
        chart=script_json(_sla_chart(history)),
        has_history=bool(history),
    )


@router.get("/process/sla-watchdog/board", response_class=HTMLResponse)
def sla_board(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.PROCESSING_READ))
) -> Response:
    """The board alone, polled by the page: it updates without a reload."""
    with d.session(viewer) as s:
        board = sla.sla_board(s, viewer.seller_id, d.rt.clock.now())
    return d.templates.TemplateResponse(
        request, "partials/sla_board.html", {"board": board, "now": d.rt.clock.now(), "poll": SLA_POLL_SECONDS}
    )
