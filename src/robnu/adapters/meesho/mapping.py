"""Meesho JSON -> Robnu records (the API is modelled, see docs/adapters/meesho.md). Pure functions.

* One Robnu order per **sub-order** (``sub_order_no``, ``<order_no>_<n>``): Meesho's sub-order is the unit of
  status, actions, shipping and money, and has exactly one item. Its item and its shipment reuse the
  sub-order number as external id.
* Statuses go through explicit tables; a raw status not in a table maps to UNKNOWN, never an error.
* Times are ISO 8601 with the IST offset (a naive time is read as IST); records carry UTC datetimes.
* Money is a decimal string; payout lines are signed (credits +, deductions -) as Meesho sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from robnu.domain.clock import IST, ist_midnight
from robnu.domain.india import GST_STATE_CODES, state_code_for_pincode
from robnu.domain.money import gst_inside, paise
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

# Sub-order states -> (order status, shipment status). READY_TO_SHIP is refined by the shipping block:
# see ``sub_order_status``.
ORDER_STATUS: dict[str, tuple[OrderStatus, ShipmentStatus]] = {
    "UNVERIFIED": (OrderStatus.PENDING, ShipmentStatus.PENDING),  # exchange / fraud check before PENDING
    "PENDING": (OrderStatus.NEW, ShipmentStatus.PENDING),  # waiting for the supplier to accept
    "HOLD": (OrderStatus.PENDING, ShipmentStatus.PENDING),  # address unserviceable: not actionable
    "READY_TO_SHIP": (OrderStatus.ACCEPTED, ShipmentStatus.PENDING),  # accepted, no label yet
    "SHIPPED": (OrderStatus.SHIPPED, ShipmentStatus.SHIPPED),
    "DELIVERED": (OrderStatus.DELIVERED, ShipmentStatus.DELIVERED),
    "CANCELLED": (OrderStatus.CANCELLED, ShipmentStatus.CANCELLED),
    "RTO": (OrderStatus.RETURNED, ShipmentStatus.RETURNED),  # undelivered, coming back (return object tracks it)
    "CUSTOMER_RETURN": (OrderStatus.RETURN_REQUESTED, ShipmentStatus.DELIVERED),  # forward leg was delivered
}
# READY_TO_SHIP once documents exist: a label -> PACKED; on a manifest -> READY_TO_SHIP (awaiting pickup).
LABELLED = (OrderStatus.PACKED, ShipmentStatus.PACKED)
MANIFESTED = (OrderStatus.READY_TO_SHIP, ShipmentStatus.READY_TO_SHIP)

RETURN_KIND: dict[str, ReturnKind] = {"RTO": ReturnKind.RTO, "CUSTOMER_RETURN": ReturnKind.CUSTOMER_RETURN}
# Return states (RTO path and customer-return path).
RETURN_STATUS: dict[str, ReturnStatus] = {
    "RTO_INITIATED": ReturnStatus.REQUESTED,
    "RTO_IN_TRANSIT": ReturnStatus.IN_TRANSIT,
    "RTO_DELIVERED": ReturnStatus.DELIVERED_TO_SELLER,
    "RETURN_REQUESTED": ReturnStatus.REQUESTED,
    "PICKUP_SCHEDULED": ReturnStatus.APPROVED,
    "PICKED_UP": ReturnStatus.IN_TRANSIT,
    "IN_TRANSIT": ReturnStatus.IN_TRANSIT,
    "DELIVERED_TO_SUPPLIER": ReturnStatus.DELIVERED_TO_SELLER,
    "PICKUP_FAILED": ReturnStatus.CANCELLED,  # the customer never handed it over: nothing comes back
    "CANCELLED": ReturnStatus.CANCELLED,
    "LOST": ReturnStatus.CLOSED,  # lost in transit: closed without goods (a claim may follow)
}

PAYOUT_STATUS: dict[str, PayoutStatus] = {
    "SCHEDULED": PayoutStatus.SCHEDULED,
    "PAID": PayoutStatus.PAID,
    "FAILED": PayoutStatus.FAILED,
    "OPEN": PayoutStatus.OPEN,
}

# Settlement line types. The raw type is kept at the start of each line's description.
LINE_TYPE: dict[str, PayoutLineType] = {
    "ORDER_VALUE": PayoutLineType.SALE,
    "ORDER_REVERSAL": PayoutLineType.REVERSAL,
    "FORWARD_SHIPPING_FEE": PayoutLineType.SHIPPING_FEE,
    "RETURN_SHIPPING_FEE": PayoutLineType.SHIPPING_FEE,
    "PAYMENT_GATEWAY_FEE": PayoutLineType.COLLECTION_FEE,
    "RETURNS_ASSURANCE_FEE": PayoutLineType.OTHER,  # an insurance-like fee: neither commission nor logistics
    "GST_ON_FEES": PayoutLineType.GST_ON_FEES,
    "TCS": PayoutLineType.TCS,
    "TDS": PayoutLineType.TDS,
    "PENALTY_SUPPLIER_CANCEL": PayoutLineType.PENALTY,
    "PENALTY_AUTO_CANCEL": PayoutLineType.PENALTY,
    "PENALTY_LATE_DISPATCH": PayoutLineType.PENALTY,
    "PENALTY_WRONG_ITEM": PayoutLineType.PENALTY,
    "CLAIM_REIMBURSEMENT": PayoutLineType.ADJUSTMENT,  # Meesho compensates the supplier for a bad return
    "ADJUSTMENT": PayoutLineType.ADJUSTMENT,
}

_STATE_BY_NAME = {name.upper().replace("&", "AND"): code for code, name in GST_STATE_CODES.items()}


def money(value: Any) -> Decimal:
    """A money string ("499.00") as a Decimal; anything that is not a finite number is an error."""
    if value is None or isinstance(value, bool | float):
        raise ValueError(f"not a money string: {value!r}")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"not a money amount: {value!r}")
    return paise(amount)


def when(value: Any) -> datetime:
    """An ISO 8601 time (with the IST offset; naive = IST) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=IST)
    return parsed.astimezone(UTC)


