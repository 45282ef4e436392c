"""Amazon SP-API JSON (and the returns flat file) -> Robnu records. Pure functions, no I/O.

References are to shared/reference/amazon-sp-api.md (§n). Orders come from Orders 2026-01-01
(``definitions.Order`` with includedData FULFILLMENT, RECIPIENT, PROCEEDS, PACKAGES, PAYMENT,
CANCELLATION), customer returns from the ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` TSV, RTOs from
the packages' ``detailedStatus``, payouts from Finances v0 event groups + 2024-06-19 transactions.
Every status goes through an explicit table; an unknown raw status maps to UNKNOWN, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from robnu.domain.india import GST_STATE_CODES, state_code_for_pincode
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
    FulfilledBy,
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)

IST = timedelta(hours=5, minutes=30)
CURRENCY = "INR"

# ----------------------------------------------------------------------------------------- tables

# §6.3 fulfillment.fulfillmentStatus (the raw status Robnu stores) -> normalised order status.
ORDER_STATUS: dict[str, OrderStatus] = {
    "PENDING_AVAILABILITY": OrderStatus.PENDING,  # pre-order, not yet available
    "PENDING": OrderStatus.PENDING,  # payment not authorised yet
    "UNSHIPPED": OrderStatus.NEW,  # actionable: ship it (Amazon has no separate accept step)
    "PARTIALLY_SHIPPED": OrderStatus.SHIPPED,  # some units handed over; the rest still to ship
    "SHIPPED": OrderStatus.SHIPPED,  # refined by the packages' detailedStatus below
    "CANCELLED": OrderStatus.CANCELLED,
    "UNFULFILLABLE": OrderStatus.CANCELLED,  # AFN orders from non-Amazon channels that cannot be filled
}

# §6.3 packages[].packageStatus.detailedStatus (Easy Ship milestones) -> shipment status, and the
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
RTO_DETAILED = frozenset({"RETURNING_TO_SELLER", "RETURNED_TO_SELLER"})
# RTO return status, from the package's detailedStatus.
RTO_STATUS: dict[str, ReturnStatus] = {
    "REJECTED_BY_BUYER": ReturnStatus.REQUESTED,
    "UNDELIVERABLE": ReturnStatus.REQUESTED,
    "RETURNING_TO_SELLER": ReturnStatus.IN_TRANSIT,
    "RETURNED_TO_SELLER": ReturnStatus.DELIVERED_TO_SELLER,
}
# "Return request status" of the returns flat file (§10; the sandbox writes Approved / Closed).
RETURN_STATUS: dict[str, ReturnStatus] = {
    "PENDING": ReturnStatus.REQUESTED,
    "REQUESTED": ReturnStatus.REQUESTED,
    "PENDINGAPPROVAL": ReturnStatus.REQUESTED,
    "APPROVED": ReturnStatus.APPROVED,
    "AUTHORIZED": ReturnStatus.APPROVED,
    "AUTHORISED": ReturnStatus.APPROVED,
    "INTRANSIT": ReturnStatus.IN_TRANSIT,
    "RECEIVED": ReturnStatus.DELIVERED_TO_SELLER,
    "DELIVERED": ReturnStatus.DELIVERED_TO_SELLER,
    "CLOSED": ReturnStatus.CLOSED,
    "COMPLETED": ReturnStatus.CLOSED,
    "REFUNDED": ReturnStatus.CLOSED,
    "REJECTED": ReturnStatus.CANCELLED,
    "DENIED": ReturnStatus.CANCELLED,
    "CANCELLED": ReturnStatus.CANCELLED,
    "CANCELED": ReturnStatus.CANCELLED,
}
# Finances v0 group: (ProcessingStatus, FundTransferStatus) -> payout status (§8.1: both free text).
FUND_TRANSFER_STATUS: dict[str, PayoutStatus] = {
    "SUCCEEDED": PayoutStatus.PAID,
    "PROCESSING": PayoutStatus.SCHEDULED,
    "INITIATED": PayoutStatus.SCHEDULED,
    "PENDING": PayoutStatus.SCHEDULED,
    "FAILED": PayoutStatus.FAILED,
}
# Finances 2024-06-19 leaf breakdownType -> line type (§8.3: no enum; unknown -> OTHER).
# ``None`` means "by sign": credits are one type, debits another (see ``line_type``).
BREAKDOWN_TYPE: dict[str, PayoutLineType | None] = {
    "ProductCharges": None,  # + sale / - refund or reversal
    "Principal": None,
    "Tax": None,
    "Commission": None,  # - commission / + commission given back on a return
    "RefundCommission": PayoutLineType.COMMISSION,
    "FixedClosingFee": PayoutLineType.FIXED_FEE,
    "ClosingFee": PayoutLineType.FIXED_FEE,
    "ShippingFee": PayoutLineType.SHIPPING_FEE,
    "ReverseShippingFee": PayoutLineType.SHIPPING_FEE,
    "ShippingChargeback": PayoutLineType.SHIPPING_FEE,
    "ShippingCharge": PayoutLineType.SHIPPING_FEE,
    "CODFee": PayoutLineType.COLLECTION_FEE,
    "CollectionFee": PayoutLineType.COLLECTION_FEE,
    "GSTOnFees": PayoutLineType.GST_ON_FEES,
    "LateDispatchPenalty": PayoutLineType.PENALTY,
    "Penalties": PayoutLineType.PENALTY,
    "Adjustment": PayoutLineType.ADJUSTMENT,
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
    """``10-Jul-2025`` (an IST calendar day, §10) -> the UTC instant that day starts; blank -> None."""
    text = value.strip()
    if not text:
        return None
    day = datetime.strptime(text, "%d-%b-%Y")
    return (day - IST).replace(tzinfo=UTC)


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
    return Decimal(str(amount)).quantize(Decimal("0.01"))


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
    implied = {DETAILED_STATUS.get(_detailed(p), (None, None))[1] for p in packages}
    if len(implied) != 1:
        return status
    (only,) = implied
    if only is None:
        return status
    if status is OrderStatus.NEW:
        return only if only is OrderStatus.READY_TO_SHIP else status
    return only if only is not OrderStatus.READY_TO_SHIP else status


def _detailed(package: Mapping[str, Any]) -> str:
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
        unit = (total / quantity).quantize(Decimal("0.01")) if quantity else total
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


def rto_package(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The package whose detailedStatus says the parcel is going (or went) back to the seller."""
    for package in order.get("packages") or ():
        if _detailed(package) in RTO_DETAILED:
            found: Mapping[str, Any] = package
            return found
    return None


