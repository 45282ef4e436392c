"""Stock and listings: one stock truth per SKU, and what each listing of it was last pushed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import Listing, Marketplace, MarketplaceAccount, Product
from robnu.services.stock import StockLevel, available_for

LIMIT = 300


@dataclass(frozen=True)
class ListingLine:
    id: int
    marketplace: str
    external_id: str
    marketplace_sku: str
    would_push: int
    last_pushed: int | None
    marketplace_quantity: int | None
    buffer: int
    max_quantity: int | None
    percentage: int


@dataclass
class ProductStock:
    sku: str
    title: str | None
    on_hand: int
    reserved: int
    version: int
    listings: list[ListingLine] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(0, self.on_hand - self.reserved)


def stock_board(s: Session, seller_id: int, *, sku_prefix: str | None = None) -> list[ProductStock]:
    q = select(Product).where(Product.seller_id == seller_id).order_by(Product.sku).limit(LIMIT)
    if sku_prefix:
        q = q.where(Product.sku.startswith(sku_prefix.strip(), autoescape=True))
    products = {p.id: p for p in s.execute(q).scalars()}
    board = {pid: ProductStock(p.sku, p.title, p.on_hand, p.reserved, p.stock_version) for pid, p in products.items()}
    rows = s.execute(
        select(Listing, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == Listing.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(Listing.seller_id == seller_id, Listing.product_id.in_(list(products)))
        .order_by(Marketplace.code, Listing.id)
    ).all()
    for listing, code in rows:
        assert listing.product_id is not None
        p = products[listing.product_id]
        level = StockLevel(p.id, p.on_hand, p.reserved, p.stock_version)
        board[listing.product_id].listings.append(
            ListingLine(
                listing.id,
                code,
                listing.external_id,
                listing.seller_sku,
                available_for(listing, level),
                listing.last_pushed_quantity,
                listing.marketplace_quantity,
                listing.buffer,
                listing.max_quantity,
                listing.percentage,
            )
        )
    return list(board.values())
