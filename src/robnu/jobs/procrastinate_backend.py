"""Procrastinate on PostgreSQL: ``robnu worker`` processes on any number of machines.

* The tick (a Procrastinate periodic task, de-duplicated across workers) claims due schedules and
  defers one ``robnu.run`` job per due run **in the same transaction** that moves the schedule's
  ``next_run_at`` — the job exists if and only if the claim committed.
* Queues: ``robnu`` for the tick and the recovery task, ``robnu.<code>`` (``robnu.ajio``, …) for the runs of
  accounts on that marketplace. A worker started for one marketplace listens to ``robnu`` and its
  marketplace's queue only, as that marketplace's database role (``robnu_worker_<code>``, which cannot read
  the other marketplaces' credential satellites); an all-marketplace worker listens to every queue.
* ``lock = robnu:account:<id>``: the jobs of one account run one after another (no two token
  refreshes race; no two runs of an (account, target) overlap); other accounts run in parallel.
* ``queueing_lock = robnu:run:<id>:<target>``: a due run waiting in the queue is queued once.
* Transient failures are retried with exponential backoff; bad credentials are not (the account's
  schedules are paused by ``execute_run``).
* Stalled jobs (their worker stopped heart-beating: killed, machine lost) are put back in the queue
  by a periodic recovery task; the sync engine's lease and cursor make the re-run safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from robnu.db import rls
from robnu.domain.errors import InvalidInput
from robnu.jobs.execute import execute_run
from robnu.jobs.metrics import pg_queue_depth
from robnu.jobs.settings import JobSettings, backoff_seconds, concurrency_for
from robnu.services import schedules
from robnu.services.runtime import Runtime

log = logging.getLogger(__name__)

RUN_TASK = "robnu.run"
TICK_TASK = "robnu.tick"
RECOVER_TASK = "robnu.recover_stalled"

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :qlock, CAST(:args AS jsonb),"
    " NULL::timestamptz)::procrastinate_job_to_defer_v1])) AS id"
)


class RetryRun(Exception):
    """A transient failure: Procrastinate re-queues the job after a backoff."""


class _Backoff(BaseRetryStrategy):
    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryRun) or job.attempts + 1 >= self.settings.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": backoff_seconds(job.attempts + 1, self.settings)})


def conninfo(rt: Runtime) -> str:
    url = rt.engine.url
    if url.get_backend_name() != "postgresql":
        raise RuntimeError("Procrastinate workers need PostgreSQL (ROBNU_DATABASE_URL=postgresql://…)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def schema_present(conn: Connection) -> bool:
    return conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one() is True


def apply_schema(rt: Runtime) -> bool:
    """Create Procrastinate's schema once (safe when many workers start together). True if created."""
    from procrastinate.schema import SchemaManager

    with rt.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('robnu.procrastinate.schema'))"))
        created = not schema_present(conn)
        if created:
            conn.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
        grant_queue_tables(conn)
    return created


_QUEUE_TABLES = text(
    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relname LIKE 'procrastinate%' AND c.relkind IN ('r', 'S')"
    " AND pg_has_role(current_user, c.relowner, 'USAGE')"
)


def grant_queue_tables(conn: Connection) -> None:
    """The queue's tables to the system and marketplace worker roles (a worker's engine acts as one of them
    and reads queue depth); only what the connecting role owns, so a worker's own start changes nothing."""
    roles = conn.execute(
        text("SELECT rolname FROM pg_roles WHERE rolname = :system OR starts_with(rolname, 'robnu_worker_')"),
        {"system": rls.SYSTEM_ROLE},
    ).scalars()
    listed = ", ".join(r for r in roles if rls.ROLE_NAME.fullmatch(r))
    if not listed:
        return
    for name, kind in conn.execute(_QUEUE_TABLES).tuples():
        rights = "USAGE, SELECT, UPDATE" if kind == "S" else "SELECT, INSERT, UPDATE, DELETE"
        conn.execute(text(f'GRANT {rights} ON "{name}" TO {listed}'))


def run_queue(settings: JobSettings, marketplace: str) -> str:
    """The queue of one marketplace's runs: ``robnu.ajio`` for AJIO (with the default ``ROBNU_JOBS_QUEUE``)."""
    return f"{settings.queue}.{marketplace.lower()}"


