"""Amazon SP-API JSON (and the returns flat file) -> Robnu records. Pure functions, no I/O.

See docs/adapters/amazon_in.md. Orders come from Orders 2026-01-01
(``definitions.Order`` with includedData FULFILLMENT, RECIPIENT, PROCEEDS, PACKAGES, PAYMENT,
CANCELLATION), customer returns from the ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` TSV, RTOs from
the packages' ``detailedStatus``, payouts from Finances v0 event groups + 2024-06-19 transactions.
Every status goes through an explicit table; an unknown raw status maps to UNKNOWN, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from robnu.domain.clock import ist_midnight
from robnu.domain.india import GST_STATE_CODES, state_code_for_pincode
from robnu.domain.money import paise
from robnu.domain.records import (
    ListingRecord,
    OrderItemRecord,
    OrderRecord,
    ShipmentRecord,
)
from robnu.domain.statuses import (
    FulfilledBy,
    OrderStatus,
    ShipmentStatus,
)

CURRENCY = "INR"

# ----------------------------------------------------------------------------------------- tables

# fulfillment.fulfillmentStatus (the raw status Robnu stores) -> normalised order status.
ORDER_STATUS: dict[str, OrderStatus] = {
    "PENDING_AVAILABILITY": OrderStatus.PENDING,  # pre-order, not yet available
    "PENDING": OrderStatus.PENDING,  # payment not authorised yet
    "UNSHIPPED": OrderStatus.NEW,  # actionable: ship it (Amazon has no separate accept step)
    "PARTIALLY_SHIPPED": OrderStatus.SHIPPED,  # some units handed over; the rest still to ship
    "SHIPPED": OrderStatus.SHIPPED,  # refined by the packages' detailedStatus below
    "CANCELLED": OrderStatus.CANCELLED,
    "UNFULFILLABLE": OrderStatus.CANCELLED,  # AFN orders from non-Amazon channels that cannot be filled
}

# packages[].packageStatus.detailedStatus (Easy Ship milestones) -> shipment status, and the
# order status it implies for a SHIPPED / UNSHIPPED order (None: keep the fulfillment status's).
DETAILED_STATUS: dict[str, tuple[ShipmentStatus, OrderStatus | None]] = {
    "PENDING_SCHEDULE": (ShipmentStatus.PENDING, None),
    "PENDING_PICK_UP": (ShipmentStatus.READY_TO_SHIP, OrderStatus.READY_TO_SHIP),
    "PENDING_DROP_OFF": (ShipmentStatus.READY_TO_SHIP, OrderStatus.READY_TO_SHIP),
    "LABEL_CANCELLED": (ShipmentStatus.CANCELLED, None),
    "PICKED_UP": (ShipmentStatus.SHIPPED, OrderStatus.SHIPPED),
    "DROPPED_OFF": (ShipmentStatus.SHIPPED, OrderStatus.SHIPPED),
    "AT_ORIGIN_FC": (ShipmentStatus.SHIPPED, OrderStatus.SHIPPED),
    "AT_DESTINATION_FC": (ShipmentStatus.SHIPPED, OrderStatus.SHIPPED),
    "OUT_FOR_DELIVERY": (ShipmentStatus.SHIPPED, OrderStatus.SHIPPED),
    "DELIVERED": (ShipmentStatus.DELIVERED, OrderStatus.DELIVERED),
    "REJECTED_BY_BUYER": (ShipmentStatus.SHIPPED, OrderStatus.RETURN_REQUESTED),  # RTO starts
    "UNDELIVERABLE": (ShipmentStatus.SHIPPED, OrderStatus.RETURN_REQUESTED),  # RTO starts
    "RETURNING_TO_SELLER": (ShipmentStatus.SHIPPED, OrderStatus.RETURN_REQUESTED),  # RTO in transit
    "RETURNED_TO_SELLER": (ShipmentStatus.RETURNED, OrderStatus.RETURNED),  # RTO received back
    "LOST": (ShipmentStatus.UNKNOWN, None),
    "DAMAGED": (ShipmentStatus.UNKNOWN, None),
}
# packageStatus.status, when a package carries no detailedStatus.
PACKAGE_STATUS: dict[str, ShipmentStatus] = {
    "PENDING": ShipmentStatus.PENDING,
    "IN_TRANSIT": ShipmentStatus.SHIPPED,
    "SHIPPED": ShipmentStatus.SHIPPED,
    "DELIVERED": ShipmentStatus.DELIVERED,
    "CANCELLED": ShipmentStatus.CANCELLED,
    "UNDELIVERABLE": ShipmentStatus.SHIPPED,  # on its way back; RETURNED once detailedStatus says so
}
# ----------------------------------------------------------------------------------------- helpers


def parse_time(value: Any) -> datetime:
    """An SP-API date-time (``…Z`` or ``+00:00``) as aware UTC; raises ValueError when unreadable."""
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def opt_time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_time(value)


def api_time(moment: datetime) -> str:
    """What SP-API accepts in a query: ISO 8601 UTC with ``Z``, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flat_file_date(value: str) -> datetime | None:
    """``10-Jul-2025`` (an IST calendar day) -> the UTC instant that day starts; blank -> None."""
    text = value.strip()
    if not text:
        return None
    return ist_midnight(datetime.strptime(text, "%d-%b-%Y").date())


