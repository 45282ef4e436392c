"""Label + tax-invoice PDFs (one 4x6 label page and one invoice page per sub-order) and manifest PDFs.

fpdf2's core fonts are Latin-1 only: amounts are printed "INR 499.00".
"""

from __future__ import annotations

from fpdf import FPDF

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.model import IST, Account, Label, Manifest
from robnu.sandbox.meesho.money import gst_split, money


def _text(pdf: FPDF, line: str, size: int = 8, bold: bool = False) -> None:
    pdf.set_font("Helvetica", style="B" if bold else "", size=size)
    pdf.cell(0, size * 0.5, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")


def label_pdf(label: Label, acct: Account) -> bytes:
    pdf = FPDF(unit="mm", format=(101.6, 152.4))  # 4 x 6 inch
    pdf.set_auto_page_break(auto=True, margin=4)
    pdf.set_margins(4, 4, 4)
    for no in label.sub_order_nos:
        sub = acct.sub_orders[no]
        product = acct.products[sub.sku]
        customer = sub.customer
        pdf.add_page(format=(101.6, 152.4))
        _text(pdf, f"{sub.courier}   {'COD' if sub.payment_mode == 'COD' else 'PREPAID'}", 12, True)
        if sub.awb:
            pdf.code39(f"*{sub.awb}*", x=4, y=pdf.get_y() + 1, w=0.25, h=12)
            pdf.set_y(pdf.get_y() + 15)
        _text(pdf, f"AWB: {sub.awb}", 10, True)
        _text(pdf, f"Sub-order: {sub.sub_order_no}", 9, True)
        _text(pdf, f"Label: {label.label_id}")
        _text(pdf, f"SKU: {sub.sku}   Size: {product.size}   Qty: {sub.quantity}")
        if sub.payment_mode == "COD":
            _text(pdf, f"COD amount: INR {money(sub.total_price)}", 11, True)
        _text(pdf, "Deliver to:", 9, True)
        _text(pdf, customer["name"])
        _text(pdf, customer["address_line1"])
        _text(pdf, f"{customer['city']}, {customer['state']} - {customer['pincode']}")
        _text(pdf, f"Phone: {customer['phone']}")
        _text(pdf, "Return address:", 9, True)
        _text(pdf, f"{acct.name}, {acct.city} - {acct.pincode}  ({sub.warehouse_id})")
        pdf.add_page(format="A4")
        pdf.set_margins(10, 10, 10)
        intra = customer["state_code"] == acct.state_code
        split = gst_split(sub.total_price, sub.gst_rate, intra)
        _text(pdf, "TAX INVOICE", 14, True)
        _text(pdf, f"Invoice No: {sub.invoice_no}   Date: {tl.ist_date(sub.invoice_at or label.created_at)}", 10)
        _text(pdf, f"Sold by: {acct.name}, {acct.city} - {acct.pincode}", 10)
        _text(pdf, f"GSTIN: {acct.gstin}", 10)
        _text(
            pdf,
            f"Bill / ship to: {customer['name']}, {customer['address_line1']}, {customer['city']} "
            f"- {customer['pincode']}",
            10,
        )
        _text(pdf, f"Place of supply: {customer['state']} ({customer['state_code']})", 10)
        _text(pdf, f"Order: {sub.order_no}   Sub-order: {sub.sub_order_no}", 10)
        _text(
            pdf,
            f"Item: {product.name} ({sub.sku})  HSN {product.hsn}  Qty {sub.quantity} x INR {money(sub.unit_price)}",
            10,
        )
        _text(pdf, f"Taxable value: INR {money(split['taxable'])}   GST rate: {money(sub.gst_rate)}%", 10)
        if intra:
            _text(pdf, f"CGST: INR {money(split['cgst'])}   SGST: INR {money(split['sgst'])}", 10)
        else:
            _text(pdf, f"IGST: INR {money(split['igst'])}", 10)
        _text(pdf, f"Total (GST inclusive): INR {money(sub.total_price)}", 11, True)
        _text(pdf, "Authorised signatory (digitally signed)", 9)
        pdf.set_margins(4, 4, 4)
    return bytes(pdf.output())


def manifest_pdf(manifest: Manifest, acct: Account) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_page()
    _text(pdf, "MANIFEST", 14, True)
    _text(pdf, f"Manifest: {manifest.manifest_id}", 10, True)
    _text(pdf, f"Supplier: {acct.name} ({acct.supplier_id})   Warehouse: {manifest.warehouse_id}", 10)
    _text(
        pdf,
        f"Courier: {manifest.courier}   Created: {manifest.created_at.astimezone(IST):%Y-%m-%d %H:%M} IST",
        10,
    )
    _text(pdf, f"Shipments: {len(manifest.sub_order_nos)}", 10)
    for i, no in enumerate(manifest.sub_order_nos, start=1):
        sub = acct.sub_orders[no]
        _text(pdf, f"{i:3d}. {no}   AWB {sub.awb}   {sub.sku}   {sub.payment_mode}", 9)
    _text(pdf, "Handed over by: ____________   Courier executive: ____________", 10)
    return bytes(pdf.output())
