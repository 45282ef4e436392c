"""Amazon India full processing: the seller-fulfilled (MFN, own carrier) flow.

Stage map (see docs/processing.md, "Amazon India"):

| # | stage                | scope | what it does                                                | Amazon call   |
|---|----------------------|-------|-------------------------------------------------------------|---------------|
| 1 | check at Amazon      | ORDER | still UNSHIPPED, MERCHANT-fulfilled, not Easy Ship           | getOrder 2026 |
| 2 | validate quantity    | ORDER | ordered quantity <= stock after older orders (stock master)  | local         |
| 3 | validate GSTIN       | ORDER | the seller's GSTIN: 15 characters, valid checksum            | local         |
| 4 | validate address     | ORDER | delivery pincode <-> state                                   | local         |
| 5 | pack: slip + invoice | ORDER | the package (Shipment row), packing slip, tax invoice PDFs   | local         |
| 6 | label                | ORDER | the carrier label PDF with the AWB                           | local         |
| 7 | confirm shipment     | BATCH | one confirmShipment per order; a refused line is held alone  | confirmShipment v0 |
| 8 | manifest             | BATCH | the handover manifest PDF, per closure policy and cut-off    | local         |

Idempotency: stages 1-4 are reads. Stages 5, 6 and 8 look for their document row (and Shipment row)
before creating it, and render deterministic PDFs (fixed creation date), so a re-run stores nothing
twice. Stage 7 is not idempotent at Amazon: it reads the order's packages first (getOrder PACKAGES)
and skips an order that already carries our packageReferenceId.

modelled (marked ``modelled:`` below):
* Easy Ship (Amazon schedules the pickup, prints label and invoice) and FBA orders are out of this
  flow: stage 1 SKIPS them with the reason and their free-tier slot is given back.
* The seller's own carrier (default ``Delhivery``) and its AWB: Robnu has no carrier booking, so the
  AWB is derived from the account and order ids. Options: ``carrier_code``, ``carrier_name``.
* The GST rate when the product master has none: the apparel slab from 22 Sep 2025 (5 % up to
  INR 2,500 a piece, 18 % above; prices are GST-inclusive). See documents.py.
The invoice number is the next in the seller's consecutive series (``AZ/26-27/000001``, or the account's
prefix), given once per order. The seller's GSTIN: the one configured in Robnu (account or seller), else
Amazon's MERCHANT tax registration on getOrder (includedData TAX), read at stage 1 and kept in its
processing_steps detail. Closure policies and cut-offs are the account's dispatch settings
(``may_close_manifest``); a manifest after the batch's cut-off is still made, and marked late.
"""

from __future__ import annotations

from robnu.adapters.amazon_in.client import AmazonClient
from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.amazon_in.documents import CHECK_STAGE, DEFAULT_CARRIER, label, pack, package, seller_gstin
from robnu.adapters.amazon_in.mapping import api_time
from robnu.adapters.errors import MarketplaceRequestError
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
from robnu.adapters.processing.stages import SellerGstin, check_address, check_gstin, check_stock
from robnu.domain.clock import IST
from robnu.domain.statuses import OrderStatus, ShipmentStatus

Run = FlowRun[AmazonClient, AmazonCredentials]

CHECK_DATA = ("FULFILLMENT", "PACKAGES", "TAX")
MANIFEST_DOC = "MANIFEST"


def check_at_amazon(run: Run, order: FlowOrder) -> StepResult:
    """Still UNSHIPPED and the seller's to ship; keeps the MERCHANT tax registration for the invoice."""
    raw = run.client.get_order(order.external_id, CHECK_DATA)
    fulfillment = raw.get("fulfillment") or {}
    status = str(fulfillment.get("fulfillmentStatus") or "")
    programs = set(raw.get("programs") or ())
    if fulfillment.get("fulfilledBy") == "AMAZON" or "DELIVERY_BY_AMAZON" in programs:
        return StepResult(skip="fulfilled by Amazon (FBA): nothing for the seller to ship")
    if "AMAZON_EASY_SHIP" in programs:
        # modelled: Easy Ship pickups, labels and invoices are Amazon's; not in this flow yet
        return StepResult(skip="Easy Ship order: Amazon schedules the pickup (not in this flow)")
    if status != "UNSHIPPED":
        return StepResult(held=f"order is {status or 'of unknown status'} at Amazon, not UNSHIPPED")
    ship_by = (fulfillment.get("shipByWindow") or {}).get("latestDateTime")
    merchant = next(
        (
            r
            for r in (raw.get("tax") or {}).get("taxRegistrations") or ()
            if isinstance(r, dict) and r.get("entityType") == "MERCHANT"
        ),
        {},
    )
    detail = {
        "status": status,
        "ship_by": ship_by,
        "seller_gstin": merchant.get("taxRegistrationNumber"),
        "seller_name": merchant.get("legalName"),
    }
    return StepResult(external_ref=order.external_id, detail=detail)


