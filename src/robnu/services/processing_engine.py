"""The full-processing engine every marketplace flow runs on (see docs/processing.md).

A flow (``robnu.adapters.processing.ProcessingFlow``) is an ordered list of stages. Order-scope stages run
per order; batch-scope stages run once over the batch's orders that reached them (a confirmation upload, a
manifest). The engine records progress through its ``Ledger`` after every stage, in its own transaction,
so a crash at any point resumes at the first unfinished stage; stage handlers are idempotent towards the
marketplace, since a stage whose completion was not recorded runs again.

An order enters when its normalised status is one the flow accepts; it first claims a free-tier slot and
is otherwise HELD_QUOTA, to be picked up on a later day. An order a stage cannot take (bad GSTIN,
pincode/state mismatch, no stock) is HELD with the reason, never sinking its batch. An order the flow
finds is not the seller's to ship is SKIPPED and its slot given back. An order waiting on the marketplace
(a label, packing) stays at its stage for the next run, and is HELD once it has waited longer than the
account's ``async_max_wait_minutes``. Batch cut-offs and the closure policy are the account's dispatch
settings (``ctx.dispatch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from robnu.adapters.base import ProcessingReport
from robnu.adapters.processing import FlowBatch, FlowOrder, FlowRun, ProcessingFlow, Scope, StageSpec, StepResult
from robnu.domain.clock import IST
from robnu.services import journal as page_journal
from robnu.services.processing_ledger import Decision, Ledger, Outcome, Progress


def batch_slot(cutoffs: Sequence[time], now: datetime) -> tuple[str, int, datetime]:
    """(IST day, batch number, cut-off instant) of the batch that takes work at ``now``."""
    local = now.astimezone(IST)
    for number, cutoff in enumerate(cutoffs, start=1):
        at = datetime.combine(local.date(), cutoff, tzinfo=IST)
        if local < at:
            return local.date().isoformat(), number, at.astimezone(now.tzinfo)
    tomorrow = local.date() + timedelta(days=1)
    return tomorrow.isoformat(), 1, datetime.combine(tomorrow, cutoffs[0], tzinfo=IST).astimezone(now.tzinfo)


def run_flow(run: FlowRun[Any, Any], flow: ProcessingFlow, ledger: Ledger) -> ProcessingReport:
    """Run the account's flow once: admit new orders, give them slots, and take every open batch as far
    as it goes now."""
    ctx = run.ctx
    report = ProcessingReport()
    now = ctx.clock.now()
    day, number, cutoff = batch_slot(ctx.dispatch.batch_cutoffs, now)
    current = ledger.batch(day, number, cutoff, ctx.dispatch.closure_policy.value, now)
    report.skipped += ledger.admit(flow.eligible_statuses, now)
    for order_id in ledger.awaiting_slot():
        if not ledger.claim_slot(order_id, current, now):
            report.held += 1
    for batch in ledger.open_batches():  # oldest first: yesterday's may still need its manifest
        _run_batch(run, flow, ledger, batch, report)
    return report


def _run_batch(
    run: FlowRun[Any, Any], flow: ProcessingFlow, ledger: Ledger, batch: FlowBatch, report: ProcessingReport
) -> None:
    done_up_to = batch.stage  # the last batch-scope stage completed
    for spec in flow.stages:
        rows = ledger.at_stage(batch.id, spec.number - 1)
        if spec.scope is Scope.ORDER:
            for row in rows:  # the marketplace's answers are journaled as this batch's, stage's and order's
                with page_journal.tagged(run.ctx.http.recorder, batch=batch.id, stage=spec.name, order=row.order_id):
                    _order_stage(run, ledger, spec, row, report)
            continue
        if not rows:
            if done_up_to >= spec.number:
                continue  # done earlier; nothing new reached it since
            break  # nothing in this batch got this far yet
        if not _batch_stage(run, flow, ledger, spec, batch, rows, report):
            break
        done_up_to = spec.number
    report.processed += ledger.finish(batch, flow.last, run.now())


def _order_stage(
    run: FlowRun[Any, Any], ledger: Ledger, spec: StageSpec, row: Progress, report: ProcessingReport
) -> None:
    order = ledger.order(row.order_id)
    result: StepResult = spec.run_order(run, order)
    now = run.now()
    if result.waiting:
        decision = _wait(run, spec, row, result.waiting, now)
    elif result.skip:
        decision = Decision(Outcome.SKIP, reason=result.skip)
    elif result.held:
        decision = Decision(Outcome.HOLD, reason=result.held)
    else:
        decision = Decision(Outcome.ADVANCE, external_ref=result.external_ref, detail=result.detail)
    ledger.record_order(spec, row, decision, now)
    _count(report, spec, order, decision)


def _batch_stage(
    run: FlowRun[Any, Any],
    flow: ProcessingFlow,
    ledger: Ledger,
    spec: StageSpec,
    batch: FlowBatch,
    rows: list[Progress],
    report: ProcessingReport,
) -> bool:
    """Run one batch-scope stage; True when some order went on (the batch may go to the next stage)."""
    orders = {row.order_id: ledger.order(row.order_id) for row in rows}
    with page_journal.tagged(run.ctx.http.recorder, batch=batch.id, stage=spec.name):
        outcome = spec.run_batch(run, batch, list(orders.values()))
    label = f"batch {batch.ist_day}#{batch.batch_no}: {spec.name}"
    if outcome.deferred:
        report.notes.append(f"{label} deferred")
        return False
    now = run.now()
    decisions: dict[int, Decision] = {}
    for row in rows:
        reason, waiting = outcome.held.get(row.order_id), outcome.waiting.get(row.order_id)
        if reason:
            decisions[row.order_id] = Decision(Outcome.HOLD, reason=reason)
        elif waiting:
            decisions[row.order_id] = _wait(run, spec, row, waiting, now)
        else:
            decisions[row.order_id] = Decision(Outcome.ADVANCE)
    completed = any(d.outcome is Outcome.ADVANCE for d in decisions.values())
    ledger.record_batch(
        spec,
        batch,
        decisions,
        completed=completed,
        external_ref=outcome.external_ref,
        detail=outcome.detail,
        manifest_ref=outcome.external_ref if spec.number == flow.last else None,
        now=now,
    )
    for order_id, decision in decisions.items():
        _count(report, spec, orders[order_id], decision)
    if not completed and outcome.waiting:
        report.notes.append(f"{label} waiting")
    return completed


def _wait(run: FlowRun[Any, Any], spec: StageSpec, row: Progress, what: str, now: datetime) -> Decision:
    """Leave the order at its stage for a later run, or hold it once it has waited too long."""
    since = row.waiting_since or now
    if now - since < timedelta(minutes=run.ctx.dispatch.async_max_wait_minutes):
        return Decision(Outcome.WAIT, waiting_since=since, waiting_for=what)
    reason = f"waited {int((now - since).total_seconds() // 60)} min at {spec.name}: {what}"
    return Decision(Outcome.HOLD, reason=reason, waiting_since=since, waiting_for=what)


def _count(report: ProcessingReport, spec: StageSpec, order: FlowOrder, decision: Decision) -> None:
    if decision.outcome is Outcome.WAIT:
        report.waiting += 1
    elif decision.outcome is Outcome.SKIP:
        report.skipped += 1
    elif decision.outcome is Outcome.HOLD:
        report.held += 1
        report.exceptions.append(f"{order.external_id} at {spec.name}: {decision.reason}"[:300])
