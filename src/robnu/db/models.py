"""The data model (docs/architecture.md): tenant root, marketplace registry, the generic account parent and
the leaf tables. No leaf table has a marketplace-specific column; marketplace identity and credentials
live in one 1:1 satellite per marketplace, declared by that marketplace's adapter package."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from robnu.db.types import BigId, Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ACCOUNT_COLUMNS = ("marketplace_account_id", "seller_id")


def account_seller_fk_name(table: str) -> str:
    return f"fk_{table}_account_seller"


def tie_account_to_seller(table: Table) -> None:
    """A table that carries both ``marketplace_account_id`` and ``seller_id`` gets the composite foreign key
    ``(marketplace_account_id, seller_id) -> marketplace_accounts (id, seller_id)``: the copied ``seller_id``
    cannot disagree with the account's seller, so per-seller filters (and row-level security) can trust it."""
    if not all(c in table.c for c in ACCOUNT_COLUMNS):
        return
    name = account_seller_fk_name(table.name)
    if any(c.name == name for c in table.constraints):
        return
    table.append_constraint(
        ForeignKeyConstraint(
            list(ACCOUNT_COLUMNS),
            ["marketplace_accounts.id", "marketplace_accounts.seller_id"],
            name=name,
            ondelete="CASCADE",
        )
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)  # maps the class: its __table__ exists from here on
        table = cls.__dict__.get("__table__")
        if isinstance(table, Table):
            tie_account_to_seller(table)  # every table, satellites of adapter packages included


