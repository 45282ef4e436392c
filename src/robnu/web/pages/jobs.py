"""A job's progress, polled by its card, and "Run again" for an interrupted job of a kind that is safe to run
again (``services/web_jobs.RETRYABLE_KINDS``): a new job for the same account, asking for the permission that
starts that kind, claimed once however many clicks or tabs ask."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.domain.errors import Conflict, InvalidInput, NotFound
from robnu.services.web_jobs import RETRYABLE_KINDS
from robnu.web.jobs import Job
from robnu.web.pages.accounts import start_sync, start_validate
from robnu.web.pages.core import Dashboard, check_csrf, current_viewer, dashboard
from robnu.web.pages.job_view import START_PERMISSION, job_card
from robnu.web.viewer import Forbidden, Viewer

router = APIRouter()


class Starter(Protocol):
    """Starts a kind of job for its subject (an account), as the user's own button does."""

    def __call__(self, d: Dashboard, viewer: Viewer, account_id: int, *, retry_of: str | None = None) -> Job: ...


STARTERS: dict[str, Starter] = {"sync": start_sync, "validate": start_validate}
assert set(STARTERS) == RETRYABLE_KINDS, "every kind safe to run again needs its starter"


def _job(d: Dashboard, viewer: Viewer, job_id: str) -> Job:
    job = d.jobs.get(viewer.seller_id, job_id[:64])
    if job is None:
        raise NotFound(f"job {job_id[:64]} does not exist")
    return job


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_progress(
    request: Request, job_id: str, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(current_viewer)
) -> HTMLResponse:
    return job_card(request, d, viewer, _job(d, viewer, job_id))


@router.post("/jobs/{job_id}/retry", response_class=HTMLResponse)
async def retry_job(
    request: Request, job_id: str, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(current_viewer)
) -> HTMLResponse:
    """The new job's card (or, when it was already run again, that job's card)."""
    await check_csrf(request, viewer)
    job = _job(d, viewer, job_id)  # another seller's job: NotFound before anything else
    starter = STARTERS.get(job.kind or "")
    if starter is None or job.subject_id is None:
        raise InvalidInput("job", "this kind of job is not run again from here; start it again where it was started")
    permission = START_PERMISSION[job.kind or ""]
    if not viewer.can(permission):
        raise Forbidden(permission)
    if job.retried_as is None:
        if job.status != "INTERRUPTED":
            raise InvalidInput("job", f"only an interrupted job is run again (this one is {job.status.lower()})")
        try:
            return job_card(request, d, viewer, starter(d, viewer, job.subject_id, retry_of=job.id))
        except Conflict:  # another click or tab claimed it first: show the job it started
            job = _job(d, viewer, job.id)
    return job_card(request, d, viewer, _job(d, viewer, job.retried_as or ""))
