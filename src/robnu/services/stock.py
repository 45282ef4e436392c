"""One stock truth: order effects on stock, available-to-sell per listing, and the inventory tasks that
carry it to every marketplace.

* An order item reserves stock while it is open, consumes it when it ships and releases it when it is
  cancelled before shipping — each exactly once, however often and however concurrently it is synced:
  the ledger's unique (order_item_id, kind) decides, and counters move by atomic increments.
* Available to sell on a listing = (on hand - reserved - buffer) x percentage, capped at the listing's
  maximum, never below zero.
* Every change of a product's stock bumps its version and queues, per listing, one absolute quantity
  carrying that version (coalesced into the listing's pending task); going out of stock goes first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from robnu.db.catalog import product_ids_for_skus
from robnu.db.models import InventoryTask, Listing, Product
from robnu.db.stock_models import StockMovement
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.statuses import OPEN_ORDER_STATUSES, InventoryTaskStatus, OrderStatus
from robnu.services.upsert import insert_new

OPEN = OPEN_ORDER_STATUSES
GONE_OUT = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURN_REQUESTED, OrderStatus.RETURNED})
OUT_OF_STOCK_PRIORITY = 100


@dataclass(frozen=True, slots=True)
class ItemState:
    order_item_id: int
    sku: str
    quantity: int
    status: str


@dataclass(frozen=True, slots=True)
class StockLevel:
    product_id: int
    on_hand: int
    reserved: int
    version: int


def available_for(listing: Listing, level: StockLevel) -> int:
    free = level.on_hand - level.reserved - listing.buffer
    free = free * listing.percentage // 100
    if listing.max_quantity is not None:
        free = min(free, listing.max_quantity)
    return max(0, free)


def _move(session: Session, product_id: int, *, on_hand: int = 0, reserved: int = 0) -> StockLevel:
    row = session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(
            on_hand=Product.on_hand + on_hand,
            reserved=Product.reserved + reserved,
            stock_version=Product.stock_version + 1,
        )
        .returning(Product.id, Product.on_hand, Product.reserved, Product.stock_version)
    ).one()
    return StockLevel(*row)


@dataclass(frozen=True, slots=True)
class _Effect:
    item: ItemState
    product_id: int
    kind: str
    on_hand: int
    reserved: int


def _effects(items: Sequence[ItemState], products: dict[str, int], done: dict[int, set[str]]) -> list[_Effect]:
    """What each item's status asks for that its ledger does not hold yet (once per item and kind)."""
    wanted: dict[tuple[int, str], _Effect] = {}
    for item in items:
        product_id = products.get(item.sku)
        if product_id is None:  # not in the SKU master: nothing to count against
            continue
        kinds = done.get(item.order_item_id, set())
        asked: list[tuple[str, int, int]] = []
        if item.status in OPEN or item.status in GONE_OUT:
            asked.append(("RESERVE", 0, item.quantity))
        if item.status in GONE_OUT:
            asked.append(("CONSUME", -item.quantity, -item.quantity))
        elif item.status == OrderStatus.CANCELLED and "RESERVE" in kinds and "CONSUME" not in kinds:
            asked.append(("RELEASE", 0, -item.quantity))
        for kind, on_hand, reserved in asked:
            if kind not in kinds:
                wanted.setdefault((item.order_item_id, kind), _Effect(item, product_id, kind, on_hand, reserved))
    return list(wanted.values())


def apply_order_effects(
    session: Session,
    seller_id: int,
    items: Sequence[ItemState],
    now: datetime,
    *,
    account_id: int | None = None,
    new_items: Collection[int] = (),
) -> int:
    """Apply what each item's current status means for stock; returns how many effects were new.

    ``new_items`` are order items inserted in this transaction: they have no ledger row yet, so their ledger
    is not read. The whole batch costs a few statements: the ledger of the other items, one insert of every
    new ledger row (the unique (order_item_id, kind) drops any a concurrent writer added first), and one
    counter update per product, in product id order (two writers lock products in the same order)."""
    if not items:
        return 0
    products = product_ids_for_skus(session, seller_id, {i.sku for i in items}, account_id)
    counted = [i for i in items if i.sku in products]
    if not counted:
        return 0
    done: dict[int, set[str]] = {}
    fresh = set(new_items)
    seen = [i.order_item_id for i in counted if i.order_item_id not in fresh]
    if seen:
        for item_id, kind in session.execute(
            select(StockMovement.order_item_id, StockMovement.kind).where(StockMovement.order_item_id.in_(seen))
        ).tuples():
            if item_id is not None:
                done.setdefault(item_id, set()).add(kind)
    effects = _effects(counted, products, done)
    if not effects:
        return 0
    inserted = insert_new(
        session,
        StockMovement,
        [
            {
                "seller_id": seller_id,
                "product_id": e.product_id,
                "order_item_id": e.item.order_item_id,
                "kind": e.kind,
                "quantity": e.item.quantity,
                "created_at": now,
            }
            for e in effects
        ],
        ("order_item_id", "kind"),
        "order_item_id, kind",
    )
    applied = {(item_id, kind) for item_id, kind in inserted}
    deltas: dict[int, tuple[int, int]] = {}
    for e in effects:
        if (e.item.order_item_id, e.kind) in applied:
            on_hand, reserved = deltas.get(e.product_id, (0, 0))
            deltas[e.product_id] = (on_hand + e.on_hand, reserved + e.reserved)
    levels = [_move(session, pid, on_hand=dh, reserved=dr) for pid, (dh, dr) in sorted(deltas.items())]
    queue_pushes(session, levels, now)
    return len(applied)