def _invoice_gstin(run: Run, order: FlowOrder) -> SellerGstin:
    return SellerGstin(seller_gstin(run, order))  # required: it goes on Robnu's own tax invoice


def confirm_shipment(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """One confirmShipment per order. Look first: an order whose packages already carry our
    packageReferenceId was confirmed by an earlier (crashed) run and is not sent again. A 4xx for
    one order holds that order only; anything else (outage) raises and the stage re-runs later."""
    held: dict[int, str] = {}
    sent: list[str] = []
    already: list[str] = []
    for order in orders:
        shipment = package(run, order)
        if shipment is None:
            held[order.id] = "no package: the pack stage did not run"
            continue
        try:
            raw = run.client.get_order(order.external_id, CHECK_DATA)
            if any(str(p.get("packageReferenceId")) == shipment.external_id for p in raw.get("packages") or ()):
                already.append(order.external_id)
                continue
            items = run.store.items(order)
            run.client.confirm_shipment(
                order.external_id,
                {
                    "packageReferenceId": shipment.external_id,
                    "carrierCode": shipment.courier or DEFAULT_CARRIER,
                    "carrierName": shipment.courier or DEFAULT_CARRIER,
                    "shippingMethod": "Standard",
                    "trackingNumber": shipment.awb,
                    "shipDate": api_time(run.now()),
                    "orderItems": [{"orderItemId": i.external_id, "quantity": i.quantity} for i in items],
                },
            )
        except MarketplaceRequestError as exc:
            held[order.id] = f"Amazon refused the shipment confirmation: {exc}"
            continue
        sent.append(order.external_id)
        run.store.update_shipment(
            shipment.id, status=ShipmentStatus.SHIPPED, raw_status="CONFIRMED", shipped_at=run.now()
        )
    return BatchResult(
        external_ref=f"confirmed {len(sent) + len(already)}",
        held=held,
        detail={"sent": sent, "already_confirmed": already, "held": len(held)},
    )


def manifest(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """The handover manifest PDF, under the batch's closure policy; made after the cut-off it is late."""
    now = run.now()
    cutoff = batch.cutoff_at
    if not may_close_manifest(run, batch):
        return BatchResult(deferred=True, detail={"policy": batch.closure_policy})
    ref = f"AMZ-MAN-{batch.ist_day}-{batch.batch_no}-{run.ctx.account.id}"
    late = now > cutoff
    if not run.store.documents(MANIFEST_DOC, external_ref=ref):
        rows = []
        for order in orders:
            shipment = package(run, order)
            rows.append(
                [
                    order.external_id,
                    (shipment.awb or "") if shipment else "",
                    (shipment.courier or "") if shipment else "",
                    str(order.item_count),
                    "COD" if order.is_cod else "Prepaid",
                ]
            )
        content = render_pdf(
            "Handover manifest",
            [
                ("Manifest", ref),
                ("Seller", run.ctx.account.display_name),
                ("Batch", f"{batch.ist_day} #{batch.batch_no} ({batch.closure_policy})"),
                ("Cut-off", cutoff.astimezone(IST).strftime("%d-%m-%Y %H:%M IST")),
                ("Closed", now.astimezone(IST).strftime("%d-%m-%Y %H:%M IST") + (" LATE" if late else "")),
                ("Shipments", str(len(rows))),
            ],
            [["Order", "AWB", "Carrier", "Units", "Payment"], *sorted(rows)],
            created=cutoff,
        )
        run.store.store_document(MANIFEST_DOC, content, external_ref=ref)
    return BatchResult(external_ref=ref, detail={"orders": len(orders), "late": late, "policy": batch.closure_policy})


STAGES = (
    StageSpec.order(CHECK_STAGE, "check at Amazon", "confirm", check_at_amazon),
    StageSpec.order(2, "validate quantity", "confirm", check_stock),
    StageSpec.order(3, "validate GSTIN", "confirm", check_gstin(_invoice_gstin)),
    StageSpec.order(4, "validate address", "confirm", check_address()),
    StageSpec.order(5, "pack: slip + invoice", "documents", pack),
    StageSpec.order(6, "label", "documents", label),
    StageSpec.batch(7, "confirm shipment", "dispatch", confirm_shipment),
    StageSpec.batch(8, "manifest", "dispatch", manifest),
)
# NEW = UNSHIPPED at Amazon (mapping.ORDER_STATUS): the orders waiting for the seller.
FLOW = ProcessingFlow(STAGES, frozenset({OrderStatus.NEW}))
