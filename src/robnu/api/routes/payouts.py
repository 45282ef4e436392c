"""Payouts (settlements) and their lines, each line with its reconciliation status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    IdPath,
    LimitQuery,
    MarketplaceQuery,
    SearchQuery,
    one_of,
)
from robnu.domain.permissions import Permission
from robnu.domain.statuses import PayoutStatus
from robnu.services.queries import payouts
from robnu.services.queries.common import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/payouts", tags=["payouts"])


@router.get("", response_model=Page[payouts.PayoutSummary], responses=ERRORS)
def list_payouts(
    tenant: Tenant = require(Permission.PAYOUTS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    status: Annotated[str | None, one_of(PayoutStatus)] = None,
    paid_from: datetime | None = None,
    paid_to: datetime | None = None,
    q: SearchQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[payouts.PayoutSummary]:
    filters = payouts.PayoutFilters(
        marketplace=marketplace, account_id=account_id, status=status, paid_from=paid_from, paid_to=paid_to, q=q
    )
    return payouts.list_payouts(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/{payout_id}", response_model=payouts.PayoutDetail, responses=ERRORS)
def get_payout(payout_id: IdPath, tenant: Tenant = require(Permission.PAYOUTS_READ)) -> payouts.PayoutDetail:
    return payouts.get_payout(tenant.session, tenant.seller_id, payout_id)
