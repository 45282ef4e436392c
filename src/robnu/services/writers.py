"""Turn a batch of adapter records into leaf-table upserts (orders with items and shipments, returns
with items, payouts with lines). Unchanged and older records are skipped; counts come back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import (
    MarketplaceAccount,
    MarketplacePayout,
    Order,
    OrderItem,
    OrderReturn,
    OrderReturnItem,
    PayoutLineItem,
    Shipment,
)
from robnu.domain.records import OrderRecord, PayoutRecord, ReturnRecord
from robnu.domain.statuses import FulfilledBy
from robnu.services.reconciliation.payout_status import synced_status
from robnu.services.reconciliation.payout_versions import keep_changed
from robnu.services.returns.lifecycle import track_synced
from robnu.services.stock import ItemState, apply_order_effects
from robnu.services.upsert import existing_versions, upsert_newer, upsert_rows


@dataclass
class BatchCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: BatchCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def _base(
    account: MarketplaceAccount, external_id: str, updated: datetime, status: str, raw: str, now: datetime
) -> dict[str, Any]:
    return {
        "seller_id": account.seller_id,
        "marketplace_account_id": account.id,
        "external_id": external_id,
        "source_updated_at": updated,
        "status": str(status),
        "raw_status": raw,
        "created_at": now,
        "updated_at": now,
    }


def _changed(
    session: Session, model: Any, account: MarketplaceAccount, records: Sequence[Any], refresh: bool = False
) -> tuple[list[Any], BatchCounts]:
    """Keep the newest record per external id, then drop those not newer than what is stored (``refresh``:
    a replay also rewrites records as new as what is stored, so that a corrected mapping takes effect)."""
    newest: dict[str, Any] = {}
    for r in records:
        kept = newest.get(r.external_id)
        if kept is None or r.source_updated_at >= kept.source_updated_at:
            newest[r.external_id] = r
    stored = existing_versions(session, model, account.id, list(newest))
    counts = BatchCounts(unchanged=len(records) - len(newest))
    changed = []
    for external_id, r in newest.items():
        have = stored.get(external_id)
        if have is None:
            counts.inserted += 1
            changed.append(r)
        elif r.source_updated_at > have[1] or (refresh and r.source_updated_at == have[1]):
            counts.updated += 1
            changed.append(r)
        else:
            counts.unchanged += 1
    return changed, counts


def _order_ids(session: Session, account_id: int, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    rows = session.execute(
        select(Order.external_id, Order.id).where(
            Order.marketplace_account_id == account_id, Order.external_id.in_(external_ids)
        )
    )
    return dict(rows.tuples().all())


def _newest(records: Sequence[OrderRecord]) -> list[OrderRecord]:
    """The newest record per external id (a batch may carry an order twice)."""
    newest: dict[str, OrderRecord] = {}
    for r in records:
        kept = newest.get(r.external_id)
        if kept is None or r.source_updated_at >= kept.source_updated_at:
            newest[r.external_id] = r
    return list(newest.values())


def write_orders(
    session: Session,
    account: MarketplaceAccount,
    records: Sequence[OrderRecord],
    now: datetime,
    *,
    refresh: bool = False,
) -> BatchCounts:
    newest = _newest(records)
    # One statement per table, no read before: the upsert itself skips what is not newer and says what it wrote
    # (``refresh``: a replay also rewrites what is as new as stored, so that a corrected mapping takes effect).
    orders = upsert_newer(
        session,
        Order,
        [
            {
                **_base(account, r.external_id, r.source_updated_at, r.status, r.raw_status, now),
                "ordered_at": r.ordered_at,
                "order_total": r.order_total,
                "currency": r.currency,
                "is_cod": r.is_cod,
                "ship_city": r.ship_city,
                "ship_state_code": r.ship_state_code,
                "ship_pincode": r.ship_pincode,
                "dispatch_by": r.dispatch_by,
                "item_count": sum(i.quantity for i in r.items),
                "fulfilled_by": r.fulfilled_by.value,
            }
            for r in newest
        ],
        refresh=refresh,
    )
    counts = BatchCounts(orders.inserted, orders.updated, len(records) - len(orders.ids))
    items: list[dict[str, Any]] = []
    shipments: list[dict[str, Any]] = []
    from_marketplace_stock: set[str] = set()  # items the marketplace ships from its own warehouse (FBA)
    for r in newest:
        order_id = orders.ids.get(r.external_id)
        if order_id is None:  # unchanged, or a racing writer stored something newer: theirs stands
            continue
        if r.fulfilled_by is FulfilledBy.MARKETPLACE:
            from_marketplace_stock.update(i.external_id for i in r.items)
        for i in r.items:
            items.append(
                {
                    **_base(
                        account,
                        i.external_id,
                        r.source_updated_at,
                        i.status or r.status,
                        i.raw_status or r.raw_status,
                        now,
                    ),
                    "order_id": order_id,
                    "sku": i.sku,
                    "marketplace_sku": i.marketplace_sku,
                    "title": i.title,
                    "quantity": i.quantity,
                    "unit_price": i.unit_price,
                    "tax_amount": i.tax_amount,
                    "line_total": i.line_total,
                    "currency": r.currency,
                    "hsn": i.hsn,
                }
            )
        for sh in r.shipments:
            shipments.append(
                {
                    **_base(account, sh.external_id, r.source_updated_at, sh.status, sh.raw_status, now),
                    "order_id": order_id,
                    "awb": sh.awb,
                    "courier": sh.courier,
                    "dispatch_by": sh.dispatch_by,
                    "shipped_at": sh.shipped_at,
                    "delivered_at": sh.delivered_at,
                    "package_weight_grams": sh.package.weight_grams if sh.package else None,
                    "package_length_cm": sh.package.length_cm if sh.package else None,
                    "package_breadth_cm": sh.package.breadth_cm if sh.package else None,
                    "package_height_cm": sh.package.height_cm if sh.package else None,
                }
            )
    written = upsert_newer(session, OrderItem, items, refresh=refresh)
    upsert_newer(session, Shipment, shipments, returning=False, refresh=refresh)
    # Stock follows the order in the same transaction, exactly once per effect (see services.stock).
    apply_order_effects(
        session,
        account.seller_id,
        [
            ItemState(written.ids[i["external_id"]], i["sku"], i["quantity"], i["status"])
            for i in items
            if i["external_id"] in written.ids and i["external_id"] not in from_marketplace_stock
        ],
        now,
        account_id=account.id,
        new_items={written.ids[e] for e in written.new},
    )
    return counts


def write_returns(
    session: Session,
    account: MarketplaceAccount,
    records: Sequence[ReturnRecord],
    now: datetime,
    *,
    refresh: bool = False,
) -> BatchCounts:
    changed, counts = _changed(session, OrderReturn, account, records, refresh)
    orders = _order_ids(session, account.id, {r.order_external_id for r in changed})
    ids = upsert_rows(
        session,
        OrderReturn,
        [
            {
                **_base(account, r.external_id, r.source_updated_at, r.status, r.raw_status, now),
                "order_id": orders.get(r.order_external_id),
                "order_external_id": r.order_external_id,
                "kind": str(r.kind),
                "reason": r.reason,
                "return_awb": r.return_awb,
                "requested_at": r.requested_at,
                "refund_amount": r.refund_amount,
                "currency": r.currency,
            }
            for r in changed
        ],
    )
    upsert_rows(
        session,
        OrderReturnItem,
        [
            {
                **_base(account, i.external_id, r.source_updated_at, r.status, r.raw_status, now),
                "return_id": ids[r.external_id],
                "order_item_external_id": i.order_item_external_id,
                "sku": i.sku,
                "quantity": i.quantity,
            }
            for r in changed
            if r.external_id in ids
            for i in r.items
        ],
    )
    track_synced(session, account, changed, ids, now)  # status events, per-leg AWBs, the claim date
    return counts


def _stored_statuses(session: Session, account_id: int, external_ids: list[str]) -> dict[str, str]:
    if not external_ids:
        return {}
    rows = session.execute(
        select(MarketplacePayout.external_id, MarketplacePayout.status).where(
            MarketplacePayout.marketplace_account_id == account_id, MarketplacePayout.external_id.in_(external_ids)
        )
    )
    return dict(rows.tuples().all())


def write_payouts(
    session: Session,
    account: MarketplaceAccount,
    records: Sequence[PayoutRecord],
    now: datetime,
    *,
    refresh: bool = False,
) -> BatchCounts:
    changed, counts = _changed(session, MarketplacePayout, account, records, refresh)
    stored = _stored_statuses(session, account.id, [r.external_id for r in changed])
    versioned = keep_changed(session, account, changed, now)  # a re-issued statement keeps its old lines
    # Reconciliation's verdict (RECONCILED / DISPUTED) survives a re-sent payout that is still paid and
    # unchanged; a changed statement or another status replaces it.
    status = {
        r.external_id: synced_status(stored.get(r.external_id), str(r.status), r.external_id in versioned)
        for r in changed
    }
    ids = upsert_rows(
        session,
        MarketplacePayout,
        [
            {
                **_base(account, r.external_id, r.source_updated_at, status[r.external_id], r.raw_status, now),
                "period_start": r.period_start,
                "period_end": r.period_end,
                "paid_at": r.paid_at,
                "net_amount": r.net_amount,
                "currency": r.currency,
            }
            for r in changed
        ],
    )
    orders = _order_ids(
        session,
        account.id,
        {line.order_external_id for r in changed for line in r.lines if line.order_external_id},
    )
    upsert_rows(
        session,
        PayoutLineItem,
        [
            {
                **_base(account, line.external_id, r.source_updated_at, status[r.external_id], r.raw_status, now),
                "payout_id": ids[r.external_id],
                "order_id": orders.get(line.order_external_id or ""),
                "order_external_id": line.order_external_id,
                "line_type": str(line.line_type),
                "raw_type": line.raw_type,
                "order_item_external_id": line.order_item_external_id,
                "description": line.description,
                "amount": line.amount,
                "currency": line.currency,
                "occurred_at": line.occurred_at,
            }
            for r in changed
            if r.external_id in ids
            for line in r.lines
        ],
    )
    return counts
