"""Dispatch: the seller's processing batches with their orders and steps, the SLA board, and closing a batch's
manifest by hand (where its closure policy waits for the user, or allows it now)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter

from robnu.api.deps import Tenant, require
from robnu.api.problems import ApiProblem
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    IdPath,
    LimitQuery,
    MarketplaceQuery,
    one_of,
)
from robnu.domain.permissions import Permission
from robnu.services.processing import process_account
from robnu.services.queries import processing
from robnu.services.queries.common import DEFAULT_LIMIT, Page
from robnu.services.queries.processing import BatchStatus
from robnu.services.queries.sla import SlaBatchView, SlaPoint, sla_board, sla_history
from robnu.services.tenancy import tenant_session

router = APIRouter(prefix="/v1", tags=["processing"])


@router.get("/processing/batches", response_model=Page[processing.BatchView], responses=ERRORS)
def list_batches(
    tenant: Tenant = require(Permission.PROCESSING_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    status: Annotated[str | None, one_of(BatchStatus)] = None,
    ist_day: date | None = None,
    ist_day_from: date | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[processing.BatchView]:
    """Newest first; each with its orders counted by processing status. ``ist_day``: that IST day (YYYY-MM-DD);
    ``ist_day_from``: that day and later."""
    filters = processing.BatchFilters(
        marketplace=marketplace,
        account_id=account_id,
        status=status,
        ist_day=None if ist_day is None else ist_day.isoformat(),
        ist_day_from=None if ist_day_from is None else ist_day_from.isoformat(),
    )
    return processing.list_batches(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/processing/batches/{batch_id}", response_model=processing.BatchDetail, responses=ERRORS)
def get_batch(batch_id: IdPath, tenant: Tenant = require(Permission.PROCESSING_READ)) -> processing.BatchDetail:
    return processing.get_batch(tenant.session, tenant.seller_id, batch_id)


@router.post(
    "/processing/batches/{batch_id}/close",
    response_model=processing.BatchDetail,
    responses={**ERRORS, **{409: ERRORS[422]}},
)
def close_batch(batch_id: IdPath, tenant: Tenant = require(Permission.PROCESSING_RUN)) -> processing.BatchDetail:
    """Run the account's dispatch flow with the user's go-ahead to close the manifest. The flow decides: a batch
    whose orders are still on their way through it, or whose policy does not allow closing yet, stays open
    (409, the batch as it stands in the detail)."""
    batch = processing.get_batch(tenant.session, tenant.seller_id, batch_id)
    if batch.status != "OPEN":
        raise ApiProblem(409, f"batch {batch_id} is {batch.status}, not OPEN")
    process_account(tenant.rt, batch.account.account_id, {"close_manifest": True})
    with tenant_session(tenant.rt, tenant.seller_id) as s:  # the flow committed in its own unit of work
        after = processing.get_batch(s, tenant.seller_id, batch_id)
    if after.status != "CLOSED":
        waiting = {k: v for k, v in after.orders.items() if k in ("PENDING", "IN_PROGRESS")}
        raise ApiProblem(409, f"batch {batch_id} is still {after.status} (orders in the flow: {waiting or 'none'})")
    return after


@router.get("/sla", response_model=list[SlaBatchView], responses=ERRORS)
def sla(tenant: Tenant = require(Permission.PROCESSING_READ), account_id: AccountQuery = None) -> list[SlaBatchView]:
    """Every open batch with orders still in the flow: deadline, headroom and band, most at risk first."""
    return sla_board(tenant.session, tenant.seller_id, tenant.rt.clock.now(), account_id=account_id)


@router.get("/sla/history", response_model=list[SlaPoint], responses=ERRORS)
def sla_band_edges(tenant: Tenant = require(Permission.PROCESSING_READ), limit: LimitQuery = 200) -> list[SlaPoint]:
    """The latest band edges the watchdog recorded (a batch's headroom as it crossed into a band), oldest first:
    headroom over time."""
    return sla_history(tenant.session, tenant.seller_id, limit=limit)
