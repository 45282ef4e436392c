"""How a marketplace describes its full-processing flow: ordered stages, each bound to its handler.

The engine that runs a flow lives in the service layer (``robnu.services.processing_engine``): it picks
the orders, persists every stage, resumes after a crash, and calls a stage's ``run`` with a ``FlowRun`` —
the account's context, the marketplace client and the store port — and the order (``ORDER`` scope) or
the batch and its orders (``BATCH`` scope). A handler answers what happened (``StepResult`` /
``BatchResult``); it never records progress itself.

Handlers must be idempotent towards the marketplace (look before sending, or send with an idempotency
key): the engine runs a stage again when its completion was not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from robnu.adapters.client import MarketplaceClient
from robnu.adapters.context import AdapterContext
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.processing.port import FlowBatch, FlowOrder, ProcessingStore
from robnu.domain.dispatch import ClosurePolicy

C = TypeVar("C", bound=CredentialModel)
K = TypeVar("K", bound=MarketplaceClient[Any])

TAX_INVOICE = "TAX_INVOICE"  # the seller's invoice to the buyer
VENDOR_INVOICE = "VENDOR_INVOICE"  # the seller's B2B invoice to the marketplace (AJIO's RSI model)


class Scope(StrEnum):
    ORDER = "ORDER"  # run per order: validations, documents
    BATCH = "BATCH"  # run once over the batch's orders that reached it: an upload, the manifest


class ProcessingStatus(StrEnum):
    PENDING = "PENDING"
    HELD_QUOTA = "HELD_QUOTA"
    IN_PROGRESS = "IN_PROGRESS"
    HELD = "HELD"
    SKIPPED = "SKIPPED"  # not the seller's to process (e.g. fulfilled by the marketplace)
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass
class StepResult:
    """What an order-scope stage did. ``held`` keeps the order out of the rest of the flow; ``skip`` says
    the order is not this flow's (its free-tier slot is given back); ``waiting`` leaves it at this stage
    until a later run (the marketplace is still preparing something)."""

    held: str | None = None
    skip: str | None = None
    waiting: str | None = None
    external_ref: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchResult:
    """What a batch-scope stage did; ``deferred`` means: not yet for the whole batch (closure policy,
    cut-off), try later; ``waiting`` names orders the marketplace is still preparing: they stay at this
    stage while the rest go on."""

    external_ref: str | None = None
    held: dict[int, str] = field(default_factory=dict)  # order id -> reason
    waiting: dict[int, str] = field(default_factory=dict)  # order id -> what it waits for
    deferred: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class FlowRun(Generic[K, C]):
    """What a stage handler is given: the account (``ctx``), the marketplace client and the store port."""

    ctx: AdapterContext[C]
    client: K
    store: ProcessingStore

    def now(self) -> datetime:
        return self.ctx.clock.now()

    @property
    def credentials(self) -> C:
        return self.ctx.credentials


OrderHandler = Callable[[FlowRun[Any, Any], FlowOrder], StepResult]
BatchHandler = Callable[[FlowRun[Any, Any], FlowBatch, list[FlowOrder]], BatchResult]


@dataclass(frozen=True)
class StageSpec:
    """One stage: its number (1..n, the order it runs in), name, phase, scope and handler."""

    number: int
    name: str
    phase: str
    scope: Scope
    run: OrderHandler | BatchHandler = field(compare=False, repr=False)

    @classmethod
    def order(cls, number: int, name: str, phase: str, run: OrderHandler) -> StageSpec:
        return cls(number, name, phase, Scope.ORDER, run)

    @classmethod
    def batch(cls, number: int, name: str, phase: str, run: BatchHandler) -> StageSpec:
        return cls(number, name, phase, Scope.BATCH, run)

    def run_order(self, run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        assert self.scope is Scope.ORDER
        return cast(OrderHandler, self.run)(run, order)

    def run_batch(self, run: FlowRun[Any, Any], batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
        assert self.scope is Scope.BATCH
        return cast(BatchHandler, self.run)(run, batch, orders)


@dataclass(frozen=True)
class ProcessingFlow:
    """A marketplace's flow: its stages in order and the normalised order statuses that enter it."""

    stages: tuple[StageSpec, ...]
    eligible_statuses: frozenset[str]

    def __post_init__(self) -> None:
        numbers = [s.number for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"stages must be numbered 1..n in order, got {numbers}")

    @property
    def last(self) -> int:
        return self.stages[-1].number


def may_close_manifest(run: FlowRun[Any, Any], batch: FlowBatch) -> bool:
    """The batch's closure policy allows submitting its manifest now: IMMEDIATE always, DELAYED from
    cut-off - N min, MANUAL on the user's action (``close_manifest`` in the run's options) or, when
    configured, from cut-off - 10 min. Past the cut-off the manifest is still made (and is late)."""
    settings = replace(run.ctx.dispatch, closure_policy=ClosurePolicy(batch.closure_policy))
    asked = bool(run.ctx.options.get("close_manifest"))
    return settings.may_close(batch.cutoff_at, run.now(), user_asked=asked)