def map_rto(order: Mapping[str, Any]) -> ReturnRecord:
    """An RTO, visible only as ``packages[].packageStatus.detailedStatus`` (§6.3): external id = orderId."""
    package = rto_package(order)
    if package is None:
        raise ValueError("order has no package returning to the seller")
    raw = _detailed(package)
    order_id = str(order["orderId"])
    quantities: dict[str, int] = {}
    for pi in package.get("packageItems") or ():
        quantities[str(pi["orderItemId"])] = quantities.get(str(pi["orderItemId"]), 0) + int(pi["quantity"])
    items = []
    for item in order["orderItems"]:
        item_id = str(item["orderItemId"])
        quantity = quantities.get(item_id, 0 if quantities else int(item["quantityOrdered"]))
        if quantity:
            items.append(
                ReturnItemRecord(
                    external_id=f"{order_id}:RTO:{item_id}",
                    quantity=quantity,
                    order_item_external_id=item_id,
                    sku=(item.get("product") or {}).get("sellerSku"),
                )
            )
    return ReturnRecord(
        external_id=order_id,
        source_updated_at=parse_time(order["lastUpdatedTime"]),
        order_external_id=order_id,
        kind=ReturnKind.RTO,
        status=RTO_STATUS.get(raw, ReturnStatus.UNKNOWN),
        raw_status=raw,
        items=items,
        reason="Undelivered: returned to origin",
        return_awb=package.get("trackingNumber") or None,
    )


# ----------------------------------------------------------------------------------------- returns


