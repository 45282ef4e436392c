"""The stock check every dispatch flow makes before confirming an order: oldest orders first, across all
of the seller's marketplaces.

An order may be confirmed when, for each product it takes, ``on hand - what older unshipped orders take``
covers its quantity. "Older unshipped orders" are the seller's own (not marketplace-fulfilled) orders on any
account, placed before this one, whose items are still open (not shipped: shipping consumes on-hand stock;
not cancelled). So when stock runs short, the oldest orders get it and the newest are held — whichever
marketplace they came from and in whatever order the accounts' flows run. An item counts against a product
when its SKU is the product's SKU or, on an account where the seller mapped a listing to the product, that
listing's SKU (``db.catalog``). A SKU outside the stock master is not checked (the marketplace holds the
stock, or the seller does not track it in Robnu).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from robnu.db.catalog import products_for_skus
from robnu.db.models import Listing, Order, OrderItem, Product
from robnu.domain.statuses import OPEN_ORDER_STATUSES, FulfilledBy


def _older_open_quantity(s: Session, order: Order, product: Product) -> int:
    """Units of ``product`` taken by the seller's older open orders (any account)."""
    mapped = (
        s.execute(select(Listing.marketplace_account_id, Listing.seller_sku).where(Listing.product_id == product.id))
        .tuples()
        .all()
    )
    names = [OrderItem.sku == product.sku]
    if mapped:
        names.append(tuple_(OrderItem.marketplace_account_id, OrderItem.sku).in_(mapped))
    older = or_(
        Order.ordered_at < order.ordered_at,
        and_(Order.ordered_at == order.ordered_at, Order.id < order.id),
    )
    total = s.execute(
        select(func.coalesce(func.sum(OrderItem.quantity), 0))
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            Order.seller_id == order.seller_id,
            Order.fulfilled_by == FulfilledBy.SELLER,
            OrderItem.status.in_(OPEN_ORDER_STATUSES),
            or_(*names),
            older,
        )
    ).scalar_one()
    return int(total)


def stock_shortfall(s: Session, order: Order, account_id: int) -> str | None:
    """Why the order cannot be confirmed from stock now, or None when it can (see the module doc)."""
    items = (
        s.execute(select(OrderItem).where(OrderItem.order_id == order.id, OrderItem.status.in_(OPEN_ORDER_STATUSES)))
        .scalars()
        .all()
    )
    products = products_for_skus(s, order.seller_id, [i.sku for i in items], account_id)
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        product = products.get(item.sku)
        if product is not None:
            wanted[product.id] += item.quantity
    by_id = {p.id: p for p in products.values()}
    for product_id, quantity in sorted(wanted.items()):
        product = by_id[product_id]
        free = product.on_hand - _older_open_quantity(s, order, product)
        if quantity > free:
            return f"stock: {product.sku} has {max(free, 0)} free after older orders, {quantity} to confirm"
    return None


def untracked_skus(s: Session, order: Order, account_id: int) -> list[str]:
    """The order's SKUs that are not in the stock master (reported, not checked)."""
    skus = {i.sku for i in s.execute(select(OrderItem).where(OrderItem.order_id == order.id)).scalars()}
    known = products_for_skus(s, order.seller_id, skus, account_id)
    return sorted(skus - set(known))
