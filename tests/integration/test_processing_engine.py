"""The full-processing engine: stage-by-stage persistence, crash at any stage resumes without re-sending,
held orders never sink a batch, and the free tier's 26th order waits for the next day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from robnu.adapters.processing import (
    BatchResult,
    FlowBatch,
    FlowOrder,
    FlowRun,
    ProcessingFlow,
    StageSpec,
    StepResult,
)
from robnu.db.models import MarketplaceAccount, Order
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.domain.clock import ManualClock
from robnu.domain.dispatch import DispatchSettings
from robnu.domain.errors import InvalidInput
from robnu.domain.statuses import OrderStatus
from robnu.services.accounts import adapter_for, change_plan, connect_account, create_seller
from robnu.services.context import build_context
from robnu.services.processing_engine import batch_slot, run_flow
from robnu.services.processing_store import SqlProcessingStore
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.integration.test_stock import _order
from tests.processing.crash import SimulatedCrash, crash_after


class LedgerFlow:
    """A three-stage flow whose 'marketplace' is a ledger of effects keyed like a real idempotency key."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()  # effects the marketplace kept
        self.calls: Counter[int] = Counter()  # how often the engine ran each stage (per order or per batch)
        self.flow = ProcessingFlow(
            (
                StageSpec.order(1, "validate", "confirm", self.validate),
                StageSpec.batch(2, "confirm batch", "confirm", self.sender(2, "confirm batch")),
                StageSpec.batch(3, "manifest", "manifest", self.sender(3, "manifest")),
            ),
            frozenset({OrderStatus.NEW}),
        )

    def validate(self, run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        self.calls[1] += 1
        if order.external_id.endswith("-bad"):
            return StepResult(held="pincode does not match the state")
        return StepResult(external_ref=f"ok-{order.external_id}")

    def sender(self, stage: int, name: str) -> Callable[[FlowRun[Any, Any], FlowBatch, list[FlowOrder]], BatchResult]:
        def send(run: FlowRun[Any, Any], batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
            self.calls[stage] += 1
            for order in orders:  # the marketplace side de-duplicates by (stage, order): look before sending
                key = f"{stage}:{order.external_id}"
                if key not in self.sent:
                    self.sent[key] += 1
            return BatchResult(external_ref=f"{name}-{len(orders)}")

        return send


@pytest.fixture
def account(rt: Runtime) -> Iterator[int]:
    rt.clock = ManualClock(FIXED_NOW)
    seller = create_seller(rt, "Flow", plan="FREE")
    account_id = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    yield account_id


def _add_orders(rt: Runtime, account_id: int, names: list[str]) -> None:
    with rt.session() as s:
        acct = s.get(MarketplaceAccount, account_id)
        assert acct is not None
        write_orders(s, acct, [_order(n, OrderStatus.NEW) for n in names], FIXED_NOW)


def _run(rt: Runtime, account_id: int, flow: LedgerFlow, crash_after_stage: int | None = None) -> object:
    with rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account_id)
        assert acct is not None
        ctx = build_context(rt, s, adapter_for(rt, acct), acct)
        store = SqlProcessingStore(s, acct, rt.clock, rt.storage)
        return run_flow(FlowRun(ctx, None, store), flow.flow, crash_after(crash_after_stage)(s, acct))


@pytest.mark.parametrize("crash_stage", [1, 2, 3])
def test_crash_at_any_stage_resumes_to_the_same_end_state(rt: Runtime, account: int, crash_stage: int) -> None:
    _add_orders(rt, account, ["A1", "A2", "A3-bad", "A4"])
    flow = LedgerFlow()
    with pytest.raises(SimulatedCrash):
        _run(rt, account, flow, crash_after_stage=crash_stage)
    report = _run(rt, account, flow)
    assert report.processed == 3  # type: ignore[attr-defined]
    assert all(n == 1 for n in flow.sent.values()) and len(flow.sent) == 6  # nothing sent twice
    # Completed stages are never re-run; only the crashed one runs again (once for the crashed order/batch).
    assert flow.calls == Counter({1: 4 + (crash_stage == 1), 2: 1 + (crash_stage == 2), 3: 1 + (crash_stage == 3)})
    with rt.sessions() as s:
        statuses = Counter(s.execute(select(OrderProcessing.status)).scalars())
        assert statuses == {"DONE": 3, "HELD": 1}
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.stage, batch.status, batch.manifest_ref) == (3, "CLOSED", "manifest-3")
        done_steps = s.execute(
            select(func.count(ProcessingStep.id)).where(ProcessingStep.outcome == "DONE")
        ).scalar_one()
        assert done_steps == 3 + 2  # three order-stage steps, two batch-stage steps


def test_a_plan_upgrade_releases_the_orders_held_for_the_quota_the_same_day(rt: Runtime, account: int) -> None:
    _add_orders(rt, account, [f"P{n:02d}" for n in range(28)])
    flow = LedgerFlow()
    assert _run(rt, account, flow).held == 3  # type: ignore[attr-defined]
    with rt.sessions() as s:
        seller_id = s.get(MarketplaceAccount, account).seller_id  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        change_plan(rt, seller_id, "PLATINUM")
    change_plan(rt, seller_id, "growth")
    again = _run(rt, account, flow)  # the same IST day
    assert (again.processed, again.held) == (3, 0)  # type: ignore[attr-defined]
    with rt.sessions() as s:
        assert Counter(s.execute(select(OrderProcessing.status)).scalars()) == {"DONE": 28}


def test_free_tier_holds_the_26th_order_until_the_next_ist_day(rt: Runtime, account: int) -> None:
    _add_orders(rt, account, [f"O{n:02d}" for n in range(26)])
    flow = LedgerFlow()
    report = _run(rt, account, flow)
    assert (report.processed, report.held) == (25, 1)  # type: ignore[attr-defined]
    with rt.sessions() as s:
        held = s.execute(select(OrderProcessing).where(OrderProcessing.status == "HELD_QUOTA")).scalar_one()
        assert s.execute(select(func.count(Order.id))).scalar_one() == 26  # stored, not dropped
    assert isinstance(rt.clock, ManualClock)
    rt.clock.advance(timedelta(days=1))
    again = _run(rt, account, flow)
    assert again.processed == 1  # type: ignore[attr-defined]
    with rt.sessions() as s:
        row = s.get(OrderProcessing, held.order_id)
        assert row is not None and row.status == "DONE"


def test_batches_follow_the_ist_clock() -> None:
    from datetime import UTC, datetime

    cutoffs = DispatchSettings().batch_cutoffs  # 13:00 and 17:30 IST
    assert batch_slot(cutoffs, datetime(2026, 11, 20, 3, 0, tzinfo=UTC))[:2] == ("2026-11-20", 1)  # 08:30 IST
    assert batch_slot(cutoffs, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))[:2] == ("2026-11-20", 2)  # 14:30 IST
    day, number, cutoff = batch_slot(cutoffs, datetime(2026, 11, 20, 12, 30, tzinfo=UTC))  # 18:00 IST
    assert (day, number) == ("2026-11-21", 1) and cutoff == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)