def defer_run(conn: Connection, settings: JobSettings, due: schedules.DueRun) -> int | None:
    """Defer one run on ``conn``'s transaction; None when the same run is already waiting (queueing lock)."""
    args = {"account_id": due.account_id, "target": due.target, "schedule_id": due.schedule_id}
    try:
        with conn.begin_nested():
            job_id = conn.execute(
                _DEFER,
                {
                    "queue": run_queue(settings, due.marketplace),
                    "task": RUN_TASK,
                    "lock": f"robnu:account:{due.account_id}",
                    "qlock": f"robnu:run:{due.account_id}:{due.target}",
                    "args": json.dumps(args),
                },
            ).scalar_one()
    except IntegrityError:
        return None
    return int(job_id)


# Every due run in one statement; a run whose (account, target) already waits in the queue is left out (its
# queueing lock is taken), as ``defer_run`` would leave it out one by one.
_DEFER_MANY = text(
    "SELECT count(*) FROM unnest(procrastinate_defer_jobs_v1(ARRAY("
    " SELECT ROW(j.queue, :task, 0, j.lock, j.qlock, CAST(j.args AS jsonb), NULL::timestamptz)"
    "::procrastinate_job_to_defer_v1"
    " FROM unnest(CAST(:queues AS text[]), CAST(:locks AS text[]), CAST(:qlocks AS text[]), CAST(:args AS text[]))"
    " AS j(queue, lock, qlock, args)"
    " WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs p WHERE p.queueing_lock = j.qlock AND p.status = 'todo')"
    ")))"
)


def defer_runs(conn: Connection, settings: JobSettings, due: list[schedules.DueRun]) -> int:
    """Defer every due run on ``conn``'s transaction in one statement; returns how many were deferred. Should
    a queueing lock be taken meanwhile (another ticker), the runs are deferred one by one instead."""
    if not due:
        return 0
    params = {
        "queues": [run_queue(settings, d.marketplace) for d in due],
        "task": RUN_TASK,
        "locks": [f"robnu:account:{d.account_id}" for d in due],
        "qlocks": [f"robnu:run:{d.account_id}:{d.target}" for d in due],
        "args": [
            json.dumps({"account_id": d.account_id, "target": d.target, "schedule_id": d.schedule_id}) for d in due
        ],
    }
    try:
        with conn.begin_nested():
            return int(conn.execute(_DEFER_MANY, params).scalar_one())
    except IntegrityError:
        return sum(defer_run(conn, settings, d) is not None for d in due)


def enqueue_due(rt: Runtime, settings: JobSettings) -> int:
    """One tick: claim due schedules and defer their runs in one transaction. Returns jobs deferred."""
    with rt.session() as s:
        due = schedules.claim_due(s, rt.clock.now(), limit=settings.batch)
        deferred = defer_runs(s.connection(), settings, due)
    if due:
        log.info("tick: %d due, %d deferred", len(due), deferred)
    return deferred


def _worker_name(context: JobContext) -> str:
    job_id = context.job.id if context.job else "?"
    return f"{socket.gethostname()}:{os.getpid()}:job{job_id}"


def make_app(rt: Runtime, settings: JobSettings | None = None) -> App:
    settings = settings or JobSettings()
    app = App(connector=PsycopgConnector(conninfo=conninfo(rt)))

    @app.task(name=RUN_TASK, queue=settings.queue, pass_context=True, retry=_Backoff(settings))
    def run(context: JobContext, account_id: int, target: str, schedule_id: int | None = None) -> str:
        attempt = (context.job.attempts if context.job else 0) + 1
        result = execute_run(
            rt,
            account_id,
            target,
            schedule_id=schedule_id,
            attempt=attempt,
            max_attempts=settings.max_attempts,
            backend="PROCRASTINATE",
            worker=_worker_name(context),
        )
        if result.retry:
            raise RetryRun(result.error or "transient failure")
        return str(result.outcome)

    @app.periodic(cron=settings.tick_cron, periodic_id="robnu-tick")
    @app.task(name=TICK_TASK, queue=settings.queue, queueing_lock=TICK_TASK, priority=10)
    def tick(timestamp: int) -> int:
        return enqueue_due(rt, settings)

    @app.periodic(cron=settings.recover_cron, periodic_id="robnu-recover")
    @app.task(name=RECOVER_TASK, queue=settings.queue, queueing_lock=RECOVER_TASK, priority=10)
    async def recover_stalled(timestamp: int) -> int:
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.stalled_seconds)
        count = 0
        for job in stalled:
            await app.job_manager.retry_job(job)
            log.warning("recovered stalled job %s (%s) of worker %s", job.id, job.task_name, job.worker_id)
            count += 1
        return count

    return app


