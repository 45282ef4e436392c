"""Reconciliation (issue 13): a seller's own fee rows and SKU profiles, kept payout versions, bank statement
lines, reconciliation batches with their items, and adjustments with their audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base, TenantAccountMixin
from robnu.db.types import BigId, Money, UTCDateTime


class AccountFeeRule(TenantAccountMixin, Base):
    """A seller's own rate-card row for one account (a negotiated margin, a new slab): same columns as the
    published card's rows, and it wins over them (see ``robnu.domain.fee_rules``)."""

    __tablename__ = "account_fee_rules"
    __table_args__ = (Index("ix_account_fee_rules_account_fee", "marketplace_account_id", "fee"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fee: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(40))
    payment: Mapped[str | None] = mapped_column(String(10))
    zone: Mapped[str | None] = mapped_column(String(20))
    band_min: Mapped[Decimal | None] = mapped_column(Money)
    band_max: Mapped[Decimal | None] = mapped_column(Money)
    rate_percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    minimum: Mapped[Decimal | None] = mapped_column(Money)
    maximum: Mapped[Decimal | None] = mapped_column(Money)
    slab_grams: Mapped[int | None] = mapped_column(Integer)
    extra_amount: Mapped[Decimal | None] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SkuFeeProfile(TenantAccountMixin, Base):
    """What the fees of one SKU depend on, as the seller declares it: the marketplace's fee category, the GST
    tax class, the packed dead weight and box. Missing values make the dependent checks "unverified"."""

    __tablename__ = "sku_fee_profiles"
    __table_args__ = (UniqueConstraint("marketplace_account_id", "sku"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku: Mapped[str] = mapped_column(String(100))
    fee_category: Mapped[str | None] = mapped_column(String(40))
    tax_class: Mapped[str | None] = mapped_column(String(20))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    length_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    breadth_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReconciliationSettings(Base):
    """Per account: where parcels leave from (shipping zones, intra-state TCS), the claim window, options of
    the account's contract (e.g. Meesho Returns Assurance) as JSON."""

    __tablename__ = "reconciliation_settings"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    pickup_city: Mapped[str | None] = mapped_column(String(100))
    pickup_pincode: Mapped[str | None] = mapped_column(String(10))
    pickup_state_code: Mapped[str | None] = mapped_column(String(2))
    claim_window_days: Mapped[int | None] = mapped_column(Integer)
    options: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PayoutVersion(TenantAccountMixin, Base):
    """A payout as it stood before a re-ingest changed it (and each version after): its lines, its net and the
    difference to the version before. The live payout row always holds the newest."""

    __tablename__ = "payout_versions"
    __table_args__ = (UniqueConstraint("payout_id", "version"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # (payout_id, version) leads with it: no lone payout_id index.
    payout_id: Mapped[int] = mapped_column(ForeignKey("marketplace_payouts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    line_count: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    lines: Mapped[str] = mapped_column(Text)  # JSON: [{external_id, line_type, raw_type, order, item, amount}]
    diff: Mapped[str] = mapped_column(Text, default="{}")  # JSON: added / removed / changed vs the version before


class BankStatementLine(Base):
    """One credit from an imported bank statement (CSV). Matched to the payout it pays (the third leg of the
    three-way match); a re-import of the same file is a no-op (unique fingerprint)."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (UniqueConstraint("seller_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))  # led by the unique key
    marketplace_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="SET NULL"), index=True
    )
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("marketplace_payouts.id", ondelete="SET NULL"), index=True)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(100))
    narration: Mapped[str | None] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(200))  # the imported file's name
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReconciliationBatch(TenantAccountMixin, Base):
    """One run of reconciling an account's period (an IST month of payouts). Re-running the period makes the
    next ``run_no`` and keeps what changed since the previous run in ``diff``."""

    __tablename__ = "reconciliation_batches"
    __table_args__ = (
        UniqueConstraint("marketplace_account_id", "period", "run_no"),
        Index("ix_reconciliation_batches_seller_started", "seller_id", "started_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    run_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # RECONCILED (no delta) or DELTAS
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payouts: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    deltas: Mapped[int] = mapped_column(Integer, default=0)  # adjustments found
    unverified: Mapped[int] = mapped_column(Integer, default=0)
    expected_total: Mapped[Decimal] = mapped_column(Money)
    settled_total: Mapped[Decimal] = mapped_column(Money)
    bank_total: Mapped[Decimal | None] = mapped_column(Money)
    recoverable_total: Mapped[Decimal] = mapped_column(Money)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_batches.id", ondelete="SET NULL"))
    diff: Mapped[str] = mapped_column(Text, default="{}")  # JSON: adjustments new / gone / changed vs the previous run
    summary: Mapped[str] = mapped_column(Text, default="{}")  # JSON: three-way match per payout, aging


class ReconciliationItem(TenantAccountMixin, Base):
    """One matched line of a batch: a settlement line (and what it should have been) or an expected line that
    never came. Its ``dedup_key`` is ``marketplace:order:order_item:line_type``."""

    __tablename__ = "reconciliation_items"
    __table_args__ = (Index("ix_reconciliation_items_seller_payout", "seller_id", "payout_id"),)
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_batches.id", ondelete="CASCADE"), index=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("marketplace_payouts.id", ondelete="SET NULL"))
    payout_line_id: Mapped[int | None] = mapped_column(ForeignKey("payout_line_items.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    dedup_key: Mapped[str] = mapped_column(String(300))
    line_type: Mapped[str] = mapped_column(String(64))
    awb: Mapped[str | None] = mapped_column(String(64))
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    actual_amount: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # MATCHED, DELTA, MISSING, UNEXPECTED, UNVERIFIED
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("adjustments.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Adjustment(TenantAccountMixin, Base):
    """A difference between what should have been paid and what was: the unit of reconciliation truth.
    ``amount`` is what the seller is owed (positive). ``fingerprint`` keeps one row per difference across
    re-runs of a period, so a claim filed on it survives a replay."""

    __tablename__ = "adjustments"
    __table_args__ = (
        UniqueConstraint("marketplace_account_id", "fingerprint"),
        Index("ix_adjustments_account_status", "marketplace_account_id", "status"),
        Index("ix_adjustments_seller_first_seen", "seller_id", "first_seen_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    period: Mapped[str | None] = mapped_column(String(7))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_batches.id", ondelete="SET NULL"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("marketplace_payouts.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("order_returns.id", ondelete="SET NULL"))
    source_adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("adjustments.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(40))
    posture: Mapped[str] = mapped_column(String(16))
    is_recoverable: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[Decimal] = mapped_column(Money)
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    actual_amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    status: Mapped[str] = mapped_column(String(16))  # OPEN, DISPUTED, RECOVERED, LOST, CLOSED, CORRECTED
    detail: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the money moved (or was due)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdjustmentEvent(Base):
    """The audit trail of an adjustment: found, posture overridden (from, to, who, why), disputed, corrected."""

    __tablename__ = "adjustment_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("adjustments.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(20))
    from_value: Mapped[str | None] = mapped_column(String(40))
    to_value: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))
