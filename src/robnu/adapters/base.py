"""The adapter contract: what every marketplace adapter declares and implements.

An adapter is stateless; everything about one account arrives in an ``AdapterContext``: the
account row, its decrypted satellite as typed credentials, a DB session, a clock, the HTTP factory
and the access-token store. Sync methods yield mapped records page by page (the engine upserts them,
so memory does not grow with pages); ``push_inventory`` reports a result per task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

import httpx
from pydantic import BaseModel
from sqlalchemy.orm import Session

from robnu.adapters.http import HttpPolicy, MarketplaceHttp
from robnu.adapters.ratelimit import ClientRateLimiter, OperationLimit
from robnu.db.models import MarketplaceAccount
from robnu.db.satellite import SatelliteSpec
from robnu.domain.clock import Clock
from robnu.domain.dispatch import DispatchSettings
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import (
    InventoryPush,
    InventoryPushResult,
    ListingRecord,
    OrderRecord,
    PayoutRecord,
    Quarantine,
    ReturnRecord,
    SyncWindow,
)
from robnu.domain.statuses import ValidationStatus

# What a mapping function may raise on a record it cannot read; such a record is quarantined.
MAPPING_ERRORS: tuple[type[Exception], ...] = (
    KeyError,
    ValueError,
    TypeError,
    ArithmeticError,
    IndexError,
    AttributeError,
)
P = TypeVar("P")
R = TypeVar("R")


def map_or_quarantine(mapper: Callable[[P], R], payload: P, external_id: str | None = None) -> R | Quarantine:
    """Map one marketplace record; a record that cannot be mapped becomes a Quarantine, never a crash."""
    try:
        return mapper(payload)
    except MAPPING_ERRORS as exc:
        return Quarantine(payload, f"cannot map record: {type(exc).__name__}: {exc}", external_id)


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    status: ValidationStatus
    http_status: int | None = None
    code: str | None = None
    message: str | None = None

    @property
    def needs_reconnect(self) -> bool:
        return self.status is ValidationStatus.INVALID


@dataclass
class ProcessingReport:
    processed: int = 0
    held: int = 0
    skipped: int = 0  # not this flow's orders (fulfilled by the marketplace): no slot used
    waiting: int = 0  # waiting on the marketplace (a label, packing); picked up by the next run
    exceptions: list[str] = field(default_factory=list)  # "<order> at <stage>: <reason>", one per hold
    failed: int = 0
    notes: list[str] = field(default_factory=list)


class ContextServices(Protocol):
    """What the service layer lends an adapter during full processing (adapters cannot import services)."""

    def claim_quota(self, session: Session, seller_id: int, order_id: int, now: datetime) -> bool:
        """Take a free-tier slot for the order (idempotent per order); False means: hold it for now."""
        ...

    def release_quota(self, session: Session, order_id: int) -> None:
        """Give the order's slot back: the flow found the order is not the seller's to process."""
        ...

    def store_document(
        self,
        session: Session,
        *,
        account: MarketplaceAccount,
        doc_type: str,
        content: bytes,
        order_id: int | None = None,
        shipment_id: int | None = None,
        external_ref: str | None = None,
        content_type: str = "application/pdf",
    ) -> int:
        """Keep a document (slip, invoice, label, manifest); returns its row id."""
        ...

    def invoice_number(
        self,
        session: Session,
        account: MarketplaceAccount,
        order_id: int,
        *,
        kind: str,
        prefix: str,
        issued_at: datetime,
    ) -> str:
        """The order's number in the seller's consecutive series ``prefix`` (the same one on a re-run).
        Commits the session: the number belongs to the order from then on."""
        ...

    def void_invoice_number(self, session: Session, order_id: int, *, kind: str, reason: str) -> None:
        """The marketplace says the order's number is already used: void it (the next call gives a new one)."""
        ...


