"""AJIO's confirmation phase (stages 1-5 of processing.py): the queue against AJIO's pendency, the
checks AJIO's all-or-nothing upload would otherwise fail on, and the upload itself."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from robnu.adapters.ajio.client import AjioClient
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.errors import TransientMarketplaceError
from robnu.adapters.processing import BatchResult, FlowBatch, FlowOrder, FlowRun, StepResult
from robnu.adapters.processing.stages import SellerGstin

Run = FlowRun[AjioClient, AjioCredentials]

CONFIRM_BATCH = 100  # at most 100 orders per confirmation upload
CONFIRM_ROUNDS = 5  # a 422 pulls the named lines out and uploads the rest; a few rounds at most
LIVE = frozenset({"PENDENCY", "CONFIRMED", "PACKED"})  # AJIO statuses an order can still go through the flow in
_LINE_RE = re.compile(r"^orders\[(\d+)\]")


def pull_open_orders(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """The queue against AJIO: an order still in pendency (or already confirmed/packed in the portal)
    goes on; one AJIO cancelled meanwhile (customer cancel, ack expiry) is held. Checklist item 1: the
    marketplace's open count equals the queue's (an off-by-one means a missed sync) — recorded."""
    client = run.client
    pending = {str(o["order_id"]) for o in client.open_pendency(run.now())}
    held: dict[int, str] = {}
    for order in orders:
        if order.external_id in pending:
            continue
        po = client.order(order.external_id)
        status = str(po.get("status")) if po else "UNKNOWN"
        if status not in LIVE:
            held[order.id] = f"no longer open at AJIO: {status}"
    queued = {o.external_id for o in orders}
    return BatchResult(
        held=held,
        detail={
            "marketplace_pendency": len(pending),
            "queue": len(orders),
            "missed_by_sync": sorted(pending - queued - run.store.known_orders(pending))[:20],
        },
    )


def declared_inventory(run: Run, order: FlowOrder) -> StepResult:
    """The quantity against AJIO's declared inventory (what the confirmation upload checks), while the
    order is still in pendency — so the line is pulled out before the all-or-nothing upload, not rejected
    in it. (Robnu's own stock is the shared stock check, run before this.)"""
    items = run.store.items(order)
    if order.raw_status == "PENDENCY":
        for item in items:
            declared = run.client.product_inventory(item.sku)
            if declared is None or item.quantity > declared:
                return StepResult(
                    held=f"AJIO inventory: {item.sku} declares {declared or 0}, {item.quantity} to confirm"
                )
    return StepResult(detail={"lines": len(items)})


def store_gstin(run: Run, order: FlowOrder) -> SellerGstin:
    """The GSTIN the vendor invoice carries is the AJIO store's: registered in its ship-from state, and of
    the same business (PAN) as the GSTIN the seller configured in Robnu, when one is configured."""
    store = run.credentials.store
    return SellerGstin(store.seller_gstin, registered_in=store.state_code, configured=run.ctx.dispatch.seller_gstin)


def upload_confirmations(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """The all-or-nothing upload. Look first: an order already out of pendency (confirmed before
    a crash, or in the portal) is not sent again. A 422 BATCH_REJECTED names its lines
    (``errors[].field = orders[i]…``): those orders are held and the rest uploaded again — one bad
    line never sinks the batch. ``batch_ref`` is derived from the batch and its orders, so a re-run
    of the same upload replays AJIO's answer instead of confirming twice."""
    client = run.client
    pending = {str(o["order_id"]) for o in client.open_pendency(run.now())}
    todo = [o for o in orders if o.external_id in pending]
    held: dict[int, str] = {}
    refs: list[str] = []
    for at in range(0, len(todo), CONFIRM_BATCH):
        chunk = todo[at : at + CONFIRM_BATCH]
        for _ in range(CONFIRM_ROUNDS):
            if not chunk:
                break
            ref = _batch_ref(batch, [o.external_id for o in chunk])
            status, body = client.upload_confirmations(ref, [_confirmation(run, o) for o in chunk])
            if status == 200:
                refs.append(ref)
                break
            bad = _rejected_lines(body, len(chunk))
            if not bad:
                raise TransientMarketplaceError(f"AJIO rejected confirmation batch {ref}: {body.get('message')}")
            for i, reason in bad.items():
                held[chunk[i].id] = reason
            chunk = [o for i, o in enumerate(chunk) if i not in bad]
        else:
            raise TransientMarketplaceError("AJIO kept rejecting the confirmation batch")
    # An order neither pending nor held was confirmed earlier: stage 1 saw it live.
    return BatchResult(
        external_ref=",".join(refs)[:100] or None,
        held=held,
        detail={"uploaded": len(todo) - len(held), "already_confirmed": len(orders) - len(todo), "refs": refs},
    )


def _rejected_lines(body: dict[str, Any], size: int) -> dict[int, str]:
    bad: dict[int, str] = {}
    for err in body.get("errors") or []:
        m = _LINE_RE.match(str(err.get("field") or ""))
        if m and int(m.group(1)) < size:
            code = err.get("errorCode") or err.get("code")
            bad[int(m.group(1))] = f"confirmation rejected: {code}: {err.get('message')}"
    return bad


def _batch_ref(batch: FlowBatch, external_ids: Sequence[str]) -> str:
    digest = hashlib.sha256("|".join(sorted(external_ids)).encode()).hexdigest()[:24]
    return f"robnu-{batch.id}-{digest}"


def _confirmation(run: Run, order: FlowOrder) -> dict[str, Any]:
    """Acknowledge every line in full: the quantity was validated against stock in stage 2."""
    return {
        "order_id": order.external_id,
        "status": "Acknowledge",
        "order_lines": [
            {"order_item_id": i.external_id, "confirmed_quantity": i.quantity, "cancelled_quantity": 0}
            for i in run.store.items(order)
        ],
    }
