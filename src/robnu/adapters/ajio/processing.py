"""AJIO full processing: the 11-stage flow from open order to closed manifest, in three phases.

| # | stage (phase) | scope | what | AJIO call |
|---|---|---|---|---|
| 1 | pull open orders (confirm) | BATCH | queue vs AJIO pendency; gone -> held | GET /orders/pendency, /orders |
| 2 | validate quantity (confirm) | ORDER | qty <= Robnu stock and AJIO's inventory | GET /products?sku= |
| 3 | validate GSTIN (confirm) | ORDER | the store's GSTIN: format, checksum, state, business | local |
| 4 | validate address (confirm) | ORDER | buyer pincode <-> state | local |
| 5 | confirmation upload (confirm) | BATCH | all-or-nothing; bad lines pulled out, held | POST /orders/confirmations |
| 6 | packing slip (documents) | ORDER | slip PDF with SKU and AWB per shipment | local |
| 7 | vendor invoice (documents) | ORDER | B2B invoice for the PO quantity; PDF | POST /orders/{id}/b2b-invoice |
| 8 | customer invoice + label (documents) | ORDER | both PDFs archived | GET …/shipping-label, …/customer-invoice |
| 9 | reconciliation (documents) | ORDER | slip = vendor = customer qty; GSTIN | local (+ GET /orders) |
| 10 | open manifest (manifest) | ORDER | GREEN + PACKED shipment joins it | GET /orders/{id}/shipment |
| 11 | close manifest (manifest) | BATCH | policy + cut-off; one per courier; PDF | POST /manifests, GET /manifests |

Idempotency towards AJIO: a stage re-run after a crash looks at AJIO's state first — an order already out
of pendency is not confirmed again, an order whose shipment carries a B2B invoice number is not invoiced
again, a shipment already on a (non-cancelled) manifest of the day is not manifested again — and the
confirmation upload carries a deterministic ``batch_ref`` (AJIO replays it for 24 h). Documents are
looked up through the store before being stored, so each (type, order) is stored once.

[modelled] AJIO names none of the 11 stages; this map is our working map of the seller's day.
"""

from __future__ import annotations

from robnu.adapters.ajio import confirm, documents, manifest
from robnu.adapters.processing import ProcessingFlow, StageSpec
from robnu.adapters.processing.stages import all_of, check_address, check_gstin, check_stock
from robnu.domain.statuses import OrderStatus

CONFIRMATION, DOCUMENTS, MANIFEST = "confirmation", "slip+invoice", "manifest"

STAGES = (
    StageSpec.batch(1, "pull open orders", CONFIRMATION, confirm.pull_open_orders),
    StageSpec.order(2, "validate confirmed quantity", CONFIRMATION, all_of(check_stock, confirm.declared_inventory)),
    StageSpec.order(3, "validate GSTIN", CONFIRMATION, check_gstin(confirm.store_gstin)),
    StageSpec.order(4, "validate address", CONFIRMATION, check_address()),
    StageSpec.batch(5, "confirmation upload", CONFIRMATION, confirm.upload_confirmations),
    StageSpec.order(documents.SLIP_STAGE, "packing slip", DOCUMENTS, documents.packing_slip),
    StageSpec.order(documents.VENDOR_INVOICE_STAGE, "vendor invoice", DOCUMENTS, documents.vendor_invoice),
    StageSpec.order(8, "customer invoice + label", DOCUMENTS, documents.customer_documents),
    StageSpec.order(9, "document reconciliation", DOCUMENTS, documents.reconcile),
    StageSpec.order(manifest.OPEN_MANIFEST_STAGE, "open manifest", MANIFEST, manifest.open_manifest),
    StageSpec.batch(11, "close manifest", MANIFEST, manifest.close_manifest),
)

# PENDENCY -> NEW; an order acknowledged in the portal (CONFIRMED -> ACCEPTED) joins at its stage.
FLOW = ProcessingFlow(STAGES, frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED}))
