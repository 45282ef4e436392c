"""What Robnu itself knows about an order, loaded once per batch: its lines, shipments, returns, the seller's
SKU profiles and pickup place, and whether Robnu's own records say it was dispatched on time.

The expected settlement of an order is computed from these facts only, never from the payout it checks."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.dispatch_models import SlaEvent
from robnu.db.models import Order, OrderItem, OrderReturn, OrderReturnItem, Shipment
from robnu.db.money_models import ReconciliationSettings, SkuFeeProfile
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.dispatch import SlaBand

CHUNK = 500


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Dispatch:
    """Was the order handed over in time, by Robnu's own records? ``source`` says which record decided."""

    verdict: Timeliness
    source: str


@dataclass(frozen=True)
class SkuProfileFacts:
    fee_category: str | None
    tax_class: str | None
    weight_grams: int | None


@dataclass(frozen=True)
class ItemFacts:
    external_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    tax_amount: Decimal
    cancelled: bool
    profile: SkuProfileFacts | None


@dataclass(frozen=True)
class Box:
    weight_grams: int | None
    length_cm: Decimal | None
    breadth_cm: Decimal | None
    height_cm: Decimal | None


@dataclass(frozen=True)
class ShipmentFacts:
    external_id: str
    awb: str | None
    courier: str | None
    status: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    box: Box | None = None


@dataclass(frozen=True)
class ReturnFacts:
    id: int
    external_id: str
    kind: str  # CUSTOMER_RETURN / RTO
    status: str
    raw_status: str
    reason: str | None
    requested_at: datetime | None
    updated_at: datetime
    awb: str | None
    items: tuple[tuple[str | None, str | None, int], ...]  # (order item external id, SKU, quantity)


@dataclass(frozen=True)
class Place:
    city: str | None
    pincode: str | None
    state_code: str | None


@dataclass(frozen=True)
class AccountFacts:
    account_id: int
    marketplace: str
    pickup: Place
    claim_window_days: int | None
    options: dict[str, Any]


@dataclass(frozen=True)
class OrderFacts:
    id: int
    external_id: str
    status: str
    raw_status: str
    ordered_at: datetime
    updated_at: datetime
    is_cod: bool
    fulfilled_by: str
    ship: Place
    dispatch_by: datetime | None
    items: tuple[ItemFacts, ...]
    shipments: tuple[ShipmentFacts, ...]
    returns: tuple[ReturnFacts, ...]
    dispatch: Dispatch
    account: AccountFacts = field(repr=False)

    @property
    def shipped_at(self) -> datetime | None:
        times = [s.shipped_at for s in self.shipments if s.shipped_at]
        return max(times) if times else None

    @property
    def delivered_at(self) -> datetime | None:
        times = [s.delivered_at for s in self.shipments if s.delivered_at]
        return max(times) if times else None

    @property
    def awb(self) -> str | None:
        return next((s.awb for s in self.shipments if s.awb), None)

    def returns_of(self, kind: str) -> list[ReturnFacts]:
        return [r for r in self.returns if r.kind == kind]

    def item(self, external_id: str | None, sku: str | None = None) -> ItemFacts | None:
        """The order line a return line points at: by its id, else by SKU (Amazon's returns report)."""
        found = next((i for i in self.items if external_id is not None and i.external_id == external_id), None)
        return found or next((i for i in self.items if sku is not None and i.sku == sku), None)


def account_facts(session: Session, account_id: int, marketplace: str) -> AccountFacts:
    row = session.get(ReconciliationSettings, account_id)
    if row is None:
        return AccountFacts(account_id, marketplace, Place(None, None, None), None, {})
    return AccountFacts(
        account_id,
        marketplace,
        Place(row.pickup_city, row.pickup_pincode, row.pickup_state_code),
        row.claim_window_days,
        json.loads(row.options or "{}"),
    )


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for at in range(0, len(ids), CHUNK):
        yield list(ids[at : at + CHUNK])


def _dispatch_evidence(session: Session, order_ids: list[int]) -> dict[int, Dispatch]:
    """Robnu's own processing: a batch that recorded a breach was late; a closed batch that never did was on
    time (the watchdog history is the evidence). Orders Robnu did not process are absent."""
    rows = session.execute(
        select(OrderProcessing.order_id, ProcessingBatch.id, ProcessingBatch.status)
        .join(ProcessingBatch, ProcessingBatch.id == OrderProcessing.batch_id)
        .where(OrderProcessing.order_id.in_(order_ids))
    ).all()
    batch_ids = {b for _, b, _ in rows}
    breached = set(
        session.scalars(
            select(SlaEvent.batch_id).where(SlaEvent.batch_id.in_(batch_ids), SlaEvent.band == SlaBand.BREACHED.value)
        ).all()
    )
    out: dict[int, Dispatch] = {}
    for order_id, batch_id, status in rows:
        if batch_id in breached:
            out[order_id] = Dispatch(Timeliness.LATE, f"sla_events: batch {batch_id} breached")
        elif status == "CLOSED":
            out[order_id] = Dispatch(Timeliness.ON_TIME, f"sla_events: batch {batch_id} closed without a breach")
    return out


