"""Long actions run as jobs: progress step by step, a failing step reported (redacted) without stopping the
rest, and a job visible only to the seller that started it. Progress is recorded in the database, so a second
app (another process of ``robnu serve --workers N``, here a second runtime on the same database) answers the
poll of a job the first one runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.web_models import WebJob
from robnu.domain.permissions import Role
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from robnu.web.jobs import Job, JobBoard
from robnu.web.serve import build_app
from tests.api.conftest import make_shop
from tests.web.test_pages import sign_in


@pytest.fixture
def board(rt: Runtime) -> Iterator[JobBoard]:
    jobs = JobBoard(rt)
    yield jobs
    jobs.shutdown()


@pytest.fixture
def sellers(rt: Runtime) -> tuple[int, int]:
    return create_seller(rt, "Jobs A"), create_seller(rt, "Jobs B")


def _wait(board: JobBoard, seller_id: int, job_id: str) -> Job:
    deadline = time.monotonic() + 10
    while True:
        job = board.get(seller_id, job_id)
        assert job is not None
        if job.finished:
            return job
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.01)


def test_a_job_reports_each_step_and_its_progress(board: JobBoard, sellers: tuple[int, int]) -> None:
    a, _ = sellers
    gate = threading.Event()

    def first() -> str:
        gate.wait(5)
        return "12 synced"

    job = board.submit(a, "Sync", [("orders", first), ("returns", lambda: "3 synced")])
    seen = board.get(a, job.id)
    assert seen is not None and seen.id == job.id and seen.done == 0 and not seen.finished
    gate.set()
    done = _wait(board, a, job.id)
    assert done.status == "DONE" and done.percent == 100 and done.finished_at is not None
    assert done.results == ["orders: 12 synced", "returns: 3 synced"]


def test_a_failing_step_fails_the_job_but_the_others_run(board: JobBoard, sellers: tuple[int, int]) -> None:
    a, _ = sellers

    def boom() -> str:
        raise RuntimeError("marketplace said no")

    job = board.submit(a, "Sync", [("orders", boom), ("returns", lambda: "ok")])
    done = _wait(board, a, job.id)
    assert done.status == "FAILED" and done.done == 2
    assert done.results[0].startswith("orders: failed (marketplace said no")
    assert done.results[1] == "returns: ok"


def test_another_seller_cannot_see_a_job(board: JobBoard, sellers: tuple[int, int]) -> None:
    a, b = sellers
    job = board.submit(a, "Sync", [("orders", lambda: "ok")])
    assert board.get(b, job.id) is None
    assert board.get(a, "not-a-job") is None
    _wait(board, a, job.id)
    assert board.get(b, job.id) is None


def test_a_job_started_by_one_app_is_polled_through_another(rt: Runtime, settings: Settings) -> None:
    """Two runtimes on one database stand for two processes: the job runs on the first one's pool; the second,
    which never saw it, shows its progress and its result to the seller, and 404 to another seller."""
    alpha, beta = make_shop(rt, "alpha"), make_shop(rt, "beta")
    first_app = build_app(rt)
    first_board: JobBoard = next(r.app for r in first_app.routes if getattr(r, "path", None) == "").state.dashboard.jobs
    other = Runtime.create(settings)
    gate = threading.Event()
    try:
        job = first_board.submit(alpha.seller_id, "Sync Meesho", [("orders sync", lambda: gate.wait(10) and "42 new"),
                                                                 ("returns sync", lambda: "3 new")])  # fmt: skip
        with TestClient(build_app(other), base_url="http://testserver") as second:
            sign_in(second, alpha.email(Role.VIEWER))
            deadline = time.monotonic() + 10
            while "now: orders sync" not in (running := second.get(f"/jobs/{job.id}")).text:  # the gate holds it
                assert running.status_code == 200 and time.monotonic() < deadline, running.text
                time.sleep(0.02)
            assert 'data-job-status="RUNNING"' in running.text and "0 of 2 steps" in running.text
            assert 'hx-get="/jobs/' in running.text  # not finished: the page keeps polling
            gate.set()
            deadline = time.monotonic() + 10
            while 'data-job-status="DONE"' not in (page := second.get(f"/jobs/{job.id}").text):
                assert time.monotonic() < deadline, page
                time.sleep(0.02)
            assert "2 of 2 steps" in page and "orders sync: 42 new" in page and "returns sync: 3 new" in page
            assert 'value="100"' in page and 'hx-get="/jobs/' not in page  # finished: the polling stops
            sign_in(second, beta.email(Role.OWNER))
            stranger = second.get(f"/jobs/{job.id}")
            assert stranger.status_code == 404 and "Sync Meesho" not in stranger.text
        with other.sessions() as s:
            assert s.execute(select(WebJob.seller_id).where(WebJob.id == job.id)).scalar_one() == alpha.seller_id
    finally:
        gate.set()
        first_board.shutdown()
        other.engine.dispose()
