"""The checks AJIO runs on a seller's B2B invoice upload (the invoice the seller raises to AJIO for an order),
and the e-invoice reference number (IRN) they verify.

The IRN is the SHA-256 hex of ``seller GSTIN|financial year|document type|invoice number``, as GST e-invoicing
defines it. modelled: the other rules (number format, dates, amounts and the tax split against the order),
since AJIO documents nothing past acknowledgement in public.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from robnu.domain.india import gstin_problem
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.errors import field_error
from robnu.sandbox.ajio.model import CONFIRMED, Order
from robnu.sandbox.ajio.money import fy_short, ist_date, q2, split_inclusive, tax_split
from robnu.sandbox.ajio.settlement import RateCard

Err = dict[str, Any]
_INVOICE_RE = re.compile(r"^[A-Za-z0-9/-]{1,16}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def irn_for(seller_gstin: str, fy: str, doc_type: str, number: str) -> str:
    """SHA-256 hex of ``gstin|FY|doc type|number``."""
    return hashlib.sha256(f"{seller_gstin}|{fy}|{doc_type}|{number}".encode()).hexdigest()


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


def check_b2b_invoice(book: Book, order: Order, body: dict[str, Any], now: int, card: RateCard) -> list[Err]:
    acc = book.account
    st = order.state_at(now)[1]
    if order.invoice is not None:
        return [field_error("order_id", "ALREADY_INVOICED", f"order {order.order_id} is already invoiced")]
    if st != CONFIRMED or order.po_number is None or order.po_date is None:
        return [field_error("order_id", "ORDER_NOT_CONFIRMED", f"order {order.order_id} is {st}, not CONFIRMED")]
    errors: list[Err] = []
    number = str(body.get("invoice_number") or "")
    inv_date = body.get("invoice_date")
    if not _INVOICE_RE.match(number):
        errors.append(
            field_error("invoice_number", "INVALID_INVOICE_NUMBER", "at most 16 characters of A-Z a-z 0-9 / -")
        )
    elif not number.startswith(acc.store["invoice_series_prefix"]):
        errors.append(
            field_error(
                "invoice_number",
                "INVOICE_SERIES_MISMATCH",
                f"must start with {acc.store['invoice_series_prefix']}",
            )
        )
    if not isinstance(inv_date, int) or ist_date(inv_date) < ist_date(order.po_date) or inv_date > now + 300:
        errors.append(field_error("invoice_date", "INVALID_INVOICE_DATE", "not before the PO date, not in the future"))
    elif (acc.store["seller_gstin"], fy_short(ist_date(inv_date)), number) in book.invoice_numbers:
        errors.append(
            field_error(
                "invoice_number",
                "DUPLICATE_INVOICE_NUMBER",
                f"{number} already used in FY {fy_short(ist_date(inv_date))}",
            )
        )
    for fld, expected in (("seller_gstin", acc.store["seller_gstin"]), ("buyer_gstin", acc.bill_to_gstin)):
        value = str(body.get(fld) or "")
        problem = gstin_problem(value)
        if problem:
            errors.append(field_error(fld, "INVALID_GSTIN", problem))
        elif value != expected:
            errors.append(field_error(fld, "GSTIN_MISMATCH", f"must be {expected}"))
    pos = str(body.get("place_of_supply") or "")
    intra = acc.store["state_code"] == pos
    if pos != acc.bill_to_state:
        errors.append(field_error("place_of_supply", "TAX_SPLIT_INVALID", f"place of supply is {acc.bill_to_state}"))
    raw_lines: list[Any] = body["lines"] if isinstance(body.get("lines"), list) else []
    by_item = {str(r.get("order_item_id")): (i, r) for i, r in enumerate(raw_lines) if isinstance(r, dict)}
    drift = Decimal("0")
    for ln in order.lines:
        qty = ln.invoiceable
        if qty <= 0:
            continue
        if ln.order_item_id not in by_item:
            errors.append(field_error("lines", "QTY_MISMATCH", f"PO line {ln.order_item_id} missing"))
            continue
        i, raw = by_item.pop(ln.order_item_id)
        where = f"lines[{i}]"
        if raw.get("quantity") != qty:
            errors.append(field_error(f"{where}.quantity", "QTY_MISMATCH", f"invoiceable quantity is {qty}"))
            continue
        base = split_inclusive(card.po_unit(ln.unit_price), ln.gst_rate)[0]
        taxable = _dec(raw.get("taxable_value"))
        cg, sg, ig = (_dec(raw.get(k)) for k in ("cgst_amount", "sgst_amount", "igst_amount"))
        if any(v.is_nan() for v in (taxable, cg, sg, ig)):
            errors.append(field_error(where, "AMOUNT_MISMATCH", "amounts must be numbers"))
            continue
        split_ok = (cg > 0 and cg == sg and ig == 0) if intra else (ig > 0 and cg == 0 and sg == 0)
        if not split_ok:
            errors.append(
                field_error(
                    where,
                    "TAX_SPLIT_INVALID",
                    "CGST+SGST in equal halves" if intra else "IGST only (inter-state)",
                )
            )
            continue
        exp = tax_split(base * qty, ln.gst_rate, intra)
        drift += (
            abs(taxable - base * qty)
            + abs(cg - exp["cgst_amount"])
            + abs(sg - exp["sgst_amount"])
            + abs(ig - exp["igst_amount"])
        )
    for item, (i, _raw) in by_item.items():
        errors.append(field_error(f"lines[{i}]", "QTY_MISMATCH", f"{item} is not an invoiceable PO line"))
    if drift > 1:
        errors.append(field_error("lines", "AMOUNT_MISMATCH", f"amounts differ from the PO by {q2(drift)} (> 1.00)"))
    if acc.einvoice.get("enabled"):
        irn = body.get("irn")
        if not irn:
            errors.append(field_error("irn", "IRN_REQUIRED", "this POB is e-invoice mandatory"))
        elif (
            not (isinstance(irn, str) and _HEX64.match(irn))
            or not all(body.get(k) for k in ("ack_no", "ack_date", "signed_qr_code"))
            or (
                isinstance(inv_date, int)
                and irn != irn_for(acc.store["seller_gstin"], fy_short(ist_date(inv_date)), "INV", number)
            )
        ):
            errors.append(field_error("irn", "INVALID_IRN", "64 hex IRN with ack_no, ack_date, signed_qr_code"))
    return errors
