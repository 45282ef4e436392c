"""Flipkart returns (``GET /sellers/v2/returns``) -> Robnu return records. Pure mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robnu.adapters.flipkart.mapping import opt_ts, parse_ts, return_status
from robnu.domain.records import ReturnItemRecord, ReturnRecord
from robnu.domain.statuses import ReturnKind


def map_return(raw: Mapping[str, Any]) -> ReturnRecord:
    """One ``returnItems[]`` entry of GET /sellers/v2/returns: one returned order item."""
    return_id = str(raw["returnId"])
    source = str(raw["type"]).lower()
    if source not in ("customer_return", "courier_return"):
        raise ValueError(f"return {return_id}: unknown type {raw['type']!r}")
    status = str(raw["status"])
    reason = raw.get("reason") or None
    if reason and raw.get("subReason"):
        reason = f"{reason}: {raw['subReason']}"
    quantity = int(raw["quantity"])
    return ReturnRecord(
        external_id=return_id,
        source_updated_at=parse_ts(raw.get("updatedDate") or raw["createdDate"]),
        order_external_id=str(raw["orderId"]),
        kind=ReturnKind.RTO if source == "courier_return" else ReturnKind.CUSTOMER_RETURN,
        status=return_status(status),
        raw_status=status,
        items=[
            ReturnItemRecord(
                external_id=return_id,
                quantity=quantity,
                order_item_external_id=str(raw["orderItemId"]) if raw.get("orderItemId") else None,
            )
        ],
        reason=reason,
        return_awb=raw.get("trackingId") or None,
        requested_at=opt_ts(raw.get("createdDate")),
    )
