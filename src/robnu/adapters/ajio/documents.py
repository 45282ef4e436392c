"""AJIO's documents phase (stages 6-9 of processing.py): our packing slip, the B2B vendor invoice to AJIO,
AJIO's label and customer invoice, and the reconciliation of the three quantities."""

from __future__ import annotations

from typing import Any

from robnu.adapters.ajio.client import AjioClient
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.pdf import render_pdf
from robnu.adapters.processing import VENDOR_INVOICE, FlowOrder, FlowRun, FlowShipment, StepResult
from robnu.domain.dispatch import invoice_prefix_ok
from robnu.domain.money import paise

Run = FlowRun[AjioClient, AjioCredentials]

SLIP_STAGE = 6  # the stages whose recorded quantities the reconciliation compares
VENDOR_INVOICE_STAGE = 7
DUPLICATE_ROUNDS = 5  # invoice numbers AJIO already knows are voided and the next taken, this many times
ORDER_DOCUMENTS = ("SLIP", "VENDOR_INVOICE", "LABEL", "CUSTOMER_INVOICE")


def _shipment(run: Run, order: FlowOrder) -> FlowShipment | None:
    found = run.store.shipments([order.id]).get(order.id)
    return found[0] if found else None


def _stored(run: Run, order: FlowOrder, doc_type: str) -> int | None:
    found = run.store.documents(doc_type, order_id=order.id)
    return found[0].id if found else None


def _keep(run: Run, order: FlowOrder, shipment: FlowShipment | None, doc_type: str, pdf: bytes, ref: str | None) -> int:
    shipment_id = shipment.id if shipment else None
    return run.store.store_document(doc_type, pdf, order_id=order.id, shipment_id=shipment_id, external_ref=ref)


def packing_slip(run: Run, order: FlowOrder) -> StepResult:
    """One slip per confirmed shipment, with the SKU and AWB barcodes' values printed. [modelled] The
    barcodes are printed as their values; the scanner test is not modelled."""
    shipment = _shipment(run, order)
    items = run.store.items(order)
    awb = shipment.awb if shipment else None
    quantities = {i.external_id: i.quantity for i in items}
    existing = run.store.documents("SLIP", order_id=order.id)
    if existing:
        return StepResult(existing[0].external_ref, detail={"document_id": existing[0].id, "quantities": quantities})
    content = render_pdf(
        "Packing slip",
        [
            ("Order id", order.external_id),
            ("Shipment id", shipment.external_id if shipment else order.external_id),
            ("AWB", f"*{awb or ''}*"),
            ("Courier", (shipment.courier if shipment else None) or ""),
            ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({order.ship_state_code or ''})"),
        ],
        [["SKU", "Barcode", "Qty"]] + [[i.sku, f"*{i.sku}*", str(i.quantity)] for i in items],
        created=order.ordered_at,
    )
    doc_id = _keep(run, order, shipment, "SLIP", content, awb)
    return StepResult(external_ref=awb, detail={"document_id": doc_id, "quantities": quantities})


def vendor_invoice(run: Run, order: FlowOrder) -> StepResult:
    """The B2B invoice to AJIO for the PO quantity. Look first: a shipment that already carries a
    B2B invoice number was invoiced (before a crash, or in the portal) and is not invoiced again.
    Invoice number: the next in the seller's consecutive series for the FY, prefixed with the AJIO store's
    series prefix (AJIO checks it) unless the account sets one; the same number on a re-run.
    E-invoice (IRN) accounts are held: the GSP call is not built yet."""
    client, creds = run.client, run.credentials
    po = client.order(order.external_id)
    if po is None or str(po.get("status")) not in ("CONFIRMED", "PACKED"):
        return StepResult(held=f"vendor invoice: order is {po.get('status') if po else 'not confirmed'} at AJIO")
    lines = invoice_lines(po)
    number = client.shipment(order.external_id).get("b2b_invoice_number")
    sent = False
    if not number:
        if creds.einvoice.enabled:
            return StepResult(held="vendor invoice: e-invoicing (IRN) accounts are not supported yet")
        prefix = run.ctx.dispatch.invoice_prefix or creds.store.invoice_series_prefix.rstrip("/-")
        if not invoice_prefix_ok(prefix):
            return StepResult(held=f"vendor invoice: series prefix {prefix!r} cannot make a 16-character number")
        number, refused = _send_vendor_invoice(run, order, po, lines, prefix)
        if refused:
            return StepResult(held=refused)
        sent = True
    number = str(number)
    if _stored(run, order, "VENDOR_INVOICE") is None:
        _keep(
            run,
            order,
            _shipment(run, order),
            "VENDOR_INVOICE",
            _vendor_invoice_pdf(run, order, po, lines, number),
            number,
        )
    return StepResult(
        external_ref=number,
        detail={
            "sent": sent,
            "seller_gstin": creds.store.seller_gstin,
            "quantities": {str(ln["order_item_id"]): ln["quantity"] for ln in lines},
        },
    )


