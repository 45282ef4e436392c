"""JSON shapes of the modelled API: IST ISO 8601 times, money as strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.model import IST, Account, Label, Manifest, Product, Return, SubOrder
from robnu.sandbox.meesho.money import gst_on, money, shipping_fee


def iso(t: datetime | None) -> str | None:
    return t.astimezone(IST).isoformat() if t is not None else None


def sub_order_view(sub: SubOrder, acct: Account, now: datetime) -> dict[str, Any]:
    found = tl.status_at(sub, now)
    status, updated = found if found else ("PENDING", sub.created_at)
    product = acct.products[sub.sku]
    labels = [lid for t, lid in sub.label_ids if t <= now]
    labelled = bool(labels)
    manifest = acct.manifests.get(sub.manifest_id) if sub.manifest_id else None
    cancellation = None
    if status == "CANCELLED" and sub.cancellation is not None:
        cancellation = {
            "cancelled_by": sub.cancellation["cancelled_by"],
            "reason": sub.cancellation["reason"],
            "cancelled_at": iso(sub.cancellation["at"]),
        }
    return {
        "sub_order_no": sub.sub_order_no,
        "order_no": sub.order_no,
        "supplier_id": sub.supplier_id,
        "warehouse_id": sub.warehouse_id,
        "status": status,
        "created_at": iso(sub.created_at),
        "updated_at": iso(updated),
        "expected_dispatch_date": tl.expected_dispatch_date(sub).isoformat(),
        "sla_deadline": iso(tl.sla_deadline(sub)),
        "auto_cancel_at": iso(tl.auto_cancel_at(sub)),
        "payment_mode": sub.payment_mode,
        "is_exchange": sub.is_exchange,
        "item": {
            "sku": sub.sku,
            "product_id": product.product_id,
            "variation_id": product.variation_id,
            "product_name": product.name,
            "size": product.size,
            "quantity": sub.quantity,
            "hsn": product.hsn,
            "gst_rate": money(sub.gst_rate),
            "unit_price": money(sub.unit_price),
            "total_price": money(sub.total_price),
        },
        "shipping": {
            "courier": sub.courier if labelled else None,
            "awb": sub.awb if labelled else None,
            "label_id": labels[-1] if labels else None,
            "manifest_id": manifest.manifest_id if manifest and manifest.created_at <= now else None,
            "picked_up_at": iso(sub.picked_up_at) if sub.picked_up_at and sub.picked_up_at <= now else None,
            "delivered_at": iso(sub.delivered_at) if sub.delivered_at and sub.delivered_at <= now else None,
        },
        "customer": {k: sub.customer[k] for k in ("city", "state", "pincode")}
        | {"state_code": _state_abbrev(sub.customer["state_code"])},
        "cancellation": cancellation,
    }


def return_view(ret: Return, acct: Account, now: datetime, claim_due: datetime | None) -> dict[str, Any]:
    found = tl.return_status_at(ret, now)
    status, updated = found if found else (ret.timeline()[0][1], ret.created_at)
    sub = acct.sub_orders[ret.sub_order_no]
    line = ret.timeline()
    delivered = next((t for t, s in line if s in ("RTO_DELIVERED", "DELIVERED_TO_SUPPLIER") and t <= now), None)
    planned = next((t for t, s in line if s in ("RTO_DELIVERED", "DELIVERED_TO_SUPPLIER")), None)
    fee = "0.00"
    gst = "0.00"
    picked = any(s == "PICKED_UP" for _, s in line)
    if ret.type == "CUSTOMER_RETURN" and not acct.returns_assurance and picked:
        product = acct.products[sub.sku]
        value = shipping_fee(product.weight_kg * sub.quantity)
        fee, gst = money(value), money(gst_on(value))
    received = ret.received or {}
    claim = None
    if ret.claim is not None:
        claim = {
            "claim_id": ret.claim.claim_id,
            "claim_type": ret.claim.claim_type,
            "status": ret.claim.status,
            "created_at": iso(ret.claim.created_at),
            "decided_at": iso(ret.claim.decided_at),
            "amount": money(ret.claim.amount) if ret.claim.status == "APPROVED" else None,
        }
    return {
        "return_id": ret.return_id,
        "type": ret.type,
        "sub_order_no": ret.sub_order_no,
        "sku": sub.sku,
        "quantity": sub.quantity,
        "reason_code": ret.reason_code,
        "reason_text": ret.reason_text,
        "status": status,
        "created_at": iso(ret.created_at),
        "updated_at": iso(updated),
        "courier": ret.courier,
        "reverse_awb": ret.reverse_awb,
        "expected_delivery_date": tl.ist_date(planned).isoformat() if planned else None,
        "delivered_at": iso(delivered),
        "received": {
            "condition": received.get("condition"),
            "received_at": received.get("received_at"),
            "remarks": received.get("remarks"),
        },
        "claim_due_at": iso(claim_due),
        "claim": claim,
        "charges": {"return_shipping_fee": fee, "gst_on_fee": gst},
    }


def label_view(label: Label, acct: Account, now: datetime) -> dict[str, Any]:
    items = []
    for no in label.sub_order_nos:
        sub = acct.sub_orders[no]
        items.append(
            {
                "sub_order_no": no,
                "courier": sub.courier,
                "awb": sub.awb,
                "invoice_no": sub.invoice_no,
                "invoice_date": tl.ist_date(sub.invoice_at).isoformat() if sub.invoice_at else None,
            }
        )
    status = "FAILED" if not label.sub_order_nos else "READY" if now >= label.ready_at else "PROCESSING"
    return {
        "label_id": label.label_id,
        "status": status,
        "pdf_url": f"/v1/labels/{label.label_id}/pdf",
        "created_at": iso(label.created_at),
        "items": items,
    }


def manifest_view(manifest: Manifest, now: datetime, *, detail: bool) -> dict[str, Any]:
    scanned = manifest.scan_at is not None and manifest.scan_at <= now
    picked = [no for no in manifest.sub_order_nos if scanned and no not in manifest.missing]
    status = "AWAITING_PICKUP"
    if scanned:
        status = "PICKED_UP" if not manifest.missing else "PARTIALLY_PICKED_UP"
    view: dict[str, Any] = {
        "manifest_id": manifest.manifest_id,
        "courier": manifest.courier,
        "warehouse_id": manifest.warehouse_id,
        "sub_order_count": len(manifest.sub_order_nos),
        "created_at": iso(manifest.created_at),
        "pdf_url": f"/v1/manifests/{manifest.manifest_id}/pdf",
        "pickup_status": status,
    }
    if detail:
        view["sub_order_nos"] = list(manifest.sub_order_nos)
        view["picked_up_count"] = len(picked)
        view["picked_up_at"] = iso(manifest.scan_at) if scanned else None
        view["missing"] = sorted(manifest.missing) if scanned else []
    return view


def product_view(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "variation_id": product.variation_id,
        "sku": product.sku,
        "name": product.name,
        "size": product.size,
        "status": product.status,
        "mrp": money(product.mrp),
        "price": money(product.price),
        "stock": product.stock,
        "warehouse_id": product.warehouse_id,
    }


# Two-letter state abbreviations (the API design's example uses "RJ"); modelled from vehicle-registration codes.
_ABBREV = {
    "01": "JK",
    "02": "HP",
    "03": "PB",
    "04": "CH",
    "05": "UK",
    "06": "HR",
    "07": "DL",
    "08": "RJ",
    "09": "UP",
    "10": "BR",
    "11": "SK",
    "12": "AR",
    "13": "NL",
    "14": "MN",
    "15": "MZ",
    "16": "TR",
    "17": "ML",
    "18": "AS",
    "19": "WB",
    "20": "JH",
    "21": "OD",
    "22": "CG",
    "23": "MP",
    "24": "GJ",
    "26": "DH",
    "27": "MH",
    "29": "KA",
    "30": "GA",
    "31": "LD",
    "32": "KL",
    "33": "TN",
    "34": "PY",
    "35": "AN",
    "36": "TS",
    "37": "AP",
    "38": "LA",
}


def _state_abbrev(gst_code: str) -> str:
    return _ABBREV.get(gst_code, gst_code)
