"""Money truth: reconciliation runs with their items, adjustments with their audit trail, claims; disputing a
recoverable adjustment (a claim filed with its evidence packet) and resolving a claim (won writes the recovery
back as an adjustment)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, WithJsonSchema

from robnu.api.deps import Tenant, require
from robnu.api.idempotency import IdempotencyKeyHeader, request_hash, run_once
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    IdPath,
    LimitQuery,
    MarketplaceQuery,
    Printable,
    StatusQuery,
    one_of,
)
from robnu.domain.claims import ClaimStatus
from robnu.domain.deductions import Posture
from robnu.domain.permissions import Permission
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import file_dispute, resolve, storage_for
from robnu.services.queries import money
from robnu.services.queries.common import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1", tags=["money"])
PeriodQuery = Annotated[
    str | None, Query(max_length=7, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="an IST month, YYYY-MM")
]


def _actor(tenant: Tenant) -> Actor:
    return Actor(f"user:{tenant.principal.user_id}", tenant.principal.user_id)


@router.get("/reconciliations", response_model=Page[money.ReconciliationView], responses=ERRORS)
def list_reconciliations(
    tenant: Tenant = require(Permission.RECONCILIATION_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    period: PeriodQuery = None,
    status: StatusQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[money.ReconciliationView]:
    """Reconciliation runs, newest first: matched lines, deltas and the recoverable total per run."""
    filters = money.MoneyFilters(marketplace=marketplace, account_id=account_id, period=period, status=status)
    return money.list_reconciliations(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/reconciliations/{batch_id}", response_model=money.ReconciliationDetail, responses=ERRORS)
def get_reconciliation(
    batch_id: IdPath, tenant: Tenant = require(Permission.RECONCILIATION_READ)
) -> money.ReconciliationDetail:
    return money.get_reconciliation(tenant.session, tenant.seller_id, batch_id)


@router.get("/adjustments", response_model=Page[money.AdjustmentView], responses=ERRORS)
def list_adjustments(
    tenant: Tenant = require(Permission.RECONCILIATION_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    period: PeriodQuery = None,
    status: Annotated[str | None, one_of(money.AdjustmentStatus)] = None,
    posture: Annotated[str | None, one_of(Posture)] = None,
    recoverable_only: bool = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[money.AdjustmentView]:
    filters = money.AdjustmentFilters(
        marketplace=marketplace,
        account_id=account_id,
        period=period,
        status=status,
        posture=posture,
        recoverable_only=recoverable_only,
    )
    return money.list_adjustments(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/adjustments/{adjustment_id}", response_model=money.AdjustmentDetail, responses=ERRORS)
def get_adjustment(
    adjustment_id: IdPath, tenant: Tenant = require(Permission.RECONCILIATION_READ)
) -> money.AdjustmentDetail:
    return money.get_adjustment(tenant.session, tenant.seller_id, adjustment_id)


class DisputeIn(BaseModel):
    marketplace_ref: Printable | None = Field(default=None, max_length=100, description="the marketplace's ticket id")


@router.post("/adjustments/{adjustment_id}/dispute", response_model=money.ClaimView, status_code=201, responses=ERRORS)
def dispute(
    adjustment_id: IdPath,
    request: Request,
    body: DisputeIn | None = None,
    tenant: Tenant = require(Permission.CLAIMS_RESOLVE),
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """File a dispute of a recoverable adjustment: a claim with its evidence packet assembled. Filing again
    answers with the claim already filed."""
    payload = body or DisputeIn()

    def create() -> money.ClaimView:
        claim = file_dispute(
            tenant.session,
            storage_for(tenant.rt),
            adjustment_id,
            actor=_actor(tenant),
            now=tenant.rt.clock.now(),
            marketplace_ref=payload.marketplace_ref,
            seller_id=tenant.seller_id,
        )
        tenant.session.flush()
        return money.get_claim(tenant.session, tenant.seller_id, claim.id)

    return run_once(tenant, idempotency_key, request_hash("POST", request.url.path, payload), 201, create)


@router.get("/claims", response_model=Page[money.ClaimView], responses=ERRORS)
def list_claims(
    tenant: Tenant = require(Permission.CLAIMS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    status: Annotated[str | None, one_of(ClaimStatus)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[money.ClaimView]:
    """Claims, newest first. ``status``: pending, filed, acknowledged, resolved_won, resolved_lost, cancelled."""
    filters = money.MoneyFilters(marketplace=marketplace, account_id=account_id, status=status)
    return money.list_claims(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/claims/{claim_id}", response_model=money.ClaimDetail, responses=ERRORS)
def get_claim(claim_id: IdPath, tenant: Tenant = require(Permission.CLAIMS_READ)) -> money.ClaimDetail:
    return money.get_claim(tenant.session, tenant.seller_id, claim_id)


# Money comes in as a decimal string (as it goes out): the schema states the form, the validator the limits.
MoneyIn = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=4),
    WithJsonSchema({"type": "string", "pattern": r"^(?=.*[1-9])[0-9]{1,10}(\.[0-9]{1,4})?$"}),
]


class ResolveIn(BaseModel):
    outcome: Literal["won", "lost"]
    amount: MoneyIn | None = Field(default=None, description="recovered (won), a decimal string; default: the claim")
    reason: Printable | None = Field(default=None, max_length=500)


@router.post("/claims/{claim_id}/resolve", response_model=money.ClaimDetail, responses=ERRORS)
def resolve_claim(
    body: ResolveIn, claim_id: IdPath, tenant: Tenant = require(Permission.CLAIMS_RESOLVE)
) -> money.ClaimDetail:
    """Record the marketplace's decision; a move the claim's state does not allow is refused (422)."""
    money.get_claim(tenant.session, tenant.seller_id, claim_id)  # 404 before anything else for another seller's
    resolve(
        tenant.session,
        claim_id,
        body.outcome,
        actor=_actor(tenant),
        now=tenant.rt.clock.now(),
        amount=body.amount,
        reason=body.reason,
        seller_id=tenant.seller_id,
    )
    tenant.session.flush()
    return money.get_claim(tenant.session, tenant.seller_id, claim_id)