def _send_vendor_invoice(
    run: Run, order: FlowOrder, po: dict[str, Any], lines: list[dict[str, Any]], prefix: str
) -> tuple[str, str | None]:
    """Upload the invoice with the order's number; a number AJIO already knows (used in its portal or by
    another tool) is voided and the series' next one taken. Returns (the number, why the order is held)."""
    bill_to = po.get("bill_to") or {}
    number = ""
    for _ in range(DUPLICATE_ROUNDS):
        number = run.store.invoice_number(order.id, kind=VENDOR_INVOICE, prefix=prefix)
        body = {
            "invoice_number": number,
            "invoice_date": int(run.now().timestamp()),
            "seller_gstin": run.credentials.store.seller_gstin,
            "buyer_gstin": bill_to.get("gstin"),
            "place_of_supply": bill_to.get("state_code"),
            "lines": lines,
        }
        status, answer = run.client.upload_b2b_invoice(order.external_id, body)
        if status == 200:
            return number, None
        errors = answer.get("errors") or []
        if "DUPLICATE_INVOICE_NUMBER" not in {str(e.get("code")) for e in errors}:
            text = "; ".join(str(e.get("message")) for e in errors)[:250]
            return number, f"vendor invoice rejected: {answer.get('errorCode')}: {text}"
        run.store.void_invoice_number(order.id, kind=VENDOR_INVOICE, reason="AJIO: DUPLICATE_INVOICE_NUMBER")
    return number, (
        f"vendor invoice: AJIO already has {prefix} numbers up to at least {number}; set where "
        "the series stands (robnu invoices start)"
    )


def _vendor_invoice_pdf(
    run: Run, order: FlowOrder, po: dict[str, Any], lines: list[dict[str, Any]], number: str
) -> bytes:
    bill_to = po.get("bill_to") or {}
    return render_pdf(
        "Tax Invoice (B2B)",
        [
            ("Invoice number", number),
            ("Order id", order.external_id),
            ("PO number", str(po.get("po_number") or "")),
            ("Seller GSTIN", run.credentials.store.seller_gstin),
            ("Buyer", f"{bill_to.get('legal_name', '')} GSTIN {bill_to.get('gstin', '')}"),
            ("Place of supply", str(bill_to.get("state_code") or "")),
        ],
        [["Item", "Qty", "Taxable", "CGST", "SGST", "IGST"]]
        + [
            [
                str(ln["order_item_id"]),
                str(ln["quantity"]),
                f"INR {ln['taxable_value']}",
                str(ln["cgst_amount"]),
                str(ln["sgst_amount"]),
                str(ln["igst_amount"]),
            ]
            for ln in lines
        ],
        created=order.ordered_at,
    )


