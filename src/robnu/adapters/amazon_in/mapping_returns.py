"""Amazon returns -> Robnu return records (pure): customer returns from the returns flat file, and
RTOs, which Amazon shows only as a package's ``detailedStatus`` on the order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from robnu.adapters.amazon_in.mapping import CURRENCY, detailed_status, flat_file_date, parse_time
from robnu.domain.records import ReturnItemRecord, ReturnRecord
from robnu.domain.statuses import ReturnKind, ReturnStatus

RTO_DETAILED = frozenset({"RETURNING_TO_SELLER", "RETURNED_TO_SELLER"})
# RTO return status, from the package's detailedStatus.
RTO_STATUS: dict[str, ReturnStatus] = {
    "REJECTED_BY_BUYER": ReturnStatus.REQUESTED,
    "UNDELIVERABLE": ReturnStatus.REQUESTED,
    "RETURNING_TO_SELLER": ReturnStatus.IN_TRANSIT,
    "RETURNED_TO_SELLER": ReturnStatus.DELIVERED_TO_SELLER,
}
# "Return request status" of the returns flat file (the sandbox writes Approved / Closed).
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


def rto_package(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The package whose detailedStatus says the parcel is going (or went) back to the seller."""
    for package in order.get("packages") or ():
        if detailed_status(package) in RTO_DETAILED:
            found: Mapping[str, Any] = package
            return found
    return None


def map_rto(order: Mapping[str, Any]) -> ReturnRecord:
    """An RTO, visible only as ``packages[].packageStatus.detailedStatus``: external id = orderId."""
    package = rto_package(order)
    if package is None:
        raise ValueError("order has no package returning to the seller")
    raw = detailed_status(package)
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