def worker_marketplace(rt: Runtime, requested: str | None) -> str | None:
    """The marketplace a worker is for: ``requested`` (a registered code), else the one the login role is a
    worker role of (``robnu_worker_<code>``, see ``rls.worker_marketplace``); None for every marketplace."""
    codes = [a.code for a in rt.registry.all()]
    with rt.engine.connect() as conn:
        if requested is None:
            return rls.worker_marketplace(conn, codes)
        code = requested.strip().upper()
        if code not in codes:
            raise InvalidInput("marketplace", f"no marketplace {requested!r}; registered: {', '.join(sorted(codes))}")
        if not rls.may_become(conn, rls.worker_role(code)):
            raise InvalidInput(
                "marketplace",
                f"the database login role may not act as {rls.worker_role(code)}"
                " (grant it that role, see docs/security.md)",
            )
    return code


class ProcrastinateQueue:
    """The port over Procrastinate: ``tick`` defers due runs; ``serve`` runs a worker.

    With ``marketplace`` the worker takes only that marketplace's runs (and the tick and recovery tasks), and
    every connection of ``rt``'s engine — where runs read credentials — acts as ``robnu_worker_<code>``.
    Procrastinate's own connections stay the login role's: they touch only the queue's tables."""

    name = "PROCRASTINATE"

    def __init__(self, rt: Runtime, settings: JobSettings | None = None, marketplace: str | None = None) -> None:
        self.rt = rt
        self.settings = settings or JobSettings()
        self.marketplace = marketplace
        if marketplace is not None:
            rls.become(rt.engine, rls.worker_role(marketplace))
        self.app = make_app(rt, self.settings)

    def queues(self) -> list[str] | None:
        """What this worker listens to; None: every queue."""
        if self.marketplace is None:
            return None
        return [self.settings.queue, run_queue(self.settings, self.marketplace)]

    def tick(self) -> int:
        return enqueue_due(self.rt, self.settings)

    def worker_options(self, concurrency: int | None = None) -> dict[str, Any]:
        s = self.settings
        return {
            "queues": self.queues(),
            "name": f"{socket.gethostname()}:{os.getpid()}",
            "concurrency": concurrency or concurrency_for(s, "postgresql"),
            "update_heartbeat_interval": s.heartbeat_seconds,
            "stalled_worker_timeout": s.stalled_seconds,
            "delete_jobs": "successful",
            "shutdown_graceful_timeout": float(timedelta(minutes=5).total_seconds()),
        }

    def serve_forever(self, concurrency: int | None = None) -> None:
        """Run a worker until SIGINT/SIGTERM (Procrastinate finishes jobs in flight, then stops)."""
        self.app.run_worker(**self.worker_options(concurrency))

    def serve(self, stop: threading.Event, concurrency: int | None = None) -> None:
        """Run a worker until ``stop`` is set (for embedding and tests; no signal handlers)."""

        async def main() -> None:
            async with self.app.open_async():
                options = {**self.worker_options(concurrency), "install_signal_handlers": False}
                worker = asyncio.create_task(self.app.run_worker_async(**options))
                await asyncio.get_running_loop().run_in_executor(None, stop.wait)
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker

        asyncio.run(main())

    def queue_depth(self) -> dict[str, int]:
        """Jobs by status over Robnu's queues (the tick's and every marketplace's)."""
        depth = pg_queue_depth(self.rt, self.settings.queue)
        totals: dict[str, int] = {}
        for (_queue, status), n in (depth() if depth else {}).items():
            totals[status] = totals.get(status, 0) + n
        return totals
