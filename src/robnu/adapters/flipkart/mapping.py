"""Pure mapping from Flipkart Seller API JSON (and the settlement CSV) to Robnu records.

Nothing here does I/O. Status tables are explicit; a raw status missing from a table maps to
UNKNOWN (the raw value is always kept beside it), never to an exception.
docs/adapters/flipkart.md lists the statuses and the settlement report's layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from robnu.domain.clock import IST
from robnu.domain.money import paise
from robnu.domain.records import (
    ListingRecord,
    OrderItemRecord,
    OrderRecord,
    PackageRecord,
    ShipmentRecord,
)
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    ReturnStatus,
    ShipmentStatus,
)

CANCELLED = "CANCELLED"

# OrderItem.status -> order status. Flipkart has no acceptance step: APPROVED is a confirmed order waiting to be
# packed, so it is ACCEPTED (PENDING while Flipkart holds it, see ``order_status``).
ORDER_STATUS: dict[str, OrderStatus] = {
    "APPROVED": OrderStatus.ACCEPTED,
    "PACKING_IN_PROGRESS": OrderStatus.ACCEPTED,
    "FORM_FAILED": OrderStatus.ACCEPTED,
    "PACKED": OrderStatus.PACKED,
    "READY_TO_DISPATCH": OrderStatus.READY_TO_SHIP,
    "PICKUP_COMPLETE": OrderStatus.SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "DELIVERED": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.DELIVERED,
    "CANCELLED": OrderStatus.CANCELLED,
    "RETURN_REQUESTED": OrderStatus.RETURN_REQUESTED,
    "RETURNED": OrderStatus.RETURNED,
}

SHIPMENT_STATUS: dict[str, ShipmentStatus] = {
    "APPROVED": ShipmentStatus.PENDING,
    "PACKING_IN_PROGRESS": ShipmentStatus.PENDING,
    "FORM_FAILED": ShipmentStatus.PENDING,
    "PACKED": ShipmentStatus.PACKED,
    "READY_TO_DISPATCH": ShipmentStatus.READY_TO_SHIP,
    "PICKUP_COMPLETE": ShipmentStatus.SHIPPED,
    "SHIPPED": ShipmentStatus.SHIPPED,
    "DELIVERED": ShipmentStatus.DELIVERED,
    "COMPLETED": ShipmentStatus.DELIVERED,
    "CANCELLED": ShipmentStatus.CANCELLED,
    "RETURNED": ShipmentStatus.RETURNED,
    # RETURN_REQUESTED depends on the kind of return: see ``shipment_status``
}

# Lifecycle rank: an order (or shipment) with items in several statuses shows its least advanced live
# item; a status not in this list ranks first, so an unknown status surfaces as UNKNOWN.
LIFECYCLE = (
    "APPROVED",
    "PACKING_IN_PROGRESS",
    "FORM_FAILED",
    "PACKED",
    "READY_TO_DISPATCH",
    "PICKUP_COMPLETE",
    "SHIPPED",
    "DELIVERED",
    "RETURN_REQUESTED",
    "RETURNED",
    "COMPLETED",
)
_RANK = {s: n for n, s in enumerate(LIFECYCLE)}

# Return statuses: the sandbox emits lower-case created|picked_up|completed|cancelled|rejected (modelled casing);
# notifications use RETURN_CREATED...; the internal filter vocabulary adds init, service_requested...
RETURN_STATUS: dict[str, ReturnStatus] = {
    "init": ReturnStatus.REQUESTED,
    "created": ReturnStatus.REQUESTED,
    "service_requested": ReturnStatus.APPROVED,
    "approved": ReturnStatus.APPROVED,
    "picked_up": ReturnStatus.IN_TRANSIT,
    "in_transit": ReturnStatus.IN_TRANSIT,
    "completed": ReturnStatus.DELIVERED_TO_SELLER,
    "cancelled": ReturnStatus.CANCELLED,
    "cancellation_in_progress": ReturnStatus.CANCELLED,
    "rejected": ReturnStatus.CANCELLED,
}

# Settlement report line_type (modelled CSV); fee reversals are recognised by their sign.
LINE_TYPE: dict[str, PayoutLineType] = {
    "SALE": PayoutLineType.SALE,
    "COMMISSION": PayoutLineType.COMMISSION,
    "FIXED_FEE": PayoutLineType.FIXED_FEE,
    "COLLECTION_FEE": PayoutLineType.COLLECTION_FEE,
    "SHIPPING_FEE": PayoutLineType.SHIPPING_FEE,
    "REVERSE_SHIPPING_FEE": PayoutLineType.SHIPPING_FEE,
    "PICK_PACK_FEE": PayoutLineType.OTHER,
    "STORAGE_FEE": PayoutLineType.OTHER,
    "SPF_CLAIM": PayoutLineType.ADJUSTMENT,
    "PLA_ADS": PayoutLineType.OTHER,
    "RECALL_FEE": PayoutLineType.OTHER,
    "SELLER_CANCELLATION_PENALTY": PayoutLineType.PENALTY,
    "SLA_PENALTY": PayoutLineType.PENALTY,
    "REFUND": PayoutLineType.REFUND,
    "ADJUSTMENT": PayoutLineType.ADJUSTMENT,
}
FEE_TYPES = frozenset({"COMMISSION", "FIXED_FEE", "COLLECTION_FEE", "SHIPPING_FEE", "REVERSE_SHIPPING_FEE"})


# ---------------------------------------------------------------------------------------------- values
def parse_ts(text: Any) -> datetime:
    """ISO 8601 with an offset (IST in practice) or ``Z``; a naive value is read as IST."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a timestamp: {text!r}")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=IST)
    return value.astimezone(UTC)


