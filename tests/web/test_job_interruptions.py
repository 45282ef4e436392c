"""A dashboard job whose process died: the row its process left (RUNNING, a heartbeat that stopped) is shown
INTERRUPTED once the heartbeat is older than the limit, marked exactly once however many pollers see it, never
revived by a process that was only stalled, closed at start-up when this host knows its process is gone, and run
again (sync, credentials check) by someone allowed to start it, for the seller that owns it only."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from robnu.config import Settings
from robnu.db.web_models import WebJob
from robnu.domain.clock import ManualClock
from robnu.domain.permissions import Role
from robnu.services import web_jobs
from robnu.services.accounts import connect_account, create_seller
from robnu.services.job_owner import Owner
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session
from robnu.web.jobs import Job, JobBoard, close_jobs_of_dead_processes
from tests.api.conftest import Shop, make_shop
from tests.factories import credentials
from tests.web.test_pages import sign_in

ELSEWHERE = Owner("another-host/4026531836", 4242, "gone")


def _left_running(
    rt: Runtime,
    seller_id: int,
    *,
    beat_age: timedelta,
    owner: Owner = ELSEWHERE,
    kind: str = "sync",
    subject_id: int = 1,
    job_id: str = "left-running",
) -> Job:
    """The row a process leaves when it dies mid-way: step one done, step two running, its last beat
    ``beat_age`` ago."""
    then = rt.clock.now() - beat_age
    with tenant_session(rt, seller_id) as s:
        job = web_jobs.create(s, seller_id, job_id, "Sync Meesho", 3, then, owner=str(owner), kind=kind,
                              subject_id=subject_id)  # fmt: skip
        running = replace(job, status="RUNNING", done=1, current="returns sync", results=["orders sync: done (4 new)"])
        assert web_jobs.record(s, running, then)
    return running


def _row(rt: Runtime, job_id: str) -> WebJob:
    with rt.sessions() as s:
        row = s.execute(select(WebJob).where(WebJob.id == job_id)).scalar_one()
        s.expunge(row)
        return row


def _poll(rt: Runtime, seller_id: int, job_id: str, now: datetime | None = None) -> Job | None:
    with tenant_session(rt, seller_id) as s:
        return web_jobs.poll(s, seller_id, job_id, now or rt.clock.now())


@pytest.fixture
def shops(rt: Runtime) -> tuple[Shop, Shop]:
    return make_shop(rt, "alpha"), make_shop(rt, "beta")


@pytest.fixture
def sellers(rt: Runtime) -> tuple[int, int]:
    """Two sellers without members, for the tests below the web layer (members cost a password hash each)."""
    return create_seller(rt, "Jobs A"), create_seller(rt, "Jobs B")


def test_a_job_is_interrupted_only_once_its_heartbeat_is_older_than_the_limit(
    rt: Runtime, sellers: tuple[int, int]
) -> None:
    alpha, _ = sellers
    recent = _left_running(rt, alpha, beat_age=web_jobs.ORPHANED_AFTER - timedelta(seconds=10))
    still = _poll(rt, alpha, recent.id)
    assert still is not None and still.status == "RUNNING" and not still.finished
    now = rt.clock.now() + timedelta(seconds=11)  # the limit has passed
    gone = _poll(rt, alpha, recent.id, now)
    assert gone is not None and gone.status == "INTERRUPTED" and gone.finished and gone.percent == 100
    assert gone.finished_at == now and gone.current == "returns sync"  # the step it was in stays named
    assert gone.results == ["orders sync: done (4 new)"] and gone.retryable
    assert gone.message is not None and gone.message.startswith("Interrupted: the Robnu process running this job")
    with tenant_session(rt, alpha) as s:  # already marked: nobody marks it again
        assert not web_jobs.interrupt(s, alpha, recent.id, now, stale_before=now)


def test_two_pollers_at_once_mark_it_exactly_once(rt: Runtime, sellers: tuple[int, int]) -> None:
    alpha, _ = sellers
    job = _left_running(rt, alpha, beat_age=timedelta(minutes=10))
    pollers = 6
    start = threading.Barrier(pollers)
    marked: list[bool] = []
    failures: list[BaseException] = []

    def poll() -> None:
        try:
            now = rt.clock.now()
            with tenant_session(rt, alpha) as s:
                start.wait(10)
                marked.append(web_jobs.interrupt(s, alpha, job.id, now, stale_before=now - web_jobs.ORPHANED_AFTER))
        except BaseException as exc:  # reported below: a thread's assertion would be lost
            failures.append(exc)

    threads = [threading.Thread(target=poll) for _ in range(pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures and sorted(marked) == [False] * (pollers - 1) + [True]
    assert _row(rt, job.id).status == "INTERRUPTED"


def test_another_seller_neither_sees_nor_interrupts_the_job(rt: Runtime, sellers: tuple[int, int]) -> None:
    alpha, beta = sellers
    job = _left_running(rt, alpha, beat_age=timedelta(minutes=10))
    assert _poll(rt, beta, job.id) is None
    with tenant_session(rt, beta) as s:  # even asked for alpha's seller id, beta's scope reaches nothing
        assert not web_jobs.interrupt(s, alpha, job.id, rt.clock.now(), stale_before=None)
    assert _row(rt, job.id).status == "RUNNING"


def test_a_running_board_beats_and_a_stalled_one_cannot_revive_its_interrupted_job(
    rt: Runtime, settings: Settings, sellers: tuple[int, int]
) -> None:
    alpha, _ = sellers
    board = JobBoard(rt, workers=1, heartbeat_seconds=0.05)
    gate, second_ran = threading.Event(), threading.Event()
    try:
        job = board.submit(alpha, "Sync", [("orders", lambda: gate.wait(10) and "12 new"),
                                                     ("returns", lambda: second_ran.set() or "3 new")])  # fmt: skip
        first_beat = _row(rt, job.id).heartbeat_at
        deadline = time.monotonic() + 10
        while _row(rt, job.id).heartbeat_at <= first_beat:  # the step blocks, the heartbeat goes on
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.02)
        assert _row(rt, job.id).owner == str(board.owner)
        later = Runtime.create(settings, clock=ManualClock(rt.clock.now() + timedelta(minutes=10)))
        try:  # a poll when its process has been silent past the limit (here: another process, ten minutes on)
            seen = JobBoard(later).get(alpha, job.id)
            assert seen is not None and seen.status == "INTERRUPTED"
        finally:
            later.engine.dispose()
        gate.set()  # the stalled process wakes: it may not write over the interruption, nor go on
        after = board.submit(alpha, "After", [("x", lambda: "ok")])  # one worker: runs when it is done
        deadline = time.monotonic() + 10
        while (done := board.get(alpha, after.id)) is None or not done.finished:
            assert time.monotonic() < deadline, "the board did not go on"
            time.sleep(0.02)
        row = _row(rt, job.id)
        assert row.status == "INTERRUPTED" and row.results == "[]" and not second_ran.is_set()
    finally:
        gate.set()
        board.shutdown()


def test_at_start_up_the_jobs_of_this_hosts_dead_processes_are_closed(rt: Runtime, sellers: tuple[int, int]) -> None:
    alpha, beta = sellers
    me = Owner.this_process()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        fresh = timedelta(seconds=1)  # recent heartbeats: only the owner's known death closes these
        dead_a = _left_running(rt, alpha, beat_age=fresh, owner=Owner(me.host, ended.pid, "x"), job_id="a")
        dead_b = _left_running(rt, beta, beat_age=fresh, owner=Owner(me.host, me.pid, "old"), job_id="b")
        sibling = _left_running(rt, alpha, beat_age=fresh, owner=Owner(me.host, alive.pid, "y"), job_id="c")
        remote = _left_running(rt, alpha, beat_age=fresh, job_id="d")
        assert close_jobs_of_dead_processes(rt, me) == 2
        assert close_jobs_of_dead_processes(rt, me) == 0  # closed once
    finally:
        alive.kill()
        alive.wait()
    assert [_row(rt, j.id).status for j in (dead_a, dead_b, sibling, remote)] == [
        "INTERRUPTED",
        "INTERRUPTED",
        "RUNNING",
        "RUNNING",
    ]


def _card_job_id(html: str) -> str:
    return html.split('id="job-', 1)[1].split('"', 1)[0]


def test_an_interrupted_sync_is_shown_and_run_again_once_by_someone_allowed(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, beta = shops
    account = connect_account(rt, alpha.seller_id, "MEESHO", credentials("MEESHO"), display_name="Meesho main")
    job = _left_running(rt, alpha.seller_id, beat_age=timedelta(minutes=5), subject_id=account)

    csrf = sign_in(client, alpha.email(Role.VIEWER))  # may see it, may not start a sync
    card = client.get(f"/jobs/{job.id}")
    assert card.status_code == 200 and 'data-job-status="INTERRUPTED"' in card.text
    assert "Interrupted: the Robnu process running this job stopped" in card.text
    assert "was running: returns sync" in card.text
    assert 'hx-get="/jobs/' not in card.text  # the page stops polling
    assert "Run again" not in card.text and "Someone allowed to start it" in card.text
    assert client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf}).status_code == 403

    csrf_b = sign_in(client, beta.email(Role.OWNER))  # another seller: not found, nothing started
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf_b}).status_code == 404
    assert _row(rt, job.id).retried_as is None

    csrf = sign_in(client, alpha.email(Role.OPERATOR))  # holds sync:run
    page = client.get(f"/accounts/{account}?job={job.id}")
    assert page.status_code == 200 and f'hx-post="/jobs/{job.id}/retry"' in page.text
    assert client.post(f"/jobs/{job.id}/retry").status_code == 403  # no CSRF token
    again = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 200 and "Sync Meesho main" in again.text
    new_id = _card_job_id(again.text)
    assert new_id != job.id and _row(rt, job.id).retried_as == new_id
    new = _row(rt, new_id)
    assert (new.kind, new.subject_id, new.seller_id) == ("sync", account, alpha.seller_id)
    twice = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf})  # a second click
    assert twice.status_code == 200 and _card_job_id(twice.text) == new_id
    assert "It has been started again" in client.get(f"/jobs/{job.id}").text
    deadline = time.monotonic() + 30
    while 'data-job-status="RUNNING"' in (r := client.get(f"/jobs/{new_id}").text) or "QUEUED" in r:
        assert time.monotonic() < deadline, r
        time.sleep(0.05)
    assert "orders sync:" in r  # the new job ran the sync's steps
    with rt.sessions() as s:
        assert s.execute(select(func.count()).select_from(WebJob)).scalar_one() == 2


def test_a_credentials_check_is_run_again_with_accounts_write_only(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, _ = shops
    account = connect_account(rt, alpha.seller_id, "MEESHO", credentials("MEESHO"))
    job = _left_running(rt, alpha.seller_id, beat_age=timedelta(minutes=5), kind="validate", subject_id=account)
    csrf = sign_in(client, alpha.email(Role.OPERATOR))  # may sync, may not touch credentials
    assert "Run again" not in client.get(f"/jobs/{job.id}").text
    assert client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = sign_in(client, alpha.email(Role.ADMIN))
    assert "Run again" in client.get(f"/jobs/{job.id}").text
    again = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 200 and _row(rt, _card_job_id(again.text)).kind == "validate"


def test_a_closed_batch_is_not_run_again_from_its_card(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, _ = shops
    job = _left_running(rt, alpha.seller_id, beat_age=timedelta(minutes=5), kind="close_batch", subject_id=7)
    csrf = sign_in(client, alpha.email(Role.OWNER))
    card = client.get(f"/jobs/{job.id}").text
    assert 'data-job-status="INTERRUPTED"' in card and "Run again" not in card and "Processing page" in card
    refused = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 400 and "job: this kind of job is not run again" in refused.text
    assert _row(rt, job.id).retried_as is None


def test_a_finished_job_is_not_run_again(rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]) -> None:
    alpha, _ = shops
    account = connect_account(rt, alpha.seller_id, "MEESHO", credentials("MEESHO"))
    job = _left_running(rt, alpha.seller_id, beat_age=timedelta(seconds=1), subject_id=account)
    csrf = sign_in(client, alpha.email(Role.OWNER))
    refused = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 400 and "only an interrupted job is run again (this one is running)" in refused.text
