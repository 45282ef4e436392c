"""Flipkart's handover (stages 5-6 of processing.py): ready-to-dispatch, which is what the
``dispatchByDate`` SLA measures, and the vendor group's manifest PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from robnu.adapters.flipkart.client import ACTION_BATCH
from robnu.adapters.flipkart.packing import PACKED_STATUS, PAST_RTD, Run, live_shipments, state_of, states
from robnu.adapters.processing import BatchResult, FlowBatch, FlowOrder, may_close_manifest
from robnu.domain.clock import IST

MANIFEST_ID = re.compile(r"Manifest(?: ID)?:\s*([A-Za-z0-9-]+)")


def manifest_id(pdf: bytes) -> str | None:
    """The manifest id printed on Flipkart's manifest PDF (the API answers only the PDF).
    Modelled on the sandbox's layout ("Manifest: MNF..."); ``None`` when it cannot be read."""
    try:
        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages[:1])
    except (PdfReadError, ValueError):
        return None
    found = MANIFEST_ID.search(text)
    return found.group(1) if found else None


def ready_to_dispatch(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """Ready-to-dispatch, <= 25 a call; only shipments still PACKED are sent (look first)."""
    now = run.now()
    by_order = live_shipments(run, [o.id for o in orders])
    current = states(run, by_order)
    result = BatchResult()
    send: list[str] = []
    owner: dict[str, int] = {}
    late = 0
    for order in orders:
        for sh in by_order.get(order.id, []):
            state = state_of(current.get(sh.external_id))
            if state == PACKED_STATUS:
                send.append(sh.external_id)
                owner[sh.external_id] = order.id
                if sh.dispatch_by is not None and now > sh.dispatch_by:
                    late += 1  # Flipkart accepts it and records an SLA breach
            elif state not in PAST_RTD:
                result.held[order.id] = f"shipment {sh.external_id} is {state}; expected PACKED"
    for n in range(0, len(send), ACTION_BATCH):
        for sid, answer in run.client.mark_rtd(send[n : n + ACTION_BATCH]).items():
            if answer["status"] != "SUCCESS" and sid in owner:
                result.held[owner[sid]] = f"RTD refused: {answer.get('errorCode')}: {answer.get('errorMessage')}"
    result.external_ref = f"rtd {len(send)}"
    result.detail = {"sent": len(send), "late": late}
    return result


def manifest(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """The manifest, when the closure policy says so; after the cut-off it is still generated (it counts
    as next-day dispatch) and flagged ``late``.

    The manifest call has no idempotency key and nothing to look at first, so its PDF is recorded (one
    MANIFEST document per shipment) and saved as soon as it arrives; a re-run that finds them does not ask
    again. Only a process death between Flipkart's answer and that save can repeat it."""
    now = run.now()
    if not may_close_manifest(run, batch):
        return BatchResult(deferred=True, detail={"policy": batch.closure_policy})
    by_order = live_shipments(run, [o.id for o in orders])
    shipments = [sh for o in orders for sh in by_order.get(o.id, [])]
    recorded = {d.shipment_id: d for d in run.store.documents("MANIFEST", shipment_ids=[sh.id for sh in shipments])}
    if shipments and all(sh.id in recorded for sh in shipments):
        ref = recorded[shipments[0].id].external_ref  # asked before a crash: not asked again
        return BatchResult(external_ref=ref, detail={"shipments": len(shipments), "reused": True})
    groups = run.client.handover_counts()
    if not groups:
        return BatchResult(held={o.id: "not ready to dispatch on Flipkart: no manifest" for o in orders})
    refs: list[str] = []
    for group in groups:
        pdf = run.client.manifest_pdf(
            str(group.get("vendorGroupCode")), group.get("pickUpDate") or {}, mps=bool(group.get("isMps"))
        )
        ref = manifest_id(pdf) or f"{group.get('vendorGroupCode')}-{now.astimezone(IST):%Y%m%d%H%M}"
        refs.append(ref)
        # modelled: one vendor group (EKART) in the sandbox, so every shipment of the batch is on it
        for sh in shipments:
            if sh.id not in recorded:
                run.store.store_document("MANIFEST", pdf, order_id=sh.order_id, shipment_id=sh.id, external_ref=ref)
        run.store.save()  # record before anything else can fail: the manifest is not asked for twice
    return BatchResult(
        external_ref=refs[0] if refs else None,
        detail={"manifests": refs, "shipments": len(shipments), "late": now > batch.cutoff_at},
    )
