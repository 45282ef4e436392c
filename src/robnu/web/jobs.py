"""Long actions (sync now, validate, process, close a batch) run as jobs on a small thread pool: the page that
started one gets its id at once and polls its progress; nothing blocks a request.

A job runs on the pool of the process that started it, and its progress is recorded in the database after each
step (``services/web_jobs``, table ``web_jobs``, seller-scoped), so any process serving the dashboard
(``robnu serve --workers N``) answers the poll. What a job did is also recorded where the work itself records it
(run reports, sync runs, credential events)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import replace

from sqlalchemy.orm import Session

from robnu.security.redaction import redact
from robnu.services import web_jobs
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session
from robnu.services.web_jobs import JobView as Job

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], str]]  # (label, work returning a one-line result)
SessionScope = Callable[[Runtime, int], AbstractContextManager[Session]]  # (rt, seller id) -> a scoped session

__all__ = ["Job", "JobBoard", "SessionScope", "Step"]


class JobBoard:
    def __init__(self, rt: Runtime, workers: int = 2, scope: SessionScope = tenant_session) -> None:
        self._rt = rt
        self._scope = scope
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="robnu-web-job")

    def submit(self, seller_id: int, title: str, steps: list[Step]) -> Job:
        """Record the job (committed before this returns, so a poll anywhere finds it) and start it here."""
        with self._scope(self._rt, seller_id) as s:
            job = web_jobs.create(s, seller_id, secrets.token_urlsafe(12), title, len(steps), self._rt.clock.now())
        self._pool.submit(self._run, job, steps)
        return job

    def get(self, seller_id: int, job_id: str) -> Job | None:
        """The job, only for the seller that started it (whichever process runs it)."""
        with self._scope(self._rt, seller_id) as s:
            return web_jobs.get(s, seller_id, job_id)

    def _save(self, job: Job) -> None:
        with self._scope(self._rt, job.seller_id) as s:
            web_jobs.record(s, job, self._rt.clock.now())

    def _run(self, job: Job, steps: list[Step]) -> None:
        try:
            failed = False
            results: list[str] = []
            for number, (label, work) in enumerate(steps):
                self._save(replace(job, status="RUNNING", current=label, done=number, results=list(results)))
                try:
                    results.append(f"{label}: {work()}")
                except Exception as exc:  # a job reports its failure; it never takes the process down
                    log.warning("job %s step %s failed", job.id, label, exc_info=True)
                    results.append(f"{label}: failed ({redact(str(exc))[:300]})")
                    failed = True
            finished = replace(
                job,
                status="FAILED" if failed else "DONE",
                current=None,
                done=len(steps),
                results=results,
                finished_at=self._rt.clock.now(),
            )
            self._save(finished)
        except Exception:  # recording progress failed (the database went away): logged, the pool lives on
            log.exception("job %s could not record its progress", job.id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
