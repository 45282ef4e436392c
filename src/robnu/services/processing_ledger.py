"""Where the processing engine keeps its own record: batches, each order's progress through its flow and a
step row per completed (or held, skipped) stage. ``Ledger`` is the engine's port; ``SqlLedger`` keeps it in
``processing_batches``, ``order_processing`` and ``processing_steps``, one committed transaction per
recorded stage, so a crash at any point loses at most the stage that was running.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.adapters.processing import FlowBatch, FlowOrder, ProcessingStatus, StageSpec
from robnu.db.models import MarketplaceAccount, Order
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.domain.clock import as_utc
from robnu.domain.statuses import FulfilledBy
from robnu.services import quota
from robnu.services.processing_store import order_view

QUOTA_HELD = "free plan: 25 orders a day processed"


class Outcome(StrEnum):
    ADVANCE = "ADVANCE"  # the stage is done for the order
    WAIT = "WAIT"  # the marketplace is still preparing something: stay at this stage
    HOLD = "HOLD"  # out of the flow, with the reason
    SKIP = "SKIP"  # not this flow's order: its free-tier slot is given back


@dataclass(frozen=True)
class Decision:
    """What the engine decided for one order at one stage."""

    outcome: Outcome
    reason: str | None = None  # why it is held or skipped
    external_ref: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    waiting_since: datetime | None = None  # when it started waiting at this stage (WAIT, or HOLD after a wait)
    waiting_for: str | None = None  # what it waits for


@dataclass(frozen=True, slots=True)
class Progress:
    """Where one order is: the last stage it completed, and since when it waits on the marketplace."""

    order_id: int
    stage: int
    waiting_since: datetime | None


class Ledger(Protocol):
    """The engine's record of one account's processing."""

    def batch(self, day: str, number: int, cutoff: datetime, policy: str, now: datetime) -> FlowBatch:
        """The batch of (IST day, number), opened with this cut-off and closure policy if new."""
        ...

    def admit(self, eligible: frozenset[str], now: datetime) -> int:
        """Enter the account's new orders in an eligible status; returns how many were skipped at once
        (fulfilled by the marketplace: no slot, no stage)."""
        ...

    def awaiting_slot(self) -> list[int]:
        """Orders entered but not yet given a free-tier slot, oldest first."""
        ...

    def claim_slot(self, order_id: int, batch: FlowBatch, now: datetime) -> bool:
        """Take a slot of the seller's day for the order and put it in ``batch``; False: held for the quota."""
        ...

    def open_batches(self) -> list[FlowBatch]:
        """The account's batches with work in progress, oldest first."""
        ...

    def at_stage(self, batch_id: int, stage: int) -> list[Progress]:
        """The batch's orders in progress whose last completed stage is ``stage``."""
        ...

    def order(self, order_id: int) -> FlowOrder: ...

    def record_order(self, spec: StageSpec, progress: Progress, decision: Decision, now: datetime) -> None:
        """Record what an order-scope stage did for one order (committed)."""
        ...

    def record_batch(
        self,
        spec: StageSpec,
        batch: FlowBatch,
        decisions: dict[int, Decision],
        *,
        completed: bool,
        external_ref: str | None,
        detail: dict[str, Any],
        manifest_ref: str | None,
        now: datetime,
    ) -> None:
        """Record what a batch-scope stage did for each of its orders and, when ``completed`` (some order
        went on), the batch's progress and step (committed)."""
        ...

    def finish(self, batch: FlowBatch, last: int, now: datetime) -> int:
        """Mark the orders through the last stage DONE (returned: how many); close the batch once nothing is
        in flight and its last stage is done or its cut-off has passed (committed)."""
        ...