def maybe_when(value: Any) -> datetime | None:
    return None if value in (None, "") else when(value)


def ist_day_start(value: str | date) -> datetime:
    """The start (as UTC) of an IST calendar day given as ``YYYY-MM-DD`` or a date."""
    return ist_midnight(value if isinstance(value, date) else date.fromisoformat(value))


def iso_ist(moment: datetime) -> str:
    return moment.astimezone(IST).isoformat()


def state_code(customer: Mapping[str, Any]) -> str | None:
    """The GST state code (two digits) of the delivery address: by state name, else by pincode."""
    raw = str(customer.get("state_code") or "")
    if raw in GST_STATE_CODES:
        return raw
    name = str(customer.get("state") or "").strip().upper().replace("&", "AND")
    found = _STATE_BY_NAME.get(name)
    if found is None and customer.get("pincode"):
        found = state_code_for_pincode(str(customer["pincode"]))
    return found


def sub_order_status(o: Mapping[str, Any]) -> tuple[OrderStatus, ShipmentStatus]:
    raw = str(o["status"])
    found = ORDER_STATUS.get(raw, (OrderStatus.UNKNOWN, ShipmentStatus.UNKNOWN))
    if raw == "READY_TO_SHIP":
        shipping = o.get("shipping") or {}
        if shipping.get("manifest_id"):
            return MANIFESTED
        if shipping.get("label_id"):
            return LABELLED
    return found


def sub_order(o: Mapping[str, Any]) -> OrderRecord:
    """``GET /v1/sub-orders`` record -> one OrderRecord with its single item and its shipment."""
    no = str(o["sub_order_no"])
    raw = str(o["status"])
    status, ship_status = sub_order_status(o)
    item = o["item"]
    quantity = int(item["quantity"])
    if quantity < 1:
        raise ValueError(f"sub-order {no}: quantity {quantity}")
    total = money(item["total_price"])
    shipping = o.get("shipping") or {}
    customer = o.get("customer") or {}
    dispatch_by = maybe_when(o.get("sla_deadline"))
    title = item.get("product_name")
    if title and item.get("size"):
        title = f"{title} ({item['size']})"
    return OrderRecord(
        external_id=no,
        source_updated_at=when(o["updated_at"]),
        status=status,
        raw_status=raw,
        ordered_at=when(o["created_at"]),
        order_total=total,
        items=[
            OrderItemRecord(
                external_id=no,  # one item per sub-order
                sku=str(item["sku"]),
                quantity=quantity,
                unit_price=money(item["unit_price"]),
                line_total=total,
                tax_amount=gst_inside(total, money(item.get("gst_rate") or "0")),  # Meesho prices include GST
                marketplace_sku=item.get("variation_id") or item.get("product_id"),
                title=title,
                hsn=item.get("hsn"),
            )
        ],
        shipments=[
            ShipmentRecord(
                external_id=no,  # Meesho ships each sub-order under its own AWB
                status=ship_status,
                raw_status=raw,
                awb=shipping.get("awb"),
                courier=shipping.get("courier"),
                dispatch_by=dispatch_by,
                shipped_at=maybe_when(shipping.get("picked_up_at")),
                delivered_at=maybe_when(shipping.get("delivered_at")),
            )
        ],
        is_cod=o.get("payment_mode") == "COD",
        ship_city=customer.get("city"),
        ship_state_code=state_code(customer),
        ship_pincode=str(customer["pincode"]) if customer.get("pincode") else None,
        dispatch_by=dispatch_by,
    )


