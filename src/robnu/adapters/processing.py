"""The full-processing engine every marketplace flow runs on (issue 5).

A flow is an ordered list of stages. Order-scope stages run per order; batch-scope stages run once over
the batch's orders that reached them (a confirmation upload, a manifest). Progress is persisted after
every stage in its own transaction (``order_processing.stage``, ``processing_batches.stage`` and a
``processing_steps`` row), so a crash at any point resumes at the first unfinished stage. Stages must
be idempotent towards the marketplace (look before re-sending, or send with an idempotency key): the
engine re-runs a stage whose completion was not recorded.

An order enters when its normalised status is one the flow accepts; it first claims a free-tier slot
(``ctx.services.claim_quota``) and is otherwise HELD_QUOTA, to be picked up on a later day. An order a
stage cannot take (bad GSTIN, pincode/state mismatch, no stock) is HELD with the reason, never sinking
its batch. An order the flow finds is not the seller's to ship (fulfilled by the marketplace) is
SKIPPED and its slot given back. An order waiting on the marketplace (a label, packing) stays at its
stage for the next run, and is HELD once it has waited longer than the account's
``async_max_wait_minutes``.

Batch cut-offs and the closure policy come from the account's dispatch settings (``ctx.dispatch``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, ProcessingReport
from robnu.db.dispatch_models import InvoiceNumber
from robnu.db.models import Order, Product
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.domain.clock import IST
from robnu.domain.dispatch import ClosurePolicy
from robnu.domain.statuses import FulfilledBy


class Scope(StrEnum):
    ORDER = "ORDER"
    BATCH = "BATCH"


class ProcessingStatus(StrEnum):
    PENDING = "PENDING"
    HELD_QUOTA = "HELD_QUOTA"
    IN_PROGRESS = "IN_PROGRESS"
    HELD = "HELD"
    SKIPPED = "SKIPPED"  # not the seller's to process (e.g. fulfilled by the marketplace)
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class StageSpec:
    number: int
    name: str
    phase: str
    scope: Scope


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


class SimulatedCrash(RuntimeError):
    """Raised by the engine when a test asks for a crash after a stage's effects, before they are recorded."""


class ProcessingFlow:
    stages: Sequence[StageSpec] = ()
    eligible_statuses: frozenset[str] = frozenset()

    def run_order_stage(self, ctx: AdapterContext, spec: StageSpec, order: Order) -> StepResult:
        raise NotImplementedError(spec.name)

    def run_batch_stage(
        self, ctx: AdapterContext, spec: StageSpec, batch: ProcessingBatch, orders: list[Order]
    ) -> BatchResult:
        raise NotImplementedError(spec.name)


def batch_slot(cutoffs: Sequence[time], now: datetime) -> tuple[str, int, datetime]:
    """(IST day, batch number, cut-off instant) of the batch that takes work at ``now``."""
    local = now.astimezone(IST)
    for number, cutoff in enumerate(cutoffs, start=1):
        at = datetime.combine(local.date(), cutoff, tzinfo=IST)
        if local < at:
            return local.date().isoformat(), number, at.astimezone(now.tzinfo)
    tomorrow = local.date() + timedelta(days=1)
    return tomorrow.isoformat(), 1, datetime.combine(tomorrow, cutoffs[0], tzinfo=IST).astimezone(now.tzinfo)


def may_close_manifest(ctx: AdapterContext, batch: ProcessingBatch) -> bool:
    """The batch's closure policy (product.md §3) allows submitting its manifest now: IMMEDIATE always,
    DELAYED from cut-off - N min, MANUAL on the user's action (``ctx.options["close_manifest"]``) or,
    when configured, from cut-off - 10 min. Past the cut-off the manifest is still made (and is late)."""
    settings = replace(ctx.dispatch, closure_policy=ClosurePolicy(batch.closure_policy))
    asked = bool(ctx.options.get("close_manifest"))
    return settings.may_close(aware(batch.cutoff_at), ctx.clock.now(), user_asked=asked)


TAX_INVOICE = "TAX_INVOICE"  # the seller's invoice to the buyer
VENDOR_INVOICE = "VENDOR_INVOICE"  # the seller's B2B invoice to the marketplace (AJIO's RSI model)


def given_invoice_number(s: Session, order_id: int, kind: str) -> str | None:
    """The number the order's invoice of this kind was given, if any (services.invoices gives them)."""
    return s.execute(
        select(InvoiceNumber.number).where(InvoiceNumber.order_id == order_id, InvoiceNumber.kind == kind)
    ).scalar_one_or_none()


def product_gst_rate(s: Session, seller_id: int, sku: str) -> Decimal | None:
    """The GST rate the seller set on the product (percent), or None: the flow's own rule applies."""
    return s.execute(
        select(Product.gst_rate).where(Product.seller_id == seller_id, Product.sku == sku)
    ).scalar_one_or_none()