def customer_documents(run: Run, order: FlowOrder) -> StepResult:
    """Download AJIO's 4x6 label and B2C customer invoice and archive both against the order and
    shipment. One not ready yet (409) leaves the order waiting at this stage for the next run."""
    client = run.client
    shipment = _shipment(run, order)
    view = client.shipment(order.external_id)
    refs = {
        "LABEL": str(view.get("awb_number") or ""),
        "CUSTOMER_INVOICE": str(view.get("customer_invoice_number") or ""),
    }
    paths = {
        "LABEL": ("getShippingLabel", f"/orders/{order.external_id}/shipping-label"),
        "CUSTOMER_INVOICE": ("getCustomerInvoice", f"/orders/{order.external_id}/customer-invoice"),
    }
    ids: dict[str, int] = {}
    for doc_type, (operation, path) in paths.items():
        existing = _stored(run, order, doc_type)
        if existing is not None:
            ids[doc_type] = existing
            continue
        content = client.document(operation, path)
        if content is None:
            return StepResult(waiting=f"AJIO {doc_type.lower()} for {order.external_id} is not ready yet")
        ids[doc_type] = _keep(run, order, shipment, doc_type, content, refs[doc_type] or None)
    return StepResult(external_ref=refs["CUSTOMER_INVOICE"] or None, detail={"documents": ids, **refs})


def reconcile(run: Run, order: FlowOrder) -> StepResult:
    """GREEN when slip quantities = vendor-invoice quantities = customer-invoice quantities and the
    vendor invoice carries the seller's registered GSTIN; else held (RED).

    [modelled] Under AJIO's RSI model the customer invoice is AJIO's own (AJIO's GSTIN); its quantities
    are the PO's invoiceable quantities (``GET /orders``), which is what its table prints."""
    slip = run.store.step_detail(order.id, SLIP_STAGE)
    vendor = run.store.step_detail(order.id, VENDOR_INVOICE_STAGE)
    missing = [t for t in ORDER_DOCUMENTS if _stored(run, order, t) is None]
    if missing:
        return StepResult(held=f"reconciliation RED: missing {', '.join(missing)}")
    po = run.client.order(order.external_id)
    customer = {str(ln["order_item_id"]): ln["quantity"] for ln in invoice_lines(po or {})}
    slip_q = {k: int(v) for k, v in (slip.get("quantities") or {}).items()}
    vendor_q = {k: int(v) for k, v in (vendor.get("quantities") or {}).items()}
    problems = []
    if slip_q != vendor_q:
        problems.append(f"slip {slip_q} != vendor invoice {vendor_q}")
    if vendor_q != customer:
        problems.append(f"vendor invoice {vendor_q} != customer invoice {customer}")
    if vendor.get("seller_gstin") != run.credentials.store.seller_gstin:
        problems.append("vendor-invoice GSTIN is not the seller's registered GSTIN")
    if problems:
        return StepResult(held="reconciliation RED: " + "; ".join(problems))
    return StepResult(external_ref="GREEN", detail={"pipeline_status": "GREEN", "lines": len(vendor_q)})


def invoice_lines(po: dict[str, Any]) -> list[dict[str, Any]]:
    """The B2B invoice lines for the PO's invoiceable quantity (ordered - cancelled - short-picked), with
    AJIO's own tax summary (the check allows a 1.00 drift; we send AJIO's figures exactly)."""
    out = []
    for ln in po.get("order_lines") or []:
        qty = (
            int(ln.get("quantity") or 0)
            - int(ln.get("customer_cancelled_qty") or 0)
            - int(ln.get("seller_cancelled_qty") or 0)
            - int(ln.get("seller_short_picked_qty") or 0)
        )
        if qty <= 0:
            continue
        tax = ln.get("tax_summary") or {}
        out.append(
            {
                "order_item_id": str(ln["order_item_id"]),
                "quantity": qty,
                "taxable_value": _amount(tax.get("taxable_value")),
                "cgst_amount": _amount(tax.get("cgst_amount")),
                "sgst_amount": _amount(tax.get("sgst_amount")),
                "igst_amount": _amount(tax.get("igst_amount")),
            }
        )
    return out


def _amount(value: Any) -> float:
    """An amount as AJIO's JSON takes it: a number with two decimals."""
    return float(paise(str(value or 0)))
