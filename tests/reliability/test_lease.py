"""Leases that hold for long runs (issue item 1): kept by time while the adapter waits on slow pages, fenced so a
run that lost its lease never writes again, ``--since`` bounded by the marketplace's history, progress output."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from robnu.cli import sync as sync_cli
from robnu.config import EMBEDDED_LEASE_SECONDS, SERVER_LEASE_SECONDS, Settings
from robnu.db.models import Order, SyncCursor
from robnu.domain.errors import InvalidInput
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services import lease
from robnu.services.sync import SyncEngine, SyncOutcome
from tests.reliability.slow_ajio import LEASE_SECONDS, SlowAjio, slow_ajio, wait_for


@pytest.fixture
def ajio(settings: Settings) -> Iterator[SlowAjio]:
    with slow_ajio(settings) as harness:
        yield harness


def _orders(h: SlowAjio) -> int:
    with h.rt.sessions() as s:
        return int(s.execute(select(func.count(Order.id))).scalar_one())


def _in_thread(h: SlowAjio, results: list[SyncOutcome]) -> threading.Thread:
    def run() -> None:
        results.append(SyncEngine(h.rt).run(h.account, ScheduleTarget.ORDERS, since=h.walk_start()))

    thread = threading.Thread(target=run)
    thread.start()
    wait_for("the run to start", lambda: bool(h.runs()))
    return thread


def _record_fences(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Every successful fence (owner, when): each write transaction of a run starts with one."""
    fenced: list[tuple[str, float]] = []
    real_fence = lease.fence

    def recording_fence(*args: Any) -> None:
        real_fence(*args)
        fenced.append((args[3], time.monotonic()))

    monkeypatch.setattr(lease, "fence", recording_fence)
    return fenced


def _write_periods_overlap(fenced: list[tuple[str, float]]) -> bool:
    periods: dict[str, list[float]] = {}
    for owner, at in fenced:
        periods.setdefault(owner, [at, at])[1] = at
    spans = sorted(periods.values())
    return any(start < end for (_, end), (start, _) in itertools.pairwise(spans))


def test_a_slow_walk_keeps_its_lease_and_a_second_run_is_skipped(
    ajio: SlowAjio, monkeypatch: pytest.MonkeyPatch
) -> None:
    fenced = _record_fences(monkeypatch)
    first: list[SyncOutcome] = []
    thread = _in_thread(ajio, first)
    time.sleep(LEASE_SECONDS + 0.5)  # past the lease's first expiry: only renewals by time keep it
    assert thread.is_alive(), "the walk must outlast the lease for this test to mean anything"
    attempts = []
    while thread.is_alive():
        attempts.append(SyncEngine(ajio.rt).run(ajio.account, ScheduleTarget.ORDERS, since=ajio.walk_start()))
        time.sleep(0.3)
    thread.join()
    assert first[0].status is SyncRunStatus.SUCCEEDED and first[0].inserted == _orders(ajio) > 0, first[0]
    # While the walk ran every attempt was skipped (one may start in the moment after it released its lease).
    assert [o.status for o in attempts[:-1]] == [SyncRunStatus.SKIPPED] * (len(attempts) - 1), attempts
    assert not _write_periods_overlap(fenced)
    cursor = ajio.cursor()
    assert cursor is not None and (cursor.lease_owner is None or attempts[-1].status is not SyncRunStatus.SKIPPED)


@pytest.mark.parametrize("early_stop", [True, False], ids=["heartbeat-notices", "fence-alone"])
def test_a_run_that_lost_its_lease_never_writes_again(
    ajio: SlowAjio, monkeypatch: pytest.MonkeyPatch, early_stop: bool
) -> None:
    if not early_stop:  # the heartbeat's early stop off: the fence in the write transaction must still hold
        monkeypatch.setattr(lease.LeaseKeeper, "check", lambda self: None)
    first: list[SyncOutcome] = []
    thread = _in_thread(ajio, first)
    time.sleep(0.5)
    with ajio.rt.session() as s:  # it stalled past its lease and another run took over
        s.execute(
            update(SyncCursor)
            .where(SyncCursor.target == "ORDERS")
            .values(lease_owner="another-run", lease_expires_at=ajio.rt.clock.now() + timedelta(hours=1))
        )
    thread.join(timeout=60)
    outcome = first[0]
    assert outcome.status is SyncRunStatus.ABANDONED and "LeaseLost" in (outcome.error or ""), outcome
    assert _orders(ajio) == 0, "a run without the lease wrote"
    cursor = ajio.cursor()
    assert cursor is not None and cursor.high_water is None and cursor.lease_owner == "another-run"
    (run,) = ajio.runs()
    assert run.status == "ABANDONED" and run.finished_at is not None