def _cell(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def map_customer_return(rows: Sequence[Mapping[str, str | None]]) -> ReturnRecord:
    """The rows of one ``Amazon RMA ID`` in the returns flat file (one row per returned SKU)."""
    first = rows[0]
    rma = _cell(first, "Amazon RMA ID")
    order_id = _cell(first, "Order ID")
    if not rma or not order_id:
        raise ValueError("row without Amazon RMA ID or Order ID")
    raw = _cell(first, "Return request status")
    requested = flat_file_date(_cell(first, "Return request date"))
    if requested is None:
        raise ValueError(f"return {rma} has no return request date")
    # A later status is a later day: the return's delivery date once it is closed.
    delivered = [d for r in rows if (d := flat_file_date(_cell(r, "Return delivery date"))) is not None]
    refunded = [Decimal(v) for r in rows if (v := _cell(r, "Refunded Amount"))]
    items = []
    for r in rows:
        sku = _cell(r, "Merchant SKU") or _cell(r, "ASIN")
        items.append(
            ReturnItemRecord(
                external_id=f"{rma}:{sku}",
                quantity=int(_cell(r, "Return quantity") or "1"),
                sku=sku or None,
            )
        )
    return ReturnRecord(
        external_id=rma,
        source_updated_at=max([requested, *delivered]),
        order_external_id=order_id,
        kind=ReturnKind.CUSTOMER_RETURN,
        status=RETURN_STATUS.get(raw.replace(" ", "").replace("_", "").upper(), ReturnStatus.UNKNOWN),
        raw_status=raw or "UNKNOWN",
        items=items,
        reason=_cell(first, "Return Reason") or None,
        return_awb=_cell(first, "Tracking ID") or None,
        requested_at=requested,
        refund_amount=sum(refunded, Decimal("0.00")) if refunded else None,
        currency=_cell(first, "Currency code") or CURRENCY,
    )


# ----------------------------------------------------------------------------------------- payouts


def line_type(label: str, amount: Decimal) -> PayoutLineType:
    if label.startswith("TCS"):
        return PayoutLineType.TCS
    if label.startswith("TDS"):
        return PayoutLineType.TDS
    if label not in BREAKDOWN_TYPE:
        return PayoutLineType.OTHER
    found = BREAKDOWN_TYPE[label]
    if found is not None:
        return found
    if label == "Commission":
        return PayoutLineType.COMMISSION if amount <= 0 else PayoutLineType.REVERSAL
    return PayoutLineType.SALE if amount >= 0 else PayoutLineType.REFUND


def _identifier(identifiers: Iterable[Mapping[str, Any]], name: str) -> str | None:
    for ident in identifiers or ():
        if ident.get("relatedIdentifierName") == name:
            value = ident.get("relatedIdentifierValue")
            return str(value) if value not in (None, "") else None
    return None


def _item_identifier(identifiers: Iterable[Mapping[str, Any]]) -> str | None:
    """The order item a transaction item is for (``ORDER_ADJUSTMENT_ITEM_ID``), when Amazon names it."""
    for ident in identifiers:
        if ident.get("itemRelatedIdentifierName") == "ORDER_ADJUSTMENT_ITEM_ID":
            value = ident.get("itemRelatedIdentifierValue")
            return str(value) if value not in (None, "") else None
    return None


def _leaves(breakdowns: Sequence[Mapping[str, Any]], path: str) -> Iterable[tuple[str, str, Decimal]]:
    """(path, label, amount) of every leaf of a breakdown tree (parents are the sums of children)."""
    for node in breakdowns:
        label = str(node.get("breakdownType") or "Unlabelled")
        here = f"{path}/{label}" if path else label
        children = node.get("breakdowns") or []
        if children:
            yield from _leaves(children, here)
        else:
            yield here, label, finance_money(node.get("breakdownAmount"))


def transaction_lines(txn: Mapping[str, Any]) -> list[PayoutLineRecord]:
    """One 2024-06-19 ``Transaction`` -> its signed lines; they always add up to ``totalAmount``.

    Each item's breakdown leaves become lines; a difference between the leaves and the item total (or
    an item without breakdowns, or a transaction without items) becomes an ADJUSTMENT / OTHER line.
    """
    txn_id = str(txn["transactionId"])
    order_id = _identifier(txn.get("relatedIdentifiers") or [], "ORDER_ID")
    posted = opt_time(txn.get("postedDate"))
    description = str(txn.get("description") or txn.get("transactionType") or "")
    total = finance_money(txn.get("totalAmount"))
    lines: list[PayoutLineRecord] = []

    def add(
        key: str, kind: PayoutLineType, amount: Decimal, text: str, raw: str | None = None, item: str | None = None
    ) -> None:
        lines.append(
            PayoutLineRecord(
                external_id=f"{txn_id}:{key}",
                line_type=kind,
                amount=amount,
                order_external_id=order_id,
                description=f"{description}: {text}"[:500] if description else text,
                occurred_at=posted,
                raw_type=raw,
                order_item_external_id=item,
            )
        )

    items = txn.get("items") or []
    for index, item in enumerate(items):
        item_total = finance_money(item.get("totalAmount")) if item.get("totalAmount") else None
        item_id = _item_identifier(item.get("relatedIdentifiers") or [])
        leaf_sum = Decimal("0.00")
        for path, label, amount in _leaves(item.get("breakdowns") or [], ""):
            add(f"{index}:{path}", line_type(label, amount), amount, label, path, item_id)
            leaf_sum += amount
        if item_total is not None and item_total != leaf_sum:
            add(f"{index}:unexplained", PayoutLineType.ADJUSTMENT, item_total - leaf_sum, "not itemised", None, item_id)
    covered = sum((line.amount for line in lines), Decimal("0.00"))
    if txn.get("totalAmount") and covered != total:
        add("unexplained", PayoutLineType.ADJUSTMENT if items else PayoutLineType.OTHER, total - covered, "total")
    return lines


def payout_status(group: Mapping[str, Any]) -> tuple[PayoutStatus, str]:
    processing = str(group.get("ProcessingStatus") or "")
    transfer = str(group.get("FundTransferStatus") or "")
    raw = f"{processing}/{transfer}" if transfer else processing or "UNKNOWN"
    if processing.upper() == "OPEN":
        return PayoutStatus.OPEN, raw
    if processing.upper() != "CLOSED":
        return PayoutStatus.UNKNOWN, raw
    return FUND_TRANSFER_STATUS.get(transfer.upper(), PayoutStatus.UNKNOWN), raw


def map_payout(group: Mapping[str, Any], lines: list[PayoutLineRecord]) -> PayoutRecord:
    """One Finances v0 ``FinancialEventGroup`` with the lines of its transactions; net = sum of lines.

    ``source_updated_at`` moves with every new posting, the closing and the transfer, so each of them
    updates the stored payout.
    """
    group_id = str(group["FinancialEventGroupId"])
    status, raw = payout_status(group)
    start = opt_time(group.get("FinancialEventGroupStart"))
    end = opt_time(group.get("FinancialEventGroupEnd"))
    transfer = opt_time(group.get("FundTransferDate"))
    paid_at = transfer if status is PayoutStatus.PAID else None
    moments = [m for m in (start, end, paid_at, *(line.occurred_at for line in lines)) if m is not None]
    if not moments:
        raise ValueError(f"group {group_id} has no date at all")
    return PayoutRecord(
        external_id=group_id,
        source_updated_at=max(moments),
        status=status,
        raw_status=raw,
        net_amount=sum((line.amount for line in lines), Decimal("0.00")),
        lines=lines,
        period_start=start,
        period_end=end,
        paid_at=paid_at,
    )


# ----------------------------------------------------------------------------------------- listings

LISTING_CHANNEL = "DEFAULT"  # §9: the seller-fulfilled channel; the quantity Robnu patches is this one


def map_listing(item: Mapping[str, Any], marketplace_id: str, seen_at: datetime) -> ListingRecord:
    """A Listings Items 2021-08-01 ``Item`` (getListingsItem, includedData summaries, offers and
    fulfillmentAvailability, §9), seen in the account's marketplace.

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