def money(value: Mapping[str, Any] | None) -> Decimal | None:
    """Orders 2026 ``Money`` ({currencyCode, amount: string}); None when absent."""
    if not value:
        return None
    currency = value.get("currencyCode", CURRENCY)
    if currency != CURRENCY:
        raise ValueError(f"unexpected currency {currency}")
    return Decimal(str(value["amount"]))


def finance_money(value: Mapping[str, Any] | None) -> Decimal:
    """Finances ``Currency`` ({currencyCode|CurrencyCode, currencyAmount|CurrencyAmount: number}) in INR,
    rounded to paise (the number travels as a float)."""
    if not value:
        return Decimal("0.00")
    currency = value.get("currencyCode", value.get("CurrencyCode", CURRENCY))
    if currency != CURRENCY:
        raise ValueError(f"unexpected currency {currency}")
    amount = value.get("currencyAmount", value.get("CurrencyAmount", 0))
    return paise(str(amount))


def state_code(address: Mapping[str, Any]) -> str | None:
    """The GST state code (two digits) of a delivery address: by state name, else by pincode."""
    name = _norm_state(str(address.get("stateOrRegion") or ""))
    found = _STATE_BY_NAME.get(name)
    if found is None and address.get("postalCode"):
        found = state_code_for_pincode(str(address["postalCode"]))
    return found


def _norm_state(name: str) -> str:
    return " ".join(name.strip().upper().replace("&", "AND").split())


_STATE_BY_NAME: dict[str, str] = {_norm_state(name): code for code, name in GST_STATE_CODES.items()}

# ----------------------------------------------------------------------------------------- orders


def order_status(raw: str, packages: Sequence[Mapping[str, Any]]) -> OrderStatus:
    """The fulfillment status through ORDER_STATUS, refined by the packages' milestones: an UNSHIPPED
    Easy Ship order whose pickup is scheduled is READY_TO_SHIP; a SHIPPED order is DELIVERED,
    RETURN_REQUESTED (RTO under way) or RETURNED when every package says so."""
    status = ORDER_STATUS.get(raw, OrderStatus.UNKNOWN)
    if status not in (OrderStatus.NEW, OrderStatus.SHIPPED) or not packages:
        return status
    implied = {DETAILED_STATUS.get(detailed_status(p), (None, None))[1] for p in packages}
    if len(implied) != 1:
        return status
    (only,) = implied
    if only is None:
        return status
    if status is OrderStatus.NEW:
        return only if only is OrderStatus.READY_TO_SHIP else status
    return only if only is not OrderStatus.READY_TO_SHIP else status


def detailed_status(package: Mapping[str, Any]) -> str:
    ps = package.get("packageStatus") or {}
    return str(ps.get("detailedStatus") or "")


def shipment_status(package: Mapping[str, Any]) -> tuple[ShipmentStatus, str]:
    ps = package.get("packageStatus") or {}
    detailed = ps.get("detailedStatus")
    if detailed:
        return DETAILED_STATUS.get(str(detailed), (ShipmentStatus.UNKNOWN, None))[0], str(detailed)
    raw = str(ps.get("status") or "")
    return PACKAGE_STATUS.get(raw, ShipmentStatus.UNKNOWN), raw or "UNKNOWN"


def is_cod(order: Mapping[str, Any]) -> bool:
    payment = order.get("payment") or {}
    for execution in payment.get("paymentExecutions") or ():
        if str(execution.get("paymentMethod", "")).replace("_", "").upper() in ("CASHONDELIVERY", "COD"):
            return True
    for item in order.get("orderItems") or ():
        constraints = ((item.get("fulfillment") or {}).get("shipping") or {}).get("shippingConstraints") or {}
        if constraints.get("cashOnDelivery") == "MANDATORY":
            return True
    return False


def map_item(item: Mapping[str, Any]) -> OrderItemRecord:
    product = item["product"]
    quantity = int(item["quantityOrdered"])
    unit = money((product.get("price") or {}).get("unitPrice"))
    total = money((item.get("proceeds") or {}).get("proceedsTotal"))
    if unit is None and total is None:
        raise ValueError(f"order item {item.get('orderItemId')} has no price")
    if total is None:
        assert unit is not None
        total = unit * quantity
    if unit is None:
        unit = paise(total / quantity) if quantity else total
    cancelled = bool((item.get("cancellation") or {}).get("cancellationExecution"))
    return OrderItemRecord(
        external_id=str(item["orderItemId"]),
        sku=str(product.get("sellerSku") or product["asin"]),
        quantity=quantity,
        unit_price=unit,
        line_total=total,
        marketplace_sku=product.get("asin"),
        title=product.get("title"),
        status=OrderStatus.CANCELLED if cancelled else None,
    )


