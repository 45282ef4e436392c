"""Schedules: when each account's targets run; set a cadence, pause and resume (one target or all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    IdPath,
    MarketplaceQuery,
    Printable,
    one_of,
    values_pattern,
)
from robnu.domain.errors import NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.permissions import Permission
from robnu.services import schedules as schedule_service
from robnu.services.queries import runs
from robnu.services.queries.common import AccountRef, seller_accounts
from robnu.services.tenancy import tenant_session

router = APIRouter(prefix="/v1", tags=["schedules"])
TargetPath = Annotated[
    str,
    Path(
        max_length=32,
        pattern=values_pattern(t.value for t in ScheduleTarget),
        description="one of " + ", ".join(t.value for t in ScheduleTarget),
    ),
]


@router.get("/schedules", response_model=list[runs.ScheduleView], responses=ERRORS)
def list_schedules(
    tenant: Tenant = require(Permission.SCHEDULES_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
) -> list[runs.ScheduleView]:
    """Every schedule of the seller's accounts, by account then target (a few per account: one page)."""
    return runs.list_schedules(tenant.session, tenant.seller_id, marketplace=marketplace, account_id=account_id)


class ScheduleIn(BaseModel):
    """Give ``every_seconds`` or ``cron`` (read in IST), not both; omitted fields keep their value."""

    every_seconds: int | None = Field(default=None, ge=10, le=366 * 86400)
    cron: Printable | None = Field(default=None, min_length=1, max_length=100)
    jitter_seconds: int | None = Field(default=None, ge=0, le=86400)
    enabled: bool | None = None


def _account(tenant: Tenant, account_id: int) -> AccountRef:
    """The seller's account, or 404 (another seller's account is not found, like a missing one)."""
    account = seller_accounts(tenant.session, tenant.seller_id).get(account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist")
    return account


def _fresh(tenant: Tenant, account: AccountRef, target: str | None = None) -> list[runs.ScheduleView]:
    """The account's schedules as they are now: the schedule service committed the change in its own unit of
    work, so read them in a new one (the request's may hold an older snapshot on SQLite)."""
    with tenant_session(tenant.rt, tenant.seller_id) as s:
        views = runs.list_schedules(s, tenant.seller_id, account_id=account.account_id)
    return [v for v in views if target is None or v.target == target]


@router.put("/accounts/{account_id}/schedules/{target}", response_model=runs.ScheduleView, responses=ERRORS)
def set_schedule(
    body: ScheduleIn,
    account_id: IdPath,
    target: TargetPath,
    tenant: Tenant = require(Permission.SCHEDULES_WRITE),
) -> runs.ScheduleView:
    """Create or change the account's schedule of ``target``; a new cadence counts from now."""
    account = _account(tenant, account_id)
    view = schedule_service.set_schedule(
        tenant.rt,
        account.account_id,
        target,
        interval_seconds=body.every_seconds,
        cron=body.cron,
        jitter_seconds=body.jitter_seconds,
        enabled=body.enabled,
    )
    return _fresh(tenant, account, view.target)[0]


class PauseOut(BaseModel):
    changed: int
    schedules: list[runs.ScheduleView]


def _set_enabled(tenant: Tenant, account_id: int, target: str | None, enabled: bool) -> PauseOut:
    account = _account(tenant, account_id)
    changed = schedule_service.set_enabled(tenant.rt, account.account_id, target, enabled)
    return PauseOut(changed=changed, schedules=_fresh(tenant, account))


TargetQuery = Annotated[str | None, one_of(ScheduleTarget)]  # one target; all of the account's if omitted


@router.post("/accounts/{account_id}/schedules/pause", response_model=PauseOut, responses=ERRORS)
def pause(
    account_id: IdPath, target: TargetQuery = None, tenant: Tenant = require(Permission.SCHEDULES_WRITE)
) -> PauseOut:
    return _set_enabled(tenant, account_id, target, False)


@router.post("/accounts/{account_id}/schedules/resume", response_model=PauseOut, responses=ERRORS)
def resume(
    account_id: IdPath, target: TargetQuery = None, tenant: Tenant = require(Permission.SCHEDULES_WRITE)
) -> PauseOut:
    """Resume; an overdue schedule runs at the next tick."""
    return _set_enabled(tenant, account_id, target, True)
