"""Orders: the seller's orders (filter by marketplace, account, status, processing status or stage, date range;
search by order id or AWB), newest first, keyset-paginated; one order with its items, shipments, processing
state and steps, documents and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from robnu.adapters.processing import ProcessingStatus
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
from robnu.domain.statuses import OrderStatus
from robnu.services.queries import orders
from robnu.services.queries.common import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.get("", response_model=Page[orders.OrderSummary], responses=ERRORS)
def list_orders(
    tenant: Tenant = require(Permission.ORDERS_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    status: Annotated[str | None, one_of(OrderStatus)] = None,
    processing_status: Annotated[str | None, one_of(ProcessingStatus)] = None,
    held: Annotated[bool, Query(description="only orders held for any reason (HELD or HELD_QUOTA)")] = False,
    processing_stage: Annotated[int | None, Query(ge=0, le=100)] = None,
    ordered_from: datetime | None = None,
    ordered_to: datetime | None = None,
    q: SearchQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[orders.OrderSummary]:
    """Newest first (``ordered_at``, then id). ``ordered_from`` is inclusive, ``ordered_to`` exclusive."""
    filters = orders.OrderFilters(
        marketplace=marketplace,
        account_id=account_id,
        status=status,
        processing_status=processing_status,
        held=held,
        processing_stage=processing_stage,
        ordered_from=ordered_from,
        ordered_to=ordered_to,
        q=q,
    )
    return orders.list_orders(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/{order_id}", response_model=orders.OrderDetail, responses=ERRORS)
def get_order(order_id: IdPath, tenant: Tenant = require(Permission.ORDERS_READ)) -> orders.OrderDetail:
    return orders.get_order(tenant.session, tenant.seller_id, order_id)
