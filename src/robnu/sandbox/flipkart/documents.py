"""Label, invoice and manifest PDFs with the ids that matter printed on them."""

from __future__ import annotations

from decimal import Decimal

from robnu.sandbox.documents import render_pdf
from robnu.sandbox.flipkart.ids import iso, money
from robnu.sandbox.flipkart.model import Shipment
from robnu.sandbox.flipkart.serialize import tax_split
from robnu.sandbox.flipkart.world import World


def _label_fields(sh: Shipment) -> list[tuple[str, str]]:
    return [
        ("Shipment ID", sh.shipment_id),
        ("Order ID", sh.order_id),
        ("AWB", sh.awb),
        ("Courier", "Ekart Logistics"),
        (
            "Payment",
            sh.payment_type + (f" - collect INR {money(sh.total)}" if sh.payment_type == "COD" else ""),
        ),
        (
            "Ship to",
            f"{sh.buyer_name}, {sh.address_line1}, {sh.place.city}, {sh.place.state} {sh.place.pincode}",
        ),
    ]


def _invoice_rows(world: World, sh: Shipment) -> list[list[str]]:
    rows = [["Order item", "SKU", "HSN", "Qty", "Amount", "GST"]]
    for item in sh.items:
        split = tax_split(world, sh, item)
        gst = (
            f"IGST {split['igstRate']}%"
            if split["igstRate"]
            else f"CGST {split['cgstRate']}% + SGST {split['sgstRate']}%"
        )
        rows.append(
            [
                item.order_item_id,
                item.listing.sku,
                item.listing.hsn,
                str(item.quantity),
                f"INR {money(item.total)}",
                gst,
            ]
        )
    return rows


def labels_pdf(world: World, shipments: list[Shipment], *, with_invoice: bool) -> bytes:
    fields: list[tuple[str, str]] = []
    rows: list[list[str]] = []
    for sh in shipments:
        fields.extend(_label_fields(sh))
        if with_invoice:
            account = world.accounts[sh.account_key]
            fields.extend(
                [
                    (
                        "Invoice",
                        f"{sh.invoice_number} dated {iso(sh.invoice_date) if sh.invoice_date else ''}",
                    ),
                    ("Sold by", f"{account.name}, GSTIN {account.gstin}"),
                    ("Place of supply", sh.place.state),
                ]
            )
            rows.extend(_invoice_rows(world, sh))
    title = "Flipkart shipping label and tax invoice" if with_invoice else "Flipkart shipping label"
    return render_pdf(title, fields, rows)


def invoices_pdf(world: World, shipments: list[Shipment]) -> bytes:
    fields: list[tuple[str, str]] = []
    rows: list[list[str]] = []
    for sh in shipments:
        account = world.accounts[sh.account_key]
        total = sum((i.total for i in sh.items), Decimal(0))
        fields.extend(
            [
                ("Invoice", str(sh.invoice_number)),
                ("Shipment ID", sh.shipment_id),
                ("Order ID", sh.order_id),
                ("Seller GSTIN", account.gstin),
                ("Place of supply", sh.place.state),
                ("Invoice total", f"INR {money(total)}"),
            ]
        )
        rows.extend(_invoice_rows(world, sh))
    return render_pdf("Tax invoice", fields, rows)


def manifest_pdf(vendor_group: str, location_id: str, shipments: list[Shipment], manifest_id: str) -> bytes:
    fields = [
        ("Manifest", manifest_id),
        ("Courier group", vendor_group),
        ("Location", location_id),
        ("Shipments", str(len(shipments))),
    ]
    rows = [["Shipment ID", "Order ID", "AWB"]] + [[s.shipment_id, s.order_id, s.awb] for s in shipments]
    return render_pdf("Flipkart pickup manifest", fields, rows)