class SqlLedger:
    """``Ledger`` in the database, in the run's session."""

    def __init__(self, session: Session, account: MarketplaceAccount) -> None:
        self._s = session
        self._account = account

    def batch(self, day: str, number: int, cutoff: datetime, policy: str, now: datetime) -> FlowBatch:
        row = self._s.execute(
            select(ProcessingBatch).where(
                ProcessingBatch.marketplace_account_id == self._account.id,
                ProcessingBatch.ist_day == day,
                ProcessingBatch.batch_no == number,
            )
        ).scalar_one_or_none()
        if row is None:
            row = ProcessingBatch(
                seller_id=self._account.seller_id,
                marketplace_account_id=self._account.id,
                ist_day=day,
                batch_no=number,
                closure_policy=policy,
                cutoff_at=cutoff,
                stage=0,
                status="OPEN",
                created_at=now,
                updated_at=now,
            )
            self._s.add(row)
            self._s.commit()
        return _batch_view(row)

    def admit(self, eligible: frozenset[str], now: datetime) -> int:
        known = select(OrderProcessing.order_id).where(OrderProcessing.marketplace_account_id == self._account.id)
        skipped = 0
        new = self._s.execute(
            select(Order)
            .where(
                Order.marketplace_account_id == self._account.id,
                Order.status.in_(eligible),
                Order.id.not_in(known),
            )
            .order_by(Order.ordered_at, Order.id)
        ).scalars()
        for order in new:
            # The marketplace ships it from its own warehouse (FBA): not the seller's work, no free-tier slot.
            theirs = order.fulfilled_by == FulfilledBy.MARKETPLACE
            self._s.add(
                OrderProcessing(
                    order_id=order.id,
                    seller_id=order.seller_id,
                    marketplace_account_id=self._account.id,
                    stage=0,
                    status=ProcessingStatus.SKIPPED if theirs else ProcessingStatus.PENDING,
                    held_reason="fulfilled by the marketplace" if theirs else None,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            skipped += theirs
        self._s.commit()
        return skipped

    def awaiting_slot(self) -> list[int]:
        rows = self._s.execute(
            select(OrderProcessing.order_id)
            .join(Order, Order.id == OrderProcessing.order_id)
            .where(
                OrderProcessing.marketplace_account_id == self._account.id,
                OrderProcessing.status.in_([ProcessingStatus.PENDING, ProcessingStatus.HELD_QUOTA]),
            )
            .order_by(Order.ordered_at, Order.id)
        )
        return list(rows.scalars())

    def claim_slot(self, order_id: int, batch: FlowBatch, now: datetime) -> bool:
        row = self._progress_row(order_id)
        claimed = quota.claim(self._s, self._account.seller_id, order_id, now)
        if claimed:
            row.status, row.batch_id, row.held_reason = ProcessingStatus.IN_PROGRESS, batch.id, None
            batch_row = self._batch_row(batch.id)
            batch_row.status = "OPEN"  # an order joining a batch after its manifest closed reopens it
        else:
            row.status, row.held_reason = ProcessingStatus.HELD_QUOTA, QUOTA_HELD
        row.updated_at = now
        self._s.commit()
        return claimed

    def open_batches(self) -> list[FlowBatch]:
        rows = self._s.execute(
            select(ProcessingBatch)
            .where(ProcessingBatch.marketplace_account_id == self._account.id, ProcessingBatch.status == "OPEN")
            .order_by(ProcessingBatch.id)
        )
        return [_batch_view(b) for b in rows.scalars()]

    def at_stage(self, batch_id: int, stage: int) -> list[Progress]:
        rows = self._s.execute(
            select(OrderProcessing)
            .where(
                OrderProcessing.batch_id == batch_id,
                OrderProcessing.status == ProcessingStatus.IN_PROGRESS,
                OrderProcessing.stage == stage,
            )
            .order_by(OrderProcessing.order_id)
        )
        return [
            Progress(r.order_id, r.stage, as_utc(r.waiting_since) if r.waiting_since else None) for r in rows.scalars()
        ]

    def order(self, order_id: int) -> FlowOrder:
        order = self._s.get(Order, order_id)
        if order is None:
            raise LookupError(f"order {order_id} is gone")
        return order_view(order)

    def record_order(self, spec: StageSpec, progress: Progress, decision: Decision, now: datetime) -> None:
        self._apply(spec, self._progress_row(progress.order_id), decision, now)
        self._s.commit()

    def record_batch(
        self,
        spec: StageSpec,
        batch: FlowBatch,
        decisions: dict[int, Decision],
        *,
        completed: bool,
        external_ref: str | None,
        detail: dict[str, Any],
        manifest_ref: str | None,
        now: datetime,
    ) -> None:
        for order_id, decision in decisions.items():
            self._apply(spec, self._progress_row(order_id), decision, now, step_on_advance=False)
        if completed:
            row = self._batch_row(batch.id)
            row.stage, row.updated_at = spec.number, now
            if manifest_ref:
                row.manifest_ref = manifest_ref
            self._step(spec, "DONE", now, batch_id=batch.id, ref=external_ref, detail=detail)
        self._s.commit()

    def finish(self, batch: FlowBatch, last: int, now: datetime) -> int:
        rows = self._s.execute(
            select(OrderProcessing).where(
                OrderProcessing.batch_id == batch.id,
                OrderProcessing.status == ProcessingStatus.IN_PROGRESS,
                OrderProcessing.stage == last,
            )
        ).scalars()
        done = 0
        for row in rows:
            row.status, row.updated_at = ProcessingStatus.DONE, now
            done += 1
        in_flight = self._s.execute(
            select(OrderProcessing.order_id).where(
                OrderProcessing.batch_id == batch.id, OrderProcessing.status == ProcessingStatus.IN_PROGRESS
            )
        ).first()
        batch_row = self._batch_row(batch.id)
        # Closed once nothing is in flight (an order still waiting keeps it open for the next run) and its
        # manifest is made or its cut-off has passed with every order held.
        past_cutoff = as_utc(batch_row.cutoff_at) < now
        if in_flight is None and (batch_row.stage == last or past_cutoff):
            batch_row.status = "CLOSED"
        self._s.commit()
        return done

    # ---------------------------------------------------------------- helpers
    def _progress_row(self, order_id: int) -> OrderProcessing:
        row = self._s.get(OrderProcessing, order_id)
        if row is None:
            raise LookupError(f"order {order_id} has not entered processing")
        return row

    def _batch_row(self, batch_id: int) -> ProcessingBatch:
        row = self._s.get(ProcessingBatch, batch_id)
        if row is None:
            raise LookupError(f"batch {batch_id} is gone")
        return row

    def _apply(
        self, spec: StageSpec, row: OrderProcessing, d: Decision, now: datetime, *, step_on_advance: bool = True
    ) -> None:
        if d.waiting_since is not None:  # waiting at this stage (still, or too long: then held below)
            row.waiting_since, row.attempts = d.waiting_since, row.attempts + 1
            row.last_error = (d.waiting_for or "")[:500]
        if d.outcome is Outcome.ADVANCE:
            row.stage, row.waiting_since = spec.number, None
            if step_on_advance:
                self._step(spec, "DONE", now, order_id=row.order_id, ref=d.external_ref, detail=d.detail)
        elif d.outcome is Outcome.HOLD:
            row.status, row.held_reason = ProcessingStatus.HELD, (d.reason or "")[:300]
            self._step(spec, "HELD", now, order_id=row.order_id, detail={"reason": d.reason})
        elif d.outcome is Outcome.SKIP:
            row.status, row.held_reason = ProcessingStatus.SKIPPED, (d.reason or "")[:300]
            quota.release(self._s, row.order_id)
            self._step(spec, "SKIPPED", now, order_id=row.order_id, detail={"reason": d.reason})
        row.updated_at = now

    def _step(
        self,
        spec: StageSpec,
        outcome: str,
        now: datetime,
        *,
        order_id: int | None = None,
        batch_id: int | None = None,
        ref: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._s.add(
            ProcessingStep(
                seller_id=self._account.seller_id,
                marketplace_account_id=self._account.id,
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


def _batch_view(row: ProcessingBatch) -> FlowBatch:
    return FlowBatch(
        id=row.id,
        ist_day=row.ist_day,
        batch_no=row.batch_no,
        closure_policy=row.closure_policy,
        cutoff_at=as_utc(row.cutoff_at),
        created_at=as_utc(row.created_at),
        stage=row.stage,
    )
