"""Dispatch configuration and its records (issue 5): per-account settings, the seller's gapless invoice
series, and the SLA watchdog's event history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base, TenantAccountMixin
from robnu.db.types import BigId, UTCDateTime


class DispatchSettingsRow(Base):
    """An account's closure policy, batch cut-offs and tax identity. No row: the defaults apply."""

    __tablename__ = "dispatch_settings"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    closure_policy: Mapped[str] = mapped_column(String(16))
    batch_cutoffs: Mapped[str] = mapped_column(String(100))  # "13:00,17:30", IST
    delayed_close_minutes: Mapped[int] = mapped_column(Integer)
    manual_autoclose: Mapped[bool] = mapped_column(Boolean)
    pickup_offset_minutes: Mapped[int] = mapped_column(Integer)
    async_max_wait_minutes: Mapped[int] = mapped_column(Integer)
    seller_gstin: Mapped[str | None] = mapped_column(String(15))
    invoice_prefix: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InvoiceSeries(Base):
    """The last number issued in a seller's series for a financial year: numbers are consecutive."""

    __tablename__ = "invoice_series"
    __table_args__ = (UniqueConstraint("seller_id", "prefix", "fy"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(5))
    fy: Mapped[str] = mapped_column(String(5))  # "26-27"
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class InvoiceNumber(TenantAccountMixin, Base):
    """A number given to an order's invoice: one live number per (order, kind), so a re-run reuses it. A
    number the marketplace found already used (issued outside Robnu) is kept, voided with the reason."""

    __tablename__ = "invoice_numbers"
    __table_args__ = (
        UniqueConstraint("seller_id", "prefix", "fy", "serial"),
        Index(
            "uq_invoice_numbers_live_order_kind",
            "order_id",
            "kind",
            unique=True,
            sqlite_where=text("void_reason IS NULL"),
            postgresql_where=text("void_reason IS NULL"),
        ),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # TAX_INVOICE, VENDOR_INVOICE
    prefix: Mapped[str] = mapped_column(String(5))
    fy: Mapped[str] = mapped_column(String(5))
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))


class SlaEvent(TenantAccountMixin, Base):
    """The watchdog's history: a batch's headroom each time it crossed into a new band.
    Kept as dispute evidence for SLA-miss deductions."""

    __tablename__ = "sla_events"
    __table_args__ = (UniqueConstraint("batch_id", "band"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # (batch_id, band) leads with it: no lone batch_id index.
    batch_id: Mapped[int] = mapped_column(ForeignKey("processing_batches.id", ondelete="CASCADE"))
    band: Mapped[str] = mapped_column(String(16))
    headroom_pct: Mapped[float] = mapped_column(Numeric(6, 1, asdecimal=False))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    open_orders: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(300))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
