"""Editing a listing: which product it sells (a marketplace SKU mapped to the seller's SKU) and its stock
rules (buffer, maximum, percentage). A change re-queues the listing's quantity at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from robnu.db.models import Listing, Product
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.runtime import Runtime
from robnu.services.stock import available_for, level_of, queue_listing


@dataclass(frozen=True)
class ListingView:
    id: int
    account_id: int
    external_id: str
    marketplace_sku: str
    product_sku: str | None
    buffer: int
    max_quantity: int | None
    percentage: int
    available: int | None  # what Robnu would push now (None: not linked to a product)
    last_pushed: int | None
    marketplace_quantity: int | None


def _view(listing: Listing, product: Product | None, available: int | None) -> ListingView:
    return ListingView(
        id=listing.id,
        account_id=listing.marketplace_account_id,
        external_id=listing.external_id,
        marketplace_sku=listing.seller_sku,
        product_sku=product.sku if product is not None else None,
        buffer=listing.buffer,
        max_quantity=listing.max_quantity,
        percentage=listing.percentage,
        available=available,
        last_pushed=listing.last_pushed_quantity,
        marketplace_quantity=listing.marketplace_quantity,
    )


def edit_listing(
    rt: Runtime,
    listing_id: int,
    *,
    product_sku: str | None = None,
    buffer: int | None = None,
    max_quantity: int | None = None,
    clear_max: bool = False,
    percentage: int | None = None,
) -> ListingView:
    """Change what is given (``clear_max`` removes the cap); every value is checked before any is written.
    Linking to another SKU is a manual mapping that catalog reconciliation keeps."""
    if buffer is not None and buffer < 0:
        raise InvalidInput("buffer", "must be 0 or more")
    if percentage is not None and not 0 <= percentage <= 100:
        raise InvalidInput("percentage", "must be between 0 and 100")
    if max_quantity is not None and max_quantity < 0:
        raise InvalidInput("max_quantity", "must be 0 or more")
    with rt.session() as s:
        listing = s.get(Listing, listing_id)
        if listing is None:
            raise NotFound(f"listing {listing_id} does not exist")
        if product_sku is not None:
            product = s.execute(
                select(Product).where(Product.seller_id == listing.seller_id, Product.sku == product_sku.strip())
            ).scalar_one_or_none()
            if product is None:
                raise InvalidInput("product_sku", f"the seller has no product with SKU {product_sku!r}")
            listing.product_id = product.id
        if buffer is not None:
            listing.buffer = buffer
        if percentage is not None:
            listing.percentage = percentage
        if max_quantity is not None or clear_max:
            listing.max_quantity = max_quantity
        listing.updated_at = rt.clock.now()
        s.flush()
        linked = s.get(Product, listing.product_id) if listing.product_id is not None else None
        available = None
        if linked is not None:
            level = level_of(s, linked.id)
            available = available_for(listing, level)
            queue_listing(s, listing, level, rt.clock.now())
        return _view(listing, linked, available)


def list_listings(rt: Runtime, account_id: int) -> list[ListingView]:
    with rt.sessions() as s:
        rows = s.execute(
            select(Listing, Product)
            .outerjoin(Product, Product.id == Listing.product_id)
            .where(Listing.marketplace_account_id == account_id)
            .order_by(Listing.seller_sku, Listing.id)
        ).tuples()
        out = []
        for listing, product in rows:
            available = available_for(listing, level_of(s, product.id)) if product is not None else None
            out.append(_view(listing, product, available))
        return out
