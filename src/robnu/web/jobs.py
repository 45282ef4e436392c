"""Long actions (sync now, validate, process, close a batch) run as jobs on a small thread pool: the page that
started one gets its id at once and polls its progress; nothing blocks a request.

Jobs live in this process's memory (the dashboard is one process beside the API); what a job did is also
recorded where the work itself records it (run reports, sync runs, credential events)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from robnu.security.redaction import redact

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], str]]  # (label, work returning a one-line result)
KEPT = 200  # finished jobs remembered per process


@dataclass
class Job:
    id: str
    seller_id: int
    title: str
    total: int
    done: int = 0
    status: str = "QUEUED"  # QUEUED, RUNNING, DONE, FAILED
    current: str | None = None
    results: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("DONE", "FAILED")

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done / max(1, self.total))


class JobBoard:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="robnu-web-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, seller_id: int, title: str, steps: list[Step]) -> Job:
        job = Job(secrets.token_urlsafe(12), seller_id, title, len(steps))
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished:
                    break
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, steps)
        return job

    def get(self, seller_id: int, job_id: str) -> Job | None:
        """The job, only for the seller that started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.seller_id == seller_id else None

    def _run(self, job: Job, steps: list[Step]) -> None:
        job.status = "RUNNING"
        failed = False
        for label, work in steps:
            job.current = label
            try:
                job.results.append(f"{label}: {work()}")
            except Exception as exc:  # a job reports its failure; it never takes the process down
                log.warning("job %s step %s failed", job.id, label, exc_info=True)
                job.results.append(f"{label}: failed ({redact(str(exc))[:300]})")
                failed = True
            job.done += 1
        job.current = None
        job.finished_at = datetime.now(UTC)
        job.status = "FAILED" if failed else "DONE"

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