MAX_QUANTITY = 2**31 - 1


def adjust_on_hand(session: Session, seller_id: int, sku: str, delta: int, reason: str, now: datetime) -> StockLevel:
    """A manual stock change (goods received, count corrected): ledgered, then pushed everywhere."""
    row = session.execute(
        select(Product.id, Product.on_hand).where(Product.seller_id == seller_id, Product.sku == sku)
    ).one_or_none()
    if row is None:
        raise NotFound(f"seller {seller_id} has no product with SKU {sku!r}")
    product_id, on_hand = row
    if on_hand + delta > MAX_QUANTITY:  # an INTEGER column: refuse here rather than as a database error
        raise InvalidInput("delta", f"would leave {sku} with more than {MAX_QUANTITY} on hand")
    level = _move(session, product_id, on_hand=delta)
    if level.on_hand < 0:
        raise InvalidInput("delta", f"would leave {sku} with {level.on_hand} on hand")
    session.add(
        StockMovement(
            seller_id=seller_id,
            product_id=product_id,
            kind="ADJUST",
            quantity=delta,
            reason=reason[:200],
            created_at=now,
        )
    )
    queue_pushes(session, [level], now)
    return level


def queue_pushes(session: Session, levels: Iterable[StockLevel], now: datetime) -> int:
    """One pending absolute quantity per listing of each product, at the product's newest version."""
    by_product = {lv.product_id: lv for lv in levels}
    if not by_product:
        return 0
    # In listing order: every writer locks task rows in the same order (no deadlock on PostgreSQL).
    listings = (
        session.execute(select(Listing).where(Listing.product_id.in_(list(by_product))).order_by(Listing.id))
        .scalars()
        .all()
    )
    return sum(queue_listing(session, listing, by_product[listing.product_id or 0], now) for listing in listings)


def queue_listing(session: Session, listing: Listing, level: StockLevel, now: datetime, *, force: bool = False) -> int:
    """Queue (or coalesce into the pending task) this listing's quantity at ``level``; 1 if a task was added.

    ``force`` queues even when the listing last received the same quantity (reconciliation found drift).
    """
    quantity = available_for(listing, level)
    priority = OUT_OF_STOCK_PRIORITY if quantity == 0 else 0
    pending = session.execute(
        select(InventoryTask.id, InventoryTask.stock_version).where(
            InventoryTask.listing_id == listing.id, InventoryTask.status == InventoryTaskStatus.PENDING
        )
    ).first()
    if pending is not None:
        if level.version < pending.stock_version:
            return 0  # the pending task already carries a newer quantity
        # Compare-and-set: a push may have claimed the task since it was read (it is IN_FLIGHT with the
        # old quantity, already on its way); then this quantity needs a task of its own.
        coalesced = session.execute(
            update(InventoryTask)
            .where(InventoryTask.id == pending.id, InventoryTask.status == InventoryTaskStatus.PENDING)
            .values(quantity=quantity, stock_version=level.version, priority=priority, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if coalesced:
            return 0
    if listing.last_pushed_quantity == quantity and not force and not _unsettled(session, listing.id):
        return 0  # the marketplace already shows it, and no push in flight is about to change that
    session.add(
        InventoryTask(
            seller_id=listing.seller_id,
            marketplace_account_id=listing.marketplace_account_id,
            listing_id=listing.id,
            quantity=quantity,
            stock_version=level.version,
            priority=priority,
            created_at=now,
            updated_at=now,
        )
    )
    return 1


def _unsettled(session: Session, listing_id: int) -> bool:
    """A push of this listing is in flight or waiting to retry: what the marketplace will show is not yet
    ``last_pushed_quantity``, so an unchanged quantity must still be queued (it supersedes that push)."""
    return (
        session.execute(
            select(InventoryTask.id).where(
                InventoryTask.listing_id == listing_id,
                InventoryTask.status.in_([InventoryTaskStatus.IN_FLIGHT, InventoryTaskStatus.FAILED]),
            )
        ).first()
        is not None
    )


def level_of(session: Session, product_id: int) -> StockLevel:
    p = session.get(Product, product_id)
    if p is None:
        raise NotFound(f"product {product_id} does not exist")
    return StockLevel(p.id, p.on_hand, p.reserved, p.stock_version)
