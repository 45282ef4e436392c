"""Meesho full processing: accept, label + tax invoice, archive, manifest.

Meesho publishes no seller API; every call here is the modelled API (docs/adapters/meesho.md), and the
stage map below is our design [modelled]:

| # | stage | scope | what | Meesho call |
|---|---|---|---|---|
| 1 | check stock | ORDER | confirmed quantity <= the seller's stock after older orders (tracked SKUs) | local |
| 2 | check address | ORDER | buyer pincode matches the buyer state | local |
| 3 | accept | BATCH | the confirmation: per-item results; a refused line is held | POST /v1/sub-orders/accept |
| 4 | label | ORDER | Meesho assigns courier + AWB and issues the tax invoice | POST /v1/labels |
| 5 | archive label | ORDER | wait READY; label + tax-invoice PDF stored by order/shipment | GET /v1/labels/{id}(/pdf) |
| 6 | manifest | BATCH | one per courier (<= 100), PDF archived; closure policy, cut-off | POST /v1/manifests |

Idempotency towards Meesho: every stage reads the sub-order first (status, ``shipping.label_id``,
``shipping.manifest_id``) and only sends what is still missing, and every POST carries a deterministic
Idempotency-Key (replayed for 24 h), so a stage re-run after a crash never accepts, labels (= a new
invoice) or manifests a sub-order twice, and never stores a document twice.

Meesho has no ready-to-dispatch call: the manifest plus the courier's pickup scan is the dispatch.
Meesho prints the seller's GSTIN on its own tax invoice, so there is no seller-side GSTIN stage here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from robnu.adapters.errors import MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.meesho.client import MeeshoClient
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.adapters.processing import (
    BatchResult,
    FlowBatch,
    FlowOrder,
    FlowRun,
    OrderHandler,
    ProcessingFlow,
    StageSpec,
    StepResult,
    may_close_manifest,
)
from robnu.adapters.processing.stages import check_address, check_stock
from robnu.domain.statuses import OrderStatus

Run = FlowRun[MeeshoClient, MeeshoCredentials]

ACCEPT_BATCH = 50  # <= 50 sub-orders per accept call
MANIFEST_BATCH = 100  # <= 100 sub-orders per manifest, one courier
LABEL_POLLS = 6  # GET /v1/labels/{id} until READY; then the order waits for the next run (option ``label_polls``)


def _key(kind: str, nos: Sequence[str]) -> str:
    """A deterministic Idempotency-Key (<= 64 chars): the same work sends the same key."""
    digest = hashlib.sha256("|".join(sorted(nos)).encode()).hexdigest()[:40]
    return f"robnu-{kind}-{digest}"


def _refusal_holds(stage: OrderHandler) -> OrderHandler:
    """A 4xx Meesho will answer again (e.g. 404) holds this order only; an outage still stops the run."""

    def run_stage(run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        try:
            return stage(run, order)
        except MarketplaceRequestError as exc:
            return StepResult(held=f"Meesho refused: {exc.code or exc.http_status}")

    return run_stage


def _look(client: MeeshoClient, sub_order_no: str) -> dict[str, Any] | str:
    """The sub-order as Meesho has it now, or why it cannot be read (a permanent 4xx holds that line;
    a transient error stops the run, which resumes at this stage)."""
    try:
        return client.sub_order(sub_order_no)
    except MarketplaceRequestError as exc:
        return f"Meesho refused: {exc.code or exc.http_status}"


def accept(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """Accept what is still PENDING; already READY_TO_SHIP is accepted (by us before a crash, in the
    panel, or by ACCEPT_ALWAYS). Per-item failures hold that line only (not all-or-nothing)."""
    client = run.client
    held: dict[int, str] = {}
    by_no = {o.external_id: o for o in orders}
    pending: list[str] = []
    already = 0
    for no, order in by_no.items():
        sub = _look(client, no)
        if isinstance(sub, str):
            held[order.id] = sub
            continue
        status = str(sub.get("status"))
        if status == "PENDING":
            pending.append(no)
        elif status == "READY_TO_SHIP":
            already += 1
        else:
            held[order.id] = f"Meesho status {status}: cannot be accepted"
    accepted = 0
    for at in range(0, len(pending), ACCEPT_BATCH):
        chunk = pending[at : at + ACCEPT_BATCH]
        answered = {str(r.get("sub_order_no")): r for r in client.accept(chunk, _key("accept", chunk))}
        for no in chunk:
            result = answered.get(no)
            if result is None:
                raise TransientMarketplaceError(f"Meesho did not report sub-order {no} on accept")
            if result.get("status") == "ACCEPTED":
                accepted += 1
            elif result.get("current_status") == "READY_TO_SHIP":
                already += 1
            else:
                held[by_no[no].id] = f"accept refused: {result.get('error_code') or 'FAILED'}"
    return BatchResult(
        external_ref=f"accepted {accepted}",
        held=held,
        detail={"accepted": accepted, "already_accepted": already, "held": len(held)},
    )


def label(run: Run, order: FlowOrder) -> StepResult:
    """Generate the label (Meesho assigns courier + AWB and issues the tax invoice). Look first: a
    sub-order that already has a label keeps it (re-labelling would only make a new label id). The label
    job runs asynchronously; the next stage waits for it, so every label of the batch is asked for before
    the first wait."""
    client = run.client
    no = order.external_id
    sub = client.sub_order(no)
    status = str(sub.get("status"))
    if status != "READY_TO_SHIP":
        return StepResult(held=f"Meesho status {status}: cannot be labelled")
    label_id = (sub.get("shipping") or {}).get("label_id")
    if not label_id:
        created = client.create_label([no], _key("label", [no]))
        result: dict[str, Any] = next((r for r in created.get("results") or [] if r.get("sub_order_no") == no), {})
        if result.get("status") != "QUEUED" or not created.get("label_id"):
            return StepResult(held=f"label refused: {result.get('error_code') or 'FAILED'}")
        label_id = str(created["label_id"])
    return StepResult(external_ref=str(label_id))


def _ready_label(run: Run, label_id: str) -> dict[str, Any] | None:
    polls = max(1, int(run.ctx.options.get("label_polls", LABEL_POLLS)))
    for attempt in range(polls):
        found = run.client.label(label_id)
        if found.get("status") == "READY":
            return found
        if found.get("status") == "FAILED":
            raise TransientMarketplaceError(f"Meesho label {label_id} failed")
        if attempt + 1 < polls:
            run.ctx.http.policy.sleep(0.1 * (attempt + 1))
    return None  # not ready yet: the order waits at this stage for the next run (the label is not re-sent)


def archive_label(run: Run, order: FlowOrder) -> StepResult:
    """Wait for the label job, download the PDF (a 4x6 label page + a tax-invoice page) and store it
    against the order and its shipment; the shipment learns its courier and AWB. The sub-order's current
    ``label_id`` is the newest label, the only one valid for packing."""
    client = run.client
    shipping = client.sub_order(order.external_id).get("shipping") or {}
    label_id = shipping.get("label_id")
    if not label_id:
        return StepResult(held="Meesho shows no label for this sub-order")
    shipment = next(
        (sh for sh in run.store.shipments([order.id]).get(order.id, []) if sh.external_id == order.external_id),
        None,
    )
    if shipment is not None:
        run.store.update_shipment(shipment.id, awb=shipping.get("awb") or None, courier=shipping.get("courier") or None)
    ready = _ready_label(run, str(label_id))
    if ready is None:
        return StepResult(waiting=f"Meesho label {label_id} not ready")
    item: dict[str, Any] = next((i for i in ready.get("items") or [] if i.get("sub_order_no") == order.external_id), {})
    detail = {k: item.get(k) for k in ("courier", "awb", "invoice_no", "invoice_date")}
    stored = run.store.documents("LABEL", order_id=order.id, external_ref=str(label_id))
    doc_id = stored[0].id if stored else None
    if doc_id is None:
        doc_id = run.store.store_document(
            "LABEL",
            client.pdf("getLabelPdf", f"/v1/labels/{label_id}/pdf"),
            order_id=order.id,
            shipment_id=shipment.id if shipment is not None else None,
            external_ref=str(label_id),
        )
    return StepResult(external_ref=str(label_id), detail={"document_id": doc_id, **detail})


def manifest(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """Hand the batch over: one manifest per courier (MIXED_COURIERS), <= 100 each.

    Closure policy: IMMEDIATE closes now; DELAYED waits for cut-off - 30 min (late additions still make
    it); MANUAL waits for the user (``may_close_manifest``). Past the sub-order's ``sla_deadline`` Meesho
    charges late dispatch: the manifest is still made (holding it would become an auto-cancel), and the
    late sub-orders are reported.
    """
    now = run.now()
    if not may_close_manifest(run, batch):
        return BatchResult(deferred=True)
    client = run.client
    held: dict[int, str] = {}
    manifests: list[str] = []
    by_courier: dict[str, list[str]] = {}
    by_no = {o.external_id: o for o in orders}
    for no, order in by_no.items():
        sub = _look(client, no)
        if isinstance(sub, str):
            held[order.id] = sub
            continue
        shipping = sub.get("shipping") or {}
        if shipping.get("manifest_id"):  # manifested before a crash (or by hand): keep it
            if shipping["manifest_id"] not in manifests:
                manifests.append(str(shipping["manifest_id"]))
            continue
        status = str(sub.get("status"))
        if status != "READY_TO_SHIP" or not shipping.get("label_id"):
            held[order.id] = f"Meesho status {status}: cannot be manifested"
            continue
        by_courier.setdefault(str(shipping.get("courier") or ""), []).append(no)
    for courier in sorted(by_courier):
        nos = by_courier[courier]
        for at in range(0, len(nos), MANIFEST_BATCH):
            chunk = nos[at : at + MANIFEST_BATCH]
            try:
                made = client.create_manifest(chunk, _key("manifest", chunk))
            except MarketplaceRequestError as exc:  # 422 INVALID_STATE etc.: hold these lines, go on
                for no in chunk:
                    held[by_no[no].id] = f"manifest refused: {exc.code or exc.http_status}"
                continue
            manifests.append(str(made["manifest_id"]))
    documents = [_archive_manifest(run, m) for m in manifests]
    late = sorted(
        o.external_id
        for o in orders
        if o.id not in held and o.dispatch_by is not None and now > o.dispatch_by  # late-dispatch penalty
    )
    return BatchResult(
        external_ref=",".join(manifests)[:100] or None,
        held=held,
        detail={"manifests": manifests, "documents": documents, "late_dispatch": late, "policy": batch.closure_policy},
    )


def _archive_manifest(run: Run, manifest_id: str) -> int:
    found = run.store.documents("MANIFEST", external_ref=manifest_id)
    if found:
        return found[0].id
    pdf = run.client.pdf("getManifestPdf", f"/v1/manifests/{manifest_id}/pdf")
    return run.store.store_document("MANIFEST", pdf, external_ref=manifest_id)


STAGES = (
    StageSpec.order(1, "check stock", "confirm", check_stock),  # a SKU Robnu does not track passes
    StageSpec.order(2, "check address", "confirm", check_address()),
    StageSpec.batch(3, "accept", "confirm", accept),
    StageSpec.order(4, "label", "documents", _refusal_holds(label)),
    StageSpec.order(5, "archive label", "documents", _refusal_holds(archive_label)),
    StageSpec.batch(6, "manifest", "manifest", manifest),
)
# PENDING -> NEW; READY_TO_SHIP without a label -> ACCEPTED (accepted in the panel or by ACCEPT_ALWAYS).
FLOW = ProcessingFlow(STAGES, frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED}))