def return_record(r: Mapping[str, Any]) -> ReturnRecord:
    """``GET /v1/returns`` record -> ReturnRecord linked to its sub-order."""
    rid = str(r["return_id"])
    kind = RETURN_KIND.get(str(r["type"]))
    if kind is None:
        raise ValueError(f"return {rid}: unknown type {r['type']!r}")
    raw = str(r["status"])
    reason = r.get("reason_code")
    if reason and r.get("reason_text"):
        reason = f"{reason}: {r['reason_text']}"
    sub_order_no = str(r["sub_order_no"])
    return ReturnRecord(
        external_id=rid,
        source_updated_at=when(r["updated_at"]),
        order_external_id=sub_order_no,
        kind=kind,
        status=RETURN_STATUS.get(raw, ReturnStatus.UNKNOWN),
        raw_status=raw,
        items=[
            ReturnItemRecord(
                external_id=rid,  # one item per return, as per sub-order
                quantity=int(r.get("quantity") or 1),
                order_item_external_id=sub_order_no,
                sku=r.get("sku"),
            )
        ],
        reason=str(reason)[:500] if reason else None,
        return_awb=r.get("reverse_awb"),
        requested_at=maybe_when(r.get("created_at")),
    )


def settlement_updated_at(s: Mapping[str, Any]) -> datetime:
    """Meesho's header has no update time. Modelled: a settlement appears (SCHEDULED) when its period
    ends and turns PAID on its payment date, so its last change is the start (IST) of that day."""
    if str(s.get("status")) == "PAID" and s.get("payment_date"):
        return ist_day_start(str(s["payment_date"]))
    return ist_day_start(date.fromisoformat(str(s["period_end"])) + timedelta(days=1))


def payout_line(line: Mapping[str, Any]) -> PayoutLineRecord:
    raw = str(line["line_type"])
    text = line.get("description")
    return PayoutLineRecord(
        external_id=str(line["line_id"]),
        line_type=LINE_TYPE.get(raw, PayoutLineType.OTHER),
        amount=money(line["amount"]),
        order_external_id=str(line["sub_order_no"]) if line.get("sub_order_no") else None,
        description=f"{raw}: {text}"[:500] if text else raw,
        occurred_at=ist_day_start(str(line["event_date"])) if line.get("event_date") else None,
        raw_type=raw,
        order_item_external_id=str(line["sub_order_no"]) if line.get("sub_order_no") else None,  # one line each
    )


def payout(s: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> PayoutRecord:
    """A settlement header with all its lines; the lines must add up to the header's net amount."""
    sid = str(s["settlement_id"])
    records = [payout_line(line) for line in lines]
    net = money(s["net_amount"])
    total = sum((r.amount for r in records), Decimal("0.00"))
    if total != net:
        raise ValueError(f"settlement {sid}: lines add up to {total}, the header says {net}")
    expected = s.get("line_count")
    if expected is not None and int(expected) != len(records):
        raise ValueError(f"settlement {sid}: {len(records)} lines read, the header says {expected}")
    raw = str(s["status"])
    paid = raw == "PAID" and s.get("payment_date")
    return PayoutRecord(
        external_id=sid,
        source_updated_at=settlement_updated_at(s),
        status=PAYOUT_STATUS.get(raw, PayoutStatus.UNKNOWN),
        raw_status=raw,
        net_amount=net,
        lines=records,
        period_start=ist_day_start(str(s["period_start"])) if s.get("period_start") else None,
        period_end=ist_day_start(date.fromisoformat(str(s["period_end"])) + timedelta(days=1))
        if s.get("period_end")
        else None,
        paid_at=ist_day_start(str(s["payment_date"])) if paid else None,
    )


def listing(p: Mapping[str, Any], seen_at: datetime) -> ListingRecord:
    """A catalogue product. Meesho's inventory call names the supplier SKU: that is the listing id.

    modelled: the product payload carries no update time; the time it was read stands in.
    """
    price = p.get("price")
    return ListingRecord(
        external_id=str(p["sku"]),
        seller_sku=str(p["sku"]),
        source_updated_at=seen_at,
        raw_status=str(p.get("status") or "UNKNOWN"),
        marketplace_sku=p.get("variation_id"),
        title=p.get("name"),
        price=Decimal(str(price)) if price is not None else None,
        quantity=int(p["stock"]) if p.get("stock") is not None else None,
        active=p.get("status") == "LIVE",
    )