class Org(Base):
    """A company that may run several sellers (brands, GST registrations) under one roof."""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Seller(Base):
    """The tenant root: every tenant row carries its id, and row-level security keys on it."""

    __tablename__ = "sellers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(20), default="FREE")
    # A suspended seller's users cannot sign in or call the API; its data stays.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(300))
    # The seller's principal GSTIN and registered name: the supplier on every invoice Robnu issues.
    gstin: Mapped[str | None] = mapped_column(String(15))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    """A person who signs in. Belongs to sellers through ``seller_users`` (one role in each)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2id; None: cannot sign in yet
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Marketplace(Base):
    """The registry, keyed by ``code``: the database assigns ``id`` (nothing chooses an integer by hand), and
    ``status`` is a ``MarketplaceStatus`` (DISABLED: no new account may be connected)."""

    __tablename__ = "marketplaces"
    __table_args__ = (CheckConstraint("status IN ('LIVE', 'BETA', 'DISABLED')", name="status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="LIVE")


class MarketplaceAccount(Base):
    """The generic parent every leaf row points at. Validation state lives here: every marketplace has it."""

    __tablename__ = "marketplace_accounts"
    __table_args__ = (
        UniqueConstraint("seller_id", "marketplace_id", "external_account_id"),
        # The target of every leaf table's (marketplace_account_id, seller_id) foreign key.
        UniqueConstraint("id", "seller_id", name="uq_marketplace_accounts_id_seller"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # No lone seller_id index: the unique key above leads with it (docs/architecture.md, "Indexes").
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace_id: Mapped[int] = mapped_column(ForeignKey("marketplaces.id"))
    external_account_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    last_validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_validation_status: Mapped[str] = mapped_column(String(20), default="NEVER")
    needs_reconnect: Mapped[bool] = mapped_column(Boolean, default=False)
    # Disconnected by the seller: credentials deleted, schedules paused, synced history kept.
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MarketplaceCredentialEvent(Base):
    """Append-only detail of validations and auth failures. Never holds a secret."""

    __tablename__ = "marketplace_credential_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))  # VALIDATED, VALIDATION_FAILED, AUTH_FAILED, TOKEN_REFRESHED…
    http_status: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(String(500))


class MarketplaceAccessToken(Base):
    """Short-lived access tokens (derived state), encrypted, kept apart from the credentials."""

    __tablename__ = "marketplace_access_tokens"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TenantAccountMixin:
    """seller_id + marketplace_account_id: what every leaf table carries."""

    # True on a table that declares another index or unique key led by seller_id: that one serves the seller
    # filter, row-level security's predicate and the sellers foreign key's cascade, so a lone seller_id index
    # would be written on every insert and never read (docs/architecture.md, "Indexes").
    seller_led_index: ClassVar[bool] = False

    @declared_attr
    def seller_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=not cls.seller_led_index)

    @declared_attr
    def marketplace_account_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("marketplace_accounts.id", ondelete="CASCADE"))


class SyncedMixin(TenantAccountMixin):
    """A row mirrored from a marketplace: its id there, its version there, both statuses."""

    external_id: Mapped[str] = mapped_column(String(100))
    source_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32))
    raw_status: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _synced_key(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("marketplace_account_id", "external_id", name=f"uq_{table}_account_external"),)


class Order(SyncedMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        *_synced_key("orders"),
        # The read API's lists: seller first (the tenant filter), then the filter, then the keyset sort key.
        Index("ix_orders_seller_ordered_id", "seller_id", "ordered_at", "id"),
        Index("ix_orders_seller_account_ordered", "seller_id", "marketplace_account_id", "ordered_at", "id"),
        Index("ix_orders_seller_status_ordered", "seller_id", "status", "ordered_at", "id"),
        Index("ix_orders_seller_external", "seller_id", "external_id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    order_total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    is_cod: Mapped[bool] = mapped_column(Boolean, default=False)
    ship_city: Mapped[str | None] = mapped_column(String(100))
    ship_state_code: Mapped[str | None] = mapped_column(String(2))
    ship_pincode: Mapped[str | None] = mapped_column(String(10))
    dispatch_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    # SELLER or MARKETPLACE (Amazon FBA): a marketplace-fulfilled order moves no stock of the seller's and
    # takes no part in the seller's dispatch flow.
    fulfilled_by: Mapped[str] = mapped_column(String(16), default="SELLER", server_default="SELLER")


class OrderItem(SyncedMixin, Base):
    __tablename__ = "order_items"
    __table_args__ = _synced_key("order_items")
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(100))  # the seller's SKU
    marketplace_sku: Mapped[str | None] = mapped_column(String(100))  # ASIN / FSN / style id…
    title: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    line_total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    hsn: Mapped[str | None] = mapped_column(String(8))


class Shipment(SyncedMixin, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        *_synced_key("shipments"),
        Index("ix_shipments_seller_awb", "seller_id", "awb"),
        Index("ix_shipments_seller_external", "seller_id", "external_id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    awb: Mapped[str | None] = mapped_column(String(64))
    courier: Mapped[str | None] = mapped_column(String(64))
    dispatch_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The box as declared to the marketplace, where it says (reconciliation checks weight-slab fees on it).
    package_weight_grams: Mapped[int | None] = mapped_column(Integer)
    package_length_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    package_breadth_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    package_height_cm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))


class OrderReturn(SyncedMixin, Base):
    __tablename__ = "order_returns"
    __table_args__ = (
        *_synced_key("order_returns"),
        Index("ix_order_returns_claim_due", "internal_status", "claim_due_at"),
        Index("ix_order_returns_seller_created", "seller_id", "created_at", "id"),
        Index("ix_order_returns_seller_external", "seller_id", "external_id"),
        Index("ix_order_returns_seller_order_external", "seller_id", "order_external_id"),
        Index("ix_order_returns_seller_awb", "seller_id", "return_awb"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    order_external_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # CUSTOMER_RETURN / RTO
    reason: Mapped[str | None] = mapped_column(String(300))
    return_awb: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    # What only the seller knows (issue 13, robnu.domain.claims.ReturnInternalStatus): received at the
    # warehouse, or past claim_due_at without a scan. The sync never writes these columns.
    internal_status: Mapped[str] = mapped_column(String(16), default="awaiting", server_default="awaiting")
    claim_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[str | None] = mapped_column(String(100))
    received_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_warehouse: Mapped[str | None] = mapped_column(String(100))
    damage_note: Mapped[str | None] = mapped_column(String(500))


class OrderReturnItem(SyncedMixin, Base):
    __tablename__ = "order_return_items"
    __table_args__ = _synced_key("order_return_items")
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("order_returns.id", ondelete="CASCADE"), index=True)
    order_item_external_id: Mapped[str | None] = mapped_column(String(100))
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)


class MarketplacePayout(SyncedMixin, Base):
    __tablename__ = "marketplace_payouts"
    __table_args__ = (
        *_synced_key("marketplace_payouts"),
        Index("ix_marketplace_payouts_seller_created", "seller_id", "created_at", "id"),
        Index("ix_marketplace_payouts_seller_external", "seller_id", "external_id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")


class PayoutLineItem(SyncedMixin, Base):
    __tablename__ = "payout_line_items"
    __table_args__ = _synced_key("payout_line_items")
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("marketplace_payouts.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    line_type: Mapped[str] = mapped_column(String(32))
    # The marketplace's own line type ("MARGIN", "AmazonFees/Commission") and the order line it is for:
    # reconciliation matches on them (dedup key marketplace:order:order_item:line_type).
    raw_type: Mapped[str | None] = mapped_column(String(64))
    order_item_external_id: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Product(Base):
    """The seller's SKU master and the one stock truth (seller-level, not per marketplace)."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("seller_id", "sku"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))  # led by (seller_id, sku)
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    hsn: Mapped[str | None] = mapped_column(String(8))
    gst_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # percent; None: the adapter's slab rule
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    stock_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Listing(SyncedMixin, Base):
    """A product as listed on one account; carries that account's stock rules."""

    __tablename__ = "listings"
    __table_args__ = (*_synced_key("listings"), Index("ix_listings_seller_sku", "seller_id", "seller_sku", "id"))
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    seller_sku: Mapped[str] = mapped_column(String(100))
    marketplace_sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    price: Mapped[Decimal | None] = mapped_column(Money)
    marketplace_quantity: Mapped[int | None] = mapped_column(Integer)
    last_pushed_quantity: Mapped[int | None] = mapped_column(Integer)
    last_pushed_version: Mapped[int | None] = mapped_column(Integer)
    buffer: Mapped[int] = mapped_column(Integer, default=0)
    max_quantity: Mapped[int | None] = mapped_column(Integer)
    percentage: Mapped[int] = mapped_column(Integer, default=100)


