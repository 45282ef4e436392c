"""Flipkart full processing against the Flipkart sandbox over HTTP: a runtime wired to the sandbox (as in
tests/conformance/conftest.py), a seller with one connected account, helpers to sync ORDERS and run full
processing through the adapter (``build_context`` + ``FlipkartAdapter.full_processing``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.processing.crash import crash_after
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

from robnu.adapters.base import ProcessingReport
from robnu.config import Settings
from robnu.db.models import Order
from robnu.db.processing_models import OrderProcessing
from robnu.db.stock_models import Document
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.processing import process_account
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine


@dataclass
class FK:
    world: SandboxWorld
    rt: Runtime
    sandbox: Any
    creds: dict[str, Any]
    key: str
    seller_id: int
    account_id: int

    def sync(self) -> None:
        SyncEngine(self.rt).run(self.account_id, ScheduleTarget.ORDERS)

    def process(self, *, crash_after_stage: int | None = None, **options: Any) -> ProcessingReport:
        """Run full processing; ``crash_after_stage`` makes the run die after that stage's effects."""
        return process_account(self.rt, self.account_id, options, ledger=crash_after(crash_after_stage))

    def advance(self, delta: timedelta) -> None:
        self.sandbox.advance(delta)

    def pushed(self) -> dict[str, Any]:
        return dict(self.sandbox.pushed(self.key))

    def sent_per_shipment(self) -> dict[str, Counter[str]]:
        """How often each shipment was packed, marked RTD and manifested on Flipkart."""
        p = self.pushed()
        return {
            "labels": Counter(x["shipmentId"] for x in p["labels"]),
            "dispatches": Counter(x["shipmentId"] for x in p["dispatches"]),
            "manifests": Counter(sid for m in p["manifests"] for sid in m["shipmentIds"]),
        }

    def shipment_of(self, external_order_id: str) -> str:
        return str(self.sandbox.truth(self.key)["orders"][external_order_id]["shipment_id"])

    def end_state(self) -> dict[str, Any]:
        """Per order (external id): processing status, stage, held reason, document types."""
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Order.external_id, OrderProcessing.status, OrderProcessing.stage, OrderProcessing.held_reason)
                .join(OrderProcessing, OrderProcessing.order_id == Order.id)
                .where(Order.marketplace_account_id == self.account_id)
            ).all()
            docs = s.execute(
                select(Order.external_id, Document.doc_type).join(Document, Document.order_id == Order.id)
            ).all()
        types: dict[str, list[str]] = {}
        for ext, doc_type in docs:
            types.setdefault(ext, []).append(doc_type)
        return {ext: (status, stage, reason, sorted(types.get(ext, []))) for ext, status, stage, reason in rows}


@pytest.fixture
def make_fk(settings: Settings) -> Iterator[Callable[..., FK]]:
    with ExitStack() as built:

        def make(*, plan: str = "GROWTH", orders: int = 6, days: float = 0.5, pack_delay: float = 0.0) -> FK:
            world, rt = built.enter_context(wired_runtime(settings, ("FLIPKART",), max_retries=6, backfill_days=5))
            sandbox = world["FLIPKART"]
            sandbox.world.pack_delay = timedelta(seconds=pack_delay)
            creds = sandbox.create_account()
            sandbox.generate_orders(creds["account_key"], orders, days=days)
            seller_id = create_seller(rt, "Flipkart processing", plan=plan)
            account_id, _ = connect_sandbox_account(rt, world, "FLIPKART", seller_id, creds=creds)
            return FK(world, rt, sandbox, creds, creds["account_key"], seller_id, account_id)

        yield make


@pytest.fixture
def fk(make_fk: Callable[..., FK]) -> FK:
    return make_fk()
