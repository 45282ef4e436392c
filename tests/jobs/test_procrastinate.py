"""The Procrastinate backend on PostgreSQL (in-process): the tick defers each due run once, in the
transaction that claims it; jobs carry the per-account lock and the queueing lock; a worker runs them,
retrying transient failures and never bad credentials."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from robnu.db.models import MarketplaceAccount, RunReport, Schedule
from robnu.jobs.procrastinate_backend import ProcrastinateQueue, apply_schema, defer_run, enqueue_due
from robnu.jobs.settings import JobSettings
from robnu.services import schedules
from robnu.services.reports import RunOutcome
from tests.conftest import FIXED_NOW
from tests.jobs.conftest import KH, requires_pg

pytestmark = [requires_pg, pytest.mark.postgres]
SETTINGS = JobSettings(concurrency=2, max_attempts=3, retry_base_seconds=1, heartbeat_seconds=1, stalled_seconds=5)


@pytest.fixture
def pq(kh: KH) -> Iterator[KH]:
    apply_schema(kh.rt)
    assert not apply_schema(kh.rt)  # idempotent
    with kh.rt.engine.begin() as c:
        c.execute(text("DELETE FROM procrastinate_jobs"))
    yield kh


def _jobs(kh: KH) -> list[tuple[str, str, str, dict[str, object]]]:
    with kh.rt.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT status::text, lock, queueing_lock, args FROM procrastinate_jobs WHERE task_name = 'robnu.run'"
                " ORDER BY id"
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _make_due(kh: KH) -> None:
    with kh.rt.session() as s:
        s.execute(update(Schedule).values(next_run_at=FIXED_NOW))


def test_tick_defers_each_due_run_once_with_locks(pq: KH) -> None:
    _make_due(pq)
    assert enqueue_due(pq.rt, SETTINGS) == 2
    jobs = _jobs(pq)
    assert sorted((st, lock, q) for st, lock, q, _ in jobs) == [
        ("todo", f"robnu:account:{pq.account}", f"robnu:run:{pq.account}:{t}") for t in ("CREDENTIAL_CHECK", "ORDERS")
    ]
    assert all(args["account_id"] == pq.account for *_, args in jobs)
    assert enqueue_due(pq.rt, SETTINGS) == 0  # claimed: no longer due
    _make_due(pq)  # due again while the first run still waits: the queueing lock keeps it queued once
    assert enqueue_due(pq.rt, SETTINGS) == 0
    assert len(_jobs(pq)) == 2
    with pq.rt.sessions() as s:
        assert all(t and t > FIXED_NOW for t in s.execute(select(Schedule.next_run_at)).scalars())


def test_enqueue_is_atomic_with_the_claim(pq: KH) -> None:
    _make_due(pq)
    with pytest.raises(RuntimeError), pq.rt.session() as s:
        for d in schedules.claim_due(s, FIXED_NOW):
            assert defer_run(s.connection(), SETTINGS, d) is not None
        raise RuntimeError("crash before commit")
    assert _jobs(pq) == []  # no job without the claim ...
    with pq.rt.sessions() as s:  # ... and no claim without the job
        assert all(t == FIXED_NOW for t in s.execute(select(Schedule.next_run_at)).scalars())


def _wait_reports(kh: KH, count: int, timeout: float = 30) -> list[RunReport]:
    deadline = time.monotonic() + timeout
    while True:
        with kh.rt.sessions() as s:
            rows = list(s.execute(select(RunReport).order_by(RunReport.id)).scalars())
        if len(rows) >= count:
            return rows
        assert time.monotonic() < deadline, f"only {len(rows)} of {count} reports"
        time.sleep(0.05)


def test_worker_runs_jobs_and_never_retries_bad_credentials(pq: KH) -> None:
    bad = pq.connect("KH0002", token="revoked-token-000")
    _make_due(pq)
    with pq.rt.session() as s:
        s.execute(
            update(Schedule).where(Schedule.target == "ORDERS").values(next_run_at=FIXED_NOW + timedelta(seconds=1))
        )
    pq.clock.advance(timedelta(seconds=2))
    queue = ProcrastinateQueue(pq.rt, SETTINGS)
    assert queue.tick() == 4
    stop = threading.Event()
    worker = threading.Thread(target=queue.serve, args=(stop,))
    worker.start()
    try:
        reports = _wait_reports(pq, 4)
    finally:
        stop.set()
        worker.join(timeout=30)
    outcome = {(r.marketplace_account_id, r.target): (r.status, r.attempt) for r in reports}
    assert outcome == {
        (pq.account, "CREDENTIAL_CHECK"): (RunOutcome.SUCCEEDED, 1),
        (pq.account, "ORDERS"): (RunOutcome.SUCCEEDED, 1),
        (bad, "CREDENTIAL_CHECK"): (RunOutcome.AUTH_FAILED, 1),  # once: not retried
        (bad, "ORDERS"): (RunOutcome.SKIPPED, 1),  # ran after the check (account lock, FIFO): skipped
    }
    with pq.rt.sessions() as s:
        acct = s.get(MarketplaceAccount, bad)
        assert acct is not None and acct.needs_reconnect
        paused = s.execute(select(Schedule.marketplace_account_id).where(Schedule.enabled.is_(False))).scalars()
        assert set(paused) == {bad}
    assert queue.queue_depth().get("todo", 0) == 0