class InventoryTask(TenantAccountMixin, Base):
    """An absolute quantity to push to one listing, carrying the stock version it was computed from."""

    __tablename__ = "inventory_tasks"
    __table_args__ = (
        Index("ix_inventory_tasks_pending", "marketplace_account_id", "status"),
        Index("ix_inventory_tasks_seller_created", "seller_id", "created_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    stock_version: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first: going out of stock wins
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Schedule(TenantAccountMixin, Base):
    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("marketplace_account_id", "target"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target: Mapped[str] = mapped_column(String(32))
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    cron: Mapped[str | None] = mapped_column(String(100))  # a time-of-day cadence, read in IST
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    jitter_seconds: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_status: Mapped[str | None] = mapped_column(String(16))


class SyncRun(TenantAccountMixin, Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_account_target", "marketplace_account_id", "target", "started_at"),
        Index("ix_sync_runs_seller_started", "seller_id", "started_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))


class SyncCursor(TenantAccountMixin, Base):
    """High-water mark per (account, target), and the lease that keeps runs from overlapping."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("marketplace_account_id", "target"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target: Mapped[str] = mapped_column(String(32))
    high_water: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SyncQuarantine(TenantAccountMixin, Base):
    """A record that could not be mapped or stored: kept with its payload and error, never dropped."""

    __tablename__ = "sync_quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunReport(TenantAccountMixin, Base):
    """One scheduled (or manual) run of (account, target) as the seller reads it: what was synced,
    processed, held and what failed. Written by the job layer; read by the CLI and the dashboard."""

    __tablename__ = "run_reports"
    __table_args__ = (
        Index("ix_run_reports_account_started", "marketplace_account_id", "started_at"),
        Index("ix_run_reports_seller_started", "seller_id", "started_at", "id"),
    )
    seller_led_index = True
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))  # SCHEDULED, MANUAL
    backend: Mapped[str] = mapped_column(String(16))  # LOCAL, PROCRASTINATE
    status: Mapped[str] = mapped_column(String(16))  # RunOutcome
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    worker: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    synced: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: counts and notes, never a secret
    error: Mapped[str | None] = mapped_column(String(1000))
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


LEAF_TABLES = (
    "orders",
    "order_items",
    "shipments",
    "order_returns",
    "order_return_items",
    "marketplace_payouts",
    "payout_line_items",
    "listings",
    "inventory_tasks",
    "schedules",
    "sync_runs",
    "sync_cursors",
    "sync_quarantine",
    "run_reports",
    "processing_batches",
    "order_processing",
    "processing_steps",
    "dispatch_settings",
    "invoice_numbers",
    "sla_events",
    # issue 13: reconciliation, returns and claims
    "account_fee_rules",
    "sku_fee_profiles",
    "payout_versions",
    "reconciliation_batches",
    "reconciliation_items",
    "adjustments",
    "order_return_events",
    "return_awbs",
    "return_scan_events",
    "return_claims",
)
