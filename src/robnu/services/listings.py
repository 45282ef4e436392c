"""Listings from each marketplace's catalog, linked to the seller's SKU master, and the periodic full
reconciliation that compares what each marketplace shows with the stock truth and repairs drift."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from robnu.db.models import Listing, MarketplaceAccount, Product
from robnu.domain.errors import NotFound
from robnu.domain.records import Quarantine
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.runtime import Runtime
from robnu.services.stock import available_for, level_of, queue_listing


@dataclass(frozen=True)
class ReconcileOutcome:
    listings: int = 0
    new_listings: int = 0
    new_products: int = 0
    drifted: int = 0
    unlinked: int = 0
    quarantined: int = 0


def reconcile_account(rt: Runtime, account_id: int, *, create_products: bool = True) -> ReconcileOutcome:
    """Read the account's catalog, upsert listings, link them to products by seller SKU (creating a product
    from the first marketplace that shows the SKU, with that quantity on hand), and queue a push for every
    listing whose live quantity differs from what the stock truth says it should be."""
    now = rt.clock.now()
    listings = new_listings = new_products = drifted = unlinked = quarantined = 0
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        adapter = adapter_for(rt, account)
        ctx = build_context(rt, s, adapter, account)
        existing = {
            lst.external_id: lst
            for lst in s.execute(select(Listing).where(Listing.marketplace_account_id == account_id)).scalars()
        }
        products = {
            p.sku: p for p in s.execute(select(Product).where(Product.seller_id == account.seller_id)).scalars()
        }
        for record in adapter.sync_listings(ctx):
            if isinstance(record, Quarantine):
                quarantined += 1
                continue
            listings += 1
            product = products.get(record.seller_sku)
            if product is None and create_products:
                product = Product(
                    seller_id=account.seller_id,
                    sku=record.seller_sku,
                    title=record.title,
                    on_hand=max(0, record.quantity or 0),
                    reserved=0,
                    stock_version=1,
                    created_at=now,
                    updated_at=now,
                )
                s.add(product)
                s.flush()
                products[record.seller_sku] = product
                new_products += 1
            listing = existing.get(record.external_id)
            if listing is None:
                listing = Listing(
                    seller_id=account.seller_id,
                    marketplace_account_id=account_id,
                    external_id=record.external_id,
                    created_at=now,
                    buffer=0,
                    percentage=100,
                )
                s.add(listing)
                existing[record.external_id] = listing
                new_listings += 1
            listing.seller_sku, listing.marketplace_sku, listing.title = (
                record.seller_sku,
                record.marketplace_sku,
                record.title,
            )
            listing.price, listing.marketplace_quantity = record.price, record.quantity
            listing.status, listing.raw_status = ("ACTIVE" if record.active else "INACTIVE"), record.raw_status
            listing.source_updated_at, listing.updated_at = record.source_updated_at, now
            listing.product_id = product.id if product is not None else None
            s.flush()
            if product is None:
                unlinked += 1
                continue
            level = level_of(s, product.id)
            if record.quantity is not None and record.quantity != available_for(listing, level):
                queue_listing(s, listing, level, now, force=True)
                drifted += 1
    return ReconcileOutcome(listings, new_listings, new_products, drifted, unlinked, quarantined)
