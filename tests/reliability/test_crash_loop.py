"""Standing test: ``robnu sync`` killed with SIGKILL at random points, N times, on PostgreSQL, against a slow
AJIO sandbox over real HTTP whose orders keep changing — then resumed. Afterwards: 0 orders lost, 0 duplicated,
0 runs left RUNNING, and after every kill the next run started within the lease (plus a process start).

N is ``ROBNU_CRASH_LOOP_KILLS`` (20 in CI; 50 by hand)."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from robnu.config import Settings
from robnu.db.models import Order, OrderItem, SyncRun
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services.sync import SyncEngine
from tests.conftest import PG_URL
from tests.reliability.slow_ajio import LEASE_SECONDS, SlowAjio, slow_ajio, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="the crash loop runs on PostgreSQL"),
]
KILLS = int(os.environ.get("ROBNU_CRASH_LOOP_KILLS", "20"))
STARTUP_SECONDS = 8  # a child process imports, migrates-checks and opens the ring before it can take a lease
SECONDS_PER_KILL = 12  # the whole loop's bound


@pytest.fixture
def ajio(settings: Settings) -> Iterator[SlowAjio]:
    with slow_ajio(settings, orders=240, days=25) as harness:  # within a first sync's 30-day backfill
        harness.slow(0.25)
        yield harness


def _latest_run_id(h: SlowAjio) -> int:
    with h.rt.sessions() as s:
        return int(s.execute(select(func.coalesce(func.max(SyncRun.id), 0))).scalar_one())


def _acquired_since(h: SlowAjio, after_id: int) -> bool:
    """A run newer than ``after_id`` took the lease (anything but SKIPPED)."""
    with h.rt.sessions() as s:
        return (
            s.execute(select(SyncRun.id).where(SyncRun.id > after_id, SyncRun.status != "SKIPPED").limit(1)).first()
            is not None
        )


def _lease_free(h: SlowAjio) -> Callable[[], bool]:
    def free() -> bool:
        cursor = h.cursor()
        return cursor is None or cursor.lease_expires_at is None or cursor.lease_expires_at < datetime.now(UTC)

    return free


def test_sync_survives_repeated_sigkill(ajio: SlowAjio) -> None:
    rng = random.Random(int(os.environ.get("ROBNU_CRASH_LOOP_SEED", "17")))
    started = time.monotonic()
    restarts: list[float] = []
    for kill in range(KILLS):
        if kill % 4 == 0:  # the marketplace moves on while Robnu keeps crashing: new orders arrive
            ajio.sandbox.generate_orders(ajio.key, 6, days=0.002)  # placed 1-3 minutes ago: inside the overlap
        before = _latest_run_id(ajio)
        killed_at = time.monotonic()
        # Start children until one takes the lease (the dead one's lease must run out first).
        # Every third run re-reads the whole history (long, many batches); the others are incremental.
        args = ["--since", (datetime.now(UTC) - timedelta(days=26)).isoformat()] if kill % 3 == 0 else []
        while True:
            child = ajio.spawn_sync(*args)
            wait_for(
                "a child to take the lease or give up",
                lambda: _acquired_since(ajio, before) or child.poll() is not None,
                timeout=STARTUP_SECONDS + LEASE_SECONDS + 10,
            )
            if _acquired_since(ajio, before):
                break
            child.wait(timeout=10)  # SKIPPED (exit 7): the killed run's lease still holds
            assert child.returncode == 7, child.stdout.read() if child.stdout else ""
        if kill:
            restarts.append(time.monotonic() - killed_at)
        time.sleep(rng.uniform(0.0, 2.0 if args else 1.0))  # anywhere: reading, writing a batch, moving the cursor
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        if child.stdout:
            child.stdout.close()
    loop_seconds = time.monotonic() - started

    # Resume: the marketplace stands still now, so its truth and Robnu's final state can be compared.
    ajio.slow(0)
    wait_for("the last killed run's lease to run out", _lease_free(ajio), timeout=LEASE_SECONDS + 5)
    ajio.world.clock.freeze()  # Robnu's runtime here reads the sandbox's clock: leases are judged by it too
    engine = SyncEngine(ajio.rt)
    deadline = time.monotonic() + LEASE_SECONDS + 10
    while (outcome := engine.run(ajio.account, ScheduleTarget.ORDERS)).status is SyncRunStatus.SKIPPED:
        assert time.monotonic() < deadline, "the resumed run could not take the lease"
        time.sleep(0.2)
    assert outcome.status is SyncRunStatus.SUCCEEDED, outcome

    truth = ajio.sandbox.truth(ajio.key)["orders"]
    with ajio.rt.sessions() as s:
        stored = {o.external_id: o for o in s.execute(select(Order)).scalars()}
        items = dict(
            s.execute(select(Order.external_id, func.count(OrderItem.id)).join(OrderItem).group_by(Order.external_id))
            .tuples()
            .all()
        )
        statuses = s.execute(select(SyncRun.status, func.count()).group_by(SyncRun.status)).tuples().all()
    lost = set(truth) - set(stored)
    assert not lost, f"{len(lost)} orders lost"
    assert not set(stored) - set(truth), "orders the marketplace does not have"
    for external_id, t in truth.items():  # every order once, at its latest state, with all its items
        assert stored[external_id].raw_status == str(t["status"]), external_id
        assert stored[external_id].order_total == Decimal(t["total"]), external_id
        assert items.get(external_id) == t["items"], external_id
    by_status = dict(statuses)
    assert set(by_status) <= {"ABANDONED", "SUCCEEDED", "SKIPPED"}, by_status  # none left RUNNING
    assert by_status.get("ABANDONED", 0) >= KILLS // 2, by_status  # most kills hit a run in flight
    assert max(restarts, default=0) <= LEASE_SECONDS + STARTUP_SECONDS, restarts
    assert loop_seconds < KILLS * SECONDS_PER_KILL, f"{KILLS} kills took {loop_seconds:.0f} s"
    print(
        f"crash loop: {KILLS} SIGKILLs in {loop_seconds:.0f} s; runs {by_status}; "
        f"restart after a kill: max {max(restarts, default=0):.1f} s; {len(truth)} orders, none lost"
    )
    assert timedelta(seconds=loop_seconds) < timedelta(minutes=10)
