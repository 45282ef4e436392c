"""Which product a marketplace SKU counts against: shared by the stock ledger and the dispatch flows."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import Listing, Product


def product_ids_for_skus(
    session: Session, seller_id: int, skus: Iterable[str], account_id: int | None = None
) -> dict[str, int]:
    """SKU -> product id: the product the SKU's listing on ``account_id`` is linked to (a marketplace SKU the
    seller mapped by hand), else the seller's product with that SKU. SKUs of neither are left out."""
    wanted = set(skus)
    if not wanted:
        return {}
    products = dict(
        session.execute(select(Product.sku, Product.id).where(Product.seller_id == seller_id, Product.sku.in_(wanted)))
        .tuples()
        .all()
    )
    if account_id is not None:
        linked = session.execute(
            select(Listing.seller_sku, Listing.product_id).where(
                Listing.marketplace_account_id == account_id,
                Listing.seller_sku.in_(wanted),
                Listing.product_id.is_not(None),
            )
        ).tuples()
        products.update({sku: product_id for sku, product_id in linked if product_id is not None})
    return products


def products_for_skus(
    session: Session, seller_id: int, skus: Iterable[str], account_id: int | None = None
) -> dict[str, Product]:
    """As ``product_ids_for_skus``, with the product rows."""
    ids = product_ids_for_skus(session, seller_id, skus, account_id)
    rows = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(set(ids.values())))).scalars()}
    return {sku: rows[pid] for sku, pid in ids.items() if pid in rows}