def test_since_is_bounded_by_the_marketplace_history(ajio: SlowAjio, cli_env: None) -> None:
    ajio.slow(0)
    engine = SyncEngine(ajio.rt)
    now = ajio.rt.clock.now()
    with pytest.raises(InvalidInput, match=r"since: AJIO serves 730 days of history; the earliest start is"):
        engine.run(ajio.account, ScheduleTarget.ORDERS, since=now - timedelta(days=731))
    with pytest.raises(InvalidInput, match=r"since: .* is in the future"):
        engine.run(ajio.account, ScheduleTarget.ORDERS, since=now + timedelta(days=1))
    assert ajio.runs() == []  # refused before any run started
    from typer.testing import CliRunner

    from robnu.cli.main import app

    for since, words in (("1900-01-01", "AJIO serves 730 days"), ("2999-01-01", "in the future")):
        result = CliRunner().invoke(app, ["sync", str(ajio.account), "--since", since])
        assert result.exit_code == 2 and words in result.output, result.output
    assert ajio.runs() == []


def test_a_long_walk_reports_progress(ajio: SlowAjio, cli_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from robnu.cli.main import app

    monkeypatch.setattr(sync_cli, "PROGRESS_EVERY_SECONDS", 0.5)
    since = ajio.walk_start().strftime("%Y-%m-%dT%H:%M:%S")
    result = CliRunner().invoke(app, ["sync", str(ajio.account), "--target", "ORDERS", "--since", since])
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if "records so far" in line]
    assert len(progress) >= 3 and progress[0].startswith("ORDERS: "), result.output


def test_the_embedded_runner_has_a_shorter_default_lease() -> None:
    settings = Settings()
    assert settings.sync_lease_seconds is None
    assert settings.effective_lease_seconds("sqlite") == EMBEDDED_LEASE_SECONDS == 60
    assert settings.effective_lease_seconds("postgresql") == SERVER_LEASE_SECONDS == 300
    assert Settings(sync_lease_seconds=5).effective_lease_seconds("sqlite") == 5
    assert lease.beat_seconds(timedelta(seconds=60)) == 20  # renewed three times per lease


def test_standing_two_concurrent_syncs_never_both_write(ajio: SlowAjio, monkeypatch: pytest.MonkeyPatch) -> None:
    """Standing test: two syncs of one (account, target) race for ~15 s on a slow sandbox with a 2 s lease, and
    their heartbeats stall now and then for longer than the lease (a GC pause, a starved CPU), so leases do
    change hands mid-run. Every write transaction starts with a successful fence: the runs' write periods
    (first to last successful fence) must never overlap, and the data must end complete."""
    ajio.slow(0.1)
    fenced = _record_fences(monkeypatch)
    real_run = lease.LeaseKeeper._run
    rng = random.Random(5)

    def stalling_run(self: lease.LeaseKeeper) -> None:
        if rng.random() < 0.5:
            time.sleep(LEASE_SECONDS * 1.5)  # this run's heartbeat stalls: its lease runs out meanwhile
        real_run(self)

    monkeypatch.setattr(lease.LeaseKeeper, "_run", stalling_run)
    outcomes: list[SyncOutcome] = []
    stop = time.monotonic() + 15

    def racer() -> None:
        engine = SyncEngine(ajio.rt)
        while time.monotonic() < stop:
            outcomes.append(engine.run(ajio.account, ScheduleTarget.ORDERS, since=ajio.walk_start()))

    racers = [threading.Thread(target=racer) for _ in range(2)]
    for t in racers:
        t.start()
    for t in racers:
        t.join(timeout=60)
    assert len({owner for owner, _ in fenced}) >= 3, "too few runs wrote for the race to mean anything"
    assert not _write_periods_overlap(fenced), "two runs wrote in overlapping periods"
    statuses = {o.status for o in outcomes}
    assert SyncRunStatus.SUCCEEDED in statuses and statuses <= {
        SyncRunStatus.SUCCEEDED,
        SyncRunStatus.SKIPPED,
        SyncRunStatus.ABANDONED,
    }, statuses
    truth = ajio.sandbox.truth(ajio.key)["orders"]
    assert _orders(ajio) == len(truth)
