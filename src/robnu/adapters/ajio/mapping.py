"""AJIO JSON -> Robnu records: pure functions and explicit status tables (docs/adapters/ajio.md).

Conventions of the API: snake_case, epoch seconds, JSON numbers with 2 decimals in INR, calendar
dates as IST ``YYYY-MM-DD``. Money is read through ``str`` so that a float never leaks into a Decimal.
Anything a mapper cannot read raises one of ``MAPPING_ERRORS`` and the record is quarantined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from robnu.domain.clock import ist_midnight
from robnu.domain.money import paise
from robnu.domain.records import (
    ListingRecord,
    OrderItemRecord,
    OrderRecord,
    PayoutLineRecord,
    PayoutRecord,
    ReturnItemRecord,
    ReturnRecord,
    ShipmentRecord,
)
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)

# Pendency records carry no status field: they are, by the listing they come from, awaiting an ack.
PENDENCY = "PENDENCY"

# Raw AJIO order status -> (order status, shipment status): AJIO's documented statuses plus the
# modelled PENDENCY and RTO.
ORDER_STATUS: dict[str, tuple[OrderStatus, ShipmentStatus]] = {
    "PENDENCY": (OrderStatus.NEW, ShipmentStatus.PENDING),
    "CONFIRMED": (OrderStatus.ACCEPTED, ShipmentStatus.PENDING),
    "PACKED": (OrderStatus.PACKED, ShipmentStatus.PACKED),
    "READY_TO_DISPATCH": (OrderStatus.READY_TO_SHIP, ShipmentStatus.READY_TO_SHIP),
    "DISPATCHED": (OrderStatus.SHIPPED, ShipmentStatus.SHIPPED),
    "DELIVERED": (OrderStatus.DELIVERED, ShipmentStatus.DELIVERED),
    "CANCELLED": (OrderStatus.CANCELLED, ShipmentStatus.CANCELLED),
    "RTO": (OrderStatus.RETURNED, ShipmentStatus.RETURNED),
}

# Raw AJIO return status -> normalised. QC_DONE splits on the QC results (see ``return_status``);
# LOST (the parcel never reached the seller) is terminal: CLOSED, the raw status keeps the detail.
RETURN_STATUS: dict[str, ReturnStatus] = {
    "EXPECTED": ReturnStatus.APPROVED,
    "IN_TRANSIT": ReturnStatus.IN_TRANSIT,
    "DELIVERED_TO_SELLER": ReturnStatus.DELIVERED_TO_SELLER,
    "QC_DONE": ReturnStatus.QC_PASSED,
    "CLOSED": ReturnStatus.CLOSED,
    "CANCELLED": ReturnStatus.CANCELLED,
    "LOST": ReturnStatus.CLOSED,
}

RETURN_KIND: dict[str, ReturnKind] = {"CR": ReturnKind.CUSTOMER_RETURN, "RTO": ReturnKind.RTO}

PAYOUT_STATUS: dict[str, PayoutStatus] = {"SCHEDULED": PayoutStatus.SCHEDULED, "PAID": PayoutStatus.PAID}

# Settlement line_type -> normalised line type; an unknown type becomes OTHER (amount kept).
LINE_TYPE: dict[str, PayoutLineType] = {
    "ORDER_SALE": PayoutLineType.SALE,
    "MARGIN": PayoutLineType.COMMISSION,
    "FORWARD_LOGISTICS": PayoutLineType.SHIPPING_FEE,
    "RETURN_LOGISTICS": PayoutLineType.SHIPPING_FEE,
    "GST_ON_FEES": PayoutLineType.GST_ON_FEES,
    "TCS": PayoutLineType.TCS,
    "TDS": PayoutLineType.TDS,
    "SLA_PENALTY": PayoutLineType.PENALTY,
    "SELLER_CANCELLATION_PENALTY": PayoutLineType.PENALTY,
    "RETURN_REVERSAL": PayoutLineType.REVERSAL,
    "DISPUTE_CREDIT": PayoutLineType.ADJUSTMENT,
    "ADJUSTMENT": PayoutLineType.ADJUSTMENT,
}


# ------------------------------------------------------------------ scalars
def money(value: Any) -> Decimal:
    """A JSON number (or numeric string) as INR with 2 decimals."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    return paise(str(value))


def epoch(value: Any) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"not an epoch time: {value!r}")
    return datetime.fromtimestamp(int(value), UTC)


def epoch_or_none(value: Any) -> datetime | None:
    return None if value is None else epoch(value)


def order_status(raw: str) -> OrderStatus:
    return ORDER_STATUS.get(raw, (OrderStatus.UNKNOWN, ShipmentStatus.UNKNOWN))[0]


def shipment_status(raw: str) -> ShipmentStatus:
    return ORDER_STATUS.get(raw, (OrderStatus.UNKNOWN, ShipmentStatus.UNKNOWN))[1]


def line_type(raw: str) -> PayoutLineType:
    return LINE_TYPE.get(raw, PayoutLineType.OTHER)