def map_package(package: Mapping[str, Any], dispatch_by: datetime | None) -> ShipmentRecord:
    status, raw = shipment_status(package)
    return ShipmentRecord(
        external_id=str(package["packageReferenceId"]),
        status=status,
        raw_status=raw,
        awb=package.get("trackingNumber") or None,
        courier=package.get("carrier") or None,
        dispatch_by=dispatch_by,
        shipped_at=opt_time(package.get("shipTime")),
        delivered_at=None,  # SP-API gives no delivery time; the status says DELIVERED
    )


def map_order(order: Mapping[str, Any]) -> OrderRecord:
    """One 2026-01-01 ``Order``; raw status = ``fulfillment.fulfillmentStatus`` (required with FULFILLMENT)."""
    fulfillment = order["fulfillment"]
    raw = str(fulfillment["fulfillmentStatus"])
    packages = list(order.get("packages") or ())
    items = [map_item(i) for i in order["orderItems"]]
    total = money((order.get("proceeds") or {}).get("grandTotal"))
    if total is None:
        total = sum((i.line_total for i in items), Decimal("0.00"))
    dispatch_by = opt_time((fulfillment.get("shipByWindow") or {}).get("latestDateTime"))
    address = (order.get("recipient") or {}).get("deliveryAddress") or {}
    return OrderRecord(
        external_id=str(order["orderId"]),
        source_updated_at=parse_time(order["lastUpdatedTime"]),
        status=order_status(raw, packages),
        raw_status=raw,
        ordered_at=parse_time(order["createdTime"]),
        order_total=total,
        items=items,
        shipments=[map_package(p, dispatch_by) for p in packages],
        is_cod=is_cod(order),
        ship_city=address.get("city") or None,
        ship_state_code=state_code(address) if address else None,
        ship_pincode=address.get("postalCode") or None,
        dispatch_by=dispatch_by,
        fulfilled_by=FulfilledBy.MARKETPLACE if fulfillment.get("fulfilledBy") == "AMAZON" else FulfilledBy.SELLER,
    )


# ----------------------------------------------------------------------------------------- listings

LISTING_CHANNEL = "DEFAULT"  # the seller-fulfilled channel; the quantity Robnu patches is this one


def map_listing(item: Mapping[str, Any], marketplace_id: str, seen_at: datetime) -> ListingRecord:
    """A Listings Items 2021-08-01 ``Item`` (getListingsItem, includedData summaries, offers and
    fulfillmentAvailability), seen in the account's marketplace.

    * ``external_id`` = ``seller_sku`` = ``sku``: Amazon addresses a listing by seller SKU (the patch path).
    * The marketplace's summary gives ``asin`` (``marketplace_sku``), ``itemName`` (``title``),
      ``lastUpdatedDate`` (``source_updated_at``; the read time when absent) and ``status`` (BUYABLE /
      DISCOVERABLE): ``raw_status`` is the list joined with commas (NONE when empty); active = BUYABLE. An item
      without a summary for the marketplace cannot be read as a listing there (ValueError: quarantined).
    * ``quantity`` = ``fulfillmentAvailability`` of channel DEFAULT (seller-fulfilled); None without one (an
      Amazon-fulfilled listing's quantity is Amazon's).
    * ``price`` = the marketplace's B2C offer price (INR); None without one.
    """
    sku = str(item["sku"])
    if not sku:
        raise ValueError("listing without a sku")
    summaries = item.get("summaries") or []
    if not isinstance(summaries, list):
        raise ValueError(f"SKU {sku}: summaries is not a list")
    summary = next((x for x in summaries if x["marketplaceId"] == marketplace_id), None)
    if summary is None:
        raise ValueError(f"SKU {sku}: no summary for marketplace {marketplace_id}")
    statuses = summary.get("status") or []
    if not isinstance(statuses, list):
        raise ValueError(f"SKU {sku}: status is not a list")
    quantity: int | None = None
    for entry in item.get("fulfillmentAvailability") or []:
        if entry["fulfillmentChannelCode"] == LISTING_CHANNEL and entry.get("quantity") is not None:
            value = entry["quantity"]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"SKU {sku}: quantity {value!r} is not an integer")
            quantity = value
    price: Decimal | None = None
    for offer in item.get("offers") or []:
        if offer.get("marketplaceId") == marketplace_id and offer.get("offerType") == "B2C":
            price = money(offer.get("price"))
    asin, name = summary.get("asin"), summary.get("itemName")
    return ListingRecord(
        external_id=sku,
        seller_sku=sku,
        source_updated_at=opt_time(summary.get("lastUpdatedDate")) or seen_at,
        raw_status=",".join(str(x) for x in statuses) or "NONE",
        marketplace_sku=str(asin) if asin else None,
        title=str(name) if name else None,
        price=price,
        quantity=quantity,
        active="BUYABLE" in statuses,
    )
