"""Long actions run as jobs: progress step by step, a failing step reported (redacted) without stopping the
rest, and a job visible only to the seller that started it."""

from __future__ import annotations

import threading
import time

from robnu.web.jobs import JobBoard


def _wait(board: JobBoard, seller_id: int, job_id: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        job = board.get(seller_id, job_id)
        assert job is not None
        if job.finished:
            return
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.01)


def test_a_job_reports_each_step_and_its_progress() -> None:
    board = JobBoard()
    gate = threading.Event()

    def first() -> str:
        gate.wait(5)
        return "12 synced"

    job = board.submit(1, "Sync", [("orders", first), ("returns", lambda: "3 synced")])
    assert board.get(1, job.id) is job and job.done == 0 and not job.finished
    gate.set()
    _wait(board, 1, job.id)
    assert job.status == "DONE" and job.percent == 100
    assert job.results == ["orders: 12 synced", "returns: 3 synced"]
    board.shutdown()


def test_a_failing_step_fails_the_job_but_the_others_run() -> None:
    board = JobBoard()

    def boom() -> str:
        raise RuntimeError("marketplace said no")

    job = board.submit(1, "Sync", [("orders", boom), ("returns", lambda: "ok")])
    _wait(board, 1, job.id)
    assert job.status == "FAILED" and job.done == 2
    assert job.results[0].startswith("orders: failed (marketplace said no")
    assert job.results[1] == "returns: ok"
    board.shutdown()


def test_another_seller_cannot_see_a_job() -> None:
    board = JobBoard()
    job = board.submit(1, "Sync", [("orders", lambda: "ok")])
    assert board.get(2, job.id) is None
    assert board.get(1, "not-a-job") is None
    board.shutdown()
