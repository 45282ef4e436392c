"""Flipkart full processing: validate -> pack (labels + invoice) -> packed -> documents -> RTD -> manifest.

Flipkart has **no acceptance step**: an APPROVED shipment is confirmed and waits
to be packed. The seller's "confirmation" is the Pack API (``POST /v3/shipments/labels``), which
declares the tax invoice (number, date, tax rates) and makes Flipkart generate label + invoice,
asynchronously (PACKING_IN_PROGRESS -> PACKED, or FORM_FAILED). Then ready-to-dispatch (
``POST /v3/shipments/dispatch``, which is what the ``dispatchByDate`` SLA measures) and the vendor
group's manifest (``POST /v3/shipments/manifest``, a PDF).

Stage map (the engine persists after every stage; see docs/processing.md#flipkart):

| # | stage | scope | call |
|---|---|---|---|
| 1 | validate | order | local: seller GSTIN, buyer pincode <-> state, stock after older orders, live shipment |
| 2 | pack (labels + invoice) | batch | ``POST /v3/shipments/labels`` <= 25 a call |
| 3 | await packed | batch | ``GET /v3/shipments?shipmentIds=`` (deferred while PACKING_IN_PROGRESS) |
| 4 | label + invoice documents | order | ``GET /v3/shipments/{id}/labels``, ``GET .../invoices`` (PDF) |
| 5 | ready to dispatch | batch | ``POST /v3/shipments/dispatch`` <= 25 a call |
| 6 | manifest | batch | ``GET /v3/shipments/handover/counts``, ``POST /v3/shipments/manifest`` (PDF) |

Idempotency towards Flipkart (the engine re-runs a stage whose completion it did not record):
* pack and RTD look at the shipment's status first and only send what is still APPROVED / PACKED;
* documents are downloads (no side effect) and are stored only when the order has none of that type;
* the manifest has no idempotency key and no status to look at, so its PDF is recorded (one MANIFEST
  row per shipment, committed at once) before the stage returns; a re-run finds the rows and does not
  ask again. Only a process death between Flipkart's answer and that commit can repeat it.
"""

from __future__ import annotations

from robnu.adapters.flipkart import handover, packing
from robnu.adapters.flipkart.packing import Run, live_shipments
from robnu.adapters.processing import TAX_INVOICE, FlowOrder, ProcessingFlow, StageSpec, StepResult
from robnu.adapters.processing.stages import (
    MissingAddress,
    SellerGstin,
    all_of,
    check_address,
    check_gstin,
    check_stock,
)
from robnu.domain.statuses import OrderStatus

VALIDATE, PACK, PACKED, DOCUMENTS, RTD, MANIFEST = range(1, 7)


def _configured_gstin(run: Run, order: FlowOrder) -> SellerGstin:
    return SellerGstin(run.ctx.dispatch.seller_gstin)


def _live_shipment(run: Run, order: FlowOrder) -> StepResult:
    if not live_shipments(run, [order.id]).get(order.id):
        return StepResult(held="no live shipment synced for this order")
    return StepResult(detail={"items": order.item_count})


# Before anything is declared to Flipkart: the seller's GSTIN when Robnu has one (the account's or the
# seller's; Flipkart keeps its own copy, so none configured is no reason to hold), the buyer's address, stock
# after older orders, and a live shipment to pack.
# Deviation: an order Robnu has no pincode or state for goes on. Flipkart's shipment search carries no
# address (Robnu reads it from the shipment details, which may lag), and Flipkart prints the address on its
# own label and takes the invoice's place of supply from it; a pincode of another state still holds.
VALIDATION = all_of(
    check_gstin(_configured_gstin, required=False),
    check_address(MissingAddress.ALLOW),
    check_stock,
    _live_shipment,
)


def documents(run: Run, order: FlowOrder) -> StepResult:
    """Label (+ invoice) and customer-invoice PDFs, one document each per shipment, indexed by shipment;
    downloads without side effects, stored only when the shipment has none of that type yet."""
    stored: list[int] = []
    for sh in live_shipments(run, [order.id]).get(order.id, []):
        invoice_ref = run.store.given_invoice_number(order.id, kind=TAX_INVOICE) or sh.external_id
        for doc_type, fetch, ref in (
            ("LABEL", run.client.label_pdf, sh.external_id),
            ("CUSTOMER_INVOICE", run.client.invoice_pdf, invoice_ref),
        ):
            if run.store.documents(doc_type, order_id=order.id, shipment_ids=[sh.id]):
                continue
            content = fetch(sh.external_id)
            stored.append(
                run.store.store_document(doc_type, content, order_id=order.id, shipment_id=sh.id, external_ref=ref)
            )
    return StepResult(external_ref=",".join(map(str, stored)) or None, detail={"documents": len(stored)})


STAGES = (
    StageSpec.order(VALIDATE, "validate", "confirm", VALIDATION),
    StageSpec.batch(PACK, "pack (labels + invoice)", "confirm", packing.pack),
    StageSpec.batch(PACKED, "await packed", "confirm", packing.await_packed),
    StageSpec.order(DOCUMENTS, "label + invoice documents", "documents", documents),
    StageSpec.batch(RTD, "ready to dispatch", "dispatch", handover.ready_to_dispatch),
    StageSpec.batch(MANIFEST, "manifest", "manifest", handover.manifest),
)
# APPROVED / PACKING_IN_PROGRESS / FORM_FAILED map to ACCEPTED; a held shipment is PENDING (hold).
FLOW = ProcessingFlow(STAGES, frozenset({OrderStatus.ACCEPTED}))
