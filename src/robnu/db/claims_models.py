"""Returns after the sync (issue 13): their event history, the AWB of each leg, receive scans, and claims with
their events and evidence (documents, never inline blobs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base, TenantAccountMixin
from robnu.db.types import BigId, Money, UTCDateTime


class OrderReturnEvent(TenantAccountMixin, Base):
    """One step in a return's life: a status the marketplace reported, a receive scan, a claim raised."""

    __tablename__ = "order_return_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("order_returns.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))  # STATUS, RECEIVED, SCAN_REPEAT, CLAIM_PENDING, LATE_SCAN
    status: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100), default="sync")


class ReturnAwb(TenantAccountMixin, Base):
    """The AWB of one leg of a return's journey: FORWARD (the original shipment) or RETURN (back to the seller)."""

    __tablename__ = "return_awbs"
    __table_args__ = (
        UniqueConstraint("return_id", "leg", "awb"),
        Index("ix_return_awbs_seller_awb", "seller_id", "awb"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # (return_id, leg, awb) leads with it: no lone return_id index.
    return_id: Mapped[int] = mapped_column(ForeignKey("order_returns.id", ondelete="CASCADE"))
    leg: Mapped[str] = mapped_column(String(10))
    awb: Mapped[str] = mapped_column(String(64))
    courier: Mapped[str | None] = mapped_column(String(64))


class ReturnScanEvent(TenantAccountMixin, Base):
    """Every receive scan, first or repeat (repeats change nothing but are kept: the audit trail)."""

    __tablename__ = "return_scan_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("order_returns.id", ondelete="CASCADE"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10))
    matched_on: Mapped[str] = mapped_column(String(20))  # which field the code matched
    first: Mapped[bool] = mapped_column(Boolean)
    damage_note: Mapped[str | None] = mapped_column(String(500))
    warehouse: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReturnClaim(TenantAccountMixin, Base):
    """A dispute with the marketplace: for a return (1:1) or for a recoverable adjustment of a payout."""

    __tablename__ = "return_claims"
    __table_args__ = (
        UniqueConstraint("return_id"),
        UniqueConstraint("adjustment_id"),
        Index("ix_return_claims_account_status", "marketplace_account_id", "status"),
        Index("ix_return_claims_seller_created", "seller_id", "created_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # CLM-000042
    return_id: Mapped[int | None] = mapped_column(ForeignKey("order_returns.id", ondelete="SET NULL"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("adjustments.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(40))
    amount_claimed: Mapped[Decimal] = mapped_column(Money)
    amount_recovered: Mapped[Decimal | None] = mapped_column(Money)
    marketplace_ref: Mapped[str | None] = mapped_column(String(100))
    needs_evidence: Mapped[bool] = mapped_column(Boolean, default=False)  # reopened: new evidence came in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReturnClaimEvent(Base):
    """Every transition of a claim: the action, from and to, who (user or system actor) and why."""

    __tablename__ = "return_claim_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("return_claims.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))


class ReturnClaimEvidence(Base):
    """A document attached to a claim (the evidence packet, a late scan record): a pointer, never the blob."""

    __tablename__ = "return_claim_evidences"
    __table_args__ = (UniqueConstraint("claim_id", "document_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    # (claim_id, document_id) leads with it: no lone claim_id index.
    claim_id: Mapped[int] = mapped_column(ForeignKey("return_claims.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # PACKET, LATE_SCAN
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
