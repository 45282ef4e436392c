"""The AJIO documents as real PDFs: PO, 4x6 label, B2C customer invoice, manifest."""

from __future__ import annotations

from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.model import Manifest, Order
from robnu.sandbox.ajio.money import ist_date, money, split_inclusive, tax_split
from robnu.sandbox.ajio.settlement import RateCard
from robnu.sandbox.documents import render_pdf

AJIO_RETURN_ADDRESS = "AJIO Returns, Reliance Retail Ltd, Bhiwandi, Thane 421302, Maharashtra"


def po_pdf(book: Book, order: Order, card: RateCard) -> bytes:
    rows = [["Item", "HSN", "Qty", "Base price"]]
    for ln in order.lines:
        base = split_inclusive(card.po_unit(ln.unit_price), ln.gst_rate)[0]
        rows.append([ln.order_item_id, book.account.products[ln.sku].hsn, str(ln.qty), f"INR {base}"])
    return render_pdf(
        "AJIO Purchase Order",
        [
            ("PO number", order.po_number or ""),
            ("Order id", order.order_id),
            ("Vendor", book.account.legal_name),
            ("Vendor GSTIN", book.account.store["seller_gstin"]),
            ("Bill to GSTIN", book.account.bill_to_gstin),
        ],
        rows,
    )


def label_pdf(book: Book, order: Order) -> bytes:
    p = order.person
    return render_pdf(
        f"{order.carrier} - AWB {order.awb}",
        [
            ("AWB", order.awb),
            ("Order id", order.order_id),
            ("Shipment id", order.order_id),
            (
                "Payment",
                order.payment_method + (f" collect INR {order.total}" if order.payment_method == "COD" else ""),
            ),
            ("Ship to", f"{p.name}, {p.address_line1}, {p.place.city} {p.place.pincode}, {p.place.state}"),
            ("Ship from", f"{book.account.legal_name}, {book.account.store['ship_from_pincode']}"),
            ("Return address", AJIO_RETURN_ADDRESS),
        ],
    )


def customer_invoice_pdf(book: Book, order: Order) -> bytes:
    """B2C invoice in AJIO's name; CGST+SGST when the customer's state is the ship-from state."""
    assert order.invoice is not None
    intra = order.person.place.state_code == book.account.store["state_code"]
    rows = [["Item", "Qty", "Taxable", "CGST", "SGST", "IGST", "Total"]]
    for ln in order.lines:
        if ln.invoiceable <= 0:
            continue
        gross = ln.unit_price * ln.invoiceable
        taxable, _tax = split_inclusive(gross, ln.gst_rate)
        t = tax_split(taxable, ln.gst_rate, intra)
        rows.append(
            [
                ln.order_item_id,
                str(ln.invoiceable),
                f"{taxable}",
                f"{t['cgst_amount']}",
                f"{t['sgst_amount']}",
                f"{t['igst_amount']}",
                f"{money(gross):.2f}",
            ]
        )
    p = order.person
    return render_pdf(
        "Tax Invoice - Reliance Retail Limited (AJIO)",
        [
            ("Invoice number", order.invoice.customer_invoice_number),
            ("Order id", order.order_id),
            ("Invoice date", ist_date(order.invoice.accepted_at).isoformat()),
            ("Customer", f"{p.name}, {p.place.city} {p.place.pincode}"),
            ("Place of supply", f"{p.place.state_code} - {p.place.state}"),
            ("AWB", order.awb),
        ],
        rows,
    )


def manifest_pdf(man: Manifest) -> bytes:
    return render_pdf(
        f"AJIO Manifest {man.manifest_id}",
        [
            ("Manifest id", man.manifest_id),
            ("POB", man.pob_id),
            ("Courier", man.courier),
            ("Dispatch date", man.dispatch_date),
            ("Shipments", str(len(man.shipment_ids))),
        ],
        [[sid] for sid in man.shipment_ids],
    )
