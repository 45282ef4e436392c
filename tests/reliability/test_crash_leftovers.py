"""Crash leftovers (issue item 2): SIGTERM stops ``robnu sync`` the way Ctrl-C does (run marked, lease
released), and the runs of a process killed outright are marked ABANDONED by whoever takes the lease next,
which happens within the lease's length."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from robnu.config import Settings
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services.sync import SyncEngine
from tests.reliability.slow_ajio import LEASE_SECONDS, SlowAjio, slow_ajio, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def ajio(settings: Settings) -> Iterator[SlowAjio]:
    with slow_ajio(settings) as harness:
        yield harness


def _running(h: SlowAjio) -> bool:
    return any(r.status == "RUNNING" for r in h.runs())


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_sigterm_stops_a_sync_like_ctrl_c(ajio: SlowAjio, signum: int, code: int) -> None:
    child = ajio.spawn_sync("--since", ajio.walk_start().isoformat())
    try:
        wait_for("the child's run to start", lambda: _running(ajio) or child.poll() is not None)
        time.sleep(0.5)
        child.send_signal(signum)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == code, out
    assert "Traceback" not in out
    (run,) = ajio.runs()
    assert run.status == "ABANDONED" and run.finished_at is not None and "interrupted" in (run.error or ""), run.error
    cursor = ajio.cursor()
    assert cursor is not None and cursor.lease_owner is None and cursor.high_water is None
    ajio.slow(0)
    after = SyncEngine(ajio.rt).run(ajio.account, ScheduleTarget.ORDERS, since=ajio.walk_start())
    assert after.status is SyncRunStatus.SUCCEEDED  # at once: nothing waits for a lease to run out


def test_a_killed_run_is_abandoned_by_the_next_and_the_next_starts_within_the_lease(ajio: SlowAjio) -> None:
    child = ajio.spawn_sync("--since", ajio.walk_start().isoformat())
    try:
        wait_for("the child's run to start", lambda: _running(ajio) or child.poll() is not None)
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        killed_at = time.monotonic()
    finally:
        if child.poll() is None:
            child.kill()
    assert _running(ajio), "SIGKILL leaves its run RUNNING (nothing can run in a killed process)"
    ajio.slow(0)
    engine = SyncEngine(ajio.rt)
    while (outcome := engine.run(ajio.account, ScheduleTarget.ORDERS, since=ajio.walk_start())).status is (
        SyncRunStatus.SKIPPED
    ):
        assert time.monotonic() - killed_at < LEASE_SECONDS + 2, "the next run must start within the lease"
        time.sleep(0.1)
    assert outcome.status is SyncRunStatus.SUCCEEDED
    statuses = [r.status for r in ajio.runs() if r.status != "SKIPPED"]
    assert statuses == ["ABANDONED", "SUCCEEDED"], statuses
    killed = ajio.runs()[0]
    assert killed.finished_at is not None and "lease expired" in (killed.error or "")
