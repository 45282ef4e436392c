"""What scheduled work did: sync runs and run reports; and "sync now", which starts a sync of one target of an
account in the background and answers with the run to poll."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    IdPath,
    LimitQuery,
    MarketplaceQuery,
    one_of,
)
from robnu.domain.errors import NotFound
from robnu.domain.marketplace import SYNC_TARGETS, ScheduleTarget
from robnu.domain.permissions import Permission
from robnu.domain.statuses import SyncRunStatus
from robnu.services.queries import runs
from robnu.services.queries.common import DEFAULT_LIMIT, Page, seller_accounts
from robnu.services.reports import RunOutcome
from robnu.services.sync_now import start_sync, sync_target
from robnu.services.tenancy import tenant_session

router = APIRouter(prefix="/v1", tags=["runs"])


def _filters(
    marketplace: str | None,
    account_id: int | None,
    target: str | None,
    status: str | None,
    started_from: datetime | None,
    started_to: datetime | None,
) -> runs.RunFilters:
    return runs.RunFilters(
        marketplace=marketplace,
        account_id=account_id,
        target=target,
        status=status,
        started_from=started_from,
        started_to=started_to,
    )


@router.get("/sync-runs", response_model=Page[runs.SyncRunView], responses=ERRORS)
def list_sync_runs(
    tenant: Tenant = require(Permission.RUNS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    target: Annotated[str | None, one_of(ScheduleTarget)] = None,
    status: Annotated[str | None, one_of(SyncRunStatus)] = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[runs.SyncRunView]:
    filters = _filters(marketplace, account_id, target, status, started_from, started_to)
    return runs.list_sync_runs(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/sync-runs/{run_id}", response_model=runs.SyncRunView, responses=ERRORS)
def get_sync_run(run_id: IdPath, tenant: Tenant = require(Permission.RUNS_READ)) -> runs.SyncRunView:
    return runs.get_sync_run(tenant.session, tenant.seller_id, run_id)


@router.get("/run-reports", response_model=Page[runs.RunReportView], responses=ERRORS)
def list_run_reports(
    tenant: Tenant = require(Permission.RUNS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    target: Annotated[str | None, one_of(ScheduleTarget)] = None,
    status: Annotated[str | None, one_of(RunOutcome)] = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[runs.RunReportView]:
    filters = _filters(marketplace, account_id, target, status, started_from, started_to)
    return runs.list_run_reports(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/run-reports/{report_id}", response_model=runs.RunReportView, responses=ERRORS)
def get_run_report(report_id: IdPath, tenant: Tenant = require(Permission.RUNS_READ)) -> runs.RunReportView:
    return runs.get_run_report(tenant.session, tenant.seller_id, report_id)


class SyncIn(BaseModel):
    target: str = Field(
        min_length=1,
        max_length=32,
        description="ORDERS, RETURNS or PAYOUTS",
        json_schema_extra={"pattern": "^(" + "|".join(sorted(SYNC_TARGETS)) + ")$"},
    )
    since: datetime | None = Field(default=None, description="re-read from this time instead of the cursor")


class SyncStarted(BaseModel):
    sync_run_id: int
    status: str = Field(description="RUNNING, or SKIPPED when another run of this target holds the lease")
    poll: str = Field(description="GET this until status is no longer RUNNING")


@router.post("/accounts/{account_id}/sync", response_model=SyncStarted, status_code=202, responses=ERRORS)
def sync_now(body: SyncIn, account_id: IdPath, tenant: Tenant = require(Permission.SYNC_RUN)) -> JSONResponse:
    """Start a sync of one target of the account now (in the background); answers with the run to poll. A run
    is never started twice: while one holds the lease, the new one is SKIPPED."""
    target = sync_target(body.target)
    if account_id not in seller_accounts(tenant.session, tenant.seller_id):
        raise NotFound(f"account {account_id} does not exist")
    started = start_sync(tenant.rt, account_id, target, since=body.since)
    with tenant_session(tenant.rt, tenant.seller_id) as s:  # the run row was committed by the sync itself
        run = runs.get_sync_run(s, tenant.seller_id, started.run_id)
    out = SyncStarted(sync_run_id=run.id, status=run.status, poll=f"/v1/sync-runs/{run.id}")
    return JSONResponse(out.model_dump(), status_code=202, headers={"Location": out.poll})
