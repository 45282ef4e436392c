"""``GET /v1/search?q=``: the seller's orders, shipments, returns and payouts carrying ``q`` as an id or AWB.
Needs ``orders:read``; returns and payouts are shown to callers that may read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import ERRORS, SEARCH_PATTERN
from robnu.domain.permissions import Permission
from robnu.services.queries.search import MAX_QUERY, SearchHit, search

router = APIRouter(prefix="/v1", tags=["search"])
NEEDS = {"RETURN": Permission.RETURNS_READ, "PAYOUT": Permission.PAYOUTS_READ}


@router.get("/search", response_model=list[SearchHit], responses=ERRORS)
def search_ids(
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY, pattern=SEARCH_PATTERN, description="an id or AWB, exact")
    ],
    tenant: Tenant = require(Permission.ORDERS_READ),
) -> list[SearchHit]:
    allowed = tenant.principal.permissions
    return [
        h for h in search(tenant.session, tenant.seller_id, q) if NEEDS.get(h.kind, Permission.ORDERS_READ) in allowed
    ]
