"""Stock and listings: the one stock truth per SKU with each listing's pushed and due quantity, the listings
with their stock rules, the inventory pushes, and a manual stock adjustment (pushed everywhere)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from robnu.api.deps import Tenant, require
from robnu.api.idempotency import IdempotencyKeyHeader, request_hash, run_once
from robnu.api.params import TEXT_PATTERN
from robnu.api.routes.read_common import (
    ERRORS,
    AccountQuery,
    CursorQuery,
    LimitQuery,
    MarketplaceQuery,
    Printable,
    one_of,
)
from robnu.domain.errors import NotFound
from robnu.domain.permissions import Permission
from robnu.domain.statuses import InventoryTaskStatus
from robnu.services.queries import stock
from robnu.services.queries.common import DEFAULT_LIMIT, Page
from robnu.services.stock import MAX_QUANTITY, adjust_on_hand

router = APIRouter(prefix="/v1", tags=["stock"])
SkuQuery = Annotated[str | None, Query(max_length=100, pattern=TEXT_PATTERN, description="an exact seller SKU")]


@router.get("/stock", response_model=Page[stock.StockView], responses=ERRORS)
def list_stock(
    tenant: Tenant = require(Permission.STOCK_READ),
    sku: SkuQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[stock.StockView]:
    """SKUs in SKU order, each with every listing of it and the quantity due to each."""
    return stock.list_stock(tenant.session, tenant.seller_id, sku=sku, cursor=cursor, limit=limit)


class AdjustIn(BaseModel):
    sku: Printable = Field(min_length=1, max_length=100)
    delta: int = Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY, description="+n goods received, -n count correction")
    reason: Printable = Field(min_length=1, max_length=200)


@router.post("/stock/adjustments", response_model=stock.StockView, status_code=201, responses=ERRORS)
def adjust_stock(
    body: AdjustIn,
    request: Request,
    tenant: Tenant = require(Permission.STOCK_WRITE),
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Change on-hand stock of a SKU: recorded in the ledger and queued for every listing of it."""

    def create() -> stock.StockView:
        adjust_on_hand(tenant.session, tenant.seller_id, body.sku, body.delta, body.reason, tenant.rt.clock.now())
        tenant.session.flush()
        found = stock.list_stock(tenant.session, tenant.seller_id, sku=body.sku, limit=1).items
        if not found:
            raise NotFound(f"no product with SKU {body.sku!r}")
        return found[0]

    return run_once(tenant, idempotency_key, request_hash("POST", request.url.path, body), 201, create)


@router.get("/listings", response_model=Page[stock.ListingView], responses=ERRORS)
def list_listings(
    tenant: Tenant = require(Permission.STOCK_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    sku: SkuQuery = None,
    unmapped: bool = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[stock.ListingView]:
    filters = stock.ListingFilters(marketplace=marketplace, account_id=account_id, sku=sku, unmapped=unmapped)
    return stock.list_listings(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)


@router.get("/inventory-tasks", response_model=Page[stock.InventoryTaskView], responses=ERRORS)
def list_inventory_tasks(
    tenant: Tenant = require(Permission.STOCK_READ),
    marketplace: MarketplaceQuery = None,
    account_id: AccountQuery = None,
    status: Annotated[str | None, one_of(InventoryTaskStatus)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[stock.InventoryTaskView]:
    filters = stock.InventoryTaskFilters(marketplace=marketplace, account_id=account_id, status=status)
    return stock.list_inventory_tasks(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)
