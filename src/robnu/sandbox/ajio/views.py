"""JSON shapes of AJIO's payloads: snake_case, epoch seconds, 2-decimal numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.model import Manifest, Order, Product, Return
from robnu.sandbox.ajio.money import money, split_inclusive, tax_split
from robnu.sandbox.ajio.seeded import revised_at
from robnu.sandbox.ajio.settlement import Cycle, RateCard, SLine

AJIO_LEGAL_NAME = "Reliance Retail Limited (AJIO)"


def page_of(items: Sequence[Any], page: int, size: int) -> tuple[list[Any], dict[str, int]]:
    total = len(items)
    return list(items[page * size : (page + 1) * size]), {
        "number": page,
        "size": size,
        "totalElements": total,
        "totalPages": (total + size - 1) // size,
    }


def product(p: Product, inventory: int) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "ean": p.ean,
        "style_code": p.style_code,
        "brand": p.brand,
        "name": p.name,
        "size": p.size,
        "color": p.color,
        "mrp": money(p.mrp),
        "published_status": "PUBLISHED" if p.published else "UNPUBLISHED",
        "inventory": inventory,
    }


def _address(o: Order, *, named: bool) -> dict[str, Any]:
    pl = o.person.place
    out = {
        "city": pl.city.upper(),
        "state": pl.state.upper(),
        "state_code": pl.state_code,
        "pincode": pl.pincode,
    }
    if named:
        first, _, last = o.person.name.partition(" ")
        out = {"name": f"{first[0]}. {last[0]}****", **out}  # masked, as AJIO shows buyer names to sellers (modelled)
    return out


def pendency(book: Book, o: Order, card: RateCard) -> dict[str, Any]:
    lines = []
    for ln in o.lines:
        prod = book.account.products[ln.sku]
        base, tax = split_inclusive(card.po_unit(ln.unit_price), ln.gst_rate)
        lines.append(
            {
                "order_item_id": ln.order_item_id,
                "ordered_quantity": ln.qty,
                "mrp": money(ln.mrp),
                "unit_price": money(ln.unit_price),
                "listing_price": money(ln.unit_price),
                "seller_discount": 0.0,
                "b2b_base_price": money(base),
                "b2b_tax": money(tax),
                "item_details": {
                    "brand_name": prod.brand,
                    "color": prod.color,
                    "ean": prod.ean,
                    "item_code": prod.sku,
                    "name": prod.name,
                    "size": prod.size,
                },
            }
        )
    return {
        "order_id": o.order_id,
        "order_date": o.created,
        "carrier": o.carrier,
        "payment_method": o.payment_method,
        "tracking_number": o.awb,
        "total_amount": money(o.total),
        "ack_by": o.created + 86400,
        "shipping_address": _address(o, named=False),
        "order_lines": lines,
    }


def purchase_order(book: Book, o: Order, now: int, card: RateCard) -> dict[str, Any]:
    acc = book.account
    ts, status, note = o.state_at(now)
    intra = acc.store["state_code"] == acc.bill_to_state
    lines = []
    po_amount = total_tax = Decimal("0.00")
    for ln in o.lines:
        base = split_inclusive(card.po_unit(ln.unit_price), ln.gst_rate)[0]
        taxable = base * ln.invoiceable
        t = tax_split(taxable, ln.gst_rate, intra)
        tax = t["cgst_amount"] + t["sgst_amount"] + t["igst_amount"]
        po_amount += taxable + tax
        total_tax += tax
        lines.append(
            {
                "order_item_id": ln.order_item_id,
                "sku": ln.sku,
                "hsn": acc.products[ln.sku].hsn,
                "item_base_price": money(base),
                "unit_price": money(ln.unit_price),  # the customer's selling price [modelled]
                "quantity": ln.qty,
                "customer_cancelled_qty": ln.customer_cancelled,
                "seller_cancelled_qty": ln.seller_cancelled,
                "seller_short_picked_qty": 0,
                "tax_summary": {
                    "taxable_value": money(taxable),
                    **{k: money(v) for k, v in t.items()},
                    "cess_rate": 0.0,
                    "cess_amount": 0.0,
                },
            }
        )
    out: dict[str, Any] = {
        "order_id": o.order_id,
        "status": status,
        "updated_at": ts,
        "order_date": o.created,
        "payment_method": o.payment_method,
        "total_amount": money(o.total),
        "po_number": o.po_number,
        "po_date": o.po_date,
        "po_pdf_url": f"/orders/{o.order_id}/po.pdf" if o.po_number else None,
        "po_amount": money(po_amount) if o.po_number else None,
        "total_tax": money(total_tax) if o.po_number else None,
        "dispatch_by": o.dispatch_by,
        "courier_name": o.carrier,
        "awb_number": o.awb,
        "manifest_id": o.manifest_id,
        "bill_to": {
            "legal_name": AJIO_LEGAL_NAME,
            "gstin": acc.bill_to_gstin,
            "state_code": acc.bill_to_state,
        },
        "shipping_address": _address(o, named=True),
        "order_lines": lines,
        "cancellation": None,
    }
    if status == "CANCELLED":
        by, _, reason = note.partition(":")
        out["cancellation"] = {"cancelled_by": by, "reason": reason, "cancelled_at": ts}
    return out


def shipment(o: Order, now: int) -> dict[str, Any]:
    inv = o.invoice
    label = "NOT_GENERATED" if inv is None else "READY" if now >= inv.label_ready_at else "PROCESSING"
    return {
        "order_id": o.order_id,
        "shipment_id": o.order_id,
        "status": o.state_at(now)[1],
        "courier_name": o.carrier,
        "awb_number": o.awb,
        "label_status": label,
        "label_url": f"/orders/{o.order_id}/shipping-label",
        "customer_invoice_number": inv.customer_invoice_number if inv else None,
        "customer_invoice_url": f"/orders/{o.order_id}/customer-invoice",
        "packages": 1,
        "b2b_invoice_number": inv.invoice_number if inv else None,
    }


def manifest(m: Manifest, now: int, *, detail: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "manifest_id": m.manifest_id,
        "created_at": m.created,
        "courier_name": m.courier,
        "shipment_count": len(m.shipment_ids),
        "manifest_pdf_url": f"/manifests/{m.manifest_id}/pdf",
        "dispatch_date": m.dispatch_date,
        "cutoff": "17:30",
        "late": m.late,
    }
    if detail:
        if m.cancelled_at is not None:
            status = "CANCELLED"
        elif now < m.pickup_at:
            status = "AWAITING_PICKUP"
        else:
            status = "PARTIALLY_PICKED_UP" if m.missing else "PICKED_UP"
        picked = status in ("PICKED_UP", "PARTIALLY_PICKED_UP")
        out.update(
            {
                "shipment_ids": list(m.shipment_ids),
                "pickup_status": status,
                "picked_up_at": m.pickup_at if picked else None,
                "pickup_receipt_no": m.pickup_receipt_no if picked else None,
                "missing_shipment_ids": list(m.missing) if picked else [],
            }
        )
    return out


def return_(r: Return, now: int) -> dict[str, Any]:
    ts, status, _ = r.state_at(now)
    delivered = next((t for t, s, _ in r.events if s == "DELIVERED_TO_SELLER" and t <= now), None)
    expected = next((t for t, s, _ in r.events if s == "DELIVERED_TO_SELLER"), None)
    qc_by_item: dict[str, list[dict[str, Any]]] = {}
    if r.qc_at is not None and r.qc_at <= now:
        for q in r.qc:
            qc_by_item.setdefault(q.order_item_id, []).append(
                {
                    "unit_index": q.unit_index,
                    "qc_status": q.qc_status,
                    "qc_code": q.qc_code,
                    "remarks": q.remarks,
                }
            )
    dispute = None
    if r.dispute_decided_at is not None and r.qc_at is not None and r.qc_at <= now:
        decided = r.dispute_decided_at <= now
        dispute = {
            "status": r.dispute_decision if decided else "OPEN",
            "decided_at": r.dispute_decided_at if decided else None,
        }
    rsi = None
    if r.qc_at is not None and r.qc_at <= now and r.return_type == "CR" and any(q.qc_status == "PASS" for q in r.qc):
        rsi = f"RSI{r.return_id[2:]}"
    return {
        "return_id": r.return_id,
        "return_type": r.return_type,
        "order_id": r.order_id,
        "shipment_id": r.order_id,
        "lines": [
            {"order_item_id": i, "quantity": q, "reason_code": why, "qc": qc_by_item.get(i, [])}
            for i, q, why in r.lines
        ],
        "awb_number": r.awb,
        "courier_name": r.courier,
        "created_at": r.created,
        "updated_at": ts,
        "expected_at": expected,
        "delivered_at": delivered,
        "status": status,
        "financial_model": "RSI",
        "rsi_number": rsi,
        "dispute": dispute,
    }


def settlement(book: Book, c: Cycle, lines: list[SLine], now: int) -> dict[str, Any]:
    gross = sum((ln.amount for ln in lines if ln.amount > 0), Decimal("0.00"))
    deductions = sum((ln.amount for ln in lines if ln.amount < 0), Decimal("0.00"))
    paid = now >= c.paid_ts
    sid = c.settlement_id(book.account.number)
    revised = revised_at(book, sid)
    extra = {"updated_at": revised} if revised is not None else {}  # modelled: a re-issued statement says when
    return {
        **extra,
        "settlement_id": sid,
        "cycle_start": c.start.isoformat(),
        "cycle_end": c.end.isoformat(),
        "payment_date": c.payment_date.isoformat(),
        "utr_number": f"RTGS{sid[2:]}" if paid else None,
        "gross_amount": money(gross),
        "total_deductions": money(-deductions),
        "net_amount": money(gross + deductions),
        "status": "PAID" if paid else "SCHEDULED",
        "line_count": len(lines),
    }


def settlement_line(sid: str, n: int, ln: SLine) -> dict[str, Any]:
    return {
        "line_id": f"{sid}-{n:06d}",
        "order_id": ln.order_id,
        "order_item_id": ln.order_item_id,
        "line_group": ln.group,
        "line_type": ln.type,
        "base_amount": money(ln.base),
        "rate": float(ln.rate) if ln.rate is not None else None,
        "amount": money(ln.amount),
        "event_date": ln.ts,
        "reference": ln.reference,
    }
