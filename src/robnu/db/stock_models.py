"""Stock truth, the free-tier quota and stored documents (issue 5). Seller-level tables, on the same Base."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base
from robnu.db.types import BigId, UTCDateTime


class StockMovement(Base):
    """An append-only ledger of stock effects. An order item reserves, consumes or releases stock exactly
    once: the unique (order_item_id, kind) makes a re-synced or concurrently synced order a no-op."""

    __tablename__ = "stock_movements"
    __table_args__ = (UniqueConstraint("order_item_id", "kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # RESERVE, CONSUME, RELEASE, ADJUST
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuotaCounter(Base):
    """Orders given full processing per seller per IST day (the free tier's 25)."""

    __tablename__ = "quota_counters"
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True)
    ist_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class QuotaClaim(Base):
    """Which order took which day's slot: an order claims at most once, however often it is synced."""

    __tablename__ = "quota_claims"
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    ist_day: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Document(Base):
    """A stored file (packing slip, invoice, label, manifest): where it is and what it hashes to."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_shipment", "shipment_id", "doc_type"),
        Index("ix_documents_order", "order_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    marketplace_account_id: Mapped[int] = mapped_column(ForeignKey("marketplace_accounts.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id", ondelete="SET NULL"))
    doc_type: Mapped[str] = mapped_column(String(32))
    external_ref: Mapped[str | None] = mapped_column(String(100))  # e.g. manifest id, invoice number
    storage_key: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
