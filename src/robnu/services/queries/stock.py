"""Stock and listings as the seller reads them: the one stock truth per SKU (on hand, reserved, available)
with each of its listings and the quantity last pushed to it and due now; the listings of the seller's
accounts, each with its stock rules; and the inventory pushes queued, sent or failing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import InventoryTask, Listing, Product
from robnu.domain.statuses import InventoryTaskStatus
from robnu.services.queries.common import (
    DEFAULT_LIMIT,
    AccountRef,
    Dto,
    Keyset,
    ListScope,
    Page,
    enum_value,
    equal,
    paginate,
    seller_accounts,
    text_value,
    where_given,
)
from robnu.services.stock import StockLevel, available_for

PRODUCTS = Keyset("stock", (Product.sku, Product.id), descending=False)
LISTINGS = Keyset("listings", (Listing.seller_sku, Listing.id), descending=False)
TASKS = Keyset("inventory-tasks", (InventoryTask.created_at, InventoryTask.id))


class ListingView(Dto):
    id: int
    external_id: str
    account: AccountRef
    product_id: int | None
    seller_sku: str
    marketplace_sku: str | None
    title: str | None
    status: str
    price: Decimal | None
    buffer: int
    max_quantity: int | None
    percentage: int
    marketplace_quantity: int | None  # what the marketplace showed at the last catalog read
    last_pushed_quantity: int | None
    due_quantity: int | None  # what Robnu would push now (None: not linked to a product)


class StockView(Dto):
    """One SKU's stock truth, the same for every marketplace, and what each listing of it gets."""

    product_id: int
    sku: str
    title: str | None
    on_hand: int
    reserved: int
    available: int
    stock_version: int
    updated_at: datetime
    listings: list[ListingView]


def _listing(listing: Listing, account: AccountRef, level: StockLevel | None) -> ListingView:
    return ListingView(
        id=listing.id,
        external_id=listing.external_id,
        account=account,
        product_id=listing.product_id,
        seller_sku=listing.seller_sku,
        marketplace_sku=listing.marketplace_sku,
        title=listing.title,
        status=listing.status,
        price=listing.price,
        buffer=listing.buffer,
        max_quantity=listing.max_quantity,
        percentage=listing.percentage,
        marketplace_quantity=listing.marketplace_quantity,
        last_pushed_quantity=listing.last_pushed_quantity,
        due_quantity=None if level is None else available_for(listing, level),
    )


def _level(p: Product) -> StockLevel:
    return StockLevel(p.id, p.on_hand, p.reserved, p.stock_version)


def list_stock(
    s: Session, seller_id: int, *, sku: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[StockView]:
    """The seller's SKUs in SKU order (``sku``: that one only), each with its listings on every account."""
    accounts = seller_accounts(s, seller_id)
    q = select(Product).where(Product.seller_id == seller_id)
    wanted = text_value("sku", sku)
    if wanted:
        q = q.where(Product.sku == wanted)
    rows, next_cursor = paginate(s, q, PRODUCTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].sku, r[0].id))
    products = [p for (p,) in rows]
    by_product: dict[int, list[Listing]] = {}
    if products:
        for listing in s.execute(
            select(Listing)
            .where(Listing.seller_id == seller_id, Listing.product_id.in_([p.id for p in products]))
            .order_by(Listing.marketplace_account_id, Listing.id)
        ).scalars():
            by_product.setdefault(listing.product_id or 0, []).append(listing)
    items = []
    for p in products:
        level = _level(p)
        items.append(
            StockView(
                product_id=p.id,
                sku=p.sku,
                title=p.title,
                on_hand=p.on_hand,
                reserved=p.reserved,
                available=max(0, p.on_hand - p.reserved),
                stock_version=p.stock_version,
                updated_at=p.updated_at,
                listings=[_listing(li, accounts[li.marketplace_account_id], level) for li in by_product.get(p.id, [])],
            )
        )
    return Page[StockView](items=items, next_cursor=next_cursor)


@dataclass(frozen=True)
class ListingFilters:
    """``unmapped``: only listings not linked to a product of the SKU master; ``sku``: exact seller SKU."""

    marketplace: str | None = None
    account_id: int | None = None
    sku: str | None = None
    unmapped: bool = False


def list_listings(
    s: Session,
    seller_id: int,
    filters: ListingFilters = ListingFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ListingView]:
    """The seller's listings in SKU order, each with its stock rules and the quantity due now."""
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[ListingView](items=[])
    q = (
        select(Listing, Product)
        .outerjoin(Product, (Product.id == Listing.product_id) & (Product.seller_id == seller_id))
        .where(scope.rows_of(Listing))
    )
    wanted = text_value("sku", filters.sku)
    if wanted:
        q = q.where(Listing.seller_sku == wanted)
    if filters.unmapped:
        q = q.where(Listing.product_id.is_(None))
    rows, next_cursor = paginate(
        s, q, LISTINGS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].seller_sku, r[0].id)
    )
    return Page[ListingView](
        items=[
            _listing(li, scope.accounts[li.marketplace_account_id], None if p is None else _level(p)) for li, p in rows
        ],
        next_cursor=next_cursor,
    )


class InventoryTaskView(Dto):
    id: int
    account: AccountRef
    listing_id: int
    seller_sku: str
    quantity: int
    stock_version: int
    priority: int
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class InventoryTaskFilters:
    marketplace: str | None = None
    account_id: int | None = None
    status: str | None = None


def list_inventory_tasks(
    s: Session,
    seller_id: int,
    filters: InventoryTaskFilters = InventoryTaskFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[InventoryTaskView]:
    """The inventory pushes, newest first."""
    status = enum_value("status", filters.status, InventoryTaskStatus)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[InventoryTaskView](items=[])
    q = (
        select(InventoryTask, Listing.seller_sku)
        .join(Listing, (Listing.id == InventoryTask.listing_id) & (Listing.seller_id == seller_id))
        .where(scope.rows_of(InventoryTask))
    )
    q = where_given(q, equal(InventoryTask.status, status))
    rows, next_cursor = paginate(
        s, q, TASKS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].created_at, r[0].id)
    )
    return Page[InventoryTaskView](
        items=[
            InventoryTaskView(
                id=t.id,
                account=scope.accounts[t.marketplace_account_id],
                listing_id=t.listing_id,
                seller_sku=sku,
                quantity=t.quantity,
                stock_version=t.stock_version,
                priority=t.priority,
                status=t.status,
                attempts=t.attempts,
                last_error=t.last_error,
                next_attempt_at=t.next_attempt_at,
                sent_at=t.sent_at,
                created_at=t.created_at,
            )
            for t, sku in rows
        ],
        next_cursor=next_cursor,
    )
