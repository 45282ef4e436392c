"""The record of the dashboard's jobs: created when a job is submitted, updated after each step by the process
that runs it, read by whichever process answers the page's poll. Every call is for one seller: another seller's
job reads as missing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from robnu.db.web_models import WebJob

KEPT_FOR = timedelta(days=7)  # finished jobs older than this are dropped when the seller starts another
FINISHED = ("DONE", "FAILED")


@dataclass(frozen=True)
class JobView:
    id: str
    seller_id: int
    title: str
    total: int
    done: int
    status: str  # QUEUED, RUNNING, DONE, FAILED
    current: str | None
    results: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done / max(1, self.total))


def _view(row: WebJob) -> JobView:
    return JobView(
        row.id,
        row.seller_id,
        row.title,
        row.total,
        row.done,
        row.status,
        row.current,
        list(json.loads(row.results)),
        row.started_at,
        row.finished_at,
    )


def create(s: Session, seller_id: int, job_id: str, title: str, total: int, now: datetime) -> JobView:
    """Record a new job (QUEUED), and drop the seller's jobs that finished long ago."""
    s.execute(
        delete(WebJob).where(
            WebJob.seller_id == seller_id, WebJob.status.in_(FINISHED), WebJob.started_at < now - KEPT_FOR
        )
    )
    row = WebJob(
        id=job_id,
        seller_id=seller_id,
        title=title[:200],
        total=total,
        done=0,
        status="QUEUED",
        current=None,
        results="[]",
        started_at=now,
        updated_at=now,
    )
    s.add(row)
    s.flush()
    return _view(row)


def get(s: Session, seller_id: int, job_id: str) -> JobView | None:
    """The seller's job, or None (no such job, or another seller's)."""
    row = s.execute(select(WebJob).where(WebJob.id == job_id, WebJob.seller_id == seller_id)).scalar_one_or_none()
    return None if row is None else _view(row)


def record(s: Session, job: JobView, now: datetime) -> None:
    """Write the job's progress as it stands (the running process calls this when a step starts or ends)."""
    row = s.execute(select(WebJob).where(WebJob.id == job.id, WebJob.seller_id == job.seller_id)).scalar_one()
    row.done = job.done
    row.status = job.status
    row.current = None if job.current is None else job.current[:200]
    row.results = json.dumps(job.results)
    row.updated_at = now
    row.finished_at = job.finished_at
