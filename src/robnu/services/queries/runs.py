"""What Robnu's scheduled work did, as the seller reads it: the schedules of each account, the sync runs
(one per sync of an account's target) and the run reports (one per scheduled or manual run, with what it
synced, processed and held)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import RunReport, Schedule, SyncRun
from robnu.domain.errors import NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services.queries.common import (
    DEFAULT_LIMIT,
    AccountRef,
    ByAccount,
    Dto,
    Keyset,
    ListScope,
    Page,
    at_least,
    before,
    check_range,
    enum_value,
    equal,
    paginate,
    seller_accounts,
    where_given,
)
from robnu.services.reports import RunOutcome
from robnu.services.schedules import Cadence

SYNC_RUNS = Keyset("sync-runs", (SyncRun.started_at, SyncRun.id))
REPORTS = Keyset("run-reports", (RunReport.started_at, RunReport.id))


class ScheduleView(Dto):
    id: int
    account: AccountRef
    target: str
    cadence: str
    interval_seconds: int | None
    cron: str | None
    jitter_seconds: int
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_status: str | None


def schedule_view(sc: Schedule, account: AccountRef) -> ScheduleView:
    return ScheduleView(
        id=sc.id,
        account=account,
        target=sc.target,
        cadence=Cadence(sc.interval_seconds, sc.cron, sc.jitter_seconds).describe(),
        interval_seconds=sc.interval_seconds,
        cron=sc.cron,
        jitter_seconds=sc.jitter_seconds,
        enabled=sc.enabled,
        next_run_at=sc.next_run_at,
        last_run_at=sc.last_run_at,
        last_run_status=sc.last_run_status,
    )


def list_schedules(
    s: Session, seller_id: int, *, marketplace: str | None = None, account_id: int | None = None
) -> list[ScheduleView]:
    """Every schedule of the seller's accounts (a few per account: not paginated), by account then target."""
    scope = ListScope(s, seller_id, ByAccount(marketplace, account_id))
    if scope.empty:
        return []
    q = select(Schedule).where(scope.rows_of(Schedule))
    rows = s.execute(q.order_by(Schedule.marketplace_account_id, Schedule.target)).scalars()
    return [schedule_view(sc, scope.accounts[sc.marketplace_account_id]) for sc in rows]


@dataclass(frozen=True)
class RunFilters:
    marketplace: str | None = None
    account_id: int | None = None
    target: str | None = None
    status: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None


class SyncRunView(Dto):
    id: int
    account: AccountRef
    target: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    fetched: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    duration_ms: int | None
    error: str | None  # redacted when stored


def sync_run_view(r: SyncRun, account: AccountRef) -> SyncRunView:
    return SyncRunView(
        id=r.id,
        account=account,
        target=r.target,
        status=r.status,
        started_at=r.started_at,
        finished_at=r.finished_at,
        window_start=r.window_start,
        window_end=r.window_end,
        fetched=r.fetched,
        inserted=r.inserted,
        updated=r.updated,
        unchanged=r.unchanged,
        quarantined=r.quarantined,
        duration_ms=r.duration_ms,
        error=r.error,
    )


def list_sync_runs(
    s: Session,
    seller_id: int,
    filters: RunFilters = RunFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[SyncRunView]:
    """Sync runs, newest first."""
    target = enum_value("target", filters.target, ScheduleTarget)
    status = enum_value("status", filters.status, SyncRunStatus)
    started_from, started_to = check_range("started", filters.started_from, filters.started_to)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[SyncRunView](items=[])
    q = where_given(
        select(SyncRun).where(scope.rows_of(SyncRun)),
        equal(SyncRun.target, target),
        equal(SyncRun.status, status),
        at_least(SyncRun.started_at, started_from),
        before(SyncRun.started_at, started_to),
    )
    rows, next_cursor = paginate(
        s, q, SYNC_RUNS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].started_at, r[0].id)
    )
    return Page[SyncRunView](
        items=[sync_run_view(r, scope.accounts[r.marketplace_account_id]) for (r,) in rows], next_cursor=next_cursor
    )


def get_sync_run(s: Session, seller_id: int, run_id: int) -> SyncRunView:
    run = s.execute(select(SyncRun).where(SyncRun.id == run_id, SyncRun.seller_id == seller_id)).scalar_one_or_none()
    if run is None:
        raise NotFound(f"sync run {run_id} does not exist")
    return sync_run_view(run, seller_accounts(s, seller_id)[run.marketplace_account_id])


class RunReportView(Dto):
    id: int
    account: AccountRef
    schedule_id: int | None
    sync_run_id: int | None
    target: str
    trigger: str
    backend: str
    status: str
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    synced: int
    processed: int
    held: int
    failed: int
    details: dict[str, Any]
    error: str | None


def _report(r: RunReport, account: AccountRef) -> RunReportView:
    return RunReportView(
        id=r.id,
        account=account,
        schedule_id=r.schedule_id,
        sync_run_id=r.sync_run_id,
        target=r.target,
        trigger=r.trigger,
        backend=r.backend,
        status=r.status,
        attempt=r.attempt,
        started_at=r.started_at,
        finished_at=r.finished_at,
        duration_ms=r.duration_ms,
        synced=r.synced,
        processed=r.processed,
        held=r.held,
        failed=r.failed,
        details=json.loads(r.details or "{}"),
        error=r.error,
    )


def list_run_reports(
    s: Session,
    seller_id: int,
    filters: RunFilters = RunFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[RunReportView]:
    """Run reports, newest first."""
    target = enum_value("target", filters.target, ScheduleTarget)
    status = enum_value("status", filters.status, RunOutcome)
    started_from, started_to = check_range("started", filters.started_from, filters.started_to)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[RunReportView](items=[])
    q = where_given(
        select(RunReport).where(scope.rows_of(RunReport)),
        equal(RunReport.target, target),
        equal(RunReport.status, status),
        at_least(RunReport.started_at, started_from),
        before(RunReport.started_at, started_to),
    )
    rows, next_cursor = paginate(
        s, q, REPORTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].started_at, r[0].id)
    )
    return Page[RunReportView](
        items=[_report(r, scope.accounts[r.marketplace_account_id]) for (r,) in rows], next_cursor=next_cursor
    )


def get_run_report(s: Session, seller_id: int, report_id: int) -> RunReportView:
    row = s.execute(
        select(RunReport).where(RunReport.id == report_id, RunReport.seller_id == seller_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"run report {report_id} does not exist")
    return _report(row, seller_accounts(s, seller_id)[row.marketplace_account_id])
