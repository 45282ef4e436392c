"""Kirana Hub's dispatch flow, as a fifth marketplace writes one: stages bound to handlers, two of them the
shared checks, the rest Kirana Hub's own calls. Every read and write of Robnu's state goes through the
store port (``run.store``); the engine in the service layer records progress and resumes after a crash.

| # | stage | scope | what |
|---|---|---|---|
| 1 | check address | ORDER | the shared buyer pincode <-> state check |
| 2 | check stock | ORDER | the shared oldest-first stock check |
| 3 | accept | BATCH | ``POST /v1/orders/accept`` for what Kirana Hub has not accepted yet (look first) |
| 4 | label | ORDER | ``GET /v1/orders/{id}/label``: our label PDF, stored once per order |
| 5 | handover | BATCH | ``POST /v1/handovers`` under the closure policy, with an idempotency key; manifest PDF |
"""

from __future__ import annotations

import hashlib

from robnu.adapters.pdf import render_pdf
from robnu.adapters.processing import (
    BatchResult,
    FlowBatch,
    FlowOrder,
    FlowRun,
    ProcessingFlow,
    StageSpec,
    StepResult,
    may_close_manifest,
)
from robnu.adapters.processing.stages import check_address, check_stock
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import OrderStatus
from tests.fifth_marketplace.adapter import KiranaClient, KiranaHubAdapter, KiranaHubCredentials

Run = FlowRun[KiranaClient, KiranaHubCredentials]


def accept(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    accepted = {o.id for o in orders if run.client.call("getOrder", "GET", f"/v1/orders/{o.external_id}")["accepted"]}
    todo = [o for o in orders if o.id not in accepted]  # look first: a re-run after a crash sends nothing twice
    held: dict[int, str] = {}
    if todo:
        answer = run.client.call(
            "accept", "POST", "/v1/orders/accept", json_body={"ids": [o.external_id for o in todo]}
        )
        by_id = {o.external_id: o for o in todo}
        for result in answer["results"]:
            if result["status"] != "ACCEPTED":
                held[by_id[result["id"]].id] = f"Kirana Hub refused: {result['reason']}"
    return BatchResult(held=held, detail={"sent": len(todo), "already": len(orders) - len(todo)})


def label(run: Run, order: FlowOrder) -> StepResult:
    stored = run.store.documents("LABEL", order_id=order.id)
    if stored:
        return StepResult(external_ref=stored[0].external_ref)
    found = run.client.call("getLabel", "GET", f"/v1/orders/{order.external_id}/label")
    lines = [(i.sku, str(i.quantity)) for i in run.store.items(order)]
    pdf = render_pdf(
        "Shipping label",
        [("Order", order.external_id), ("AWB", found["awb"]), ("Courier", found["courier"])],
        [["SKU", "Qty"], *[list(line) for line in lines]],
        created=order.ordered_at,
    )
    run.store.store_document("LABEL", pdf, order_id=order.id, external_ref=found["awb"])
    return StepResult(external_ref=found["awb"])


def handover(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    if not may_close_manifest(run, batch):
        return BatchResult(deferred=True)
    ids = sorted(o.external_id for o in orders)
    key = hashlib.sha256("|".join(ids).encode()).hexdigest()[:32]  # the same batch sends the same key
    made = run.client.call(
        "handover", "POST", "/v1/handovers", json_body={"ids": ids}, headers={"Idempotency-Key": key}
    )
    ref = str(made["handover_id"])
    if not run.store.documents("MANIFEST", external_ref=ref):
        pdf = render_pdf(
            "Handover", [("Handover", ref), ("Orders", str(len(ids)))], [[i] for i in ids], created=batch.cutoff_at
        )
        run.store.store_document("MANIFEST", pdf, external_ref=ref)
    return BatchResult(external_ref=ref, detail={"orders": len(ids)})


FLOW = ProcessingFlow(
    (
        StageSpec.order(1, "check address", "confirm", check_address()),
        StageSpec.order(2, "check stock", "confirm", check_stock),
        StageSpec.batch(3, "accept", "confirm", accept),
        StageSpec.order(4, "label", "documents", label),
        StageSpec.batch(5, "handover", "handover", handover),
    ),
    frozenset({OrderStatus.NEW}),
)


class KiranaHubProcessingAdapter(KiranaHubAdapter):
    """Kirana Hub with full processing. (A separate class only so that the job tests, which count the
    schedules a connected account gets, keep the sync-only adapter.)"""

    supported_targets = KiranaHubAdapter.supported_targets | {ScheduleTarget.FULL_PROCESSING}
    flow = FLOW