def load_orders(session: Session, account: AccountFacts, order_ids: Sequence[int]) -> dict[int, OrderFacts]:
    """Facts of the given orders (of one account), keyed by order id."""
    out: dict[int, OrderFacts] = {}
    profiles = {
        p.sku: SkuProfileFacts(p.fee_category, p.tax_class, p.weight_grams)
        for p in session.scalars(
            select(SkuFeeProfile).where(SkuFeeProfile.marketplace_account_id == account.account_id)
        ).all()
    }
    for chunk in _chunks(sorted(set(order_ids))):
        orders = session.scalars(select(Order).where(Order.id.in_(chunk))).all()
        items: dict[int, list[ItemFacts]] = {}
        for it in session.scalars(select(OrderItem).where(OrderItem.order_id.in_(chunk)).order_by(OrderItem.id)):
            items.setdefault(it.order_id, []).append(
                ItemFacts(
                    it.external_id,
                    it.sku,
                    it.quantity,
                    it.unit_price,
                    it.line_total,
                    it.tax_amount,
                    it.status == "CANCELLED",
                    profiles.get(it.sku),
                )
            )
        ships: dict[int, list[ShipmentFacts]] = {}
        for sh in session.scalars(select(Shipment).where(Shipment.order_id.in_(chunk)).order_by(Shipment.id)):
            box = (
                Box(sh.package_weight_grams, sh.package_length_cm, sh.package_breadth_cm, sh.package_height_cm)
                if sh.package_weight_grams is not None
                else None
            )
            ships.setdefault(sh.order_id, []).append(
                ShipmentFacts(sh.external_id, sh.awb, sh.courier, sh.status, sh.shipped_at, sh.delivered_at, box)
            )
        rets = session.scalars(
            select(OrderReturn).where(OrderReturn.order_id.in_(chunk)).order_by(OrderReturn.id)
        ).all()
        ret_items: dict[int, list[tuple[str | None, str | None, int]]] = {}
        if rets:
            for ri in session.scalars(
                select(OrderReturnItem).where(OrderReturnItem.return_id.in_([r.id for r in rets]))
            ):
                ret_items.setdefault(ri.return_id, []).append((ri.order_item_external_id, ri.sku, ri.quantity))
        by_order: dict[int, list[ReturnFacts]] = {}
        for r in rets:
            assert r.order_id is not None
            by_order.setdefault(r.order_id, []).append(
                ReturnFacts(
                    r.id,
                    r.external_id,
                    r.kind,
                    r.status,
                    r.raw_status,
                    r.reason,
                    r.requested_at,
                    r.source_updated_at,
                    r.return_awb,
                    tuple(ret_items.get(r.id, [])),
                )
            )
        evidence = _dispatch_evidence(session, chunk)
        for o in orders:
            shipments = tuple(ships.get(o.id, []))
            dispatch = evidence.get(o.id) or _marketplace_timeliness(o.dispatch_by, shipments)
            out[o.id] = OrderFacts(
                id=o.id,
                external_id=o.external_id,
                status=o.status,
                raw_status=o.raw_status,
                ordered_at=o.ordered_at,
                updated_at=o.source_updated_at,
                is_cod=o.is_cod,
                fulfilled_by=o.fulfilled_by,
                ship=Place(o.ship_city, o.ship_pincode, o.ship_state_code),
                dispatch_by=o.dispatch_by,
                items=tuple(items.get(o.id, [])),
                shipments=shipments,
                returns=tuple(by_order.get(o.id, [])),
                dispatch=dispatch,
                account=account,
            )
    return out


def _marketplace_timeliness(dispatch_by: datetime | None, shipments: tuple[ShipmentFacts, ...]) -> Dispatch:
    """The marketplace's own timestamps, when it gives them: handed over by the dispatch-by time or not."""
    shipped = [s.shipped_at for s in shipments if s.shipped_at]
    if dispatch_by is None or not shipped:
        return Dispatch(Timeliness.UNKNOWN, "no dispatch time on record")
    last = max(shipped)
    if last <= dispatch_by:
        return Dispatch(Timeliness.ON_TIME, f"shipped {last.isoformat()} before dispatch-by {dispatch_by.isoformat()}")
    return Dispatch(Timeliness.LATE, f"shipped {last.isoformat()} after dispatch-by {dispatch_by.isoformat()}")