def return_status(raw: str, lines: Iterable[Mapping[str, Any]] = ()) -> ReturnStatus:
    status = RETURN_STATUS.get(raw, ReturnStatus.UNKNOWN)
    if raw == "QC_DONE":
        results = [q.get("qc_status") for ln in lines for q in ln.get("qc") or []]
        if any(r == "FAIL" for r in results):
            return ReturnStatus.QC_FAILED
    return status


def _address(o: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    addr = o.get("shipping_address") or {}
    return addr.get("city"), addr.get("state_code"), addr.get("pincode")


def _tax(summary: Mapping[str, Any] | None) -> Decimal:
    if not summary:
        return Decimal("0.00")
    keys = ("cgst_amount", "sgst_amount", "igst_amount", "cess_amount")
    return sum((money(summary.get(k) or 0) for k in keys), Decimal("0.00"))


# --------------------------------------------------------------------- orders
def pendency_order(o: Mapping[str, Any]) -> OrderRecord:
    """``GET /orders/pendency`` record: a new order awaiting acknowledgement.

    The payload has no status or update time: the raw status is the listing's (PENDENCY) and the
    last update is the order time (a pendency order does not change until it leaves the pendency).
    Item prices are the customer's selling price; tax is AJIO's B2B GST on the line (``b2b_tax``).
    """
    order_id = str(o["order_id"])
    ordered_at = epoch(o["order_date"])
    items = []
    for ln in o["order_lines"]:
        qty = int(ln["ordered_quantity"])
        price = money(ln["unit_price"])
        details = ln.get("item_details") or {}
        items.append(
            OrderItemRecord(
                external_id=str(ln["order_item_id"]),
                sku=str(details["item_code"]),
                quantity=qty,
                unit_price=price,
                line_total=price * qty,
                tax_amount=money(ln.get("b2b_tax") or 0) * qty,
                marketplace_sku=details.get("ean"),
                title=details.get("name"),
            )
        )
    city, state_code, pincode = _address(o)
    status, ship_status = ORDER_STATUS[PENDENCY]
    return OrderRecord(
        external_id=order_id,
        source_updated_at=ordered_at,
        status=status,
        raw_status=PENDENCY,
        ordered_at=ordered_at,
        order_total=money(o["total_amount"]),
        items=items,
        shipments=[
            ShipmentRecord(
                external_id=order_id,  # shipment id = order id [corroborated]
                status=ship_status,
                raw_status=PENDENCY,
                awb=o.get("tracking_number"),
                courier=o.get("carrier"),
            )
        ],
        is_cod=o.get("payment_method") == "COD",
        ship_city=city,
        ship_state_code=state_code,
        ship_pincode=pincode,
    )


def purchase_order(o: Mapping[str, Any]) -> OrderRecord:
    """``GET /orders`` record: an acknowledged order with its B2B PO, in any later status.

    ``updated_at`` (modelled) is the last-update time the listing filters on. Item prices are the
    customer's selling price (``unit_price``, modelled); when absent, the B2B value incl. GST.
    """
    order_id = str(o["order_id"])
    raw = str(o["status"])
    status = order_status(raw)
    updated = o.get("updated_at")
    if updated is None:
        updated = max(int(v) for v in (o.get("po_date"), o.get("order_date")) if v is not None)
    ordered_at = epoch(o.get("order_date") if o.get("order_date") is not None else o["po_date"])
    items = []
    for ln in o["order_lines"]:
        qty = int(ln["quantity"])
        tax = _tax(ln.get("tax_summary"))
        if ln.get("unit_price") is not None:
            price = money(ln["unit_price"])
        else:
            price = paise((money(ln["item_base_price"]) * qty + tax) / max(qty, 1))
        cancelled = int(ln.get("customer_cancelled_qty") or 0) + int(ln.get("seller_cancelled_qty") or 0)
        fully_cancelled = qty > 0 and cancelled >= qty and status is not OrderStatus.CANCELLED
        sku = ln.get("sku") or (ln.get("item_details") or {}).get("item_code")
        if not sku:
            raise KeyError("sku")
        items.append(
            OrderItemRecord(
                external_id=str(ln["order_item_id"]),
                sku=str(sku),
                quantity=qty,
                unit_price=price,
                line_total=price * qty,
                tax_amount=tax,
                hsn=ln.get("hsn"),
                status=OrderStatus.CANCELLED if fully_cancelled else None,
                raw_status="CANCELLED" if fully_cancelled else None,
            )
        )
    total = o.get("total_amount")
    city, state_code, pincode = _address(o)
    dispatch_by = epoch_or_none(o.get("dispatch_by"))
    return OrderRecord(
        external_id=order_id,
        source_updated_at=epoch(updated),
        status=status,
        raw_status=raw,
        ordered_at=ordered_at,
        order_total=money(total) if total is not None else sum((i.line_total for i in items), Decimal("0.00")),
        items=items,
        shipments=[
            ShipmentRecord(
                external_id=str(o.get("shipment_id") or order_id),
                status=shipment_status(raw),
                raw_status=raw,
                awb=o.get("awb_number"),
                courier=o.get("courier_name"),
                dispatch_by=dispatch_by,
            )
        ],
        is_cod=o.get("payment_method") == "COD",
        ship_city=city,
        ship_state_code=state_code,
        ship_pincode=pincode,
        dispatch_by=dispatch_by,
    )


# -------------------------------------------------------------------- returns
def return_record(r: Mapping[str, Any]) -> ReturnRecord:
    """``GET /returns`` record: CR (customer return) or RTO, with per-line reasons and QC."""
    return_id = str(r["return_id"])
    raw = str(r["status"])
    lines = list(r["lines"])
    updated = r.get("updated_at")
    if updated is None:
        updated = max(int(v) for v in (r.get("created_at"), r.get("delivered_at")) if v is not None)
    reasons = sorted({str(ln["reason_code"]) for ln in lines if ln.get("reason_code")})
    return ReturnRecord(
        external_id=return_id,
        source_updated_at=epoch(updated),
        order_external_id=str(r["order_id"]),
        kind=RETURN_KIND[str(r["return_type"])],
        status=return_status(raw, lines),
        raw_status=raw,
        items=[
            ReturnItemRecord(
                external_id=f"{return_id}:{ln['order_item_id']}",
                quantity=int(ln["quantity"]),
                order_item_external_id=str(ln["order_item_id"]),
            )
            for ln in lines
        ],
        reason=",".join(reasons) or None,
        return_awb=r.get("awb_number"),
        requested_at=epoch_or_none(r.get("created_at")),
    )


# -------------------------------------------------------------------- payouts
def settlement_times(s: Mapping[str, Any]) -> tuple[datetime, datetime, datetime | None, datetime]:
    """(period start, period end (exclusive: 00:00 IST after cycle_end), paid at, last update).

    A settlement has no update time: it is published when its cycle ends and changes once more when
    paid (SCHEDULED -> PAID), so the last update is the publication, or the payment date once PAID.
    """
    start = ist_midnight(date.fromisoformat(str(s["cycle_start"])))
    end = ist_midnight(date.fromisoformat(str(s["cycle_end"])) + timedelta(days=1))
    paid_at = None
    updated = end
    if s.get("status") == "PAID":
        paid_at = ist_midnight(date.fromisoformat(str(s["payment_date"])))
        updated = max(paid_at, end + timedelta(seconds=1))
    if s.get("updated_at") is not None:  # modelled: a re-issued (corrected) statement carries when it changed
        updated = max(updated, epoch(s["updated_at"]))
    return start, end, paid_at, updated


def payout_line(ln: Mapping[str, Any]) -> PayoutLineRecord:
    """A settlement line: signed as AJIO signs it (credits +, debits -)."""
    group, kind = ln.get("line_group"), str(ln["line_type"])
    ref = ln.get("reference")
    description = f"{group}/{kind}" + (f" {ref}" if ref else "")
    order_id = ln.get("order_id")
    return PayoutLineRecord(
        external_id=str(ln["line_id"]),
        line_type=line_type(kind),
        amount=money(ln["amount"]),
        order_external_id=str(order_id) if order_id else None,
        description=description,
        occurred_at=epoch_or_none(ln.get("event_date") or None),
        raw_type=kind,
        order_item_external_id=str(ln["order_item_id"]) if ln.get("order_item_id") else None,
    )


def payout(s: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]) -> PayoutRecord:
    """A settlement and all its lines; the lines must add up to ``net_amount`` or the record is refused."""
    raw = str(s["status"])
    start, end, paid_at, updated = settlement_times(s)
    mapped = [payout_line(ln) for ln in lines]
    net = money(s["net_amount"])
    total = sum((ln.amount for ln in mapped), Decimal("0.00"))
    if total != net:
        raise ValueError(f"settlement {s['settlement_id']}: lines add up to {total}, net_amount is {net}")
    return PayoutRecord(
        external_id=str(s["settlement_id"]),
        source_updated_at=updated,
        status=PAYOUT_STATUS.get(raw, PayoutStatus.UNKNOWN),
        raw_status=raw,
        net_amount=net,
        lines=mapped,
        period_start=start,
        period_end=end,
        paid_at=paid_at,
    )


def listing(p: Mapping[str, Any], seen_at: datetime) -> ListingRecord:
    """A catalog product. AJIO keys stock by the seller's SKU, so the SKU is also the listing id.

    modelled: the products payload carries no update time; the time it was read stands in.
    """
    mrp = p.get("mrp")
    return ListingRecord(
        external_id=str(p["sku"]),
        seller_sku=str(p["sku"]),
        source_updated_at=seen_at,
        raw_status=str(p.get("published_status") or "UNKNOWN"),
        marketplace_sku=p.get("style_code"),
        title=p.get("name"),
        price=Decimal(str(mrp)) if mrp is not None else None,
        quantity=int(p["inventory"]) if p.get("inventory") is not None else None,
        active=p.get("published_status") == "PUBLISHED",
    )
