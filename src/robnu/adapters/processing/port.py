"""The store port: everything a processing stage may read or write in Robnu, and nothing else.

Stages see orders, items, shipments, documents and batches as the frozen views below, and change Robnu's
state only through ``ProcessingStore`` (implemented over the database by the service layer). So an adapter
never imports the processing, stock or dispatch tables (an import contract holds it to that), a flow can
be run against any store, and a test can make the store fail where it wants to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class FlowOrder:
    """An order in the flow, as synced from the marketplace."""

    id: int
    external_id: str
    status: str
    raw_status: str
    ordered_at: datetime
    dispatch_by: datetime | None
    fulfilled_by: str
    order_total: Decimal
    item_count: int
    is_cod: bool
    ship_city: str | None
    ship_state_code: str | None
    ship_pincode: str | None


@dataclass(frozen=True, slots=True)
class FlowItem:
    id: int
    external_id: str
    sku: str
    title: str | None
    hsn: str | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    tax_amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class FlowShipment:
    id: int
    order_id: int
    external_id: str
    status: str
    raw_status: str
    awb: str | None
    courier: str | None
    dispatch_by: datetime | None


@dataclass(frozen=True, slots=True)
class NewShipment:
    """A package the flow makes itself (a marketplace without shipments of its own, like Amazon MFN)."""

    external_id: str
    status: str
    raw_status: str
    awb: str | None = None
    courier: str | None = None
    dispatch_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class FlowDocument:
    id: int
    doc_type: str
    order_id: int | None
    shipment_id: int | None
    external_ref: str | None


@dataclass(frozen=True, slots=True)
class FlowBatch:
    """A dispatch batch (an account's IST day, one of its cut-offs), closed by a manifest."""

    id: int
    ist_day: str
    batch_no: int
    closure_policy: str
    cutoff_at: datetime  # aware UTC
    created_at: datetime  # aware UTC
    stage: int  # the last batch-scope stage completed


class ProcessingStore(Protocol):
    """What a stage may ask of Robnu for one account. Every method stays inside that account."""

    # ---------------------------------------------------------------- orders
    def items(self, order: FlowOrder) -> list[FlowItem]:
        """The order's items, in the order they were synced."""
        ...

    def known_orders(self, external_ids: Iterable[str]) -> set[str]:
        """Which of these marketplace order ids Robnu has synced for the account."""
        ...

    def stock_shortfall(self, order: FlowOrder) -> str | None:
        """Why the order cannot be confirmed from the seller's stock now (oldest orders first, across all of
        the seller's marketplaces), or None when it can."""
        ...

    def untracked_skus(self, order: FlowOrder) -> list[str]:
        """The order's SKUs outside the stock master (not checked, reported)."""
        ...

    def product_gst_rate(self, sku: str) -> Decimal | None:
        """The GST rate (percent) the seller set on the product, or None: the flow's own rule applies."""
        ...

    # ---------------------------------------------------------------- shipments
    def shipments(self, order_ids: Iterable[int]) -> dict[int, list[FlowShipment]]:
        """Each order's shipments (oldest first); orders without one are absent."""
        ...

    def add_shipment(self, order: FlowOrder, shipment: NewShipment) -> FlowShipment:
        """Record a package the flow made; returns it with its id."""
        ...

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
        """What the marketplace said about a shipment (the values given; None leaves a field as it is)."""
        ...

    # ---------------------------------------------------------------- documents
    def documents(
        self,
        doc_type: str,
        *,
        order_id: int | None = None,
        shipment_ids: Sequence[int] | None = None,
        external_ref: str | None = None,
    ) -> list[FlowDocument]:
        """The account's stored documents of this type matching every filter given (oldest first)."""
        ...

    def store_document(
        self,
        doc_type: str,
        content: bytes,
        *,
        order_id: int | None = None,
        shipment_id: int | None = None,
        external_ref: str | None = None,
    ) -> int:
        """Keep a document (slip, invoice, label, manifest); returns its id."""
        ...

    # ---------------------------------------------------------------- invoices
    def invoice_number(self, order_id: int, *, kind: str, prefix: str) -> str:
        """The order's number in the seller's consecutive series ``prefix`` (the same one on a re-run).
        Saved at once: the number belongs to the order from then on."""
        ...

    def void_invoice_number(self, order_id: int, *, kind: str, reason: str) -> None:
        """The marketplace says the order's number is already used: void it (the next call gives a new one)."""
        ...

    def given_invoice_number(self, order_id: int, *, kind: str) -> str | None:
        """The number the order's invoice of this kind was given, if any."""
        ...

    # ---------------------------------------------------------------- the flow's own record
    def step_detail(self, order_id: int, stage: int) -> dict[str, Any]:
        """What the order's completed ``stage`` recorded (its step detail), ``{}`` when nothing."""
        ...

    def save(self) -> None:
        """Make what the stage has written so far durable now (before a call that must not be repeated)."""
        ...
