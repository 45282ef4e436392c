"""Amazon India's documents (stages 5-6 of processing.py): the package, the packing slip and the seller's
tax invoice, then the carrier label — all made by Robnu (seller-fulfilled orders with the seller's own
carrier: Amazon prints nothing). PDFs are deterministic (fixed creation date) and looked up before they
are stored, so a re-run stores nothing twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robnu.adapters.amazon_in.client import AmazonClient
from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.pdf import render_pdf
from robnu.adapters.processing import TAX_INVOICE, FlowItem, FlowOrder, FlowRun, FlowShipment, NewShipment, StepResult
from robnu.domain.clock import IST
from robnu.domain.india import GST_STATE_CODES
from robnu.domain.money import ZERO, paise, split_gst
from robnu.domain.statuses import ShipmentStatus

Run = FlowRun[AmazonClient, AmazonCredentials]

CHECK_STAGE = 1  # what the check stage read at Amazon (the MERCHANT tax registration) is in its detail
DEFAULT_INVOICE_PREFIX = "AZ"  # the seller's Amazon invoice series unless the account sets one
DEFAULT_CARRIER = "Delhivery"  # modelled: the seller's own carrier account
SLIP, INVOICE, LABEL_DOC = "SLIP", "CUSTOMER_INVOICE", "LABEL"


def facts(run: Run, order: FlowOrder) -> dict[str, Any]:
    """What the check stage read at Amazon for this order."""
    return run.store.step_detail(order.id, CHECK_STAGE)


def seller_gstin(run: Run, order: FlowOrder) -> str | None:
    """The seller's GSTIN: the one configured in Robnu, else Amazon's MERCHANT tax registration."""
    value = run.ctx.dispatch.seller_gstin or facts(run, order).get("seller_gstin")
    return str(value).strip().upper() if value else None


def package_reference(order: FlowOrder) -> str:
    """Our packageReferenceId (numeric, unique per account since order ids are)."""
    return f"{order.id:010d}"


def package(run: Run, order: FlowOrder) -> FlowShipment | None:
    found = run.store.shipments([order.id]).get(order.id, [])
    return next((sh for sh in found if sh.external_id == package_reference(order)), None)


def awb_for(run: Run, order: FlowOrder) -> str:
    return f"RB{run.ctx.account.id:04d}{order.id:09d}"  # modelled: no carrier booking API in Robnu yet


def _state(code: str | None) -> str:
    return f"{GST_STATE_CODES.get(code or '', 'unknown')} ({code or '?'})"


def _has(run: Run, doc_type: str, order: FlowOrder) -> bool:
    return bool(run.store.documents(doc_type, order_id=order.id))


def pack(run: Run, order: FlowOrder) -> StepResult:
    """The package (a shipment row with the carrier's AWB), the packing slip and the tax invoice, whose
    number is the next of the seller's consecutive series (given once per order)."""
    shipment = package(run, order)
    if shipment is None:
        options = run.ctx.options
        carrier = str(options.get("carrier_name") or options.get("carrier_code") or DEFAULT_CARRIER)
        new = NewShipment(
            external_id=package_reference(order),
            status=ShipmentStatus.PACKED,
            raw_status="PACKED",
            awb=awb_for(run, order),
            courier=carrier,
            dispatch_by=order.dispatch_by,
        )
        shipment = run.store.add_shipment(order, new)
    items = run.store.items(order)
    if not _has(run, SLIP, order):
        slip = render_pdf(
            "Packing slip",
            [
                ("Amazon order", order.external_id),
                ("Package", shipment.external_id),
                ("AWB", shipment.awb or ""),
                ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({_state(order.ship_state_code)})"),
            ],
            [["SKU", "Item", "Qty"], *[[i.sku, (i.title or "")[:40], str(i.quantity)] for i in items]],
            created=order.ordered_at,
        )
        ref = f"SLIP-{shipment.external_id}"
        run.store.store_document(SLIP, slip, order_id=order.id, shipment_id=shipment.id, external_ref=ref)
    prefix = run.ctx.dispatch.invoice_prefix or DEFAULT_INVOICE_PREFIX
    number = run.store.invoice_number(order.id, kind=TAX_INVOICE, prefix=prefix)
    if not _has(run, INVOICE, order):
        pdf = _invoice_pdf(run, order, items, number)
        ref = number.replace("/", "-")
        run.store.store_document(INVOICE, pdf, order_id=order.id, shipment_id=shipment.id, external_ref=ref)
    return StepResult(external_ref=shipment.external_id, detail={"invoice": number, "awb": shipment.awb})


def label(run: Run, order: FlowOrder) -> StepResult:
    shipment = package(run, order)
    if shipment is None:
        return StepResult(held="no package: the pack stage did not run")
    if not _has(run, LABEL_DOC, order):
        content = render_pdf(
            "Shipping label",
            [
                ("Carrier", shipment.courier or DEFAULT_CARRIER),
                ("AWB", shipment.awb or ""),
                ("Amazon order", order.external_id),
                ("Package", shipment.external_id),
                ("Deliver to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({_state(order.ship_state_code)})"),
                ("Payment", f"COD INR {order.order_total:.2f}" if order.is_cod else "Prepaid"),
                ("Units", str(order.item_count)),
            ],
            created=order.ordered_at,
        )
        ref = f"LABEL-{shipment.awb}"
        run.store.store_document(LABEL_DOC, content, order_id=order.id, shipment_id=shipment.id, external_ref=ref)
    return StepResult(external_ref=shipment.awb)


def gst_rate(unit_price: Decimal, product_rate: Decimal | None = None) -> Decimal:
    if product_rate is not None:
        return Decimal(product_rate)
    return Decimal(5 if unit_price <= 2500 else 18)  # modelled: the apparel slab from 22 Sep 2025


def _invoice_pdf(run: Run, order: FlowOrder, items: list[FlowItem], number: str) -> bytes:
    """The tax invoice: per line the taxable value inside the GST-inclusive price and its GST, split
    CGST + SGST within the seller's state, IGST across states (money rounded half-up to paise)."""
    gstin = seller_gstin(run, order) or ""
    intra = gstin[:2] == (order.ship_state_code or "")
    rows: list[list[str]] = [["SKU", "HSN", "Qty", "Taxable", "Rate", "CGST", "SGST", "IGST", "Total"]]
    grand = ZERO
    for item in items:
        total = paise(item.line_total)
        rate = gst_rate(item.unit_price, run.store.product_gst_rate(item.sku))
        taxable = paise(total * 100 / (100 + rate))
        cgst, sgst, igst = split_gst(total - taxable, intra_state=intra)
        grand += total
        amounts = [f"{taxable}", f"{rate.normalize():f}%", f"{cgst}", f"{sgst}", f"{igst}", f"{total}"]
        rows.append([item.sku, item.hsn or "-", str(item.quantity), *amounts])
    return render_pdf(
        "Tax invoice",
        [
            ("Invoice number", number),
            ("Invoice date", run.now().astimezone(IST).strftime("%d-%m-%Y")),
            ("Supplier", str(facts(run, order).get("seller_name") or run.ctx.account.display_name)),
            ("Supplier GSTIN", gstin),
            ("Amazon order", order.external_id),
            ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''}"),
            ("Place of supply", _state(order.ship_state_code)),
            ("Tax", "CGST + SGST (intra-state)" if intra else "IGST (inter-state)"),
            ("Invoice total", f"INR {grand}"),
        ],
        rows,
        created=order.ordered_at,
    )
