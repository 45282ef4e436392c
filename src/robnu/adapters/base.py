"""The adapter contract: what every marketplace adapter declares, and the shared work the base does.

An adapter is stateless; everything about one account arrives in an ``AdapterContext`` (typed credentials,
clock, HTTP factory, token store, dispatch settings). A new marketplace's adapter reads as declarations
plus marketplace-specific code:

* declarations: ``code``, ``display_name``, ``satellite`` (its credentials and their table), and the
  knobs the engines read — ``min_safety_lag_seconds`` (how close to now a sync window may end),
  ``inventory_batch`` (SKUs per inventory call) and ``flow`` (its full-processing stages,
  ``robnu.adapters.processing``);
* ``open_client(ctx)``: its API client (``MarketplaceClient``: HTTP + auth), the one way every method and
  the processing engine get a connection;
* ``_probe(client, ctx)``: one cheap authenticated call; ``validate_credentials`` is written once here;
* the sync methods of the targets it supports (``sync_orders`` ...), which yield mapped records page by
  page (the engine upserts them, so memory does not grow with pages), and ``_push_batch`` for
  marketplaces that take inventory in SKU batches (the base cuts and sends the batches).

``supported_targets`` is derived from what the class implements (``implemented_targets``); a class that
declares it anyway is checked against what it implements when the class is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

from robnu.adapters.client import MarketplaceClient
from robnu.adapters.context import AdapterContext, HttpFactory, TokenStore
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceError
from robnu.adapters.inventory import push_in_batches
from robnu.adapters.processing.flow import ProcessingFlow
from robnu.db.satellite import SatelliteSpec
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ADAPTER_FREE_TARGETS, ScheduleTarget
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

__all__ = [
    "EVERY_TARGET",
    "MAPPING_ERRORS",
    "Adapter",
    "AdapterContext",
    "HttpFactory",
    "MarketplaceAdapter",
    "ProcessingReport",
    "TokenStore",
    "ValidationOutcome",
    "implemented_targets",
    "map_or_quarantine",
]

C = TypeVar("C", bound=CredentialModel)
K = TypeVar("K", bound=MarketplaceClient[Any])

# Every target an adapter can serve (the SLA watchdog runs on Robnu's tables alone): a full adapter's declaration.
EVERY_TARGET = frozenset(ScheduleTarget) - ADAPTER_FREE_TARGETS

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


class Adapter(Generic[C, K]):
    """Base class, generic in the credentials model ``C`` and the API client ``K`` (see the module doc):
    ``class AjioAdapter(Adapter[AjioCredentials, AjioClient])``. A target the adapter does not declare is
    a clear error, never a no-op."""

    code: ClassVar[str]
    display_name: ClassVar[str]
    satellite: ClassVar[SatelliteSpec]
    supported_targets: ClassVar[frozenset[ScheduleTarget]] = frozenset()
    # How far back (days) the marketplace serves records; a re-sync from earlier is refused. None: no limit.
    history_days: ClassVar[int | None] = None
    # The marketplace refuses (or has not settled) data newer than this: a sync window ends at least this
    # long before now, whatever the engine's own safety lag.
    min_safety_lag_seconds: ClassVar[int] = 0
    # SKUs per inventory call for a marketplace that takes batches (the base batches and sends them through
    # ``_push_batch``); 0: the adapter overrides ``push_inventory`` itself (or does not push).
    inventory_batch: ClassVar[int] = 0
    # The full-processing flow (stages bound to their handlers); run by the service layer's engine.
    flow: ClassVar[ProcessingFlow | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Derive ``supported_targets`` from what the class implements, or check a declared one against it."""
        super().__init_subclass__(**kwargs)
        implemented = implemented_targets(cls)
        declared = cls.__dict__.get("supported_targets")
        if declared is None:
            cls.supported_targets = implemented
            return
        problems = [f"declares {t} but {_HOW[t]} is missing" for t in sorted(frozenset(declared) - implemented)] + [
            f"{_HOW[t]} is there but {t} is not declared (add it, or leave supported_targets out to derive it)"
            for t in sorted(implemented - frozenset(declared))
        ]
        if problems:
            raise TypeError(f"{cls.__name__}: " + "; ".join(problems))

    # ------------------------------------------------------------------ connection
    def open_client(self, ctx: AdapterContext[C]) -> K:
        """The account's API client (HTTP + auth). Every call of the adapter and of its flow goes through it."""
        raise NotImplementedError(f"{type(self).__name__} must open its client")

    def _probe(self, client: K, ctx: AdapterContext[C]) -> None:
        """One cheap authenticated call proving the credentials work (after ``client.auth.prove()``)."""
        raise UnsupportedTarget(f"{self.code} adapter cannot validate credentials yet")

    def validate_credentials(self, ctx: AdapterContext[C]) -> ValidationOutcome:
        """Prove the credentials (a fresh token where there are tokens), then one authenticated call:
        refused credentials are INVALID (reconnect) when the marketplace says so, anything else ERROR."""
        with self.open_client(ctx) as client:
            try:
                client.auth.prove()
                self._probe(client, ctx)
            except MarketplaceAuthError as exc:
                status = ValidationStatus.INVALID if exc.needs_reconnect else ValidationStatus.ERROR
                return ValidationOutcome(status, exc.http_status, exc.code, client.clean(str(exc)))
            except MarketplaceError as exc:
                return ValidationOutcome(ValidationStatus.ERROR, exc.http_status, exc.code, client.clean(str(exc)))
        return ValidationOutcome(ValidationStatus.VALID, 200)

    # ------------------------------------------------------------------ sync targets
    def sync_orders(self, ctx: AdapterContext[C], window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.ORDERS}")

    def sync_returns(self, ctx: AdapterContext[C], window: SyncWindow) -> Iterator[ReturnRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.RETURNS}")

    def sync_payouts(self, ctx: AdapterContext[C], window: SyncWindow) -> Iterator[PayoutRecord | Quarantine]:
        raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.PAYOUTS}")

    def sync_listings(self, ctx: AdapterContext[C], known_skus: Sequence[str]) -> Iterator[ListingRecord | Quarantine]:
        """The account's catalog with each listing's live quantity (for linking and reconciliation).

        ``known_skus`` are the seller SKUs Robnu knows for this account (the seller's products, the SKUs of
        the account's order items and of its listings), sorted and without repeats. A marketplace that can
        list its whole catalog (AJIO, Meesho) ignores them; one whose listing read takes SKUs (Flipkart,
        Amazon) reads exactly those. A SKU the marketplace does not know is simply not a listing; a listing
        that cannot be mapped is a ``Quarantine``.
        """
        raise UnsupportedTarget(f"{self.code} adapter cannot read its catalog yet")

    # ------------------------------------------------------------------ inventory
    def push_inventory(self, ctx: AdapterContext[C], pushes: Sequence[InventoryPush]) -> list[InventoryPushResult]:
        """Absolute quantities, ``inventory_batch`` SKUs a call (``adapters.inventory``): a batch that fails
        after retries leaves its SKUs retryable (or not, for a 4xx) and the other batches go on."""
        if not self.inventory_batch:
            raise UnsupportedTarget(f"{self.code} adapter does not support {ScheduleTarget.INVENTORY}")
        if not pushes:
            return []
        with self.open_client(ctx) as client:
            return push_in_batches(
                pushes,
                self.inventory_batch,
                lambda batch: self._push_batch(client, ctx, batch),
                sku=self._inventory_sku,
                clean=client.clean,
            )

    def _inventory_sku(self, push: InventoryPush) -> str:
        """The SKU the marketplace knows a push by (one per call in a batch)."""
        return push.seller_sku

    def _push_batch(
        self, client: K, ctx: AdapterContext[C], batch: Sequence[InventoryPush]
    ) -> list[InventoryPushResult]:
        """Send one batch and read the marketplace's answer per SKU."""
        raise NotImplementedError(f"{type(self).__name__} declares inventory_batch but sends no batch")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} code={self.code}>"


