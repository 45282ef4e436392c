"""Reconciliation is a schedule target like the others: created daily for accounts that sync payouts, run by
``execute_run`` on the payouts already synced, PARTIAL when it finds new differences, quiet otherwise, and it
runs for an account that needs reconnecting (it never calls the marketplace)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from robnu.config import Settings
from robnu.db.models import MarketplaceAccount, RunReport, Schedule
from robnu.db.money_models import ReconciliationBatch
from robnu.domain.marketplace import ScheduleTarget
from robnu.jobs.execute import execute_run
from robnu.services.reconciliation.period import due_periods
from robnu.services.reports import RunOutcome
from tests.money_wiring import arm, money_account, sync
from tests.sandbox_wiring import wired_runtime

IST_OFFSET = "+05:30"


def test_due_periods_reach_back_into_last_month_during_its_first_week() -> None:
    assert due_periods(datetime.fromisoformat(f"2026-12-04T03:00:00{IST_OFFSET}")) == ["2026-11", "2026-12"]
    assert due_periods(datetime.fromisoformat(f"2026-12-08T03:00:00{IST_OFFSET}")) == ["2026-12"]
    assert due_periods(datetime.fromisoformat(f"2027-01-01T03:00:00{IST_OFFSET}")) == ["2026-12", "2027-01"]


def _batches(rt_sessions: object, account_id: int) -> list[tuple[str, int]]:
    with rt_sessions() as s:  # type: ignore[operator]
        rows = s.execute(
            select(ReconciliationBatch.period, ReconciliationBatch.run_no)
            .where(ReconciliationBatch.marketplace_account_id == account_id)
            .order_by(ReconciliationBatch.period, ReconciliationBatch.run_no)
        )
        return [tuple(r) for r in rows]


def test_reconciliation_runs_daily_on_synced_payouts_and_reports_new_differences(settings: Settings) -> None:
    with wired_runtime(settings, ("AJIO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "AJIO", 400)
        other = money_account(rt, world, "AJIO", 50)  # another seller: never touched by this account's runs
        with rt.sessions() as s:
            schedule = s.scalar(
                select(Schedule).where(
                    Schedule.marketplace_account_id == account.account_id, Schedule.target == "RECONCILIATION"
                )
            )
            assert schedule is not None and schedule.cron == "0 3 * * *" and schedule.enabled

        empty = execute_run(rt, account.account_id, ScheduleTarget.RECONCILIATION)
        assert empty.outcome is RunOutcome.SUCCEEDED and _batches(rt.sessions, account.account_id) == []

        periods = due_periods(rt.clock.now())
        plan = arm(world, "AJIO", account.key, periods[-1])  # AJIO's statements of this month are wrong
        sync(rt, account.account_id)
        sync(rt, other.account_id)
        seeded = len(plan["errors"])
        assert seeded > 0

        first = execute_run(rt, account.account_id, ScheduleTarget.RECONCILIATION)
        assert first.outcome is RunOutcome.PARTIAL and first.error == f"{seeded} new difference(s)"
        assert first.counts["processed"] > 0 and first.counts["held"] == seeded
        assert _batches(rt.sessions, account.account_id) == [(p, 1) for p in periods]

        world.clock.advance(timedelta(minutes=1))
        again = execute_run(rt, account.account_id, ScheduleTarget.RECONCILIATION)  # nothing new: quiet
        assert again.outcome is RunOutcome.SUCCEEDED and again.counts["held"] == seeded
        assert _batches(rt.sessions, account.account_id) == sorted([(p, n) for p in periods for n in (1, 2)])
        assert _batches(rt.sessions, other.account_id) == []

        with rt.session() as s:  # bad credentials pause the marketplace's schedules, not this one
            s.execute(
                update(MarketplaceAccount)
                .where(MarketplaceAccount.id == account.account_id)
                .values(needs_reconnect=True)
            )
        assert execute_run(rt, account.account_id, ScheduleTarget.ORDERS).outcome is RunOutcome.SKIPPED
        assert execute_run(rt, account.account_id, ScheduleTarget.RECONCILIATION).outcome is RunOutcome.SUCCEEDED

        with rt.sessions() as s:
            reports = s.scalars(
                select(RunReport.status)
                .where(RunReport.target == "RECONCILIATION", RunReport.marketplace_account_id == account.account_id)
                .order_by(RunReport.id)
            ).all()
            assert reports == ["SUCCEEDED", "PARTIAL", "SUCCEEDED", "SUCCEEDED"]
