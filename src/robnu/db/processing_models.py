"""Full processing state (issue 5): batches, each order's progress through its marketplace's stages, and a
log of completed steps that makes every stage idempotent and every run resumable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base, TenantAccountMixin
from robnu.db.types import BigId, UTCDateTime


class ProcessingBatch(TenantAccountMixin, Base):
    """One dispatch batch of an account on an IST day (default two a day), closed by a manifest."""

    __tablename__ = "processing_batches"
    __table_args__ = (
        UniqueConstraint("marketplace_account_id", "ist_day", "batch_no"),
        Index("ix_processing_batches_seller_created", "seller_id", "created_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ist_day: Mapped[str] = mapped_column(String(10))
    batch_no: Mapped[int] = mapped_column(Integer)
    closure_policy: Mapped[str] = mapped_column(String(16), default="IMMEDIATE")  # IMMEDIATE, DELAYED, MANUAL
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[int] = mapped_column(Integer, default=0)  # last batch-level stage completed
    status: Mapped[str] = mapped_column(String(16), default="OPEN")  # OPEN, CLOSED, FAILED
    manifest_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderProcessing(TenantAccountMixin, Base):
    """Where one order is in its marketplace's flow."""

    __tablename__ = "order_processing"
    __table_args__ = (
        Index("ix_order_processing_account_status", "marketplace_account_id", "status"),
        # The SLA board and the orders list's processing filter: one seller's orders in a status, by batch.
        Index("ix_order_processing_seller_status", "seller_id", "status", "batch_id"),
    )
    seller_led_index = True
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("processing_batches.id", ondelete="SET NULL"), index=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)  # last stage completed for this order
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    held_reason: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the order started waiting on the marketplace at its next stage (label, packing); cleared on
    # progress. Past the account's async_max_wait_minutes the order is held instead of waiting on.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessingStep(TenantAccountMixin, Base):
    """A completed (or held/failed) stage for an order or a batch run. ``external_ref`` keeps what the
    marketplace answered (confirmation id, invoice no, manifest id)."""

    __tablename__ = "processing_steps"
    # An order completes a stage once; a batch stage may run again when orders join the batch later.
    __table_args__ = (UniqueConstraint("order_id", "stage", "outcome"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # (order_id, stage, outcome) leads with it: no lone order_id index.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("processing_batches.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # DONE, HELD, FAILED
    external_ref: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