def opt_ts(text: Any) -> datetime | None:
    return parse_ts(text) if isinstance(text, str) and text else None


def fk_time(instant: datetime) -> str:
    """A timestamp as Flipkart writes them: milliseconds and the IST offset."""
    local = instant.astimezone(IST)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+05:30"


def money(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    return paise(str(value))


# ---------------------------------------------------------------------------------------------- statuses
def combined_status(statuses: Iterable[str]) -> str:
    """The raw status of an order or shipment from its items' statuses: the least advanced live item,
    or CANCELLED when every item is cancelled."""
    live = [s for s in statuses if s != CANCELLED]
    if not live:
        return CANCELLED
    return min(live, key=lambda s: _RANK.get(s, -1))


def order_status(raw: str, *, hold: bool = False) -> OrderStatus:
    status = ORDER_STATUS.get(raw, OrderStatus.UNKNOWN)
    if hold and status is OrderStatus.ACCEPTED:
        return OrderStatus.PENDING  # Flipkart holds it (COD, address or fraud check)
    return status


def shipment_status(raw: str, *, courier_return: bool = False) -> ShipmentStatus:
    if raw == "RETURN_REQUESTED":  # RTO: still with the courier; customer return: it was delivered
        return ShipmentStatus.SHIPPED if courier_return else ShipmentStatus.DELIVERED
    return SHIPMENT_STATUS.get(raw, ShipmentStatus.UNKNOWN)


def return_status(raw: str) -> ReturnStatus:
    key = raw.strip().lower()
    if key.startswith("return_"):
        key = key[len("return_") :]
    return RETURN_STATUS.get(key, ReturnStatus.UNKNOWN)


def line_type(raw: str, amount: Decimal) -> PayoutLineType:
    if raw in FEE_TYPES and amount > 0:
        return PayoutLineType.REVERSAL  # a fee given back (commission reversed on a customer return)
    return LINE_TYPE.get(raw, PayoutLineType.OTHER)


# ---------------------------------------------------------------------------------------------- orders
def _courier(details: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """AWB and courier from shipment details: under ``subShipments[]`` now, at shipment level in
    the 2022 SDK; the delivery leg first, else the pickup leg."""
    if not details:
        return None, None
    places: list[Any] = [s.get("courierDetails") for s in details.get("subShipments") or []]
    places.append(details.get("courierDetails"))
    for place in places:
        if not isinstance(place, dict):
            continue
        for leg in ("deliveryDetails", "pickupDetails"):
            info = place.get(leg)
            if isinstance(info, dict) and info.get("trackingId"):
                return str(info["trackingId"]), (str(info["vendorName"]) if info.get("vendorName") else None)
    return None, None


def _cm(value: Any) -> Decimal | None:
    return Decimal(str(value)).quantize(Decimal("0.1")) if value not in (None, "") else None


def _package(details: Mapping[str, Any] | None) -> PackageRecord | None:
    """The declared box of the first sub-shipment (``shipmentDimensions``: cm and kg), if given."""
    for sub in (details or {}).get("subShipments") or []:
        dims = sub.get("shipmentDimensions") if isinstance(sub, dict) else None
        if not isinstance(dims, dict):
            continue
        weight = dims.get("weight")
        grams = int((Decimal(str(weight)) * 1000).to_integral_value()) if weight not in (None, "") else None
        return PackageRecord(grams, _cm(dims.get("length")), _cm(dims.get("breadth")), _cm(dims.get("height")))
    return None


def _address(details: Mapping[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    address = (details or {}).get("deliveryAddress")
    if not isinstance(address, dict):
        return None, None, None
    pincode = address.get("pinCode") or address.get("pincode")  # both spellings circulate
    return (
        address.get("city") or None,
        address.get("stateCode") or None,
        str(pincode) if pincode else None,
    )


def _item(raw: Mapping[str, Any]) -> OrderItemRecord:
    prices = raw["priceComponents"]
    quantity = int(raw["quantity"])
    if quantity <= 0:
        raise ValueError(f"order item {raw.get('orderItemId')}: quantity {quantity}")
    line_total = money(prices["totalPrice"])
    selling = money(prices["sellingPrice"])  # the line's selling price (all units), GST-inclusive
    status = str(raw["status"])
    return OrderItemRecord(
        external_id=str(raw["orderItemId"]),
        sku=str(raw["sku"]),
        quantity=quantity,
        unit_price=paise(selling / quantity),
        line_total=line_total,
        marketplace_sku=raw.get("fsn") or None,
        title=raw.get("title") or None,
        hsn=raw.get("hsn") or None,
        status=order_status(status),
        raw_status=status,
    )


def map_order(shipments: Sequence[Mapping[str, Any]], details: Mapping[str, Mapping[str, Any]]) -> OrderRecord:
    """One order from every shipment that carries its items (a shipment holds items of one order).

    ``details`` maps shipmentId -> the shipment-details object where it was fetched.
    """
    if not shipments:
        raise ValueError("an order needs at least one shipment")
    order_ids = {str(item["orderId"]) for sh in shipments for item in sh["orderItems"]}
    if len(order_ids) != 1:
        raise ValueError(f"shipments of several orders grouped together: {sorted(order_ids)}")
    external_id = order_ids.pop()
    items: list[OrderItemRecord] = []
    records: list[ShipmentRecord] = []
    seen_items: set[str] = set()
    raw_items: list[str] = []
    is_cod = False
    held = False
    ordered: list[datetime] = []
    dispatch_by: list[datetime] = []
    city = state = pincode = None
    for sh in sorted(shipments, key=lambda s: str(s["shipmentId"])):
        shipment_id = str(sh["shipmentId"])
        item_statuses = [str(i["status"]) for i in sh["orderItems"]]
        if not item_statuses:
            raise ValueError(f"shipment {shipment_id} has no order items")
        raw = combined_status(item_statuses)
        courier_return = any(bool(i.get("courierReturn")) for i in sh["orderItems"])
        detail = details.get(shipment_id)
        awb, courier = _courier(detail)
        if city is None:
            city, state, pincode = _address(detail)
        due = parse_ts(sh["dispatchByDate"]) if sh.get("dispatchByDate") else None
        if due is not None and raw != CANCELLED:
            dispatch_by.append(due)
        held = held or bool(sh.get("hold"))
        records.append(
            ShipmentRecord(
                external_id=shipment_id,
                status=shipment_status(raw, courier_return=courier_return),
                raw_status=raw,
                awb=awb,
                courier=courier,
                dispatch_by=due,
                package=_package(detail),
            )
        )
        for raw_item in sh["orderItems"]:
            item = _item(raw_item)
            if item.external_id in seen_items:
                continue
            seen_items.add(item.external_id)
            items.append(item)
            raw_items.append(str(raw_item["status"]))
            ordered.append(parse_ts(raw_item["orderDate"]))
            is_cod = is_cod or str(raw_item.get("paymentType", "")).upper() == "COD"
    raw_status = combined_status(raw_items)
    return OrderRecord(
        external_id=external_id,
        source_updated_at=max(parse_ts(sh["updatedAt"]) for sh in shipments),
        status=order_status(raw_status, hold=held),
        raw_status=raw_status,
        ordered_at=min(ordered),
        order_total=sum((i.line_total for i in items), Decimal(0)),
        items=items,
        shipments=records,
        is_cod=is_cod,
        ship_city=city,
        ship_state_code=state,
        ship_pincode=pincode,
        dispatch_by=min(dispatch_by) if dispatch_by else None,
    )


def group_by_order(shipments: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Shipments keyed by their order id (first seen first); a shipment repeated is kept once."""
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for sh in shipments:
        order_id = order_id_of(sh)
        out.setdefault(order_id, {})[str(sh.get("shipmentId"))] = sh
    return {k: list(v.values()) for k, v in out.items()}


def order_id_of(shipment: Mapping[str, Any]) -> str:
    items = shipment.get("orderItems") or []
    if not items or not items[0].get("orderId"):
        raise ValueError(f"shipment {shipment.get('shipmentId')} names no order")
    return str(items[0]["orderId"])


# ---------------------------------------------------------------------------------------------- listings
def _count(value: Any) -> int:
    """An inventory count: an integer (or a string of one), never a bool or a fraction."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a count: {value!r}")
    return int(value)


def map_listing(sku: str, raw: Mapping[str, Any], location_id: str, seen_at: datetime) -> ListingRecord:
    """One listing of ``GET /sellers/listings/v3/{skuIds}``: ``available[sku]``.

    * ``external_id`` is the listing id (``LST`` + FSN + 6 chars); ``marketplace_sku`` the FSN
      (``product_id``), which the inventory update must carry.
    * ``quantity`` is ``inventory`` at the account's location, the number Robnu pushes there; None when the
      listing has no entry for that location (nothing to compare).
    * ``raw_status`` is ``listing_status`` (ACTIVE | INACTIVE), or ARCHIVED when ``archived_status`` says so;
      active means ACTIVE, not archived and not DISABLED at the account's location.
    * ``price`` is ``price.selling_price`` (integer rupees). ``title`` is ``product_title``, which only the
      OAS example shows (the schema and the sandbox have none): None when absent.
    * modelled: the payload has no update time; the time it was read stands in.
    """
    listing_id = raw["listing_id"]
    if not isinstance(listing_id, str) or not listing_id.strip():
        raise ValueError(f"SKU {sku}: listing_id {listing_id!r}")
    status = str(raw.get("listing_status") or "UNKNOWN").upper()
    archived = str(raw.get("archived_status") or "NONE").upper() == "ARCHIVED"
    quantity: int | None = None
    location_status: str | None = None
    for location in raw.get("locations") or []:
        if str(location["id"]) == location_id:
            inventory = location.get("inventory")
            quantity = _count(inventory) if inventory is not None else None
            location_status = str(location.get("status") or "") or None
    price = raw.get("price") or {}
    selling = price.get("selling_price")
    product_id = raw.get("product_id")
    title = raw.get("product_title")
    return ListingRecord(
        external_id=listing_id.strip(),
        seller_sku=sku,
        source_updated_at=seen_at,
        raw_status="ARCHIVED" if archived else status,
        marketplace_sku=str(product_id) if product_id else None,
        title=str(title) if title else None,
        price=money(selling) if selling is not None else None,
        quantity=quantity,
        active=status == "ACTIVE" and not archived and location_status != "DISABLED",
    )
