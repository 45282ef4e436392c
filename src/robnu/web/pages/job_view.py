"""A job's card (``partials/job.html``) for a viewer: its progress, and for an interrupted job what happened and,
when its kind is safe to run again and the viewer holds that kind's permission, a "Run again" button."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from robnu.web import permissions as P
from robnu.web.jobs import Job
from robnu.web.pages.core import Dashboard
from robnu.web.viewer import Viewer

# The permission that starts each kind of job: running one again asks for the same.
START_PERMISSION = {"sync": P.SYNC_RUN, "validate": P.ACCOUNTS_WRITE, "close_batch": P.PROCESSING_RUN}


def may_retry(viewer: Viewer, job: Job) -> bool:
    permission = START_PERMISSION.get(job.kind or "")
    return job.retryable and permission is not None and viewer.can(permission)


def job_card(request: Request, d: Dashboard, viewer: Viewer, job: Job) -> HTMLResponse:
    return d.templates.TemplateResponse(request, "partials/job.html", job_context(viewer, job))


def job_context(viewer: Viewer, job: Job) -> dict[str, object]:
    return {"job": job, "can_retry": may_retry(viewer, job)}
