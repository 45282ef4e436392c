"""Listings from each marketplace's catalog, linked to the seller's SKU master, and the periodic full
reconciliation that compares what each marketplace shows with the stock truth and repairs drift."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from robnu.db.models import Listing, MarketplaceAccount, OrderItem, Product
from robnu.domain.records import Quarantine
from robnu.services import journal as page_journal
from robnu.services.adapter_session import AdapterSession, adapter_session
from robnu.services.runtime import Runtime
from robnu.services.stock import available_for, level_of, queue_listing

# Listings are written and committed this many at a time. The catalog is read between commits, so no
# write transaction stays open while the marketplace is asked (a token minted meanwhile is written from
# another session, which on SQLite would wait for ours), and a long read (Amazon: one call per SKU) keeps
# what it has done.
BATCH_SIZE = 200
T = TypeVar("T")


@dataclass(frozen=True)
class ReconcileOutcome:
    listings: int = 0
    new_listings: int = 0
    new_products: int = 0
    drifted: int = 0
    unlinked: int = 0
    quarantined: int = 0


def known_skus(session: Session, account: MarketplaceAccount) -> list[str]:
    """Every seller SKU Robnu knows for the account: the seller's products, the SKUs of the account's order
    items and of its listings; sorted, without repeats or blanks. Flipkart and Amazon read listings only by
    SKU, so these are the SKUs their catalog read asks for."""
    query = union(
        select(Product.sku).where(Product.seller_id == account.seller_id),
        select(OrderItem.sku).where(OrderItem.marketplace_account_id == account.id),
        select(Listing.seller_sku).where(Listing.marketplace_account_id == account.id),
    )
    return sorted({sku for sku in session.execute(query).scalars() if sku and sku.strip()})


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _mapped_by_hand(products_by_id: dict[int, Product], listing: Listing | None, seller_sku: str) -> Product | None:
    if listing is None or listing.product_id is None:
        return None
    linked = products_by_id.get(listing.product_id)
    return linked if linked is not None and linked.sku != seller_sku else None


def reconcile_account(rt: Runtime, account_id: int, *, create_products: bool = True) -> ReconcileOutcome:
    """Read the account's catalog, upsert listings, link them to products by seller SKU (creating a product
    from the first marketplace that shows the SKU, with that quantity on hand), and queue a push for every
    listing whose live quantity differs from what the stock truth says it should be.

    Idempotent: a second run finds every listing and product and queues nothing new (a pending push is
    coalesced). Batches are committed as they are written (see BATCH_SIZE)."""
    with adapter_session(rt, account_id, page_journal.CATALOG, purpose="catalog") as work:
        return _read_catalog(rt, work, create_products)


def _read_catalog(rt: Runtime, work: AdapterSession, create_products: bool) -> ReconcileOutcome:
    """The catalog read and its writes, committed batch by batch (``reconcile_account``): the last commit is
    its last statement, so nothing is left for the session's close."""
    s, account, adapter, ctx, journal = work.session, work.account, work.adapter, work.ctx, work.journal
    now = rt.clock.now()
    account_id = account.id
    listings = new_listings = new_products = drifted = unlinked = quarantined = 0
    existing = {
        lst.external_id: lst
        for lst in s.execute(select(Listing).where(Listing.marketplace_account_id == account_id)).scalars()
    }
    products = {p.sku: p for p in s.execute(select(Product).where(Product.seller_id == account.seller_id)).scalars()}
    products_by_id = {p.id: p for p in products.values()}
    skus = known_skus(s, account)
    s.commit()  # only reads so far: nothing is held open while the marketplace is asked
    for batch in _chunks(adapter.sync_listings(ctx, skus), BATCH_SIZE):
        for record in batch:
            if isinstance(record, Quarantine):
                quarantined += 1
                continue
            listings += 1
            listing = existing.get(record.external_id)
            # A listing the seller mapped to another SKU by hand keeps its product (listing_rules).
            product = _mapped_by_hand(products_by_id, listing, record.seller_sku) or products.get(record.seller_sku)
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
                products_by_id[product.id] = product
                new_products += 1
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
        s.commit()
        if journal is not None:  # the writer seals this chunk's pages while the next is read
            journal.hand_over()
    return ReconcileOutcome(listings, new_listings, new_products, drifted, unlinked, quarantined)
