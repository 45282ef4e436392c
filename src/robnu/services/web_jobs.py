"""The record of the dashboard's jobs: created when a job is submitted, updated after each step by the process
that runs it, read by whichever process answers the page's poll. Every call is for one seller: another seller's
job reads as missing.

The running process beats on its jobs' rows (``heartbeat_at``, every ``HEARTBEAT_EVERY``); a QUEUED or RUNNING
job whose heartbeat is older than ``ORPHANED_AFTER`` has lost its process (a crash, a restart, a deploy). The
first poll that sees that marks it INTERRUPTED with a message for the seller; the mark is one conditional
UPDATE, so of two processes that see it at once one marks it and the other finds it marked. Progress is written
the same way (only while the job is still active and still its owner's), so a process that was only stalled
cannot bring an interrupted job back.

Which kinds may be run again after an interruption (``RETRYABLE_KINDS``): those whose work is idempotent by
construction. A sync moves its cursor only after its batches are committed and writes by idempotent upserts, so
a second run fetches again what the first did not commit and rewrites what it did, unchanged; a credentials
check only reads the marketplace and records what it found. Closing a batch is not among them: the processing
run it starts acts on the marketplace (labels, a manifest), and whether to close again is for the seller to
decide on the batch's page, which shows where it stands."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, true, update
from sqlalchemy.orm import Session

from robnu.db.web_models import WebJob
from robnu.domain.clock import IST, as_utc
from robnu.domain.errors import Conflict

KEPT_FOR = timedelta(days=7)  # finished jobs older than this are dropped when the seller starts another
HEARTBEAT_EVERY = timedelta(seconds=15)
ORPHANED_AFTER = timedelta(seconds=90)  # six missed beats: a busy database or a long GC pause is not a death
ACTIVE = ("QUEUED", "RUNNING")
FINISHED = ("DONE", "FAILED", "INTERRUPTED")
RETRYABLE_KINDS = frozenset({"sync", "validate"})


@dataclass(frozen=True)
class JobView:
    id: str
    seller_id: int
    title: str
    total: int
    done: int
    status: str  # QUEUED, RUNNING, DONE, FAILED, INTERRUPTED
    current: str | None
    results: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    owner: str | None = None
    kind: str | None = None
    subject_id: int | None = None
    message: str | None = None
    retried_as: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done / max(1, self.total))

    @property
    def retryable(self) -> bool:
        """Interrupted, of a kind that is safe to run again, and not run again yet."""
        return self.status == "INTERRUPTED" and self.kind in RETRYABLE_KINDS and self.retried_as is None


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
        row.owner,
        row.kind,
        row.subject_id,
        row.message,
        row.retried_as,
    )


def create(
    s: Session,
    seller_id: int,
    job_id: str,
    title: str,
    total: int,
    now: datetime,
    *,
    owner: str | None = None,
    kind: str | None = None,
    subject_id: int | None = None,
    retry_of: str | None = None,
) -> JobView:
    """Record a new job (QUEUED, its heartbeat now), and drop the seller's jobs that finished long ago. With
    ``retry_of``: that interrupted job is claimed for this one in the same transaction, once; a job already
    run again, or not one that may be, is a Conflict."""
    if retry_of is not None:
        claimed = s.execute(
            update(WebJob)
            .where(
                WebJob.id == retry_of,
                WebJob.seller_id == seller_id,
                WebJob.status == "INTERRUPTED",
                WebJob.kind.in_(RETRYABLE_KINDS),
                WebJob.retried_as.is_(None),
            )
            .values(retried_as=job_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("job", "it was already run again, or it is not one that can be")
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
        heartbeat_at=now,
        owner=owner,
        kind=kind,
        subject_id=subject_id,
    )
    s.add(row)
    s.flush()
    return _view(row)


def get(s: Session, seller_id: int, job_id: str) -> JobView | None:
    """The seller's job as recorded, or None (no such job, or another seller's)."""
    row = s.execute(select(WebJob).where(WebJob.id == job_id, WebJob.seller_id == seller_id)).scalar_one_or_none()
    return None if row is None else _view(row)


def poll(s: Session, seller_id: int, job_id: str, now: datetime) -> JobView | None:
    """What a poll shows: the seller's job, first marked INTERRUPTED when its process has stopped beating."""
    row = s.execute(select(WebJob).where(WebJob.id == job_id, WebJob.seller_id == seller_id)).scalar_one_or_none()
    if row is None:
        return None
    if row.status in ACTIVE and as_utc(row.heartbeat_at) < now - ORPHANED_AFTER:
        interrupt(s, seller_id, job_id, now, stale_before=now - ORPHANED_AFTER)
        s.refresh(row)
    return _view(row)


def interrupt(s: Session, seller_id: int, job_id: str, now: datetime, *, stale_before: datetime | None) -> bool:
    """Mark the job INTERRUPTED if it is still active and its last heartbeat is before ``stale_before`` (None:
    its owner is known to be dead, whatever its heartbeat). True only for the one caller whose UPDATE did it
    (the conditions are checked on the row itself, under its lock)."""
    row = s.execute(
        select(WebJob.heartbeat_at).where(WebJob.id == job_id, WebJob.seller_id == seller_id)
    ).scalar_one_or_none()
    last = "" if row is None else f"; its last sign of life was at {as_utc(row).astimezone(IST):%d %b %H:%M} IST"
    message = (
        "Interrupted: the Robnu process running this job stopped (a restart, a deploy or a crash)"
        f"{last}. The steps listed finished; the step that was running may not have."
    )
    result = s.execute(
        update(WebJob)
        .where(
            WebJob.id == job_id,
            WebJob.seller_id == seller_id,
            WebJob.status.in_(ACTIVE),
            true() if stale_before is None else WebJob.heartbeat_at < stale_before,
        )
        .values(status="INTERRUPTED", message=message, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def record(s: Session, job: JobView, now: datetime) -> bool:
    """Write the job's progress as it stands (the running process calls this when a step starts or ends), which
    is also a heartbeat. False when the job is no longer its owner's to write: it was marked INTERRUPTED."""
    result = s.execute(
        update(WebJob)
        .where(
            WebJob.id == job.id,
            WebJob.seller_id == job.seller_id,
            WebJob.status.in_(ACTIVE),
            WebJob.owner.is_(None) if job.owner is None else WebJob.owner == job.owner,
        )
        .values(
            done=job.done,
            status=job.status,
            current=None if job.current is None else job.current[:200],
            results=json.dumps(job.results),
            updated_at=now,
            heartbeat_at=now,
            finished_at=job.finished_at,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def beat(s: Session, seller_id: int, job_ids: Collection[str], owner: str, now: datetime) -> int:
    """The owner's sign of life on its active jobs of one seller; how many rows it reached."""
    result = s.execute(
        update(WebJob)
        .where(
            WebJob.id.in_(list(job_ids)),
            WebJob.seller_id == seller_id,
            WebJob.owner == owner,
            WebJob.status.in_(ACTIVE),
        )
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def active_on_host(s: Session, host: str) -> list[tuple[str, int, str]]:
    """(job id, seller id, owner) of every active job whose owner ran on ``host``: system work at a process's
    start, across sellers, so the caller closes each in its seller's scope."""
    rows = s.execute(
        select(WebJob.id, WebJob.seller_id, WebJob.owner).where(
            WebJob.status.in_(ACTIVE), WebJob.owner.startswith(host + ":", autoescape=True)
        )
    ).all()
    return [(job_id, seller_id, owner) for job_id, seller_id, owner in rows if owner is not None]
