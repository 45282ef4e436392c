"""Long actions (sync now, validate, process, close a batch) run as jobs on a small thread pool: the page that
started one gets its id at once and polls its progress; nothing blocks a request.

A job runs on the pool of the process that started it, and its progress is recorded in the database after each
step (``services/web_jobs``, table ``web_jobs``, seller-scoped), so any process serving the dashboard
(``robnu serve --workers N``) answers the poll. What a job did is also recorded where the work itself records it
(run reports, sync runs, credential events).

The board names itself as the owner of the jobs it runs and beats on them from one thread while they are queued
or running; a poll finds a job whose process died by its stale heartbeat and shows it INTERRUPTED (see
``services/web_jobs``). ``close_jobs_of_dead_processes`` does the same at a process's start for the jobs of
earlier processes on this host that it knows are gone."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import replace

from sqlalchemy.orm import Session

from robnu.security.redaction import redact
from robnu.services import web_jobs
from robnu.services.job_owner import Owner
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session
from robnu.services.web_jobs import HEARTBEAT_EVERY
from robnu.services.web_jobs import JobView as Job

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], str]]  # (label, work returning a one-line result)
SessionScope = Callable[[Runtime, int], AbstractContextManager[Session]]  # (rt, seller id) -> a scoped session

__all__ = ["Job", "JobBoard", "SessionScope", "Step", "close_jobs_of_dead_processes"]


class JobInterrupted(Exception):
    """The job's row was marked INTERRUPTED while this process still ran it (it had stalled past the limit)."""


class JobBoard:
    def __init__(
        self,
        rt: Runtime,
        workers: int = 2,
        scope: SessionScope = tenant_session,
        *,
        heartbeat_seconds: float = HEARTBEAT_EVERY.total_seconds(),
        owner: Owner | None = None,
    ) -> None:
        self._rt = rt
        self._scope = scope
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="robnu-web-job")
        self.owner = owner or Owner.this_process()
        self._heartbeat_seconds = heartbeat_seconds
        self._live: dict[str, int] = {}  # job id -> seller id: queued or running on this board
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def submit(
        self,
        seller_id: int,
        title: str,
        steps: list[Step],
        *,
        kind: str | None = None,
        subject_id: int | None = None,
        retry_of: str | None = None,
    ) -> Job:
        """Record the job (committed before this returns, so a poll anywhere finds it) and start it here.
        ``kind`` and ``subject_id`` say what it does, for running it again; ``retry_of`` is the interrupted job
        this one runs again (claimed once: a second claim is a Conflict and starts nothing)."""
        with self._scope(self._rt, seller_id) as s:
            job = web_jobs.create(
                s,
                seller_id,
                secrets.token_urlsafe(12),
                title,
                len(steps),
                self._rt.clock.now(),
                owner=str(self.owner),
                kind=kind,
                subject_id=subject_id,
                retry_of=retry_of,
            )
        with self._lock:
            self._live[job.id] = seller_id
            self._start_beating()
        self._pool.submit(self._run, job, steps)
        return job

    def get(self, seller_id: int, job_id: str) -> Job | None:
        """The job, only for the seller that started it (whichever process runs it); one whose process has
        stopped beating is marked INTERRUPTED first."""
        with self._scope(self._rt, seller_id) as s:
            return web_jobs.poll(s, seller_id, job_id, self._rt.clock.now())

    def _save(self, job: Job) -> None:
        with self._scope(self._rt, job.seller_id) as s:
            if not web_jobs.record(s, job, self._rt.clock.now()):
                raise JobInterrupted(job.id)

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
        except JobInterrupted:  # a poll gave it up while this process stalled: its end is already recorded
            log.warning("job %s was marked interrupted while it ran here; its remaining steps are skipped", job.id)
        except Exception:  # recording progress failed (the database went away): logged, the pool lives on
            log.exception("job %s could not record its progress", job.id)
        finally:
            with self._lock:
                self._live.pop(job.id, None)

    def _start_beating(self) -> None:
        if self._beating is None and not self._stop.is_set():
            self._beating = threading.Thread(target=self._beat_loop, name="robnu-web-job-heartbeat", daemon=True)
            self._beating.start()

    def _beat_loop(self) -> None:
        while not self._stop.wait(self._heartbeat_seconds):
            self.beat()

    def beat(self) -> None:
        """One sign of life on every job queued or running here (the heartbeat thread calls it)."""
        with self._lock:
            by_seller: dict[int, list[str]] = {}
            for job_id, seller_id in self._live.items():
                by_seller.setdefault(seller_id, []).append(job_id)
        for seller_id, job_ids in by_seller.items():
            try:
                with self._scope(self._rt, seller_id) as s:
                    web_jobs.beat(s, seller_id, job_ids, str(self.owner), self._rt.clock.now())
            except Exception:  # the database is away: the next beat tries again; the limit allows several misses
                log.warning("heartbeat of %d dashboard job(s) failed", len(job_ids), exc_info=True)

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def close_jobs_of_dead_processes(rt: Runtime, me: Owner, scope: SessionScope = tenant_session) -> int:
    """At a process's start: mark INTERRUPTED the active jobs of earlier processes on this host that are known
    to be gone (see ``Owner.is_dead_seen_from``), each in its seller's scope; how many this call marked. Jobs
    of other hosts, or of processes that may be alive, are left to the heartbeat."""
    with rt.sessions() as s:  # system work: the jobs of every seller on this host
        candidates = web_jobs.active_on_host(s, me.host)
    closed = 0
    for job_id, seller_id, owner in candidates:
        parsed = Owner.parse(owner)
        if parsed is None or not parsed.is_dead_seen_from(me):
            continue
        with scope(rt, seller_id) as s:
            closed += web_jobs.interrupt(s, seller_id, job_id, rt.clock.now(), stale_before=None)
    if closed:
        log.info("closed %d dashboard job(s) of this host's earlier processes", closed)
    return closed
