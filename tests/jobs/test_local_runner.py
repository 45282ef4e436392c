"""The local runner on the default database: due runs execute once, failures are classified (retry
with backoff; bad credentials pause only that account; unsupported targets are reported cleanly), the
run report is stored and readable, metrics are exposed, and ``robnu run`` keeps a seller in sync."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func, select, update

from robnu.adapters.base import AdapterContext, HttpFactory
from robnu.adapters.errors import MarketplaceAuthError
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import registry
from robnu.db.models import MarketplaceAccount, Order, RunReport, Schedule
from robnu.domain.records import OrderRecord, Quarantine, SyncWindow
from robnu.jobs import metrics
from robnu.jobs.execute import execute_run
from robnu.jobs.local import LocalRunner
from robnu.jobs.settings import JobSettings
from robnu.sandbox.server import free_port
from robnu.services import lease, reports, schedules
from robnu.services.reports import RunOutcome
from tests.conftest import FIXED_NOW
from tests.fifth_marketplace import sandbox
from tests.fifth_marketplace.adapter import KiranaHubAdapter
from tests.jobs.conftest import KH

FAST = JobSettings(tick_seconds=0.02, max_attempts=3, retry_base_seconds=60)


def _make_due(kh: KH) -> None:
    with kh.rt.session() as s:
        s.execute(update(Schedule).values(next_run_at=FIXED_NOW))


def _drain(runner: LocalRunner) -> None:
    """Tick until nothing more is due at this instant and nothing is in flight."""
    deadline = time.monotonic() + 30
    while True:
        started = runner.tick()
        while runner.in_flight():
            assert time.monotonic() < deadline, "runs did not finish"
            time.sleep(0.01)
        if not started:
            return


def _orders(kh: KH, account: int) -> int:
    with kh.rt.sessions() as s:
        return int(s.execute(select(func.count(Order.id)).where(Order.marketplace_account_id == account)).scalar_one())


def test_due_runs_execute_once_and_write_reports(kh: KH) -> None:
    _make_due(kh)
    runner = LocalRunner(kh.rt, FAST)
    try:
        _drain(runner)
        _drain(runner)  # nothing is due any more: no second run
    finally:
        runner.shutdown()
    assert sorted((t, r.outcome) for _, t, r in runner.results) == [
        ("CREDENTIAL_CHECK", RunOutcome.SUCCEEDED),
        ("ORDERS", RunOutcome.SUCCEEDED),
    ]
    assert _orders(kh, kh.account) == 25
    views = {v.target: v for v in schedules.list_schedules(kh.rt, kh.account)}
    assert views["ORDERS"].last_run_status == "SUCCEEDED" and views["ORDERS"].last_run_at == FIXED_NOW
    listed = reports.list_reports(kh.rt, account_id=kh.account, target="ORDERS")
    assert len(listed) == 1 and listed[0].synced == 25 and listed[0].details["new"] == 25
    text = reports.render_text(reports.get_report(kh.rt, listed[0].id))
    assert "synced     25" in text and "KIRANA_HUB" in text and "12:00 IST" in text


def test_bad_credentials_pause_only_that_account_and_are_not_retried(kh: KH) -> None:
    bad = kh.connect("KH0002", token="revoked-token-000")
    _make_due(kh)
    with kh.rt.session() as s:  # the credential check comes first for the bad account
        s.execute(
            update(Schedule)
            .where(Schedule.marketplace_account_id == bad, Schedule.target == "ORDERS")
            .values(next_run_at=FIXED_NOW + timedelta(minutes=1))
        )
    runner = LocalRunner(kh.rt, FAST)
    try:
        _drain(runner)
        kh.clock.advance(timedelta(hours=5))  # past every backoff and cadence: a retry would show up now
        _drain(runner)
    finally:
        runner.shutdown()
    bad_results = [(t, r) for a, t, r in runner.results if a == bad]
    assert [(t, r.outcome, r.retry) for t, r in bad_results] == [("CREDENTIAL_CHECK", RunOutcome.AUTH_FAILED, False)]
    with kh.rt.sessions() as s:
        account = s.get(MarketplaceAccount, bad)
        assert account is not None and account.needs_reconnect
        rows = s.execute(select(Schedule.marketplace_account_id, Schedule.enabled)).all()
    enabled = {a: any(e for b, e in rows if b == a) for a, _ in rows}
    assert enabled == {kh.account: True, bad: False}
    assert _orders(kh, kh.account) == 25 and _orders(kh, bad) == 0
    good_runs = [t for a, t, r in runner.results if a == kh.account]
    assert sorted(good_runs) == ["CREDENTIAL_CHECK", "CREDENTIAL_CHECK", "ORDERS", "ORDERS"]  # the others went on
    failed = reports.list_reports(kh.rt, account_id=bad, status="AUTH_FAILED")
    assert failed[0].details["schedules_paused"] == 2
    assert "robnu schedules resume" in reports.render_text(failed[0])


class _RevokedKH(KiranaHubAdapter):
    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        raise MarketplaceAuthError("KIRANA_HUB refused the token", http_status=401, code="BAD_TOKEN")


def test_auth_failure_during_a_sync_pauses_the_account(kh: KH) -> None:
    registry.unregister("KIRANA_HUB")
    registry.register(_RevokedKH)
    result = execute_run(kh.rt, kh.account, "ORDERS", schedule_id=None, max_attempts=5)
    assert result.outcome is RunOutcome.AUTH_FAILED and not result.retry
    with kh.rt.sessions() as s:
        account = s.get(MarketplaceAccount, kh.account)
        assert account is not None and account.needs_reconnect
        assert not any(s.execute(select(Schedule.enabled)).scalars())
    assert execute_run(kh.rt, kh.account, "ORDERS").outcome is RunOutcome.SKIPPED  # until reconnected


def test_transient_failures_retry_with_backoff_then_give_up(kh: KH) -> None:
    schedules.set_enabled(kh.rt, kh.account, "CREDENTIAL_CHECK", False)
    kh.rt.http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.001, max_retries=1),
        endpoints={"KIRANA_HUB": {"api": f"http://127.0.0.1:{free_port()}"}},  # connection refused
    )
    _make_due(kh)
    runner = LocalRunner(kh.rt, FAST)
    due_times = []
    try:
        for _ in range(FAST.max_attempts):
            _drain(runner)
            with kh.rt.sessions() as s:
                due_times.append(s.execute(select(Schedule.next_run_at).where(Schedule.target == "ORDERS")).scalar())
            kh.clock.advance(timedelta(minutes=5))
    finally:
        runner.shutdown()
    outcomes = [r.outcome for _, t, r in runner.results if t == "ORDERS"]
    assert outcomes == [RunOutcome.RETRYING, RunOutcome.RETRYING, RunOutcome.FAILED]
    # backoff 60 s, then 120 s after the failed attempts; then the regular cadence again
    assert due_times[0] == FIXED_NOW + timedelta(seconds=60)
    assert due_times[1] == FIXED_NOW + timedelta(minutes=5, seconds=120)
    assert "gave up after 3 attempts" in (runner.results[-1][2].error or "")
    with kh.rt.sessions() as s:
        assert lease.high_water(s, kh.account, "ORDERS") is None  # nothing committed, cursor unmoved


def test_unsupported_target_is_reported_cleanly(kh: KH) -> None:
    schedules.set_schedule(kh.rt, kh.account, "FULL_PROCESSING", cron="0 9 * * *")
    result = execute_run(kh.rt, kh.account, "FULL_PROCESSING")
    assert result.outcome is RunOutcome.UNSUPPORTED and not result.retry
    assert "does not support FULL_PROCESSING" in (result.error or "")


def test_metrics_expose_outcomes_durations_and_due_backlog(kh: KH) -> None:
    execute_run(kh.rt, kh.account, "ORDERS")
    with kh.rt.session() as s:
        s.execute(update(Schedule).values(next_run_at=FIXED_NOW - timedelta(minutes=7)))
    text = metrics.render(kh.rt)
    assert 'robnu_runs_total{outcome="SUCCEEDED",target="ORDERS"} 1.0' in text
    assert 'robnu_run_duration_seconds_count{target="ORDERS"} 1.0' in text
    assert 'robnu_schedules_due{target="ORDERS"} 1.0' in text
    assert 'robnu_oldest_due_schedule_seconds{target="ORDERS"} 420.0' in text


def test_run_keeps_a_seller_in_sync_and_stops_cleanly(kh: KH) -> None:
    schedules.set_schedule(kh.rt, kh.account, "ORDERS", interval_seconds=60, jitter_seconds=0)
    _make_due(kh)
    runner = LocalRunner(kh.rt, FAST)
    stop = threading.Event()
    thread = threading.Thread(target=runner.serve, args=(stop,))
    thread.start()
    try:
        for minute in range(1, 4):
            deadline = time.monotonic() + 20
            while _orders(kh, kh.account) < 25 + (minute - 1) * 2:
                assert time.monotonic() < deadline, f"not in sync after {minute - 1} minutes"
                time.sleep(0.02)
            new = sandbox.build_orders(25 + minute * 2)[-2:]
            for o in new:  # arrive now, as the seller's customers order
                o["updated"] = o["placed"] = (kh.clock.now() - timedelta(minutes=3)).isoformat()
            kh.orders.extend(new)
            kh.clock.advance(timedelta(seconds=61))
        deadline = time.monotonic() + 20
        while _orders(kh, kh.account) < 31:
            assert time.monotonic() < deadline, "the last orders never arrived"
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    with kh.rt.sessions() as s:
        assert lease.high_water(s, kh.account, "ORDERS") is not None
        runs = s.execute(select(func.count(RunReport.id)).where(RunReport.target == "ORDERS")).scalar_one()
        cursor_owner = s.execute(select(func.count()).select_from(Schedule)).scalar_one()
    assert runs >= 4 and cursor_owner == 2
