"""The processing store port (``robnu.adapters.processing.port``) over the database, for one account.

Stages read orders, items, shipments and documents through it and write documents, packages, shipment
changes and invoice numbers through it, in the session of the run; the engine commits after each stage
(``save`` commits earlier, for a stage that must not repeat a call).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.adapters.processing.port import (
    FlowDocument,
    FlowItem,
    FlowOrder,
    FlowShipment,
    NewShipment,
)
from robnu.db.dispatch_models import InvoiceNumber
from robnu.db.models import MarketplaceAccount, Order, OrderItem, Product, Shipment
from robnu.db.processing_models import ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.clock import Clock
from robnu.services import invoices, stock_check
from robnu.services.documents import store_document
from robnu.services.storage import Storage


def order_view(order: Order) -> FlowOrder:
    return FlowOrder(
        id=order.id,
        external_id=order.external_id,
        status=order.status,
        raw_status=order.raw_status,
        ordered_at=order.ordered_at,
        dispatch_by=order.dispatch_by,
        fulfilled_by=order.fulfilled_by,
        order_total=order.order_total,
        item_count=order.item_count,
        is_cod=order.is_cod,
        ship_city=order.ship_city,
        ship_state_code=order.ship_state_code,
        ship_pincode=order.ship_pincode,
    )


def _item_view(item: OrderItem) -> FlowItem:
    return FlowItem(
        id=item.id,
        external_id=item.external_id,
        sku=item.sku,
        title=item.title,
        hsn=item.hsn,
        quantity=item.quantity,
        unit_price=item.unit_price,
        line_total=item.line_total,
        tax_amount=item.tax_amount,
        status=item.status,
    )


def _shipment_view(sh: Shipment) -> FlowShipment:
    return FlowShipment(
        id=sh.id,
        order_id=sh.order_id,
        external_id=sh.external_id,
        status=sh.status,
        raw_status=sh.raw_status,
        awb=sh.awb,
        courier=sh.courier,
        dispatch_by=sh.dispatch_by,
    )


def _document_view(doc: Document) -> FlowDocument:
    return FlowDocument(doc.id, doc.doc_type, doc.order_id, doc.shipment_id, doc.external_ref)


class SqlProcessingStore:
    """``ProcessingStore`` for one account, in the run's session."""

    def __init__(self, session: Session, account: MarketplaceAccount, clock: Clock, storage: Storage) -> None:
        self._s = session
        self._account = account
        self._clock = clock
        self._storage = storage

    def __repr__(self) -> str:
        return f"SqlProcessingStore(account_id={self._account.id})"

    def _order(self, order: FlowOrder) -> Order:
        row = self._s.get(Order, order.id)
        if row is None or row.marketplace_account_id != self._account.id:
            raise LookupError(f"order {order.id} is not an order of account {self._account.id}")
        return row

    # ---------------------------------------------------------------- orders
    def items(self, order: FlowOrder) -> list[FlowItem]:
        rows = self._s.execute(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id))
        return [_item_view(i) for i in rows.scalars()]

    def known_orders(self, external_ids: Iterable[str]) -> set[str]:
        wanted = set(external_ids)
        if not wanted:
            return set()
        found = self._s.execute(
            select(Order.external_id).where(
                Order.marketplace_account_id == self._account.id, Order.external_id.in_(wanted)
            )
        )
        return set(found.scalars())

    def stock_shortfall(self, order: FlowOrder) -> str | None:
        return stock_check.stock_shortfall(self._s, self._order(order), self._account.id)

    def untracked_skus(self, order: FlowOrder) -> list[str]:
        return stock_check.untracked_skus(self._s, self._order(order), self._account.id)

    def product_gst_rate(self, sku: str) -> Decimal | None:
        return self._s.execute(
            select(Product.gst_rate).where(Product.seller_id == self._account.seller_id, Product.sku == sku)
        ).scalar_one_or_none()

    # ---------------------------------------------------------------- shipments
    def shipments(self, order_ids: Iterable[int]) -> dict[int, list[FlowShipment]]:
        ids = list(order_ids)
        out: dict[int, list[FlowShipment]] = {}
        if not ids:
            return out
        rows = self._s.execute(
            select(Shipment)
            .where(Shipment.marketplace_account_id == self._account.id, Shipment.order_id.in_(ids))
            .order_by(Shipment.id)
        )
        for sh in rows.scalars():
            out.setdefault(sh.order_id, []).append(_shipment_view(sh))
        return out

    def add_shipment(self, order: FlowOrder, shipment: NewShipment) -> FlowShipment:
        now = self._clock.now()
        row = Shipment(
            seller_id=self._account.seller_id,
            marketplace_account_id=self._account.id,
            order_id=self._order(order).id,
            external_id=shipment.external_id,
            source_updated_at=now,
            status=shipment.status,
            raw_status=shipment.raw_status,
            awb=shipment.awb,
            courier=shipment.courier,
            dispatch_by=shipment.dispatch_by,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        self._s.flush()
        return _shipment_view(row)

    def update_shipment(
        self,
        shipment_id: int,
        *,
        awb: str | None = None,
        courier: str | None = None,
        status: str | None = None,
        raw_status: str | None = None,
        shipped_at: datetime | None = None,
    ) -> None:
        row = self._s.get(Shipment, shipment_id)
        if row is None or row.marketplace_account_id != self._account.id:
            raise LookupError(f"shipment {shipment_id} is not a shipment of account {self._account.id}")
        changes = {"awb": awb, "courier": courier, "status": status, "raw_status": raw_status, "shipped_at": shipped_at}
        for name, value in changes.items():
            if value is not None:
                setattr(row, name, value)
        row.updated_at = self._clock.now()

    # ---------------------------------------------------------------- documents
    def documents(
        self,
        doc_type: str,
        *,
        order_id: int | None = None,
        shipment_ids: Sequence[int] | None = None,
        external_ref: str | None = None,
    ) -> list[FlowDocument]:
        query = select(Document).where(
            Document.marketplace_account_id == self._account.id, Document.doc_type == doc_type
        )
        if order_id is not None:
            query = query.where(Document.order_id == order_id)
        if shipment_ids is not None:
            query = query.where(Document.shipment_id.in_(list(shipment_ids)))
        if external_ref is not None:
            query = query.where(Document.external_ref == external_ref)
        return [_document_view(d) for d in self._s.execute(query.order_by(Document.id)).scalars()]

    def store_document(
        self,
        doc_type: str,
        content: bytes,
        *,
        order_id: int | None = None,
        shipment_id: int | None = None,
        external_ref: str | None = None,
    ) -> int:
        row = store_document(
            self._s,
            self._storage,
            seller_id=self._account.seller_id,
            account_id=self._account.id,
            doc_type=doc_type,
            content=content,
            now=self._clock.now(),
            order_id=order_id,
            shipment_id=shipment_id,
            external_ref=external_ref,
        )
        return row.id

    # ---------------------------------------------------------------- invoices
    def invoice_number(self, order_id: int, *, kind: str, prefix: str) -> str:
        return invoices.assign(self._s, self._account, order_id, kind=kind, prefix=prefix, issued_at=self._clock.now())

    def void_invoice_number(self, order_id: int, *, kind: str, reason: str) -> None:
        invoices.void(self._s, order_id, kind, reason)

    def given_invoice_number(self, order_id: int, *, kind: str) -> str | None:
        return self._s.execute(
            select(InvoiceNumber.number).where(
                InvoiceNumber.order_id == order_id, InvoiceNumber.kind == kind, InvoiceNumber.void_reason.is_(None)
            )
        ).scalar_one_or_none()

    # ---------------------------------------------------------------- the flow's own record
    def step_detail(self, order_id: int, stage: int) -> dict[str, Any]:
        raw = (
            self._s.execute(
                select(ProcessingStep.detail)
                .where(
                    ProcessingStep.order_id == order_id,
                    ProcessingStep.stage == stage,
                    ProcessingStep.outcome == "DONE",
                )
                .order_by(ProcessingStep.id.desc())
            )
            .scalars()
            .first()
        )
        value = json.loads(raw) if raw else {}
        return value if isinstance(value, dict) else {}

    def save(self) -> None:
        self._s.commit()
