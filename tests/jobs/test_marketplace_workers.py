"""Workers per marketplace (PostgreSQL): the tick defers each run into its marketplace's queue; a worker
started for AJIO acts as ``robnu_worker_ajio``, drains the AJIO runs, leaves a Meesho run queued and cannot
read Meesho's credentials; a worker for every marketplace drains the rest."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import ProgrammingError

from robnu.config import Settings
from robnu.db import rls
from robnu.db.engine import make_engine, make_session_factory
from robnu.db.models import RunReport, Schedule
from robnu.domain.errors import InvalidInput
from robnu.domain.marketplace import ScheduleTarget
from robnu.jobs import metrics
from robnu.jobs.procrastinate_backend import ProcrastinateQueue, apply_schema, enqueue_due, worker_marketplace
from robnu.jobs.settings import JobSettings
from robnu.services.accounts import create_seller
from robnu.services.reports import RunOutcome
from robnu.services.runtime import Runtime
from tests.jobs.conftest import requires_pg
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

pytestmark = [requires_pg, pytest.mark.postgres]
SETTINGS = JobSettings(concurrency=2, max_attempts=2, retry_base_seconds=1, heartbeat_seconds=1, stalled_seconds=30)


@dataclasses.dataclass
class Fleet:
    rt: Runtime
    ajio: int
    meesho: int


@pytest.fixture
def fleet(settings: Settings) -> Iterator[Fleet]:
    """One seller with an AJIO and a Meesho account; only their ORDERS schedules on, both due now."""
    with wired_runtime(settings, ("AJIO", "MEESHO")) as (world, rt):
        seller = create_seller(rt, "Fleet")
        ajio, _ = connect_sandbox_account(rt, world, "AJIO", seller)
        meesho, _ = connect_sandbox_account(rt, world, "MEESHO", seller)
        apply_schema(rt)
        with rt.session() as s:
            s.execute(text("DELETE FROM procrastinate_jobs"))
            s.execute(update(Schedule).values(enabled=False))
            s.execute(
                update(Schedule)
                .where(Schedule.target == ScheduleTarget.ORDERS)
                .values(enabled=True, next_run_at=rt.clock.now())
            )
        yield Fleet(rt, ajio, meesho)


def _queued(rt: Runtime) -> dict[str, tuple[str, int]]:
    """queue name -> (status, account id) of every run job."""
    with rt.engine.connect() as c:
        rows = c.execute(
            text("SELECT queue_name, status::text, args FROM procrastinate_jobs WHERE task_name = 'robnu.run'")
        ).all()
    return {name: (status, int(args["account_id"])) for name, status, args in rows}


def _worker_runtime(rt: Runtime) -> Runtime:
    """The same wiring on an engine of its own (a worker process has its own connections)."""
    engine = make_engine(rt.engine.url.render_as_string(hide_password=False))
    return dataclasses.replace(rt, engine=engine, sessions=make_session_factory(engine))


def _reports(rt: Runtime) -> dict[int, str]:
    with rt.sessions() as s:
        rows = s.execute(select(RunReport.marketplace_account_id, RunReport.status)).tuples()
        return {account: status for account, status in rows}


def _serve_until_reported(queue: ProcrastinateQueue, rt: Runtime, account: int, timeout: float = 60) -> None:
    """Run the worker until ``account`` has a run report (then stop it)."""
    stop = threading.Event()
    worker = threading.Thread(target=queue.serve, args=(stop,))
    worker.start()
    try:
        deadline = time.monotonic() + timeout
        while account not in _reports(rt):
            assert time.monotonic() < deadline, f"no run report for account {account}"
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=60)


def _serve_for(queue: ProcrastinateQueue, seconds: float) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=queue.serve, args=(stop,))
    worker.start()
    time.sleep(seconds)
    stop.set()
    worker.join(timeout=60)


def test_each_run_is_queued_for_its_marketplace(fleet: Fleet) -> None:
    assert enqueue_due(fleet.rt, SETTINGS) == 2
    assert _queued(fleet.rt) == {"robnu.ajio": ("todo", fleet.ajio), "robnu.meesho": ("todo", fleet.meesho)}
    assert ProcrastinateQueue(fleet.rt, SETTINGS).queue_depth() == {"todo": 2}
    exposed = metrics.render(fleet.rt, SETTINGS.queue)
    assert 'robnu_queue_jobs{queue="robnu.ajio",status="todo"} 1.0' in exposed
    assert 'robnu_queue_jobs{queue="robnu.meesho",status="todo"} 1.0' in exposed


def test_an_ajio_worker_takes_only_ajio_runs_as_the_ajio_role(fleet: Fleet) -> None:
    worker_rt = _worker_runtime(fleet.rt)
    try:
        code = worker_marketplace(worker_rt, "ajio")
        assert code == "AJIO"
        queue = ProcrastinateQueue(worker_rt, SETTINGS, marketplace=code)
        assert queue.queues() == ["robnu", "robnu.ajio"]
        assert queue.tick() == 2  # the tick (which it also takes) works under the AJIO role, for every marketplace
        assert queue.queue_depth() == {"todo": 2}
        with worker_rt.engine.connect() as c:
            assert c.execute(text("SELECT current_user")).scalar_one() == rls.worker_role("AJIO")
            assert c.execute(text("SELECT count(*) FROM ajio_account_details")).scalar_one() == 1
        with pytest.raises(ProgrammingError, match="permission denied"), worker_rt.engine.connect() as c:
            c.execute(text("SELECT * FROM meesho_account_details"))

        _serve_until_reported(queue, fleet.rt, fleet.ajio)
        _serve_for(queue, 2)  # a while longer: the Meesho run is still not its to take
    finally:
        worker_rt.engine.dispose()
    assert _reports(fleet.rt) == {fleet.ajio: RunOutcome.SUCCEEDED}
    assert _queued(fleet.rt) == {"robnu.meesho": ("todo", fleet.meesho)}

    every = ProcrastinateQueue(fleet.rt, SETTINGS)  # a worker for every marketplace listens to every queue
    assert every.queues() is None
    _serve_until_reported(every, fleet.rt, fleet.meesho)
    assert _reports(fleet.rt) == {fleet.ajio: RunOutcome.SUCCEEDED, fleet.meesho: RunOutcome.SUCCEEDED}
    assert every.queue_depth().get("todo", 0) == 0


def test_the_marketplace_is_a_registered_one_the_login_role_may_act_for(fleet: Fleet) -> None:
    with pytest.raises(InvalidInput, match="marketplace"):
        worker_marketplace(fleet.rt, "NOPE")
    assert worker_marketplace(fleet.rt, None) is None  # the test's superuser may work for every marketplace
    with fleet.rt.engine.connect() as c, c.begin():
        c.execute(text(f"SET LOCAL SESSION AUTHORIZATION {rls.worker_role('MEESHO')}"))
        assert rls.worker_marketplace(c, ["AJIO", "MEESHO"]) == "MEESHO"  # derived from the login role
        assert not rls.may_become(c, rls.worker_role("AJIO"))
    with fleet.rt.engine.connect() as c, c.begin():
        c.execute(text(f"SET LOCAL SESSION AUTHORIZATION {rls.SYSTEM_ROLE}"))
        assert rls.worker_marketplace(c, ["AJIO", "MEESHO"]) is None  # the system role works for all