class TokenStore:
    """Access-token cache for one account (implemented by services over an encrypted table)."""

    def get(self) -> tuple[str, datetime] | None:
        raise NotImplementedError

    def put(self, token: str, expires_at: datetime) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


@dataclass
class HttpFactory:
    """Builds marketplace HTTP clients: real hosts by default, overridden endpoints for sandboxes."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    endpoints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # code -> {name: base url}
    transport: httpx.BaseTransport | None = None
    _limiters: dict[tuple[str, str], ClientRateLimiter] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def shared_limiter(
        self,
        code: str,
        key: str,
        limits: Mapping[str, OperationLimit],
        kind: type[ClientRateLimiter] = ClientRateLimiter,
    ) -> ClientRateLimiter:
        """Rate buckets for one (marketplace, account key) that outlive any one client: marketplaces meter
        per seller and operation, so a fresh bucket per sync would believe in a burst it does not have."""
        with self._lock:
            limiter = self._limiters.get((code, key))
            if limiter is None:
                limiter = kind(limits, scale=self.policy.rate_scale, sleep=self.policy.sleep)
                self._limiters[(code, key)] = limiter
            return limiter

    def base_url(self, code: str, name: str, default: str) -> str:
        return self.endpoints.get(code, {}).get(name, default)

    def client(
        self,
        code: str,
        name: str,
        default_base_url: str,
        limits: Mapping[str, OperationLimit],
        *,
        rate_limit_header: str | None = None,
        limiter: ClientRateLimiter | None = None,
    ) -> MarketplaceHttp:
        return MarketplaceHttp(
            marketplace=code,
            base_url=self.base_url(code, name, default_base_url),
            limits=limits,
            policy=self.policy,
            transport=self.transport,
            rate_limit_header=rate_limit_header,
            limiter=limiter,
        )


@dataclass
class AdapterContext:
    account: MarketplaceAccount
    credentials: BaseModel
    session: Session
    clock: Clock
    http: HttpFactory
    tokens: TokenStore
    services: ContextServices | None = None
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)  # the account's stored settings
    options: dict[str, Any] = field(default_factory=dict)  # per run: a user's manual close, test crash points

    def __repr__(self) -> str:  # never let credentials reach a log through a repr
        return f"AdapterContext(account_id={self.account.id})"


class MarketplaceAdapter:
    """Base class: declare ``code``, ``display_name``, ``satellite`` and ``supported_targets``; override
    the methods of the targets you support. An unsupported target is a clear error, not a no-op."""

    code: ClassVar[str]
    display_name: ClassVar[str]
    satellite: ClassVar[SatelliteSpec]
    supported_targets: ClassVar[frozenset[ScheduleTarget]] = frozenset()
    # How far back (days) the marketplace serves records; a re-sync from earlier is refused. None: no limit.
    history_days: ClassVar[int | None] = None

    def validate_credentials(self, ctx: AdapterContext) -> ValidationOutcome:
        raise UnsupportedTarget(f"{self.code} adapter cannot validate credentials yet")

    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.ORDERS}")

    def sync_returns(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.RETURNS}")

    def sync_payouts(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.PAYOUTS}")

    def push_inventory(self, ctx: AdapterContext, pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.INVENTORY}")

    def sync_listings(self, ctx: AdapterContext, known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """The account's catalog with each listing's live quantity (for linking and reconciliation).

        ``known_skus`` are the seller SKUs Robnu knows for this account (the seller's products, the SKUs of
        the account's order items and of its listings), sorted and without repeats. A marketplace that can
        list its whole catalog (AJIO, Meesho) ignores them; one whose listing read takes SKUs (Flipkart,
        Amazon) reads exactly those. A SKU the marketplace does not know is simply not a listing; a listing
        that cannot be mapped is a ``Quarantine``.
        """
        raise UnsupportedTarget(f"{self.code} adapter cannot read its catalog yet")

    def full_processing(self, ctx: AdapterContext) -> ProcessingReport:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.FULL_PROCESSING}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} code={self.code}>"