# Which method (or declaration) serves each target: what ``implemented_targets`` looks for, in words.
_HOW: dict[ScheduleTarget, str] = {
    ScheduleTarget.ORDERS: "sync_orders",
    ScheduleTarget.RETURNS: "sync_returns",
    ScheduleTarget.PAYOUTS: "sync_payouts",
    ScheduleTarget.CATALOG: "sync_listings",
    ScheduleTarget.INVENTORY: "push_inventory (or inventory_batch > 0 with _push_batch)",
    ScheduleTarget.CREDENTIAL_CHECK: "_probe (or validate_credentials)",
    ScheduleTarget.FULL_PROCESSING: "a flow",
}
_SYNC_METHODS = {
    ScheduleTarget.ORDERS: "sync_orders",
    ScheduleTarget.RETURNS: "sync_returns",
    ScheduleTarget.PAYOUTS: "sync_payouts",
    ScheduleTarget.CATALOG: "sync_listings",
}


def _overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(Adapter, name)


def implemented_targets(cls: type[Adapter[Any, Any]]) -> frozenset[ScheduleTarget]:
    """The targets an adapter class serves, read from what it implements: each sync target's method, the
    inventory push (its own ``push_inventory``, or ``inventory_batch`` with ``_push_batch``), the credentials
    check (``_probe``, or its own ``validate_credentials``) and full processing (a ``flow``). A half-done
    implementation (a batch size without ``_push_batch``, a probe without ``open_client``) is a TypeError
    naming what is missing."""
    name = cls.__name__
    found = {t for t, method in _SYNC_METHODS.items() if _overrides(cls, method)}
    own_push = _overrides(cls, "push_inventory")
    if _overrides(cls, "_push_batch") and not own_push and cls.inventory_batch <= 0:
        raise TypeError(f"{name}: _push_batch is implemented but inventory_batch (SKUs per call) is not set above 0")
    if cls.inventory_batch > 0 and not own_push and not _overrides(cls, "_push_batch"):
        raise TypeError(f"{name}: inventory_batch is {cls.inventory_batch} but _push_batch is missing")
    if own_push or cls.inventory_batch > 0:
        found.add(ScheduleTarget.INVENTORY)
    if _overrides(cls, "_probe") or _overrides(cls, "validate_credentials"):
        found.add(ScheduleTarget.CREDENTIAL_CHECK)
    if cls.flow is not None:
        found.add(ScheduleTarget.FULL_PROCESSING)
    base_work = (cls.inventory_batch > 0 and not own_push) or (
        _overrides(cls, "_probe") and not _overrides(cls, "validate_credentials")
    )
    if base_work and not _overrides(cls, "open_client"):
        raise TypeError(f"{name}: open_client is missing (the base's credentials check and inventory push use it)")
    return frozenset(found)


# Any adapter, whatever its credentials and client: what the registry and the services hold.
MarketplaceAdapter: TypeAlias = Adapter[Any, Any]