def aware(at: datetime) -> datetime:
    """A stored instant as UTC-aware (SQLite hands naive ones back)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _batch(s: Session, ctx: AdapterContext, now: datetime) -> ProcessingBatch:
    day, number, cutoff = batch_slot(ctx.dispatch.batch_cutoffs, now)
    batch = s.execute(
        select(ProcessingBatch).where(
            ProcessingBatch.marketplace_account_id == ctx.account.id,
            ProcessingBatch.ist_day == day,
            ProcessingBatch.batch_no == number,
        )
    ).scalar_one_or_none()
    if batch is None:
        batch = ProcessingBatch(
            seller_id=ctx.account.seller_id,
            marketplace_account_id=ctx.account.id,
            ist_day=day,
            batch_no=number,
            closure_policy=ctx.dispatch.closure_policy.value,
            cutoff_at=cutoff,
            stage=0,
            status="OPEN",
            created_at=now,
            updated_at=now,
        )
        s.add(batch)
        s.commit()
    return batch


def _step(
    s: Session,
    ctx: AdapterContext,
    spec: StageSpec,
    outcome: str,
    now: datetime,
    *,
    order_id: int | None = None,
    batch_id: int | None = None,
    ref: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    s.add(
        ProcessingStep(
            seller_id=ctx.account.seller_id,
            marketplace_account_id=ctx.account.id,
            order_id=order_id,
            batch_id=batch_id,
            stage=spec.number,
            name=spec.name,
            outcome=outcome,
            external_ref=ref,
            detail=json.dumps(detail, default=str) if detail else None,
            occurred_at=now,
        )
    )


def _intake(
    s: Session,
    ctx: AdapterContext,
    flow: ProcessingFlow,
    batch: ProcessingBatch,
    now: datetime,
    report: ProcessingReport,
) -> None:
    known = select(OrderProcessing.order_id).where(OrderProcessing.marketplace_account_id == ctx.account.id)
    for order in s.execute(
        select(Order)
        .where(
            Order.marketplace_account_id == ctx.account.id,
            Order.status.in_(flow.eligible_statuses),
            Order.id.not_in(known),
        )
        .order_by(Order.ordered_at, Order.id)
    ).scalars():
        # The marketplace ships it from its own warehouse (FBA): not the seller's work, no free-tier slot.
        theirs = order.fulfilled_by == FulfilledBy.MARKETPLACE
        s.add(
            OrderProcessing(
                order_id=order.id,
                seller_id=order.seller_id,
                marketplace_account_id=ctx.account.id,
                stage=0,
                status=ProcessingStatus.SKIPPED if theirs else ProcessingStatus.PENDING,
                held_reason="fulfilled by the marketplace" if theirs else None,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
        report.skipped += theirs
    s.commit()
    waiting = (
        s.execute(
            select(OrderProcessing)
            .join(Order, Order.id == OrderProcessing.order_id)
            .where(
                OrderProcessing.marketplace_account_id == ctx.account.id,
                OrderProcessing.status.in_([ProcessingStatus.PENDING, ProcessingStatus.HELD_QUOTA]),
            )
            .order_by(Order.ordered_at, Order.id)
        )
        .scalars()
        .all()
    )
    for row in waiting:
        assert ctx.services is not None
        if ctx.services.claim_quota(s, ctx.account.seller_id, row.order_id, now):
            row.status, row.batch_id, row.held_reason = ProcessingStatus.IN_PROGRESS, batch.id, None
            batch.status = "OPEN"  # an order joining a batch after its manifest closed reopens it
        else:
            row.status, row.held_reason = ProcessingStatus.HELD_QUOTA, "free plan: 25 orders a day processed"
            report.held += 1
        row.updated_at = now
        s.commit()


def _crash_point(ctx: AdapterContext, spec: StageSpec) -> None:
    if ctx.options.get("crash_after_stage") == spec.number:
        ctx.options.pop("crash_after_stage")
        raise SimulatedCrash(f"crash injected after stage {spec.number} ({spec.name})")


def run_flow(ctx: AdapterContext, flow: ProcessingFlow) -> ProcessingReport:
    s = ctx.session
    if ctx.services is None:
        raise RuntimeError("full processing needs the service hooks (build the context with services.context)")
    report = ProcessingReport()
    now = ctx.clock.now()
    batch = _batch(s, ctx, now)
    _intake(s, ctx, flow, batch, now, report)
    # Every batch of this account with work in progress, oldest first (yesterday's may still need a manifest).
    batches = (
        s.execute(
            select(ProcessingBatch)
            .where(
                ProcessingBatch.marketplace_account_id == ctx.account.id,
                ProcessingBatch.status == "OPEN",
            )
            .order_by(ProcessingBatch.id)
        )
        .scalars()
        .all()
    )
    last = flow.stages[-1].number
    for open_batch in batches:
        for spec in flow.stages:
            rows = (
                s.execute(
                    select(OrderProcessing).where(
                        OrderProcessing.batch_id == open_batch.id,
                        OrderProcessing.status == ProcessingStatus.IN_PROGRESS,
                        OrderProcessing.stage == spec.number - 1,
                    )
                )
                .scalars()
                .all()
            )
            if spec.scope is Scope.ORDER:
                for row in rows:
                    order = s.get(Order, row.order_id)
                    assert order is not None
                    result = flow.run_order_stage(ctx, spec, order)
                    _crash_point(ctx, spec)
                    now = ctx.clock.now()
                    if result.waiting:
                        _wait(s, ctx, spec, row, result.waiting, now, report)
                    elif result.skip:
                        row.status, row.held_reason = ProcessingStatus.SKIPPED, result.skip[:300]
                        ctx.services.release_quota(s, row.order_id)
                        _step(s, ctx, spec, "SKIPPED", now, order_id=row.order_id, detail={"reason": result.skip})
                        report.skipped += 1
                    elif result.held:
                        _hold(s, ctx, spec, row, result.held, now, report)
                    else:
                        row.stage, row.waiting_since = spec.number, None
                        _step(
                            s,
                            ctx,
                            spec,
                            "DONE",
                            now,
                            order_id=row.order_id,
                            ref=result.external_ref,
                            detail=result.detail,
                        )
                    row.updated_at = now
                    s.commit()
            else:
                if not rows:
                    if open_batch.stage >= spec.number:
                        continue  # done earlier; nothing new reached it since
                    break  # nothing in this batch got this far yet
                orders = [o for o in (s.get(Order, r.order_id) for r in rows) if o is not None]
                outcome = flow.run_batch_stage(ctx, spec, open_batch, orders)
                _crash_point(ctx, spec)
                if outcome.deferred:
                    report.notes.append(f"batch {open_batch.ist_day}#{open_batch.batch_no}: {spec.name} deferred")
                    break
                now = ctx.clock.now()
                advanced = 0
                for row in rows:
                    reason = outcome.held.get(row.order_id)
                    waiting = outcome.waiting.get(row.order_id)
                    if reason:
                        _hold(s, ctx, spec, row, reason, now, report)
                    elif waiting:
                        _wait(s, ctx, spec, row, waiting, now, report)
                    else:
                        row.stage, row.waiting_since = spec.number, None
                        advanced += 1
                    row.updated_at = now
                if not advanced:
                    s.commit()
                    if outcome.waiting:
                        report.notes.append(f"batch {open_batch.ist_day}#{open_batch.batch_no}: {spec.name} waiting")
                    break
                open_batch.stage, open_batch.updated_at = spec.number, now
                if spec.number == last and outcome.external_ref:
                    open_batch.manifest_ref = outcome.external_ref
                _step(
                    s, ctx, spec, "DONE", now, batch_id=open_batch.id, ref=outcome.external_ref, detail=outcome.detail
                )
                s.commit()
        finished = (
            s.execute(
                select(OrderProcessing).where(
                    OrderProcessing.batch_id == open_batch.id,
                    OrderProcessing.status == ProcessingStatus.IN_PROGRESS,
                    OrderProcessing.stage == last,
                )
            )
            .scalars()
            .all()
        )
        for row in finished:
            row.status, row.updated_at = ProcessingStatus.DONE, ctx.clock.now()
            report.processed += 1
        # Closed once nothing is in flight (an order still waiting keeps it open for the next run) and its
        # manifest is made or its cut-off has passed with every order held.
        past_cutoff = aware(open_batch.cutoff_at) < ctx.clock.now()
        if not _in_flight(s, open_batch) and (open_batch.stage == last or past_cutoff):
            open_batch.status = "CLOSED"
        s.commit()
    return report


def _wait(
    s: Session,
    ctx: AdapterContext,
    spec: StageSpec,
    row: OrderProcessing,
    what: str,
    now: datetime,
    report: ProcessingReport,
) -> None:
    """Leave the order at its stage for a later run, or hold it once it has waited too long."""
    since = aware(row.waiting_since) if row.waiting_since is not None else now
    row.waiting_since, row.attempts, row.last_error = since, row.attempts + 1, what[:500]
    limit = timedelta(minutes=ctx.dispatch.async_max_wait_minutes)
    if now - since < limit:
        report.waiting += 1
        return
    reason = f"waited {int((now - since).total_seconds() // 60)} min at {spec.name}: {what}"
    _hold(s, ctx, spec, row, reason, now, report)


def _hold(
    s: Session,
    ctx: AdapterContext,
    spec: StageSpec,
    row: OrderProcessing,
    reason: str,
    now: datetime,
    report: ProcessingReport,
) -> None:
    """Take the order out of the flow with the reason: recorded as a step, listed in the run's exceptions."""
    row.status, row.held_reason = ProcessingStatus.HELD, reason[:300]
    _step(s, ctx, spec, "HELD", now, order_id=row.order_id, detail={"reason": reason})
    order = s.get(Order, row.order_id)
    report.held += 1
    report.exceptions.append(f"{order.external_id if order else row.order_id} at {spec.name}: {reason}"[:300])


def _in_flight(s: Session, batch: ProcessingBatch) -> bool:
    return (
        s.execute(
            select(OrderProcessing.order_id).where(
                OrderProcessing.batch_id == batch.id, OrderProcessing.status == ProcessingStatus.IN_PROGRESS
            )
        ).first()
        is not None
    )
