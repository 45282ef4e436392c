"""Returns: customer returns and RTOs (filter by kind, status, Robnu's own status, date range; search by return
id, order id or AWB), one return with its items, legs, events, scans and claim; and the receive scan, which
needs ``returns:scan`` only (a warehouse scanner's token)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from robnu.api.deps import Tenant, require
from robnu.api.idempotency import IdempotencyKeyHeader, request_hash, run_once
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    IdPath,
    LimitQuery,
    MarketplaceQuery,
    NonBlankPrintable,
    Printable,
    SearchQuery,
    one_of,
)
from robnu.domain.claims import ReturnInternalStatus, ScanMode
from robnu.domain.permissions import Permission
from robnu.domain.statuses import ReturnKind, ReturnStatus
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import storage_for
from robnu.services.queries import returns
from robnu.services.queries.common import DEFAULT_LIMIT, Page
from robnu.services.returns.scan import scan

router = APIRouter(prefix="/v1/returns", tags=["returns"])


@router.get("", response_model=Page[returns.ReturnSummary], responses=ERRORS)
def list_returns(
    tenant: Tenant = require(Permission.RETURNS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    kind: Annotated[str | None, one_of(ReturnKind)] = None,
    status: Annotated[str | None, one_of(ReturnStatus)] = None,
    internal_status: Annotated[str | None, one_of(ReturnInternalStatus)] = None,
    requested_from: datetime | None = None,
    requested_to: datetime | None = None,
    q: SearchQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[returns.ReturnSummary]:
    """Newest first. ``kind``: CUSTOMER_RETURN or RTO; ``internal_status``: awaiting, received, claim_pending,
    cancelled."""
    filters = returns.ReturnFilters(
        marketplace=marketplace,
        account_id=account_id,
        kind=kind,
        status=status,
        internal_status=internal_status,
        requested_from=requested_from,
        requested_to=requested_to,
        q=q,
    )
    return returns.list_returns(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


class ScanIn(BaseModel):
    code: NonBlankPrintable = Field(
        min_length=1, max_length=100, description="what the scanner read: an AWB, return or order id…"
    )
    mode: ScanMode = ScanMode.AUTO
    damage_note: Printable | None = Field(default=None, max_length=500)
    warehouse: Printable | None = Field(default=None, max_length=100)


class ScanOut(BaseModel):
    return_id: int
    return_external_id: str
    order_external_id: str
    kind: str
    first: bool = Field(description="false: the return was already received; this scan is only recorded")
    matched_on: str
    internal_status: str
    received_at: datetime | None
    damage_note: str | None
    claim: str | None
    message: str


@router.post("/scan", response_model=ScanOut, responses=ERRORS)
def receive_scan(
    body: ScanIn,
    request: Request,
    tenant: Tenant = require(Permission.RETURNS_SCAN),
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Receive the return the code resolves to (first scan sets ``received``; a repeat is recorded and changes
    nothing). A code matching several returns is refused, naming them."""
    principal = tenant.principal

    def create() -> ScanOut:
        outcome = scan(
            tenant.session,
            storage_for(tenant.rt),
            tenant.seller_id,
            body.code,
            actor=Actor(f"user:{principal.user_id}", principal.user_id),
            now=tenant.rt.clock.now(),
            mode=body.mode,
            damage_note=body.damage_note,
            warehouse=body.warehouse,
        )
        return ScanOut(**{f: getattr(outcome, f) for f in ScanOut.model_fields})

    return run_once(tenant, idempotency_key, request_hash("POST", request.url.path, body), 200, create)


@router.get("/{return_id}", response_model=returns.ReturnDetail, responses=ERRORS)
def get_return(return_id: IdPath, tenant: Tenant = require(Permission.RETURNS_READ)) -> returns.ReturnDetail:
    return returns.get_return(tenant.session, tenant.seller_id, return_id)
